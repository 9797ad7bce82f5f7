// snapvm conformance test (MIT)
/*---
description: >
  Object.freeze and Object.isFrozen of a sloppy mapped arguments object with a hidden accessor element
  read its own descriptor only: `value` and `writable` on Object.prototype change nothing, and no getter
  there runs (an accessor element stays an accessor).
flags: [noStrict]
---*/
function hide(a) {
  Object.defineProperty(arguments, '0', { get: function () { return 7; }, enumerable: false, configurable: true });
  return arguments;
}
var args = hide(1);
var ran = 0;
// (the getter first: a descriptor literal made after `value` is on Object.prototype would have a value too)
Object.defineProperty(Object.prototype, 'writable', { get: function () { ran++; return true; }, configurable: true });
Object.prototype.value = 1;
try {
  Object.freeze(args);
  var d = Object.getOwnPropertyDescriptor(args, '0');
  assert.sameValue(typeof d.get, 'function', 'the element is still an accessor');
  assert.sameValue(d.configurable, false, 'and not configurable');
  assert.sameValue(args[0], 7, 'its getter answers');
  assert.sameValue(Object.isFrozen(args), true, 'isFrozen');
  assert.sameValue(ran, 0, 'no getter on Object.prototype ran');
} finally {
  delete Object.prototype.value;
  delete Object.prototype.writable;
}
