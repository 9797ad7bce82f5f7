// snapvm conformance test (MIT)
/*---
description: A rejection handled only in a later turn still reaches its handler (test262 does not treat unhandled rejections as failures).
flags: [async]
---*/
var p = Promise.reject(new Test262Error('handled late'));
setTimeout(function () {
  p.catch(function (e) {
    assert.sameValue(e.message, 'handled late');
  }).then($DONE, $DONE);
}, 0);
