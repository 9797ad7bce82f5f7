// snapvm conformance test (MIT)
/*---
description: >
  `var x = init` under `with` resolves x before evaluating init: an initializer that deletes the
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
