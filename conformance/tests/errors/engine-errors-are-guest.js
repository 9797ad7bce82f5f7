// snapvm conformance test (MIT)
/*---
description: Errors the engine raises (property of null, undeclared name, bad eval, bad array length, calling a non-function) are this realm's errors.
---*/
function thrown(f) {
  try { f(); } catch (e) { return e; }
  throw new Test262Error('expected a throw from ' + f);
}
var cases = [
  [TypeError, function () { return null.x; }],
  [TypeError, function () { var u; u(); }],
  [TypeError, function () { new (function () {}.bind())[0](); }],
  [ReferenceError, function () { return notDeclaredAnywhere; }],
  [SyntaxError, function () { eval('var = 1'); }],
  [RangeError, function () { return new Array(-1); }],
  [TypeError, function () { return Symbol() + ''; }],
  [TypeError, function () { 'use strict'; Object.freeze([]).push(1); }],
];
cases.forEach(function (c) {
  var e = thrown(c[1]);
  assert.sameValue(e.constructor, c[0], String(c[1]));
  assert.sameValue(Object.getPrototypeOf(e), c[0].prototype);
  assert.sameValue(e.constructor.constructor, Function, 'its constructor chain stays in this realm');
  assert.sameValue(typeof e.message, 'string');
});
