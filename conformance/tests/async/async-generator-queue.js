// snapvm conformance test (MIT)
/*---
description: next() calls on an async generator queue up and settle in order.
flags: [async]
includes: [asyncHelpers.js, compareArray.js]
---*/
async function* g() {
  yield 'a';
  await new Promise(function (r) { Promise.resolve().then(r); });
  yield 'b';
  return 'done';
}
asyncTest(async function () {
  var it = g();
  var ps = [it.next(), it.next(), it.next(), it.next()];
  var rs = await Promise.all(ps);
  assert.compareArray(rs.map(function (r) { return r.value; }), ['a', 'b', 'done', undefined]);
  assert.compareArray(rs.map(function (r) { return r.done; }), [false, false, true, true]);
});
