// snapvm conformance test (MIT)
/*---
description: Deeply nested closures resolve each name to the nearest enclosing binding, also after the outer calls return.
---*/
var x = 'global';
function level1() {
  var x = 'one';
  var y = 'y1';
  return function level2() {
    let x = 'two';
    return function level3(z) {
      {
        const x = 'block';
        z = z + x;
      }
      return [x, y, z].join(',');
    };
  };
}
var f = level1()();
assert.sameValue(f('z'), 'two,y1,zblock');
assert.sameValue(x, 'global');

function counterPair() {
  let n = 0;
  return [() => ++n, () => (n = 0)];
}
var [inc, reset] = counterPair();
inc(); inc();
assert.sameValue(inc(), 3);
reset();
assert.sameValue(inc(), 1, 'both arrows see the same binding');
