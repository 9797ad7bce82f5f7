// snapvm conformance test (MIT)
/*---
description: >
  A module that imports and re-exports its own namespace (`export * as ns from` itself, `export * from`
  itself) links: the namespace's export of itself is the same object, its other exports live bindings.
flags: [module]
includes: [compareArray.js]
---*/
import * as self from './namespace-self.js';
import { again } from './namespace-self.js';
export * as again from './namespace-self.js';
export * from './namespace-self.js';
export var value = 1;
export function f() { return 'f'; }
assert.sameValue(self.again, self, 'the namespace exports itself');
assert.sameValue(again, self, 'imported by name');
assert.sameValue(self.again.again.value, 1, 'through itself');
assert.compareArray(Object.keys(self), ['again', 'f', 'value'], 'its exports, sorted');
value = 2;
assert.sameValue(self.value, 2, 'a live binding');
assert.sameValue(self.f(), 'f');
