// snapvm conformance fixture (MIT)
globalThis.tlaLog = [];
