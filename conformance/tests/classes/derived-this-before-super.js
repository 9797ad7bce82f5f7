// snapvm conformance test (MIT)
/*---
description: Using this before super() in a derived constructor throws ReferenceError; calling super twice throws too.
---*/
class A {}
class B extends A {
  constructor(mode) {
    if (mode === 'early') this.x = 1;
    super();
    if (mode === 'twice') super();
  }
}
assert.throws(ReferenceError, function () { new B('early'); });
assert.throws(ReferenceError, function () { new B('twice'); });
assert(new B('fine') instanceof B);
class NoSuper extends A { constructor() {} }
assert.throws(ReferenceError, function () { new NoSuper(); }, 'returning without super() throws');
class ReturnsObject extends A { constructor() { return { replaced: true }; } }
assert.sameValue(new ReturnsObject().replaced, true);
assert.throws(TypeError, function () { A(); }, 'class constructors are not callable');
