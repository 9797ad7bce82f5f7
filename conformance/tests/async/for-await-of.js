// snapvm conformance test (MIT)
/*---
description: for await iterates an async generator and also sync iterables of promises.
flags: [async]
includes: [asyncHelpers.js, compareArray.js]
---*/
async function* ticks(n) {
  for (var i = 0; i < n; i++) {
    await null;
    yield i;
  }
}
asyncTest(async function () {
  var seen = [];
  for await (var v of ticks(3)) seen.push(v);
  assert.compareArray(seen, [0, 1, 2]);
  var fromSync = [];
  for await (var w of [Promise.resolve('a'), 'b', Promise.resolve('c')]) fromSync.push(w);
  assert.compareArray(fromSync, ['a', 'b', 'c']);
});
