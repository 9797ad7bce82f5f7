// snapvm conformance test (MIT)
/*---
description: A generator suspends at each yield, receives next(value), and reports done after its return.
includes: [compareArray.js]
---*/
function* g(first) {
  var log = [first];
  log.push(yield 1);
  log.push(yield 2);
  return log;
}
var it = g('a');
assert.sameValue(it[Symbol.iterator](), it);
var r = it.next('ignored');
assert.sameValue(r.value, 1);
assert.sameValue(r.done, false);
assert.sameValue(it.next('b').value, 2);
r = it.next('c');
assert.sameValue(r.done, true);
assert.compareArray(r.value, ['a', 'b', 'c']);
r = it.next();
assert.sameValue(r.done, true);
assert.sameValue(r.value, undefined);
assert.compareArray([...g('x')], [1, 2], 'spread stops before the return value');
