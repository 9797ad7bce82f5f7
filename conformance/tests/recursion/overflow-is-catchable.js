// snapvm conformance test (MIT)
/*---
description: Unbounded recursion throws a RangeError of this realm that the guest can catch, and the engine keeps working.
---*/
function forever(n) { return forever(n + 1) + 1; }
var caught;
try {
  forever(0);
} catch (e) {
  caught = e;
}
assert.sameValue(caught instanceof RangeError, true, 'a RangeError');
assert.sameValue(caught.constructor, RangeError, 'of this realm');
var finallyRan = false;
function withFinally() {
  try { return withFinally(); } finally { finallyRan = true; }
}
assert.throws(RangeError, withFinally);
assert.sameValue(finallyRan, true);
function depth(n) { return n === 0 ? 0 : 1 + depth(n - 1); }
assert.sameValue(depth(1000), 1000, 'calls work normally afterwards');
