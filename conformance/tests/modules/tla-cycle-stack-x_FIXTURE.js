// snapvm conformance fixture (MIT)
import './tla-cycle-stack-y_FIXTURE.js';
import './tla-cycle-stack-a_FIXTURE.js';
globalThis.tlaStackLog.push('x');
