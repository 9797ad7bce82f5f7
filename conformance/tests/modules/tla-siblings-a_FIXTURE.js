// snapvm conformance fixture (MIT)
globalThis.tlaLog.push('a start');
await null;
await null;
globalThis.tlaLog.push('a end');
