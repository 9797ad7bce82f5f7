// snapvm conformance test (MIT)
/*---
description: Private methods and accessors are shared per class, not writable, and brand-checked.
---*/
class Temp {
  #celsius = 0;
  get #fahrenheit() { return this.#celsius * 9 / 5 + 32; }
  set #fahrenheit(f) { this.#celsius = (f - 32) * 5 / 9; }
  #describe() { return this.#fahrenheit + 'F'; }
  setF(f) { this.#fahrenheit = f; return this; }
  text() { return this.#describe(); }
  sameMethod(o) { return this.#describe === o.#describe; }
  overwrite() { this.#describe = null; }
  static call(o) { return o.#describe(); }
}
var t = new Temp().setF(212);
assert.sameValue(t.text(), '212F');
assert.sameValue(t.sameMethod(new Temp()), true, 'one method object per class');
assert.throws(TypeError, function () { t.overwrite(); }, 'private methods are not writable');
assert.throws(TypeError, function () { Temp.call({}); });
