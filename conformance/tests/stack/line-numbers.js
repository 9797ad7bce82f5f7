// snapvm conformance test (MIT)
/*---
description: Stack frames carry the line of the call site; consecutive lines differ by one.
---*/
function lineOf(error) {
  var m = /:(\d+):(\d+)\)?$/.exec(error.stack.split('\n')[1]);
  assert.notSameValue(m, null, 'frame has file:line:col: ' + error.stack);
  return Number(m[1]);
}
function make() { return new Error('here'); }
var a = new Error('a');
var b = new Error('b');
assert.sameValue(lineOf(b) - lineOf(a), 1);
function thrower() {
  throw new Error('thrown');
}
var thrown;
try { thrower(); } catch (e) { thrown = e; }
assert.sameValue(lineOf(thrown) - lineOf(a), 4, 'the throw site line');
assert(lineOf(make()) < lineOf(a), 'a function reports its own line, not its caller\'s');
