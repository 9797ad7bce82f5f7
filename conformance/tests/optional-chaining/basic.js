// snapvm conformance test (MIT)
/*---
description: ?. short-circuits the whole chain on null or undefined and evaluates nothing after it.
---*/
var calls = 0;
function side() { calls++; return 'k'; }
var nothing = null;
assert.sameValue(nothing?.a.b.c, undefined);
assert.sameValue(nothing?.[side()], undefined);
assert.sameValue(nothing?.f(side()), undefined);
assert.sameValue(calls, 0, 'short-circuited expressions are not evaluated');
var o = { a: { b: 0 }, f() { return 'called'; }, n: null };
assert.sameValue(o?.a?.b, 0);
assert.sameValue(o.missing?.(), undefined);
assert.sameValue(o.f?.(), 'called');
assert.sameValue(o.n?.x, undefined);
assert.sameValue((o.n?.x)?.y, undefined);
assert.throws(TypeError, function () { return (nothing?.a).b; }, 'parentheses end the chain');
assert.throws(TypeError, function () { return o.a?.b.c.d; }, 'only the guarded link short-circuits');
assert.sameValue(delete nothing?.x, true);
assert.sameValue(o?.a.b ?? 'default', 0, '?? only replaces null and undefined');
