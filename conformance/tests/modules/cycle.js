// snapvm conformance test (MIT)
/*---
description: In an import cycle, the dependency evaluates first, hoisted functions of the other side already work (the same function objects after it evaluates), and its let bindings are in TDZ.
flags: [module]
includes: [compareArray.js]
---*/
import { helloA, lateA } from './cycle-a_FIXTURE.js';
import { fromB, tdzInB, helloSeenByB } from './cycle-b_FIXTURE.js';
assert.compareArray(globalThis.cycleLog, ['b', 'a']);
assert.sameValue(fromB, 'hello from A', 'B called A\'s hoisted function before A evaluated');
assert.sameValue(tdzInB, true, 'A\'s let binding was in TDZ while B evaluated');
assert.sameValue(lateA, 'late');
assert.sameValue(helloA(), 'hello from A');
assert.sameValue(helloSeenByB, helloA, 'the function B saw before A evaluated is the one A exports (made once, at link time)');
