// snapvm conformance fixture (MIT)
import './tla-siblings-d_FIXTURE.js';
globalThis.tlaLog.push('e');
