// snapvm conformance test (MIT)
/*---
description: Host-provided functions (print, $262, timers, console) are functions of this realm.
---*/
var hostFunctions = [['print', globalThis.print]];
['evalScript', 'detachArrayBuffer', 'gc', 'createRealm'].forEach(function (k) {
  if (typeof $262[k] === 'function') hostFunctions.push(['$262.' + k, $262[k]]);
});
['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask'].forEach(function (k) {
  if (typeof globalThis[k] === 'function') hostFunctions.push([k, globalThis[k]]);
});
if (typeof console === 'object' && console) {
  ['log', 'error', 'warn', 'info'].forEach(function (k) {
    if (typeof console[k] === 'function') hostFunctions.push(['console.' + k, console[k]]);
  });
}
hostFunctions.forEach(function (pair) {
  var name = pair[0], f = pair[1];
  assert.sameValue(typeof f, 'function', name);
  assert.sameValue(Object.getPrototypeOf(f), Function.prototype, name + ' inherits from this realm\'s Function.prototype');
  assert.sameValue(f.constructor, Function, name + '.constructor');
  assert.sameValue(f.call.constructor, Function, name + '.call.constructor');
});
assert.sameValue(Object.getPrototypeOf($262), Object.prototype, '$262 is an ordinary object of this realm');
assert.sameValue($262.global, globalThis);
