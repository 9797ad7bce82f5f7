// snapvm conformance test (MIT)
/*---
description: >
  `var x = init` and `x = v` under `with` (or over a sloppy direct eval) resolve x before evaluating the
  value: a value that deletes the
  object's property still stores into the object (its binding was found there), not into the var.
flags: [noStrict]
---*/
var obj = { id: 1 };
with (obj) {
  var id = delete obj.id;
}
assert.sameValue(obj.id, true, "the store goes to the object the name resolved to");
assert.sameValue(id, undefined, "the var is left alone");

var scope = { a: 1 };
with (scope) {
  var a = 2, b = 3;
}
assert.sameValue(scope.a, 2);
assert.sameValue(a, undefined);
assert.sameValue(b, 3, "a name not on the object is the var");
assert.sameValue("b" in scope, false);

function assignUnderWith() {
  var x = 0;
  var scope2 = { x: 1 };
  with (scope2) {
    x = (delete scope2.x, 2);
  }
  return [scope2.x, x];
}
var r = assignUnderWith();
assert.sameValue(r[0], 2, "x = v under with stores where x resolved before v was evaluated");
assert.sameValue(r[1], 0);
function assignOverEval() {
  var x = 0;
  var inner = (function () { x = (eval("var x;"), 1); return x; })();
  return [inner, x];
}
r = assignOverEval();
assert.sameValue(r[0], undefined, "the eval's new var does not take the store");
assert.sameValue(r[1], 1);
