// snapvm conformance test (MIT)
/*---
description: Completion values of try/finally, blocks, labels, if and switch as seen by eval.
---*/
assert.sameValue(eval('try { 1; } finally { 2; }'), 1, 'finally does not change a normal completion value');
assert.sameValue(eval('try { throw 0; } catch (e) { 3; } finally { 4; }'), 3);
assert.sameValue(eval('l: { 5; break l; }'), 5);
assert.sameValue(eval('6; if (false) { 7; }'), undefined, 'an if without a taken branch completes with undefined');
assert.sameValue(eval('8; {}'), 8, 'an empty block keeps the previous value');
assert.sameValue(eval('9; var x = 10;'), 9, 'a declaration has no value');
assert.sameValue(eval('switch (1) { case 1: 11; case 2: 12; break; }'), 12);
assert.sameValue(eval('13; try {} finally {}'), undefined);
assert.sameValue(eval('function f() {} 14; function g() {}'), 14);
assert.sameValue(eval('15; class K {}'), 15);
