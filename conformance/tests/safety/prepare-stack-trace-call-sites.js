// snapvm conformance test (MIT)
/*---
description: Call sites handed to Error.prepareStackTrace expose no host objects, also for errors raised in host code (a known node:vm escape).
---*/
var leaks = [];
function inspect(value, label) {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
  var p = value, last = null;
  while (p !== null) { last = p; p = Object.getPrototypeOf(p); }
  var foreignRoot = last !== Object.prototype && Object.prototype.hasOwnProperty.call(last, 'hasOwnProperty');
  if (foreignRoot) leaks.push(label + ': prototype chain ends at another realm\'s Object.prototype');
  try {
    var F = value.constructor && value.constructor.constructor;
    if (typeof F === 'function' && F('return typeof process')() !== 'undefined') leaks.push(label + ': reaches process');
  } catch (e) {
    // A constructor that refuses to run is not a leak.
  }
}
Error.prepareStackTrace = function (error, sites) {
  inspect(sites, 'call site array');
  for (var i = 0; i < sites.length; i++) {
    var s = sites[i];
    inspect(s, 'call site ' + i);
    ['getThis', 'getFunction', 'getTypeName', 'getEvalOrigin'].forEach(function (m) {
      if (typeof s[m] === 'function') {
        try { inspect(s[m](), 'call site ' + i + '.' + m + '()'); } catch (e) { /* may throw in strict frames */ }
      }
    });
  }
  return 'formatted';
};
var triggers = [
  function () { null.x; },
  function () { [].reduce(function () {}); },
  function () { $262.detachArrayBuffer({}); },
  function () { $262.evalScript('}'); },
  function () { new Proxy(1, {}); },
  function () { JSON.parse('{'); },
  function () { function f() { return 1 + f(); } f(); },
];
triggers.forEach(function (t) {
  try { t(); } catch (e) { if (e && typeof e === 'object') e.stack; }
});
Error.prepareStackTrace = undefined;
assert.sameValue(leaks.length, 0, leaks.join('; '));
