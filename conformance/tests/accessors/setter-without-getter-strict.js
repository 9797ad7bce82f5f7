// snapvm conformance test (MIT)
/*---
description: In strict code, assigning to an accessor without a setter throws TypeError; reading one without a getter gives undefined.
flags: [onlyStrict]
---*/
var o = { get x() { return 1; }, set y(v) {} };
assert.throws(TypeError, function () { o.x = 2; });
assert.sameValue(o.y, undefined);
var frozen = Object.freeze({ p: 1 });
assert.throws(TypeError, function () { frozen.p = 2; });
assert.throws(TypeError, function () { frozen.q = 2; });
assert.throws(TypeError, function () { delete frozen.p; });
