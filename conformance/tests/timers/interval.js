// snapvm conformance test (MIT)
/*---
description: setInterval repeats until clearInterval, which also works from inside its own callback.
flags: [async]
---*/
var n = 0;
var id = setInterval(function () {
  n++;
  if (n === 3) {
    clearInterval(id);
    setTimeout(function () {
      try {
        assert.sameValue(n, 3, 'no tick after clearInterval');
        $DONE();
      } catch (e) {
        $DONE(e);
      }
    }, 30);
  }
}, 1);
