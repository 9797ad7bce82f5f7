// snapvm conformance test (MIT)
/*---
description: An uncaught TDZ error at the top level of a script is a ReferenceError at run time.
negative:
  phase: runtime
  type: ReferenceError
---*/
value;
let value = 1;
