// snapvm conformance test (MIT)
/*---
description: break to a label that does not enclose the statement is an early SyntaxError.
negative:
  phase: parse
  type: SyntaxError
---*/
$DONOTEVALUATE();
a: {}
while (true) { break a; }
