// snapvm conformance fixture (MIT)
import './tla-siblings-f_FIXTURE.js';
globalThis.tlaLog.push('d');
