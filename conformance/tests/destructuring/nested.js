// snapvm conformance test (MIT)
/*---
description: Nested object and array patterns, computed keys, and holes.
---*/
var key = 'dyn';
var {
  a: [, second, [third] = ['default third']],
  b: { c: { d } },
  [key + 'amic']: dynamic,
} = { a: [1, 2], b: { c: { d: 'deep' } }, dynamic: 'computed' };
assert.sameValue(second, 2);
assert.sameValue(third, 'default third');
assert.sameValue(d, 'deep');
assert.sameValue(dynamic, 'computed');
var [[x, y] = [5, 6]] = [];
assert.sameValue(x + y, 11);
var { length } = 'hello';
assert.sameValue(length, 5, 'primitives are boxed for object patterns');
