// snapvm conformance test (MIT)
/*---
description: All microtasks run before the next timer, and microtasks queued by a timer run before the following timer.
flags: [async]
includes: [compareArray.js]
---*/
var log = [];
setTimeout(function () {
  log.push('timer 1');
  Promise.resolve().then(function () { log.push('micro from timer 1'); });
}, 0);
setTimeout(function () {
  log.push('timer 2');
  try {
    assert.compareArray(log, ['sync', 'micro 1', 'micro 2', 'timer 1', 'micro from timer 1', 'timer 2']);
    $DONE();
  } catch (e) {
    $DONE(e);
  }
}, 0);
Promise.resolve()
  .then(function () { log.push('micro 1'); })
  .then(function () { log.push('micro 2'); });
log.push('sync');
