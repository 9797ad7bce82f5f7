// snapvm conformance test (MIT)
/*---
description: An uncaught TypeError reaches the host with its constructor name.
negative:
  phase: runtime
  type: TypeError
---*/
var holder = null;
holder.property;
