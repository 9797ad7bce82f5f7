// snapvm conformance test (MIT)
/*---
description: Every value on the guest global and on the built-ins' prototypes belongs to this realm (no host object is reachable one or two steps from the global).
---*/
var problems = [];
function check(value, label) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
  var p = value, last = null;
  while (p !== null) { last = p; p = Object.getPrototypeOf(p); }
  if (last !== Object.prototype && Object.prototype.hasOwnProperty.call(last, 'hasOwnProperty')) {
    problems.push(label);
  }
}
Object.getOwnPropertyNames(globalThis).forEach(function (name) {
  var d = Object.getOwnPropertyDescriptor(globalThis, name);
  var v = d.get ? d.get : d.value;
  check(v, name);
  if (v && (typeof v === 'object' || typeof v === 'function')) {
    Object.getOwnPropertyNames(v).forEach(function (k) {
      var dd = Object.getOwnPropertyDescriptor(v, k);
      check(dd.get || dd.set || dd.value, name + '.' + k);
      if (k === 'prototype' && dd.value && typeof dd.value === 'object') {
        Object.getOwnPropertyNames(dd.value).forEach(function (pk) {
          var pd = Object.getOwnPropertyDescriptor(dd.value, pk);
          check(pd.get || pd.set || pd.value, name + '.prototype.' + pk);
        });
      }
    });
  }
});
assert.sameValue(problems.length, 0, 'values from another realm: ' + problems.join(', '));
