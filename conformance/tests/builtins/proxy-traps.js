// snapvm conformance test (MIT)
/*---
description: Proxy traps run guest handlers for get, set, has, delete, ownKeys, apply and construct; a revoked proxy throws.
includes: [compareArray.js]
---*/
var log = [];
var target = function (a, b) { return a + b; };
target.x = 1;
var handler = {
  get(t, k, r) { log.push('get ' + String(k)); return k === 'virtual' ? 'v' : Reflect.get(t, k, r); },
  set(t, k, v, r) { log.push('set ' + k); return Reflect.set(t, k, v * 2, r); },
  has(t, k) { log.push('has ' + k); return k === 'ghost' || k in t; },
  deleteProperty(t, k) { log.push('delete ' + k); return delete t[k]; },
  ownKeys(t) { log.push('ownKeys'); return Reflect.ownKeys(t); },
  apply(t, thisArg, args) { log.push('apply'); return t.apply(thisArg, args) * 10; },
  construct(t, args, newTarget) { log.push('construct'); return { made: args.length }; },
};
var p = new Proxy(target, handler);
assert.sameValue(p.virtual, 'v');
p.y = 5;
assert.sameValue(target.y, 10);
assert.sameValue('ghost' in p, true);
assert.sameValue(delete p.y, true);
Object.keys(p);
assert.sameValue(p(1, 2), 30);
assert.sameValue(new p(1, 2, 3).made, 3);
assert.compareArray(log.slice(0, 6), ['get virtual', 'set y', 'has ghost', 'delete y', 'ownKeys', 'apply']);
assert.sameValue(log[log.length - 1], 'construct');
var r = Proxy.revocable({}, {});
r.revoke();
assert.throws(TypeError, function () { return r.proxy.anything; });
assert.throws(TypeError, function () {
  var frozen = Object.freeze({ k: 1 });
  new Proxy(frozen, { get() { return 2; } }).k;
}, 'invariants of non-configurable properties are enforced');
