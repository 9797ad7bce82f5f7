// snapvm conformance test (MIT)
/*---
description: Every function constructor reachable by the guest (Function, generator, async, async generator) builds functions that see only the guest global.
---*/
var ctors = [
  Function,
  Object.getPrototypeOf(function* () {}).constructor,
  Object.getPrototypeOf(async function () {}).constructor,
  Object.getPrototypeOf(async function* () {}).constructor,
];
ctors.forEach(function (C, i) {
  assert.sameValue(Object.getPrototypeOf(C), i === 0 ? Function.prototype : Function, 'constructor ' + i);
  var f = C('return typeof process + typeof require');
  assert.sameValue(Object.getPrototypeOf(f), C.prototype, 'constructor ' + i + ' makes its own kind of function');
});
assert.sameValue(Function('return typeof process + typeof require')(), 'undefinedundefined');
assert.sameValue(Function('return this')(), globalThis, 'sloppy Function code sees the guest global');
