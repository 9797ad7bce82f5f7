// snapvm conformance test (MIT)
/*---
description: Reading or writing a let/const binding before its declaration runs throws ReferenceError, also from a closure.
---*/
assert.throws(ReferenceError, function () {
  x;
  let x = 1;
});
assert.throws(ReferenceError, function () {
  x = 2;
  let x;
});
assert.throws(ReferenceError, function () {
  function readLater() { return y; }
  readLater();
  const y = 1;
});
function ok() {
  function readLater() { return y; }
  const y = 7;
  return readLater();
}
assert.sameValue(ok(), 7);
assert.throws(ReferenceError, function () {
  let z = z;
}, 'the initializer runs inside the TDZ');
