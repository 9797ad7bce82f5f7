// snapvm conformance test (MIT)
/*---
description: A tagged template passes one frozen strings array per call site, with raw strings, reused on every evaluation.
---*/
function tag(strings) { return strings; }
function site() { return tag`a${1}b\n${2}`; }
var s1 = site();
var s2 = site();
assert.sameValue(s1, s2, 'the same site yields the same array');
assert.notSameValue(s1, tag`a${1}b\n${2}`, 'another site with the same text yields another array');
assert(Object.isFrozen(s1));
assert(Object.isFrozen(s1.raw));
assert.sameValue(s1.length, 3);
assert.sameValue(s1[1], 'b\n');
assert.sameValue(s1.raw[1], 'b\\n');
assert.sameValue(String.raw`x\t${'y'}\u0041`, 'x\\ty\\u0041');
function invalid(strings) { return [strings[0], strings.raw[0]]; }
var r = invalid`\unicode`;
assert.sameValue(r[0], undefined, 'an invalid escape cooks to undefined in a tagged template');
assert.sameValue(r[1], '\\unicode');
