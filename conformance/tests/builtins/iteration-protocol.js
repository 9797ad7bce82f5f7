// snapvm conformance test (MIT)
/*---
description: Spread, Array.from, Map, Promise.all and destructuring all drive guest iterators through Symbol.iterator.
flags: [async]
includes: [compareArray.js]
---*/
function range(n) {
  return {
    [Symbol.iterator]() {
      var i = 0;
      return { next() { return i < n ? { value: i++, done: false } : { value: undefined, done: true }; } };
    },
  };
}
assert.compareArray([...range(3)], [0, 1, 2]);
assert.compareArray(Array.from(range(2), (x) => x + 1), [1, 2]);
var m = new Map((function* () { yield ['k', 'v']; })());
assert.sameValue(m.get('k'), 'v');
var [first, , third] = range(5);
assert.sameValue(first + third, 2);
assert.sameValue(Math.max(...range(4)), 3);
Promise.all(range(3)).then(function (values) {
  assert.compareArray(values, [0, 1, 2]);
}).then($DONE, $DONE);
