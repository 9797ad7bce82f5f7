// snapvm conformance test (MIT)
/*---
description: Array destructuring closes the iterator when it stops early, not when the iterator is exhausted.
includes: [compareArray.js]
---*/
function tracked(values) {
  var log = [];
  var i = 0;
  var iter = {
    [Symbol.iterator]() { return this; },
    next() { log.push('next'); return i < values.length ? { value: values[i++], done: false } : { value: undefined, done: true }; },
    return() { log.push('return'); return {}; },
    log: log,
  };
  return iter;
}
var t1 = tracked([1, 2, 3]);
var [a] = t1;
assert.compareArray(t1.log, ['next', 'return'], 'one element taken, iterator closed');

var t2 = tracked([1]);
var [b, c] = t2;
assert.compareArray(t2.log, ['next', 'next'], 'exhausted iterator is not closed');

var t3 = tracked([1, 2]);
var [...all] = t3;
assert.compareArray(t3.log, ['next', 'next', 'next']);

var t4 = tracked([undefined, 2]);
assert.throws(Test262Error, function () {
  var [x = (function () { throw new Test262Error(); })()] = t4;
});
assert.compareArray(t4.log, ['next', 'return'], 'an abrupt default closes the iterator');
