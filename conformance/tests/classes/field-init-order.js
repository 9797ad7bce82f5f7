// snapvm conformance test (MIT)
/*---
description: Fields initialise in order after super() returns, with this bound; computed keys evaluate once at class definition.
includes: [compareArray.js]
---*/
var log = [];
var keyCount = 0;
function key() { keyCount++; return 'computed'; }
class Base {
  constructor() { log.push('base ctor'); }
}
class Derived extends Base {
  a = (log.push('field a'), 1);
  [key()] = this.a + 1;
  b = this.computed + 1;
  constructor() {
    log.push('before super');
    super();
    log.push('after super ' + this.b);
  }
}
var d1 = new Derived();
var d2 = new Derived();
assert.compareArray(log.slice(0, 4), ['before super', 'base ctor', 'field a', 'after super 3']);
assert.sameValue(keyCount, 1);
assert.sameValue(d2.computed, 2);
assert.sameValue(Object.getOwnPropertyDescriptor(d1, 'a').enumerable, true);
