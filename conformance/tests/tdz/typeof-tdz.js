// snapvm conformance test (MIT)
/*---
description: typeof does not protect a binding in its TDZ, but does protect an undeclared name.
---*/
assert.sameValue(typeof undeclaredName, 'undefined');
assert.throws(ReferenceError, function () {
  typeof t;
  let t;
});
assert.throws(ReferenceError, function () {
  typeof C;
  class C {}
});
