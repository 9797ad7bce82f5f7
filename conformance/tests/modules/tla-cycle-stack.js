// snapvm conformance test (MIT)
/*---
description: In a cycle x → y → x where x also imports a module that awaits at top level, y evaluates at once (x, still on the DFS stack, is not yet in async evaluation when y looks at it), and x waits (InnerModuleEvaluation step 11.c). Node prints the same order.
flags: [module, async]
includes: [compareArray.js]
---*/
import './tla-cycle-stack-log_FIXTURE.js';
import './tla-cycle-stack-a_FIXTURE.js';
import './tla-cycle-stack-x_FIXTURE.js';
assert.compareArray(globalThis.tlaStackLog, ['a start', 'y', 'a end', 'x']);
$DONE();
