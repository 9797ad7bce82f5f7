// snapvm conformance test (MIT)
/*---
description: >
  A class heritage is evaluated in the class scope (the class name is bound there, in its TDZ, and
  closures over it see the inner binding) and is strict code.
flags: [noStrict]
---*/
var probe, set;
class C extends (probe = function () { return C; }, set = function () { C = null; }, Object) {}
assert.sameValue(probe(), C, "the heritage's closure sees the class binding");
assert.throws(TypeError, function () { set(); }, "the inner class binding is immutable");
assert.sameValue(typeof C, "function");
assert.throws(ReferenceError, function () { class E extends E {} }, "the name is in its TDZ during the heritage");
var D = class extends function () { return this; } {};
assert.throws(TypeError, function () { Object.getPrototypeOf(D).arguments; }, "a function in the heritage is strict");
var strictThis = (class extends (function () { return function () { return this; }; })() {}, (function () { return this; })());
assert.sameValue(typeof strictThis, "object", "code after the class is sloppy again");
