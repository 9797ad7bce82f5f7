// snapvm conformance test (MIT)
/*---
description: >
  A sloppy arguments object's non-enumerable elements (which V8's ownKeys leaves out) keep their values and
  attributes across a snapshot taken while the function runs (safe points in its loops), mapped or not.
flags: [noStrict]
includes: [propertyHelper.js]
---*/
function f(a, b) {
  Object.defineProperty(arguments, '0', { enumerable: false, writable: false, configurable: false });
  Object.defineProperty(arguments, '1', { get: function () { return 'got'; }, enumerable: false, configurable: false });
  Object.defineProperty(arguments, '5', { value: 'far', enumerable: false });
  for (var i = 0; i < 3; i++);
  a = 'param';
  b = 'other';
  for (var j = 0; j < 3; j++);
  verifyProperty(arguments, '0', { value: 1, writable: false, enumerable: false, configurable: false });
  assert.sameValue(arguments[1], 'got', 'the accessor index');
  var d1 = Object.getOwnPropertyDescriptor(arguments, '1');
  assert.sameValue(typeof d1.get, 'function', 'still an accessor');
  assert.sameValue(d1.configurable, false, 'still non-configurable');
  assert.sameValue(d1.enumerable, false, 'still non-enumerable');
  assert.sameValue(arguments[5], 'far', 'an element past the arguments');
  assert.sameValue(Object.getOwnPropertyDescriptor(arguments, '5').enumerable, false);
  return a;
}
assert.sameValue(f(1, 2, 3), 'param', 'the parameter is no longer mapped');
