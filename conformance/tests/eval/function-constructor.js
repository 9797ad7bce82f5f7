// snapvm conformance test (MIT)
/*---
description: The Function constructor makes global-scoped sloppy functions from source text.
---*/
var captured = 'global';
function make() {
  var captured = 'local';
  return new Function('a', 'b', 'return a + b + typeof captured + captured;');
}
assert.sameValue(make()(1, 2), '3stringglobal');
var f = Function('x = 1', '...rest', 'return x + rest.length;');
assert.sameValue(f(undefined, 1, 2), 3);
assert.sameValue(f.name, 'anonymous');
assert.sameValue(f.length, 0);
assert.throws(SyntaxError, function () { Function('return }'); });
assert.throws(SyntaxError, function () { Function('a', 'b', '"use strict"; with (a) {}'); });
var G = Object.getPrototypeOf(function* () {}).constructor;
var gen = new G('yield 1; yield 2;');
assert.sameValue([...gen()].join(), '1,2');
