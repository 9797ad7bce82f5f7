// snapvm conformance test (MIT)
/*---
description: with is an early SyntaxError in strict code.
flags: [onlyStrict]
negative:
  phase: parse
  type: SyntaxError
---*/
$DONOTEVALUATE();
with ({}) {}
