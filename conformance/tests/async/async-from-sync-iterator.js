// snapvm conformance test (MIT)
/*---
description: >
  for await over a sync iterator (%AsyncFromSyncIteratorPrototype%): each step takes two ticks (the
  unwrapping reaction settles the promise next() returns), a value whose PromiseResolve throws closes
  the sync iterator, and throw() on an iterator without `throw` rejects with the error of its `return`.
flags: [async]
includes: [asyncHelpers.js, compareArray.js]
---*/
asyncTest(async function () {
  var log = [];
  var ticks = Promise.resolve();
  for (var i = 1; i <= 4; i++) ticks = ticks.then((function (n) { return function () { log.push('tick ' + n); }; })(i));
  var loop = (async function () {
    for await (var x of [1]) log.push('loop ' + x);
    log.push('post');
  })();
  await ticks;
  await loop;
  assert.compareArray(log, ['tick 1', 'tick 2', 'loop 1', 'tick 3', 'tick 4', 'post'], 'two ticks per step');

  var closed = 0;
  var poisoned = Promise.resolve(0);
  Object.defineProperty(poisoned, 'constructor', { get: function () { throw new Test262Error('constructor'); } });
  var sync = {
    [Symbol.iterator]: function () { return this; },
    next: function () { return { value: poisoned, done: false }; },
    return: function () { closed++; return {}; },
  };
  await assert.throwsAsync(Test262Error, async function () { for await (var y of sync) {} }, 'PromiseResolve of the value threw');
  assert.sameValue(closed, 1, 'the sync iterator was closed');

  var noThrow = {
    [Symbol.iterator]: function () { return this; },
    next: function () { return { value: 1, done: false }; },
    return: function () { throw new RangeError('return'); },
  };
  async function* delegate() { yield* noThrow; }
  var g = delegate();
  await g.next();
  await assert.throwsAsync(RangeError, function () { return g.throw(new Error('thrown')); }, 'the error of return() wins over the TypeError');
});
