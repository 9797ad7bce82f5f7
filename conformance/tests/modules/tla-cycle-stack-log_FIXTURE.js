// snapvm conformance fixture (MIT)
globalThis.tlaStackLog = [];
