// snapvm conformance test (MIT)
/*---
description: yield* delegates next/throw/return to the inner iterator and evaluates to its return value.
includes: [compareArray.js]
---*/
var log = [];
function* inner() {
  try {
    var x = yield 'i1';
    log.push('inner got ' + x);
    yield 'i2';
    return 'inner result';
  } finally {
    log.push('inner finally');
  }
}
function* outer() {
  var r = yield* inner();
  log.push('outer got ' + r);
  yield 'o1';
}
assert.compareArray([...outer()], ['i1', 'i2', 'o1']);
assert.compareArray(log, ['inner got undefined', 'inner finally', 'outer got inner result']);

log = [];
var it = outer();
it.next();
it.next('v');
var r = it.return('stop');
assert.sameValue(r.value, 'stop');
assert.sameValue(r.done, true);
assert.compareArray(log, ['inner got v', 'inner finally'], 'return() is forwarded to the delegate');

var manual = {
  [Symbol.iterator]() { return this; },
  n: 0,
  next(v) { this.n++; return { value: 'm' + this.n, done: this.n > 2 }; },
};
function* viaIterable() { return yield* manual; }
assert.compareArray([...viaIterable()], ['m1', 'm2']);
