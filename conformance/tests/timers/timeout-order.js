// snapvm conformance test (MIT)
/*---
description: Host timers (setTimeout) fire by delay, and in creation order for equal delays; extra arguments reach the callback.
flags: [async]
includes: [compareArray.js]
---*/
var log = [];
setTimeout(function () { log.push('t20'); }, 20);
setTimeout(function () { log.push('t0 first'); }, 0);
setTimeout(function (a, b) { log.push('t0 second ' + a + b); }, 0, 'x', 'y');
setTimeout(function () { log.push('t5'); }, 5);
setTimeout(function () {
  try {
    assert.compareArray(log, ['t0 first', 't0 second xy', 't5', 't20']);
    $DONE();
  } catch (e) {
    $DONE(e);
  }
}, 60);
