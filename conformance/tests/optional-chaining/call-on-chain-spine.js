// snapvm conformance test (MIT)
/*---
description: >
  A call in the middle of an optional chain (`a?.b.c(x).d`, `a?.b()()`) belongs to the chain: a
  nullish base short-circuits the whole chain, arguments included.
---*/
var x = 0;
var a;
assert.sameValue(a?.b.c(++x).d, undefined);
assert.sameValue(x, 0, "the arguments of a call on the spine are not evaluated");
assert.sameValue(a?.b()(++x), undefined);
assert.sameValue(x, 0);
a = { b: { c: function (v) { return { d: v, self: this }; } }, f: function () { return function (v) { return v * 2; }; } };
assert.sameValue(a?.b.c(++x).d, 1);
assert.sameValue(a?.b.c(1).self, a.b, "the call has its member's this");
assert.sameValue(a?.f()(21), 42);
assert.sameValue(a?.g?.()(++x), undefined, "an optional call on the spine short-circuits too");
assert.sameValue(x, 1);
