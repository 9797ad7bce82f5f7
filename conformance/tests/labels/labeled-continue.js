// snapvm conformance test (MIT)
/*---
description: continue and break with labels target the named enclosing loop, running finally blocks on the way.
includes: [compareArray.js]
---*/
var log = [];
outer: for (var i = 0; i < 3; i++) {
  inner: for (var j = 0; j < 3; j++) {
    try {
      if (j === 1) continue outer;
      if (i === 2) break outer;
      log.push(i + '' + j);
    } finally {
      log.push('f');
    }
  }
}
assert.compareArray(log, ['00', 'f', 'f', '10', 'f', 'f', 'f']);
