// snapvm conformance test (MIT)
/*---
description: >
  return() of an async generator suspended in yield*: the value is awaited first (AsyncGeneratorYield),
  then the inner iterator's `return` is looked up; with none, the value is awaited once more and returned
  (no extra tick); a rejected value becomes a throw into the inner iterator.
flags: [async]
includes: [asyncHelpers.js, compareArray.js]
---*/
asyncTest(async function () {
  var log = [];
  var inner = {
    [Symbol.asyncIterator]() { return this; },
    next() { return { done: false }; },
    get return() { log.push('get return'); return undefined; },
  };
  async function* outer() { yield* inner; }
  var it = outer();
  await it.next();
  var ticks = Promise.resolve();
  for (var i = 1; i <= 3; i++) ticks = ticks.then((function (n) { return function () { log.push('tick ' + n); }; })(i));
  var result = it.return({ get then() { log.push('get then'); } });
  await ticks;
  assert.compareArray(log, ['get then', 'tick 1', 'get return', 'get then', 'tick 2', 'tick 3'], 'awaited, looked up, awaited once more');

  var thrownIn = [];
  var catching = {
    [Symbol.asyncIterator]() { return this; },
    next() { return { done: false, value: 1 }; },
    throw(e) { thrownIn.push(e); return { done: true, value: 'caught' }; },
    return() { throw new Test262Error('return must not be called'); },
  };
  async function* outer2() { return yield* catching; }
  var it2 = outer2();
  await it2.next();
  var r = await it2.return(Promise.reject('rejected'));
  assert.compareArray(thrownIn, ['rejected'], 'a rejected return value is thrown into the inner iterator');
  assert.sameValue(r.value, 'caught');
  assert.sameValue(r.done, true);
  void result;
});
