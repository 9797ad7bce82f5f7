// snapvm conformance test (MIT)
/*---
description: break out of a labeled block (not a loop) and out of nested labels on a single statement.
---*/
var reached = [];
block: {
  reached.push('a');
  if (reached.length) break block;
  reached.push('not here');
}
reached.push('after');
assert.sameValue(reached.join(), 'a,after');

var n = 0;
a: b: c: while (true) {
  n++;
  if (n === 2) break b;
  continue a;
}
assert.sameValue(n, 2);

sw: switch (1) {
  case 1:
    for (;;) { break sw; }
  case 2:
    throw new Test262Error('fell through');
}
