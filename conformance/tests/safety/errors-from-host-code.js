// snapvm conformance test (MIT)
/*---
description: Errors thrown by host hooks and by built-ins the engine replaces are this realm's errors.
---*/
function thrown(f) {
  try { f(); } catch (e) { return e; }
  throw new Test262Error('expected a throw from ' + f);
}
function checkRealm(e, label) {
  assert.sameValue(typeof e, 'object', label);
  var ctor = e.constructor;
  assert(ctor === Error || Object.getPrototypeOf(ctor) === Error, label + ': constructor is one of this realm\'s error constructors');
  assert.sameValue(ctor.constructor, Function, label + ': constructor chain stays in this realm');
}
var cases = {
  'evalScript syntax error': function () { $262.evalScript('var = ;'); },
  'evalScript runtime error': function () { $262.evalScript('null.x'); },
  'detachArrayBuffer of a non-buffer': function () { $262.detachArrayBuffer({}); },
  'Function with bad body': function () { Function('{'); },
  'eval with bad code': function () { eval('}'); },
  'Proxy with a primitive target': function () { new Proxy(1, {}); },
  'revoked proxy': function () { var r = Proxy.revocable({}, {}); r.revoke(); r.proxy.x; },
  'bind on a non-callable': function () { Function.prototype.bind.call({}); },
  'WeakMap with a primitive key': function () { new WeakMap().set(1, 1); },
  'WeakRef of a primitive': function () { new WeakRef(1); },
  'Promise executor not callable': function () { new Promise(1); },
  'Promise.resolve on a non-object': function () { Promise.resolve.call(1); },
  'generator next on a wrong receiver': function () { (function* () {}).prototype.next.call({}); },
  'JSON.parse': function () { JSON.parse('{'); },
};
Object.keys(cases).forEach(function (label) {
  checkRealm(thrown(cases[label]), label);
});
assert.sameValue(thrown(cases['evalScript syntax error']).constructor, SyntaxError);
