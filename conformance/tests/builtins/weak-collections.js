// snapvm conformance test (MIT)
/*---
description: WeakMap, WeakSet and WeakRef hold object keys, reject primitives, and report membership.
---*/
var k1 = {}, k2 = function () {};
var wm = new WeakMap([[k1, 'one']]);
wm.set(k2, 'two');
assert.sameValue(wm.get(k1), 'one');
assert.sameValue(wm.has(k2), true);
assert.sameValue(wm.delete(k2), true);
assert.sameValue(wm.has(k2), false);
assert.sameValue(wm.get({}), undefined);
assert.throws(TypeError, function () { wm.set('str', 1); });
assert.sameValue(wm.has(1), false, 'has() of a primitive is false, not an error');
var ws = new WeakSet();
ws.add(k1);
assert.sameValue(ws.has(k1), true);
assert.throws(TypeError, function () { ws.add(null); });
var wr = new WeakRef(k1);
assert.sameValue(wr.deref(), k1);
var fr = new FinalizationRegistry(function () {});
fr.register(k2, 'held');
assert.sameValue(fr.unregister(k2), false, 'no unregister token was given');
assert.sameValue(Object.prototype.toString.call(wm), '[object WeakMap]');
