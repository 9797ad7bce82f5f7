// snapvm conformance test (MIT)
/*---
description: Error instances have an own non-enumerable message, inherit name, support cause, and print with toString.
includes: [propertyHelper.js]
---*/
var e = new RangeError('out', { cause: 'why' });
assert.sameValue(e.toString(), 'RangeError: out');
assert.sameValue(e.cause, 'why');
assert.sameValue(Object.prototype.hasOwnProperty.call(e, 'name'), false);
assert.sameValue(Object.getPrototypeOf(e), RangeError.prototype);
assert.sameValue(Object.getPrototypeOf(RangeError), Error);
assert(e instanceof Error);
assert.sameValue(Object.prototype.toString.call(e), '[object Error]');
var noNew = TypeError('called');
assert(noNew instanceof TypeError, 'error constructors work without new');
assert.sameValue(new Error().hasOwnProperty('message'), false, 'no message argument, no own message');
assert.sameValue(new Error(undefined, {}).hasOwnProperty('cause'), false);
var agg = new AggregateError([1, 2], 'many');
assert.sameValue(agg.errors.length, 2);
assert.sameValue(agg.message, 'many');
class MyError extends Error {
  constructor(m) { super(m); this.name = 'MyError'; }
}
var mine = new MyError('custom');
assert.sameValue(String(mine), 'MyError: custom');
assert(mine instanceof MyError && mine instanceof Error);
verifyProperty(e, 'message', { value: 'out', writable: true, enumerable: false, configurable: true });
