// snapvm conformance test (MIT)
/*---
description: >
  A strict assignment to a name that resolves to nothing throws a ReferenceError at PutValue even when
  the right-hand side has made the name meanwhile (the reference is resolved before the right-hand side);
  a name that exists then but is deleted by the right-hand side throws too; sloppy code creates it.
flags: [onlyStrict]
---*/
var global = Function('return this')();
var rhsRan = false;
assert.throws(ReferenceError, function () {
  madeByRhs = (global.madeByRhs = 1, rhsRan = true, 2);
}, 'the right-hand side makes the global property');
assert(rhsRan, 'the right-hand side ran first');
assert.sameValue(global.madeByRhs, 1, 'the store did not happen');

assert.throws(ReferenceError, function () {
  madeByGlobalRhs = (Object.defineProperty(global, 'madeByGlobalRhs', { value: 1, writable: true, configurable: true }), 2);
}, 'through a function at the top of the chain');

(function () {
  var sloppyWithEval = Function('f', 'eval(""); return f();');
  // a strict function inside a sloppy one with a direct eval: the name is looked up at run time
  assert.throws(ReferenceError, function () {
    sloppyWithEval(function () { madeInDynamic = (global.madeInDynamic = 1, 2); });
  }, 'under a direct eval');
})();

global.gone = 1;
assert.throws(ReferenceError, function () { gone = (delete global.gone, 2); }, 'deleted by the right-hand side');
assert.sameValue(global.hasOwnProperty('gone'), false, 'not made again');

global.present = 1;
present = 2;
assert.sameValue(global.present, 2, 'a name that exists is assigned');
var declared;
declared = 3;
assert.sameValue(declared, 3, 'a declared name is assigned');

var rhsRan2 = false;
assert.throws(ReferenceError, function () { neverMade += (rhsRan2 = true, 1); }, 'a compound assignment reads the name first');
assert.sameValue(rhsRan2, false, 'so its right-hand side never runs');

Function('sloppyMade = (this.sloppyMade = 1, 2)')();
assert.sameValue(global.sloppyMade, 2, 'sloppy code creates the property');
