// snapvm conformance test (MIT)
/*---
description: An abrupt completion in finally replaces the try's completion; a normal one does not.
includes: [compareArray.js]
---*/
function returnOverridden() {
  try { return 'try'; } finally { return 'finally'; }
}
function throwSwallowed() {
  try { throw new Error('lost'); } finally { return 'finally'; }
}
function keepsReturn() {
  var log = [];
  try { return log; } finally { log.push('ran'); }
}
function breakInFinally() {
  for (;;) {
    try { return 'try'; } finally { break; }
  }
  return 'after loop';
}
assert.sameValue(returnOverridden(), 'finally');
assert.sameValue(throwSwallowed(), 'finally');
assert.compareArray(keepsReturn(), ['ran'], 'the returned value is read before finally runs, the object after');
assert.sameValue(breakInFinally(), 'after loop');
function rethrow() {
  try { throw 1; } catch (e) { throw e + 1; } finally { /* normal */ }
}
assert.throws(Test262Error, function () {
  try { rethrow(); } catch (e) { if (e === 2) throw new Test262Error(); }
});
