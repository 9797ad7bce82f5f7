// snapvm conformance test (MIT)
/*---
description: Nested generator delegation and async recursion 1000 levels deep.
flags: [async]
includes: [asyncHelpers.js]
---*/
function* nest(n) {
  if (n > 0) yield* nest(n - 1);
  yield n;
}
var count = 0;
for (var v of nest(1000)) count++;
assert.sameValue(count, 1001);
async function asyncDepth(n) {
  return n === 0 ? 0 : 1 + (await asyncDepth(n - 1));
}
asyncTest(async function () {
  assert.sameValue(await asyncDepth(1000), 1000);
});
