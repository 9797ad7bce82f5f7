// snapvm conformance test (MIT)
/*---
description: return() resumes the generator with a return completion; finally blocks run and may yield.
includes: [compareArray.js]
---*/
var log = [];
function* g() {
  try {
    yield 1;
    log.push('not reached');
  } finally {
    log.push('finally');
    yield 'from finally';
    log.push('after finally yield');
  }
}
var it = g();
it.next();
var r = it.return(42);
assert.sameValue(r.value, 'from finally');
assert.sameValue(r.done, false);
r = it.next();
assert.sameValue(r.value, 42, 'the pending return completes after finally');
assert.sameValue(r.done, true);
assert.compareArray(log, ['finally', 'after finally yield']);

var fresh = g();
r = fresh.return(7);
assert.sameValue(r.value, 7, 'return() on a suspended-start generator completes at once');
assert.sameValue(r.done, true);
assert.compareArray(log, ['finally', 'after finally yield'], 'no finally ran for a never-started generator');
