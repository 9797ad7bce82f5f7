// snapvm conformance test (MIT)
/*---
description: >
  A sloppy mapped arguments object lists its non-enumerable elements (OrdinaryOwnPropertyKeys):
  Reflect.ownKeys, Object.getOwnPropertyNames and getOwnPropertyDescriptors see them, and
  Object.freeze / seal / isFrozen / isSealed treat them (V8 of Node 20 leaves them out).
flags: [noStrict]
includes: [compareArray.js]
---*/
function hide(a, b, c) {
  Object.defineProperty(arguments, '0', { enumerable: false });
  Object.defineProperty(arguments, '2', { get: function () { return 7; }, enumerable: false, configurable: true });
  arguments[5] = 'x';
  Object.defineProperty(arguments, '5', { enumerable: false });
  return arguments;
}
var args = hide(1, 2, 3);
var sym = Symbol.iterator;
assert.compareArray(Reflect.ownKeys(args), ['0', '1', '2', '5', 'length', 'callee', sym], 'Reflect.ownKeys');
assert.compareArray(Object.getOwnPropertyNames(args), ['0', '1', '2', '5', 'length', 'callee'], 'getOwnPropertyNames');
assert.compareArray(Object.keys(args), ['1'], 'Object.keys lists only the enumerable element');
var descs = Object.getOwnPropertyDescriptors(args);
assert.compareArray(Object.getOwnPropertyNames(descs), ['0', '1', '2', '5', 'length', 'callee'], 'getOwnPropertyDescriptors');
assert.sameValue(descs[0].value, 1);
assert.sameValue(descs[0].enumerable, false);
assert.sameValue(descs[2].get.call(), 7);
assert.sameValue(descs[5].value, 'x');
var forIn = [];
for (var k in args) forIn.push(k);
assert.compareArray(forIn, ['1'], 'for-in');

function frozen(a, b) {
  Object.defineProperty(arguments, '0', { enumerable: false });
  Object.freeze(arguments);
  return arguments;
}
var f = frozen(1, 2);
var d0 = Object.getOwnPropertyDescriptor(f, '0');
assert.sameValue(d0.writable, false, 'freeze makes the hidden element read-only');
assert.sameValue(d0.configurable, false, 'freeze makes the hidden element non-configurable');
assert(Object.isFrozen(f), 'isFrozen');
assert(Object.isSealed(f), 'isSealed');

function sealed(a) {
  Object.defineProperty(arguments, '0', { enumerable: false });
  Object.seal(arguments);
  return arguments;
}
var s = sealed(1);
assert.sameValue(Object.getOwnPropertyDescriptor(s, '0').configurable, false, 'seal');
assert.sameValue(Object.getOwnPropertyDescriptor(s, '0').writable, true, 'seal keeps it writable');
assert(Object.isSealed(s), 'isSealed after seal');
assert.sameValue(Object.isFrozen(s), false, 'a sealed object with a writable element is not frozen');

function open(a) {
  Object.defineProperty(arguments, '0', { enumerable: false });
  Object.defineProperty(arguments, 'length', { writable: false, configurable: false });
  Object.defineProperty(arguments, 'callee', { writable: false, configurable: false });
  Object.defineProperty(arguments, Symbol.iterator, { writable: false, configurable: false });
  Object.preventExtensions(arguments);
  return arguments;
}
var o = open(1);
assert.sameValue(Object.isFrozen(o), false, 'the hidden element is still writable and configurable');
assert.sameValue(Object.isSealed(o), false, 'the hidden element is still configurable');
