// snapvm conformance test (MIT)
/*---
description: >
  In strict code a destructuring assignment's target name that resolves to nothing when the target is
  evaluated (before the iterator step, the property read, a default or the rest copy) throws a
  ReferenceError at PutValue even when that step, getter or default has made the name meanwhile
  (ecma262 §13.15.5.5-6: the reference is evaluated first); a name that exists is assigned.
flags: [onlyStrict]
---*/
var global = Function('return this')();

function makingIterator(name) {
  var done = false;
  return {
    [Symbol.iterator]: function () { return this; },
    next: function () {
      if (!done) global[name] = 'made by next';
      var r = { value: 1, done: done };
      done = true;
      return r;
    },
  };
}
function makingGetter(key, name) {
  var o = {};
  Object.defineProperty(o, key, { enumerable: true, get: function () { global[name] = 'made by getter'; return 1; } });
  return o;
}

assert.throws(ReferenceError, function () { [madeByNext] = makingIterator('madeByNext'); }, 'array element');
assert.sameValue(global.madeByNext, 'made by next', 'next() ran and the store did not happen');

assert.throws(ReferenceError, function () { [...madeByRestNext] = makingIterator('madeByRestNext'); }, 'array rest');
assert.sameValue(global.madeByRestNext, 'made by next', 'array rest: no store');

assert.throws(ReferenceError, function () { [madeByDefault = (global.madeByDefault = 'made by default', 2)] = []; }, 'array element default');
assert.sameValue(global.madeByDefault, 'made by default', 'array element default: no store');

assert.throws(ReferenceError, function () { ({ a: madeByGetter } = makingGetter('a', 'madeByGetter')); }, 'property');
assert.sameValue(global.madeByGetter, 'made by getter', 'property: no store');

assert.throws(ReferenceError, function () { ({ madeByShorthand } = makingGetter('madeByShorthand', 'madeByShorthand')); }, 'shorthand property');
assert.sameValue(global.madeByShorthand, 'made by getter', 'shorthand property: no store');

assert.throws(ReferenceError, function () { ({ ...madeByRestGetter } = makingGetter('k', 'madeByRestGetter')); }, 'object rest');
assert.sameValue(global.madeByRestGetter, 'made by getter', 'object rest: no store');

assert.throws(ReferenceError, function () { [[madeNested]] = [makingIterator('madeNested')]; }, 'nested pattern');
assert.sameValue(global.madeNested, 'made by next', 'nested pattern: no store');

global.present = 0;
[present] = [5];
assert.sameValue(global.present, 5, 'an existing global name is assigned (array)');
({ p: present } = { p: 6 });
assert.sameValue(global.present, 6, 'an existing global name is assigned (object)');
var declared;
[declared] = makingIterator('unused');
assert.sameValue(declared, 1, 'a declared name is assigned');
