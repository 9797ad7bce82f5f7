// snapvm conformance test (MIT)
/*---
description: A `let` in a for head gets a fresh binding per iteration; closures capture each one.
includes: [compareArray.js]
---*/
var fs = [];
for (let i = 0; i < 3; i++) {
  fs.push(function () { return i; });
}
assert.compareArray(fs.map(function (f) { return f(); }), [0, 1, 2]);

var gs = [];
for (let i = 0; i < 3; i++) {
  gs.push(function () { return i; });
  i += 0; // the copy to the next iteration happens after the body, before the update
}
assert.compareArray(gs.map(function (f) { return f(); }), [0, 1, 2]);

var hs = [];
for (const k of ['x', 'y']) hs.push(() => k);
assert.compareArray(hs.map((h) => h()), ['x', 'y'], 'for-of const is per iteration');

var ks = [];
for (const k in { p: 1, q: 2 }) ks.push(() => k);
assert.compareArray(ks.map((h) => h()), ['p', 'q'], 'for-in const is per iteration');
