// snapvm conformance test (MIT)
/*---
description: Each await of a native promise takes one job; the order against a then-chain is fixed by the spec.
flags: [async]
includes: [compareArray.js]
---*/
var log = [];
async function f() {
  log.push('f start');
  await undefined;
  log.push('f after await 1');
  await null;
  log.push('f after await 2');
}
f();
Promise.resolve()
  .then(function () { log.push('then 1'); })
  .then(function () { log.push('then 2'); })
  .then(function () { log.push('then 3'); })
  .then(function () {
    assert.compareArray(log, ['f start', 'sync end', 'f after await 1', 'then 1', 'f after await 2', 'then 2', 'then 3']);
  })
  .then($DONE, $DONE);
log.push('sync end');
