// snapvm conformance test (MIT)
/*---
description: Symbol.unscopables hides properties from with; Array.prototype hides keys, values and others.
flags: [noStrict]
---*/
var keys = 'outer keys';
var arr = [1, 2];
with (arr) {
  assert.sameValue(keys, 'outer keys', 'keys is unscopable on arrays');
  assert.sameValue(length, 2);
}
var hidden = 'outer';
var o = { hidden: 'inner', [Symbol.unscopables]: { hidden: true } };
with (o) {
  assert.sameValue(hidden, 'outer');
}
