// snapvm conformance test (MIT)
/*---
description: Closures made by one factory call share their environment; separate calls do not.
---*/
function makeCounter(start) {
  var count = start;
  return {
    inc: function () { return ++count; },
    get: function () { return count; },
  };
}
var a = makeCounter(10);
var b = makeCounter(100);
a.inc();
a.inc();
b.inc();
assert.sameValue(a.get(), 12, 'a shares count between inc and get');
assert.sameValue(b.get(), 101, 'b has its own count');
