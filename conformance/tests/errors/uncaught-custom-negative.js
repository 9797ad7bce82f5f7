// snapvm conformance test (MIT)
/*---
description: An uncaught error of a guest-defined subclass reaches the host with the subclass's name.
negative:
  phase: runtime
  type: ValidationError
---*/
class ValidationError extends Error {}
function validate() { throw new ValidationError('bad input'); }
validate();
