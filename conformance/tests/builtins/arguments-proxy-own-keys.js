// snapvm conformance test (MIT)
/*---
description: >
  A proxy in front of a sloppy (mapped) arguments object with a non-enumerable element: an ownKeys trap
  that forwards Reflect.ownKeys(target) passes ProxyOwnKeys' checks, also when the target is not
  extensible or frozen; a trap that leaves the element out of a non-extensible target's keys is a
  TypeError; freeze, seal, isFrozen, getOwnPropertyNames/Symbols/Descriptors go through the proxy.
flags: [noStrict]
includes: [compareArray.js]
---*/
function make(a, b) { return arguments; }
function names(keys) { return keys.map(String); }
var args = make('a', 'b');
Object.defineProperty(args, '0', { enumerable: false });
var forward = new Proxy(args, { ownKeys: function (t) { return Reflect.ownKeys(t); } });
var expected = ['0', '1', 'length', 'callee', 'Symbol(Symbol.iterator)'];
assert.compareArray(names(Reflect.ownKeys(forward)), expected, 'an extensible target');
Object.preventExtensions(args);
assert.compareArray(names(Reflect.ownKeys(forward)), expected, 'a non-extensible target');
assert.compareArray(Object.getOwnPropertyNames(forward), ['0', '1', 'length', 'callee'], 'getOwnPropertyNames');
assert.compareArray(names(Object.getOwnPropertySymbols(forward)), ['Symbol(Symbol.iterator)'], 'getOwnPropertySymbols');
var descriptors = Object.getOwnPropertyDescriptors(forward);
assert.sameValue(descriptors[0].value, 'a', 'getOwnPropertyDescriptors has the hidden element');
assert.sameValue(descriptors[0].enumerable, false);
assert.compareArray(names(Reflect.ownKeys(new Proxy(args, {}))), expected, 'no trap: the target\'s keys');
assert.compareArray(names(Reflect.ownKeys(new Proxy(forward, {}))), expected, 'a proxy of the proxy');

var leaves = new Proxy(args, { ownKeys: function () { return ['1', 'length', 'callee', Symbol.iterator]; } });
assert.throws(TypeError, function () { Reflect.ownKeys(leaves); }, 'a key of a non-extensible target left out');
var dup = new Proxy(args, { ownKeys: function () { return ['0', '0']; } });
assert.throws(TypeError, function () { Reflect.ownKeys(dup); }, 'a duplicate key');
var notList = new Proxy(args, { ownKeys: function () { return [1]; } });
assert.throws(TypeError, function () { Reflect.ownKeys(notList); }, 'a number in the list');

assert.sameValue(Object.isFrozen(forward), false, 'not frozen yet');
assert.sameValue(Object.isSealed(forward), false, 'not sealed yet');
assert.sameValue(Object.seal(forward), forward, 'seal returns the proxy');
assert.sameValue(Object.isSealed(forward), true, 'sealed');
assert.sameValue(Object.getOwnPropertyDescriptor(args, '0').configurable, false, 'seal reached the hidden element');
assert.sameValue(Object.isFrozen(forward), false, 'sealed, not frozen');
Object.freeze(forward);
assert.sameValue(Object.isFrozen(forward), true, 'frozen');
assert.sameValue(Object.getOwnPropertyDescriptor(args, '0').writable, false, 'freeze reached the hidden element');
assert.compareArray(names(Reflect.ownKeys(forward)), expected, 'a frozen target');
