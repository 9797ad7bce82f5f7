// snapvm conformance test (MIT)
/*---
description: An infinite generator is lazy; breaking out of for-of calls return() on it.
includes: [compareArray.js]
---*/
var closed = false;
function* naturals() {
  try {
    for (var n = 0; ; n++) yield n;
  } finally {
    closed = true;
  }
}
var taken = [];
for (var n of naturals()) {
  if (n >= 5) break;
  taken.push(n * n);
}
assert.compareArray(taken, [0, 1, 4, 9, 16]);
assert.sameValue(closed, true, 'break closes the iterator');

function* take(it, k) {
  for (var x of it) {
    if (k-- <= 0) return;
    yield x;
  }
}
assert.compareArray([...take(naturals(), 3)], [0, 1, 2]);
