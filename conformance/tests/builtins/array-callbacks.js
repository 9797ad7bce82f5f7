// snapvm conformance test (MIT)
/*---
description: Array methods call guest callbacks with (value, index, array) and thisArg; sort is stable; a throw stops iteration.
includes: [compareArray.js]
---*/
var seen = [];
[10, 20].forEach(function (v, i, arr) { seen.push(this.p + v + i + arr.length); }, { p: 1 });
assert.compareArray(seen, [13, 24]);
assert.compareArray([1, 2, 3].map((x) => x * 2).filter((x) => x > 2), [4, 6]);
assert.sameValue([1, 2, 3, 4].reduce((a, b) => a + b), 10);
assert.sameValue([1, 2, 3].reduceRight((a, b) => a + '' + b, ''), '321');
var people = [
  { n: 'a', age: 30 }, { n: 'b', age: 20 }, { n: 'c', age: 30 }, { n: 'd', age: 20 },
];
assert.compareArray(people.slice().sort((x, y) => x.age - y.age).map((p) => p.n), ['b', 'd', 'a', 'c'], 'stable');
var visited = 0;
assert.throws(Test262Error, function () {
  [1, 2, 3].forEach(function (v) {
    visited++;
    if (v === 2) throw new Test262Error();
  });
});
assert.sameValue(visited, 2);
assert.compareArray(Array.from({ length: 3 }, (_, i) => i * i), [0, 1, 4]);
assert.sameValue([3, 1, 2].find((x) => x < 3), 1);
var flat = [[1], [2, [3]]].flatMap((x) => x);
assert.sameValue(flat.length, 3, 'flatMap flattens one level');
assert(Array.isArray(flat[2]));
