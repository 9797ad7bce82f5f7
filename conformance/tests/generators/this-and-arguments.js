// snapvm conformance test (MIT)
/*---
description: Generator methods see their receiver and arguments across suspensions; generators are not constructors.
---*/
var obj = {
  base: 10,
  *gen(a, b) {
    yield this.base + a;
    yield arguments.length + b;
  },
};
var it = obj.gen(1, 2);
assert.sameValue(it.next().value, 11);
assert.sameValue(it.next().value, 4);
function* plain() {}
assert.throws(TypeError, function () { new plain(); });
assert.sameValue(Object.getPrototypeOf(plain()), plain.prototype);
assert.sameValue(Object.getPrototypeOf(plain.prototype), Object.getPrototypeOf(function* () {}).prototype);
