// snapvm conformance test (MIT)
/*---
description: Static private members live on the class itself; reading them through a subclass throws.
---*/
class Base {
  static #count = 0;
  static #bump() { return ++Base.#count; }
  static next() { return Base.#bump(); }
  static viaThis() { return this.#count; }
}
class Sub extends Base {}
assert.sameValue(Base.next(), 1);
assert.sameValue(Base.next(), 2);
assert.sameValue(Base.viaThis(), 2);
assert.throws(TypeError, function () { Sub.viaThis(); }, 'Sub does not have Base\'s static private field');
