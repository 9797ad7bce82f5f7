// snapvm conformance test (MIT)
/*---
description: >
  import() of a module whose top-level await rejects after a timer turn rejects with that error (in
  snapshot mode: pending across snapshots); importing it again rejects with the same error.
flags: [async]
includes: [asyncHelpers.js]
---*/
asyncTest(async function () {
  var error;
  try {
    await import('./dynamic-import-pending-rejection_FIXTURE.js');
  } catch (e) {
    error = e;
  }
  assert.sameValue(error && error.message, 'fixture failed after a timer');
  assert(error instanceof RangeError, 'the thrown value itself');
  var again;
  try {
    await import('./dynamic-import-pending-rejection_FIXTURE.js');
  } catch (e) {
    again = e;
  }
  assert.sameValue(again, error, 'the same error again');
});
