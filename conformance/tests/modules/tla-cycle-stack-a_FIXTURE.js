// snapvm conformance fixture (MIT)
globalThis.tlaStackLog.push('a start');
await null;
await null;
globalThis.tlaStackLog.push('a end');
