// snapvm conformance test (MIT)
/*---
description: While a module awaits at top level, an import cycle that does not depend on it evaluates at once (d and f, then e which imports them); a cycle that imports the waiting module (b and c) waits for it (InnerModuleEvaluation, AsyncModuleExecutionFulfilled). Node prints the same order.
flags: [module, async]
includes: [compareArray.js]
---*/
import './tla-siblings-log_FIXTURE.js';
import './tla-siblings-a_FIXTURE.js';
import './tla-siblings-b_FIXTURE.js';
import './tla-siblings-d_FIXTURE.js';
import './tla-siblings-e_FIXTURE.js';
assert.compareArray(globalThis.tlaLog, ['a start', 'f', 'd', 'e', 'a end', 'c', 'b']);
$DONE();
