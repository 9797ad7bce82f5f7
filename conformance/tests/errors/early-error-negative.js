// snapvm conformance test (MIT)
/*---
description: Duplicate lexical declarations are an early SyntaxError: nothing of the script runs.
negative:
  phase: parse
  type: SyntaxError
---*/
$DONOTEVALUATE();
let duplicated = 1;
let duplicated = 2;
