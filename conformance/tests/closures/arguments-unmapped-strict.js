// snapvm conformance test (MIT)
/*---
description: Strict functions have an unmapped arguments object whose callee throws.
flags: [onlyStrict]
---*/
function f(a) {
  arguments[0] = 'changed';
  return [a, arguments];
}
var r = f('orig');
assert.sameValue(r[0], 'orig');
assert.sameValue(r[1][0], 'changed');
assert.throws(TypeError, function () { return r[1].callee; });
assert.sameValue(Object.prototype.toString.call(r[1]), '[object Arguments]');
