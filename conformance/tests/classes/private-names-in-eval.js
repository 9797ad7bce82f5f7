// snapvm conformance test (MIT)
/*---
description: >
  Direct eval code sees the private names of the classes around it; an undeclared one is a
  SyntaxError; an eval in a field initializer may not mention arguments.
---*/
class C {
  #m = 44;
  static #s() { return 's'; }
  get() { return eval('this.#m'); }
  has(o) { return eval('#m in o'); }
  s() { return eval('C.#s()'); }
  bad() { return eval('this.#zz'); }
  nested() { return eval('class E { #b = 2; g(o) { return o.#m + this.#b; } }; new E().g(this)'); }
}
var c = new C();
assert.sameValue(c.get(), 44);
assert.sameValue(c.has(c), true);
assert.sameValue(c.has({}), false);
assert.sameValue(c.s(), 's');
assert.sameValue(c.nested(), 46);
assert.throws(SyntaxError, function () { c.bad(); }, 'an undeclared private name');
assert.throws(SyntaxError, function () { eval('this.#m'); }, 'outside any class');

var ran = false;
class F {
  x = eval('ran = true; () => arguments');
}
assert.throws(SyntaxError, function () { new F(); }, 'arguments in eval code of a field initializer');
assert.sameValue(ran, false, 'the eval code did not run');
class G {
  x = eval('(function () { return arguments.length; })(1, 2)');
}
assert.sameValue(new G().x, 2, 'arguments inside a function of the eval code is allowed');
