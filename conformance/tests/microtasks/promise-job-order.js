// snapvm conformance test (MIT)
/*---
description: Promise reaction jobs interleave FIFO; resolving with a promise costs two extra jobs.
flags: [async]
includes: [compareArray.js]
---*/
var log = [];
new Promise(function (resolve) { resolve(Promise.resolve()); }).then(function () { log.push('resolved with promise'); });
Promise.resolve().then(function () { log.push('a1'); }).then(function () { log.push('a2'); }).then(function () { log.push('a3'); });
Promise.resolve().then(function () { log.push('b1'); }).then(function () { log.push('b2'); });
Promise.resolve()
  .then(function () {})
  .then(function () {})
  .then(function () {})
  .then(function () {
    assert.compareArray(log, ['a1', 'b1', 'a2', 'b2', 'resolved with promise', 'a3']);
  })
  .then($DONE, $DONE);
