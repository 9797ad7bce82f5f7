// snapvm conformance test (MIT)
/*---
description: Assigning to a const binding throws TypeError (in sloppy code too); a const is still initialised.
---*/
const c = 1;
assert.throws(TypeError, function () { c = 2; });
assert.throws(TypeError, function () { c++; });
assert.throws(TypeError, function () { for (const i = 0; i < 1; i++) {} });
assert.sameValue(c, 1);
var f = function named() {
  'use strict';
  assert.throws(TypeError, function () { named = 1; }, 'the name of a named function expression is immutable');
  return typeof named;
};
assert.sameValue(f(), 'function');
