// snapvm conformance test (MIT)
/*---
description: continue to a label of a non-loop statement is an early SyntaxError.
negative:
  phase: parse
  type: SyntaxError
---*/
$DONOTEVALUATE();
lbl: {
  for (;;) { continue lbl; }
}
