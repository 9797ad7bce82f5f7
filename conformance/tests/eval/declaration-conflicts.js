// snapvm conformance test (MIT)
/*---
description: >
  Sloppy direct eval's var declarations may not redeclare a parameter or `arguments` when the eval is
  in a parameter list with expressions, nor a function's top-level let/const/class; block functions
  declared in eval code reach the caller's var binding (Annex B) and keep their own block binding.
flags: [noStrict]
---*/
function inDefault(p = eval('var arguments = 1')) {}
assert.throws(SyntaxError, inDefault, 'var arguments in a parameter default');
function laterParam(p = eval('var q'), q) {}
assert.throws(SyntaxError, laterParam, 'var of a parameter name in a parameter default');
function otherName(p = eval('var fresh = 5'), q = fresh) { return q; }
assert.sameValue(otherName(), 5, 'a var of a new name made in a parameter default is visible to later parameters');
var arrow = (p = eval('var arguments = "ok"')) => arguments;
assert.sameValue(arrow(), 'ok', 'an arrow has no arguments binding of its own');

function topLet() { let x; eval('var x'); }
assert.throws(SyntaxError, topLet, 'var over a top-level let');
var o = { get g() { const y = 1; eval('function y() {}'); } };
assert.throws(SyntaxError, function () { return o.g; }, 'function over a top-level const in a getter');
function withDefault(a = 1) { eval('var a = 2'); return a; }
assert.sameValue(withDefault(), 2, 'a var of a parameter name in the body of a function with parameter expressions');

var seen = [];
(function () {
  eval('{ function f() { seen.push(typeof f); f = 123; seen.push(typeof f); } } f(); seen.push(typeof f);');
})();
assert.sameValue(seen.join(), 'function,number,function', 'the block binding is assigned, the var binding keeps the function');
(function () {
  { function g() { g; } }
  assert.sameValue((() => typeof g)(), 'function', 'a captured var gets the block function');
})();
(function () {
  try { throw {}; } catch ({ h }) { { function h() {} } }
  assert.throws(ReferenceError, function () { h; }, 'a destructured catch parameter blocks the Annex B var');
})();
