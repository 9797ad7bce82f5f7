// snapvm conformance test (MIT)
/*---
description: Sloppy direct eval sees and creates bindings of the calling function; let stays inside the eval.
flags: [noStrict]
---*/
function f(param) {
  var local = 'local';
  eval('var created = param + "-" + local; let hidden = 1;');
  return [created, typeof hidden];
}
var r = f('p');
assert.sameValue(r[0], 'p-local');
assert.sameValue(r[1], 'undefined');
function g() {
  eval('function inner() { return "declared by eval"; }');
  return inner();
}
assert.sameValue(g(), 'declared by eval');
var e = eval;
function h() {
  var local = 'h';
  return e('typeof local');
}
assert.sameValue(h(), 'undefined', 'an indirect call through an alias is global eval');
