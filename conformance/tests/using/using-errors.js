// snapvm conformance test (MIT)
/*---
description: Disposal errors are combined with SuppressedError (the later error suppressing the earlier), a lone error is thrown as is, and a bad resource is a TypeError at the declaration.
---*/
function thrower(m) { return { [Symbol.dispose]() { throw new Error(m); } }; }

var caught;
try {
  using a = thrower('a');
  using b = thrower('b');
  throw new Error('body');
} catch (e) { caught = e; }
assert(caught instanceof SuppressedError, 'outer SuppressedError');
assert.sameValue(caught.error.message, 'a', 'the last disposed error is outermost');
assert(caught.suppressed instanceof SuppressedError);
assert.sameValue(caught.suppressed.error.message, 'b');
assert.sameValue(caught.suppressed.suppressed.message, 'body', 'the body error is the innermost suppressed');
assert.sameValue(Object.getOwnPropertyDescriptor(caught, 'error').enumerable, false);

var SavedSuppressed = SuppressedError;
SuppressedError = function () { throw new Test262Error('the global is not used'); };
try {
  { using a = thrower('x'); throw 1; }
} catch (e) { caught = e; }
SuppressedError = SavedSuppressed;
assert.sameValue(Object.getPrototypeOf(caught), SavedSuppressed.prototype);
assert.sameValue(caught.suppressed, 1);

try { using a = thrower('only'); } catch (e) { caught = e; }
assert.sameValue(caught.message, 'only', 'one error is thrown as it is');

var disposed = [];
assert.throws(TypeError, function () {
  using a = { [Symbol.dispose]() { disposed.push('a'); } };
  using b = {};
}, 'an object without Symbol.dispose');
assert.sameValue(disposed.join(), 'a', 'earlier resources are still disposed');
assert.throws(TypeError, function () { using a = 1; }, 'a primitive');
assert.throws(TypeError, function () { using a = { [Symbol.dispose]: 1 }; }, 'a method that is not callable');
