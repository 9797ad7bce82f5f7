// snapvm conformance test (MIT)
/*---
description: A class name is in TDZ inside its own heritage expression and initialised in its body.
---*/
assert.throws(ReferenceError, function () {
  class C extends C {}
});
class D {
  static self() { return D; }
}
assert.sameValue(D.self(), D);
var E = class Inner { who() { return Inner; } };
assert.sameValue(new E().who(), E);
assert.sameValue(typeof Inner, 'undefined', 'the inner name is local to the class');
