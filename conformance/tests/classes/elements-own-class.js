// snapvm conformance test (MIT)
/*---
description: >
  A class's fields, private methods and static elements belong to the class being defined, even when another
  class constructor sits on the operand stack (a pending call argument, the heritage) while it is defined.
---*/
class A { #b = 1; static #n() {} static hasB(o) { return #b in o; } }
class S extends A { #rate; static is(o) { return #rate in o; } }
assert.sameValue(S.is(new A()), false, 'an instance of the superclass has no #rate');
assert.sameValue(S.is(new S()), true);
assert.sameValue(A.hasB(new S()), true);

function second(a, K) { return K; }
const K = second(A, class {
  x = 1;
  #y = 2;
  #m() { return this.#y; }
  static s = 'static';
  static has(o) { return #y in o; }
  get y() { return this.#m(); }
});
assert.sameValue(JSON.stringify(new A()), '{}', 'fields of the class argument stay off the pending argument A');
assert.sameValue(JSON.stringify(new K()), '{"x":1}');
assert.sameValue(K.has(new A()), false);
assert.sameValue(K.has(new K()), true);
assert.sameValue(new K().y, 2);
assert.sameValue(K.s, 'static');
assert.sameValue(Object.prototype.hasOwnProperty.call(A, 's'), false);
