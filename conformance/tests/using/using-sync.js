// snapvm conformance test (MIT)
/*---
description: using declarations dispose in reverse order at the end of blocks, function bodies, for and for-of iterations, on every way out (normal, break, continue, return, throw, generator return).
includes: [compareArray.js]
---*/
var log = [];
function res(n) { return { [Symbol.dispose]() { log.push('d' + n); } }; }

{
  using a = res(1), b = res(2);
  using c = null, u = undefined;
  log.push('body');
}
assert.compareArray(log, ['body', 'd2', 'd1'], 'block: reverse order, null and undefined skipped');

log = [];
function f() { using x = res(1); { using y = res(2); return 'r'; } }
assert.sameValue(f(), 'r');
assert.compareArray(log, ['d2', 'd1'], 'return leaves both blocks');

log = [];
for (using q of [res(1), res(2), res(3)]) {
  log.push('it');
  if (log.length === 1) continue;
  if (log.length > 3) break;
}
assert.compareArray(log, ['it', 'd1', 'it', 'd2', 'it', 'd3'], 'for-of: each iteration value is disposed at the end of its iteration, on continue and break too');

log = [];
for (using r = res(9); log.length < 2; ) log.push('loop');
assert.compareArray(log, ['loop', 'loop', 'd9'], 'for: the head resource is disposed once, after the loop');

log = [];
function* g() { using a = res(1); yield 1; yield 2; }
var it = g();
it.next();
it.return();
assert.compareArray(log, ['d1'], 'generator return() disposes');

log = [];
outer: {
  using a = res(1);
  {
    using b = res(2);
    break outer;
  }
}
assert.compareArray(log, ['d2', 'd1'], 'break to a label disposes');

var x = { [Symbol.dispose]() {} };
{
  using y = x;
  assert.throws(TypeError, function () { eval('y = 1'); }, 'a using binding is constant');
}
assert.sameValue(eval('1; { using z = null; 2; }'), 2, 'the block keeps its completion value');
