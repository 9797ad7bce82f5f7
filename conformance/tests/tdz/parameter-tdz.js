// snapvm conformance test (MIT)
/*---
description: A parameter default may refer to earlier parameters but not to later ones.
---*/
function f(a, b = a + 1) { return b; }
assert.sameValue(f(1), 2);
function g(a = b, b) { return a; }
assert.throws(ReferenceError, function () { g(undefined, 1); });
function h(a = () => b, b = 5) { return a(); }
assert.sameValue(h(), 5, 'a closure in a default sees the later parameter once it is initialised');
