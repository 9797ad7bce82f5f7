// snapvm conformance test (MIT)
/*---
description: >
  A function a sloppy direct eval declares at global level over a configurable global property makes it
  a writable, enumerable, configurable data property holding the function, even where the property was
  read-only or an accessor (CreateGlobalFunctionBinding(fn, fo, true), ecma262 §9.1.1.4.18); over a
  non-configurable writable one only the value changes.
flags: [noStrict]
---*/
var global = this;
Object.defineProperty(global, 'ro', { value: 1, writable: false, enumerable: false, configurable: true });
var seen;
eval('seen = ro; function ro() { return 2; }');
assert.sameValue(typeof seen, 'function', 'the function is there before the eval code runs');
var d = Object.getOwnPropertyDescriptor(global, 'ro');
assert.sameValue(d.value(), 2);
assert.sameValue(d.writable, true, 'writable');
assert.sameValue(d.enumerable, true, 'enumerable');
assert.sameValue(d.configurable, true, 'configurable');

var getterRan = false;
Object.defineProperty(global, 'acc', { get: function () { getterRan = true; return 0; }, set: function () { throw new Test262Error('setter'); }, configurable: true });
eval('function acc() { return 3; }');
d = Object.getOwnPropertyDescriptor(global, 'acc');
assert.sameValue(d.value(), 3, 'an accessor becomes a data property');
assert.sameValue(getterRan, false);

Object.defineProperty(global, 'fixed', { value: 0, writable: true, enumerable: true, configurable: false });
eval('function fixed() { return 4; }');
d = Object.getOwnPropertyDescriptor(global, 'fixed');
assert.sameValue(d.value(), 4);
assert.sameValue(d.configurable, false, 'a non-configurable property stays non-configurable');
