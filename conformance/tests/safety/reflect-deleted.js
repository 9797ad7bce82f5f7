// snapvm conformance test (MIT)
/*---
description: >
  Guest code that deletes or replaces the global Reflect's functions does not break the engine,
  which calls into the realm with its own copy of them.
---*/
var savedApply = Reflect.apply, savedGet = Reflect.get;
delete Reflect.apply;
Reflect.get = function () { throw new Error("the engine called the guest's Reflect.get"); };
var o = { get v() { return 7; } };
assert.sameValue(o.v, 7);
assert.sameValue([1, 2, 3].map(function (n) { return n + 1; }).join(), "2,3,4");
assert.sameValue(Function.prototype.apply.call(function (a, b) { return a + b; }, null, [1, 2]), 3);
class A { m() { return 1; } }
class B extends A { m() { return super.m() + 1; } }
assert.sameValue(new B().m(), 2);
Reflect.apply = savedApply;
Reflect.get = savedGet;
