// snapvm conformance test (MIT)
/*---
description: Mixing BigInt and Number in arithmetic, unary plus and >>> throw TypeError; BigInt(1.5) throws RangeError.
---*/
assert.throws(TypeError, function () { return 1n + 1; });
assert.throws(TypeError, function () { return +1n; });
assert.throws(TypeError, function () { return 1n >>> 0n; });
assert.throws(TypeError, function () { return Math.max(1n); });
assert.throws(RangeError, function () { return BigInt(1.5); });
assert.throws(RangeError, function () { return 1n / 0n; });
assert.throws(SyntaxError, function () { return BigInt('1.5'); });
assert.throws(TypeError, function () { return new BigInt(1); });
assert.sameValue(1n + BigInt(1), 2n);
assert.sameValue(String(10n) + 1, '101');
