// snapvm conformance fixture (MIT)
import './tla-siblings-c_FIXTURE.js';
globalThis.tlaLog.push('b');
