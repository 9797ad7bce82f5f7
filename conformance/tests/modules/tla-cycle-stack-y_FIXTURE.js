// snapvm conformance fixture (MIT)
import './tla-cycle-stack-x_FIXTURE.js';
globalThis.tlaStackLog.push('y');
