// snapvm conformance test (MIT)
/*---
description: >
  Leaving a for-await loop early closes its iterator once (AsyncIteratorClose): the result of
  return() is awaited, a throw or rejection from it replaces the break, and a result that is not an
  object is a TypeError; the same through a sync iterator (CreateAsyncFromSyncIterator).
flags: [async]
includes: [asyncHelpers.js, compareArray.js]
---*/
function asyncIterable(log, ret) {
  return {
    [Symbol.asyncIterator]() {
      return {
        next() { log.push('next'); return Promise.resolve({ value: 1, done: false }); },
        return() { log.push('return'); return ret(); }
      };
    }
  };
}
function syncIterable(log, ret) {
  return {
    [Symbol.iterator]() {
      return {
        next() { log.push('next'); return { value: 1, done: false }; },
        return() { log.push('return'); return ret(); }
      };
    }
  };
}
class Boom extends Error {}
asyncTest(async function () {
  var log = [];
  await assert.throwsAsync(Boom, async function () {
    for await (var v of asyncIterable(log, function () { throw new Boom(); })) break;
  }, 'async return() throws on break');
  assert.compareArray(log, ['next', 'return'], 'async return() called once');

  log = [];
  await assert.throwsAsync(Boom, async function () {
    for await (var v of asyncIterable(log, function () { return Promise.reject(new Boom()); })) break;
  }, 'async return() rejects on break');
  assert.compareArray(log, ['next', 'return']);

  log = [];
  await assert.throwsAsync(TypeError, async function () {
    for await (var v of asyncIterable(log, function () { return Promise.resolve(42); })) break;
  }, 'async return() fulfils with a non-object');
  assert.compareArray(log, ['next', 'return']);

  log = [];
  await assert.throwsAsync(Boom, async function () {
    for await (var v of syncIterable(log, function () { throw new Boom(); })) break;
  }, 'sync return() throws on break');
  assert.compareArray(log, ['next', 'return'], 'sync return() called once');

  log = [];
  await assert.throwsAsync(TypeError, async function () {
    for await (var v of syncIterable(log, function () { return 42; })) break;
  }, 'sync return() gives a non-object');

  log = [];
  await assert.throwsAsync(Boom, async function () {
    for await (var v of asyncIterable(log, function () { throw new Error('not me'); })) throw new Boom();
  }, 'a throw from the body wins over return()');
  assert.compareArray(log, ['next', 'return']);

  // the awaited close finishes before the code after the loop runs
  log = [];
  var order = [];
  async function f() {
    for await (var v of asyncIterable(log, function () {
      return new Promise(function (res) { Promise.resolve().then(function () { order.push('closed'); res({}); }); });
    })) return 'r';
  }
  var r = await f();
  order.push('after');
  assert.sameValue(r, 'r');
  assert.compareArray(order, ['closed', 'after']);

  // labelled continue out of an inner for-await closes the inner iterator only
  log = [];
  var outer = 0;
  outer: for (var i = 0; i < 2; i++) {
    for await (var v of asyncIterable(log, function () { return {}; })) { outer++; continue outer; }
  }
  assert.sameValue(outer, 2);
  assert.compareArray(log, ['next', 'return', 'next', 'return']);
});
