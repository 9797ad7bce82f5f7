// snapvm conformance test (MIT)
/*---
description: Module code is strict, top-level this is undefined, top-level declarations are not global properties, import.meta is a null-prototype object.
flags: [module]
---*/
var topVar = 1;
function topFunction() {}
assert.sameValue(this, undefined);
assert.sameValue((function () { return this; })(), undefined, 'module code is strict');
assert.sameValue(globalThis.topVar, undefined);
assert.sameValue(globalThis.topFunction, undefined);
assert.sameValue(typeof import.meta, 'object');
assert.sameValue(Object.getPrototypeOf(import.meta), null);
assert.sameValue(import.meta, import.meta, 'one import.meta object per module');
