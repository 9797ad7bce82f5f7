// snapvm conformance test (MIT)
/*---
description: An error created in a callback of a built-in lists the callback above the guest caller.
---*/
function caller() {
  return [1].map(function callbackFn() { return new Error('in callback'); })[0];
}
var lines = caller().stack.split('\n');
var cb = lines.findIndex(function (l) { return l.indexOf('callbackFn') >= 0; });
var c = lines.findIndex(function (l) { return l.indexOf('at caller') >= 0; });
assert(cb > 0, 'callback frame present');
assert(c > cb, 'caller frame after the callback frame');
