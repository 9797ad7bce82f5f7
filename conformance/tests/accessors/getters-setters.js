// snapvm conformance test (MIT)
/*---
description: Accessor properties from literals, classes and defineProperty run with the receiver as this.
includes: [propertyHelper.js]
---*/
var store = [];
var o = {
  _v: 1,
  get v() { return this._v * 10; },
  set v(x) { store.push(x); this._v = x; },
};
o.v = 3;
assert.sameValue(o.v, 30);
assert.sameValue(store[0], 3);
var child = Object.create(o);
child.v = 4;
assert.sameValue(Object.prototype.hasOwnProperty.call(child, '_v'), true, 'an inherited setter runs on the receiver');
assert.sameValue(o._v, 3);
var desc = Object.getOwnPropertyDescriptor(o, 'v');
assert.sameValue(typeof desc.get, 'function');
assert.sameValue(desc.get.name, 'get v');

var counter = 0;
Object.defineProperty(globalThis, 'ticking', { get: function () { return ++counter; }, configurable: true });
assert.sameValue(ticking + ticking, 3, 'a global accessor runs on each identifier read');

class Temp {
  #c = 0;
  get f() { return this.#c * 2; }
  set f(v) { this.#c = v / 2; }
  static get kind() { return 'static getter'; }
}
var t = new Temp();
t.f = 10;
assert.sameValue(t.f, 10);
assert.sameValue(Temp.kind, 'static getter');

// verifyProperty deletes a configurable property after checking it, so these come last.
verifyProperty(o, 'v', { enumerable: true, configurable: true });
verifyProperty(Temp.prototype, 'f', { enumerable: false, configurable: true });
