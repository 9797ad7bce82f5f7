// snapvm conformance test (MIT)
/*---
description: Stack overflows that happen inside built-ins or the parser surface as this realm's errors.
---*/
function check(f, label) {
  var caught;
  try { f(); } catch (e) { caught = e; }
  assert.notSameValue(caught, undefined, label + ' should throw');
  assert(caught instanceof RangeError || caught instanceof SyntaxError, label + ': a RangeError or SyntaxError of this realm, got ' + caught);
  assert.sameValue(caught.constructor.constructor, Function, label + ': constructor chain stays in this realm');
}
check(function () { function f() { return [0].map(f); } f(); }, 'recursion through Array.prototype.map');
check(function () {
  var deep = {};
  for (var i = 0; i < 200000; i++) deep = { d: deep };
  JSON.stringify(deep);
}, 'JSON.stringify of a deep object');
check(function () { eval('['.repeat(200000) + ']'.repeat(200000)); }, 'deeply nested literal in eval');
check(function () { Function('return ' + '('.repeat(200000) + '1' + ')'.repeat(200000)); }, 'deeply nested expression in Function');
check(function () { function g() { return String({ toString: g }); } g(); }, 'recursion through ToString');
