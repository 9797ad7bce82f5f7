// snapvm conformance test (MIT)
/*---
description: A module namespace object is non-extensible, has a null prototype, sorted keys and live values, and rejects writes.
flags: [module]
includes: [compareArray.js]
---*/
import * as ns from './namespace_FIXTURE.js';
assert.sameValue(Object.getPrototypeOf(ns), null);
assert.sameValue(ns[Symbol.toStringTag], 'Module');
assert.sameValue(Object.isExtensible(ns), false);
assert.compareArray(Object.keys(ns), ['a', 'b', 'bump', 'default', 'with space']);
assert.sameValue(ns['with space'], ns.b, 'a string export name aliases the binding');
var d = Object.getOwnPropertyDescriptor(ns, 'a');
assert.sameValue(d.writable, true);
assert.sameValue(d.enumerable, true);
assert.sameValue(d.configurable, false);
assert.throws(TypeError, function () { ns.a = 1; });
assert.throws(TypeError, function () { ns.extra = 1; });
assert.throws(TypeError, function () { delete ns.a; });
assert.sameValue(ns.default(), 'default export');
assert.sameValue(ns.default.name, 'default');
ns.bump();
assert.sameValue(ns.b, 2);
