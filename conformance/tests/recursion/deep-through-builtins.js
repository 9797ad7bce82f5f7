// snapvm conformance test (MIT)
/*---
description: >
  Recursion through built-ins that call back into guest code (map, getters, toString) works 1000 levels deep.
  (Not 2000: V8's own limit through map drops to about 1500 levels once any test in the worker's process has
  given Array.prototype an element, an isolate-wide change; --engine native is the reference.)
---*/
function viaMap(n) {
  return n === 0 ? 0 : [n].map(function (x) { return 1 + viaMap(x - 1); })[0];
}
assert.sameValue(viaMap(1000), 1000);
function chain(n) {
  var o = {};
  Object.defineProperty(o, 'v', { get: function () { return n === 0 ? 0 : 1 + chain(n - 1).v; } });
  return o;
}
assert.sameValue(chain(1000).v, 1000);
function viaToString(n) {
  return n === 0 ? '' : String({ toString: function () { return 'x' + viaToString(n - 1); } });
}
assert.sameValue(viaToString(1000).length, 1000);
