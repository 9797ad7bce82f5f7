// snapvm conformance test (MIT)
/*---
description: Loops complete with the last value their body produced; break and continue carry it.
---*/
assert.sameValue(eval('var i = 0; while (i < 3) { i++; i * 10; }'), 30);
assert.sameValue(eval('do { 5; break; } while (true)'), 5);
assert.sameValue(eval('for (var j = 0; j < 2; j++) { if (j) continue; "zero"; }'), undefined, 'an if statement gives its continue the value undefined');
assert.sameValue(eval('var k2 = 0; do { k2++; "kept"; continue; } while (k2 < 2)'), 'kept', 'a bare continue carries the previous value');
assert.sameValue(eval('1; for (var k = 0; k < 0; k++) {}'), undefined, 'a loop that never runs completes with undefined');
assert.sameValue(eval('for (var p of [1, 2]) p;'), 2);
assert.sameValue(eval('outer: for (var q of [1]) { for (;;) { "inner"; break outer; } }'), 'inner');
