// snapvm conformance test (MIT)
/*---
description: A throw in an async function rejects its promise, before and after an await; try/catch catches awaited rejections.
flags: [async]
includes: [asyncHelpers.js]
---*/
async function early() { throw new RangeError('early'); }
async function late() { await 1; throw new TypeError('late'); }
async function catches() {
  try {
    await Promise.reject(new SyntaxError('inner'));
  } catch (e) {
    return 'caught ' + e.name;
  }
}
asyncTest(async function () {
  await assert.throwsAsync(RangeError, early);
  await assert.throwsAsync(TypeError, late);
  assert.sameValue(await catches(), 'caught SyntaxError');
});
