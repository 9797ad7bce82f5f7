// snapvm conformance test (MIT)
/*---
description: In sloppy functions with simple parameters, arguments[i] and the parameter alias each other.
flags: [noStrict]
---*/
function f(a, b) {
  arguments[0] = 'changed';
  b = 'also';
  return [a, arguments[1], arguments.length];
}
var r = f('orig', 'b', 'extra');
assert.sameValue(r[0], 'changed', 'writing arguments[0] updates a');
assert.sameValue(r[1], 'also', 'writing b updates arguments[1]');
assert.sameValue(r[2], 3);

function g(a) {
  delete arguments[0];
  arguments[0] = 2;
  return a;
}
assert.sameValue(g(1), 1, 'deleting the index breaks the mapping');

function h(a, b = 0) {
  arguments[0] = 9;
  return a;
}
assert.sameValue(h(1), 1, 'non-simple parameters make arguments unmapped');
