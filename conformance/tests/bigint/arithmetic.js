// snapvm conformance test (MIT)
/*---
description: BigInt arithmetic is exact at any size; division truncates; comparisons mix with Number.
---*/
var big = 2n ** 100n;
assert.sameValue(big.toString(), '1267650600228229401496703205376');
assert.sameValue((big + 1n) % 10n, 7n);
assert.sameValue(-7n / 2n, -3n, 'division truncates toward zero');
assert.sameValue(-7n % 2n, -1n);
assert.sameValue(BigInt.asUintN(8, 257n), 1n);
assert.sameValue(BigInt.asIntN(8, 255n), -1n);
assert.sameValue(1n < 1.5, true);
assert.sameValue(2n == 2, true);
assert.sameValue(2n === 2, false);
assert.sameValue(typeof 1n, 'bigint');
assert.sameValue(BigInt('0x10'), 16n);
assert.sameValue(0n ? 'truthy' : 'falsy', 'falsy');
assert.sameValue(5n << 3n, 40n);
assert.sameValue(~0n, -1n);
var m = new Map([[1n, 'one']]);
assert.sameValue(m.get(1n), 'one', 'BigInts are SameValueZero-equal as keys');
