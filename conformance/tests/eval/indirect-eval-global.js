// snapvm conformance test (MIT)
/*---
description: Indirect eval runs in the global scope and its var declarations become global properties.
---*/
function f() {
  var shadow = 'local';
  return (0, eval)('var fromIndirect = 1; typeof shadow');
}
assert.sameValue(f(), 'undefined');
assert.sameValue(globalThis.fromIndirect, 1);
assert.sameValue(Object.getOwnPropertyDescriptor(globalThis, 'fromIndirect').configurable, true, 'eval-declared vars are deletable');
assert.sameValue((0, eval)('this'), globalThis);
