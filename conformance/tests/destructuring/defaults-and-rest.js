// snapvm conformance test (MIT)
/*---
description: Defaults apply only for undefined; rest collects remaining elements and own enumerable properties.
includes: [compareArray.js]
---*/
var [a = 1, b = 2, ...rest] = [undefined, null, 3, 4];
assert.sameValue(a, 1);
assert.sameValue(b, null, 'null does not trigger a default');
assert.compareArray(rest, [3, 4]);

var { x = 'dx', y: renamed = 'dy', ...others } = { y: 0, p: 1, q: 2 };
assert.sameValue(x, 'dx');
assert.sameValue(renamed, 0);
assert.compareArray(Object.keys(others), ['p', 'q']);

var calls = 0;
function def() { calls++; return 'd'; }
var [c = def(), d = def()] = ['given'];
assert.sameValue(c, 'given');
assert.sameValue(d, 'd');
assert.sameValue(calls, 1, 'a default runs only when needed');

function params({ a, b = a * 2 } = {}, [first] = ['none']) { return [a, b, first]; }
assert.compareArray(params({ a: 2 }), [2, 4, 'none']);
assert.compareArray(params(), [undefined, NaN, 'none']);
assert.throws(TypeError, function () { var { z } = null; });
