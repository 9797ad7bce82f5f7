// snapvm conformance test (MIT)
/*---
description: with puts an object's properties in scope for reads, writes and calls (this is the object).
flags: [noStrict]
---*/
var obj = { a: 1, m: function () { return this; } };
var a = 'outer';
var b = 'outer b';
with (obj) {
  assert.sameValue(a, 1);
  a = 2;
  b = 'assigned';
  var declared = 'var in with';
  assert.sameValue(m(), obj, 'a call through a with binding passes the object as this');
}
assert.sameValue(obj.a, 2);
assert.sameValue(a, 'outer');
assert.sameValue(b, 'assigned', 'names the object lacks resolve outside');
assert.sameValue(declared, 'var in with');
assert.sameValue(obj.declared, undefined);

function closureOverWith() {
  var o = { v: 'first' };
  with (o) {
    var read = function () { return v; };
  }
  o.v = 'second';
  return read();
}
assert.sameValue(closureOverWith(), 'second', 'closures keep the object environment live');
