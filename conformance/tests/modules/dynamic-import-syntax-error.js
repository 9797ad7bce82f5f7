// snapvm conformance test (MIT)
/*---
description: import() of a module with a syntax error rejects with a SyntaxError of the importing realm.
flags: [async]
includes: [asyncHelpers.js]
---*/
asyncTest(async function () {
  try {
    await import('./dynamic-import-syntax-error_FIXTURE.js');
  } catch (e) {
    assert.sameValue(e.constructor, SyntaxError, 'the rejection is this realm\'s SyntaxError');
    assert.sameValue(Object.getPrototypeOf(e), SyntaxError.prototype);
    return;
  }
  throw new Test262Error('import() should have rejected');
});
