// snapvm conformance test (MIT)
/*---
description: >
  A compound assignment or update of a name under `with` or beside a sloppy direct eval resolves the
  binding once, before the right-hand side runs: a getter deleting the property, or an eval declaring
  a nearer `var` in the middle, does not move the write. The right-hand side runs a loop (in snapshot
  mode a safe point: the frame holding the resolved binding is snapshotted there).
flags: [noStrict]
---*/
function spin() {
  for (var i = 0; i < 3; i++) {}
  return 3;
}

var x = 0;
var scope = { get x() { delete this.x; return 2; } };
with (scope) {
  x *= spin();
}
assert.sameValue(scope.x, 6, 'written to the with object, re-created after the getter deleted it');
assert.sameValue(x, 0, 'the global x is untouched');

function outer() {
  var y = 3;
  var inner = (function () {
    y += (eval('var y = 100;'), spin());
    return y;
  })();
  return [inner, y];
}
var r = outer();
assert.sameValue(r[0], 100, 'the eval-made y is left alone');
assert.sameValue(r[1], 6, 'the outer y takes the sum');

var counter = { n: 1 };
with (counter) {
  n++;
  ++n;
}
assert.sameValue(counter.n, 3, 'updates through the with object');
