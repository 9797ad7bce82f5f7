// snapvm conformance test (MIT)
/*---
description: >
  A subclass of Function (and of the generator and async function constructors) makes functions whose
  prototype is the subclass's (CreateDynamicFunction: GetPrototypeFromConstructor(newTarget)).
---*/
class F extends Function {}
var f = new F('a', 'return a * 2');
assert(f instanceof F, 'instance of the subclass');
assert.sameValue(Object.getPrototypeOf(f), F.prototype);
assert.sameValue(f(21), 42, 'and it runs');
var GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor;
class G extends GeneratorFunction {}
var g = new G('yield 1');
assert.sameValue(Object.getPrototypeOf(g), G.prototype);
assert.sameValue(g().next().value, 1);
function NotObject() {}
NotObject.prototype = 1;
var h = Reflect.construct(Function, ['return 3'], NotObject);
assert.sameValue(Object.getPrototypeOf(h), Function.prototype, 'a prototype that is not an object falls back');
assert.sameValue(Function('return 4')(), 4);
assert.sameValue(Object.getPrototypeOf(Function('')), Function.prototype);
