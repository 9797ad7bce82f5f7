// snapvm conformance test (MIT)
/*---
description: clearTimeout cancels a pending timer, also from an earlier timer's callback; clearing an unknown id is harmless.
flags: [async]
---*/
var fired = [];
var cancelled = setTimeout(function () { fired.push('cancelled'); }, 0);
clearTimeout(cancelled);
var later;
setTimeout(function () {
  fired.push('first');
  clearTimeout(later);
}, 1);
later = setTimeout(function () { fired.push('later'); }, 10);
clearTimeout(undefined);
clearTimeout(123456);
setTimeout(function () {
  try {
    assert.sameValue(fired.join(), 'first');
    $DONE();
  } catch (e) {
    $DONE(e);
  }
}, 40);
