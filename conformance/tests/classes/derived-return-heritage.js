// snapvm conformance test (MIT)
/*---
description: >
  A derived constructor's `return 0` is a TypeError of [[Construct]], after the body: the
  constructor's own catch does not see it. `extends` of a non-constructor wrapped in a bound
  function or a proxy is a TypeError, found without running the proxy's traps or a prototype getter.
---*/
var caught = false;
class C extends class {} {
  constructor() {
    super();
    try { return 0; } catch (e) { caught = true; return; }
  }
}
assert.throws(TypeError, function () { new C(); });
assert.sameValue(caught, false, "the constructor's catch does not see the TypeError");

var finallyRan = false;
class D extends class {} {
  constructor() { super(); try { return 1; } finally { finallyRan = true; } }
}
assert.throws(TypeError, function () { new D(); });
assert.sameValue(finallyRan, true, "finally blocks run before [[Construct]] checks the value");

var traps = 0;
var proxy = new Proxy(async function () {}, { get: function () { traps++; throw new Test262Error("trap"); } });
assert.throws(TypeError, function () { class E extends proxy {} });
assert.sameValue(traps, 0, "no trap runs");
var bound = (async function () {}).bind();
Object.defineProperty(bound, "prototype", { get: function () { throw new Test262Error("prototype read"); } });
assert.throws(TypeError, function () { class F extends bound {} });
class G extends new Proxy(class {}, {}) {}
assert.sameValue(typeof new G(), "object", "a proxy of a class is a constructor");
