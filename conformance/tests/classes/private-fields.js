// snapvm conformance test (MIT)
/*---
description: Private fields are per instance, invisible to reflection, brand-checked, and testable with `#x in obj`.
---*/
class Point {
  #x;
  #y = 0;
  constructor(x) { this.#x = x; }
  get x() { return this.#x; }
  moveBy(d) { this.#x += d; this.#y -= d; return this; }
  equals(other) { return #x in other && this.#x === other.#x && this.#y === other.#y; }
  static readX(o) { return o.#x; }
}
var p = new Point(1);
var q = new Point(1);
assert.sameValue(p.moveBy(2).x, 3);
assert.sameValue(q.x, 1, 'fields are per instance');
assert.sameValue(p.equals(q), false);
assert.sameValue(q.equals(new Point(1)), true);
assert.sameValue(p.equals({}), false, '#x in a plain object is false');
assert.sameValue(Object.getOwnPropertyNames(p).length, 0, 'private fields are not properties');
assert.sameValue(Reflect.ownKeys(p).length, 0);
assert.throws(TypeError, function () { Point.readX({}); }, 'reading a missing private field throws');
assert.throws(TypeError, function () { Point.readX(new Proxy(p, {})); }, 'a proxy does not carry the target\'s private fields');
assert.sameValue(JSON.stringify(p), '{}');
