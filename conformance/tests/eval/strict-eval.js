// snapvm conformance test (MIT)
/*---
description: Strict eval code gets its own variable environment; vars do not leak to the caller.
flags: [onlyStrict]
---*/
function f() {
  eval('var leaked = 1');
  return typeof leaked;
}
assert.sameValue(f(), 'undefined');
assert.sameValue(eval('"use strict"; var y = 2; y'), 2);
assert.sameValue(typeof y, 'undefined');
assert.throws(SyntaxError, function () { eval('with ({}) {}'); });
