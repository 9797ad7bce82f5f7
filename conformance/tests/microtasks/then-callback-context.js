// snapvm conformance test (MIT)
/*---
description: Reaction callbacks run with an empty stack, after synchronous code, with this undefined.
flags: [async, onlyStrict]
---*/
var depthAtCall;
var syncDone = false;
var thisValue = 'unset';
function check() {
  Promise.resolve().then(function () {
    thisValue = this;
    depthAtCall = syncDone;
  });
}
check();
syncDone = true;
Promise.resolve().then(function () {
  assert.sameValue(thisValue, undefined);
  assert.sameValue(depthAtCall, true, 'the job ran after the script finished');
}).then($DONE, $DONE);
