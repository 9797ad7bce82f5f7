// snapvm conformance fixture (MIT)
import './tla-siblings-b_FIXTURE.js';
import './tla-siblings-a_FIXTURE.js';
globalThis.tlaLog.push('c');
