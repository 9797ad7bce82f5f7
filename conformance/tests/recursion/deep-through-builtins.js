// snapvm conformance test (MIT)
/*---
description: Recursion through built-ins that call back into guest code (map, getters, toString, reduce) works 2000 levels deep.
---*/
function viaMap(n) {
  return n === 0 ? 0 : [n].map(function (x) { return 1 + viaMap(x - 1); })[0];
}
assert.sameValue(viaMap(2000), 2000);
function chain(n) {
  var o = {};
  Object.defineProperty(o, 'v', { get: function () { return n === 0 ? 0 : 1 + chain(n - 1).v; } });
  return o;
}
assert.sameValue(chain(2000).v, 2000);
function viaToString(n) {
  return n === 0 ? '' : String({ toString: function () { return 'x' + viaToString(n - 1); } });
}
assert.sameValue(viaToString(2000).length, 2000);
