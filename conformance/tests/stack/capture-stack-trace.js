// snapvm conformance test (MIT)
/*---
description: Error.captureStackTrace puts a stack on any object and can hide frames above a given function.
---*/
function visible() { return hidden(); }
function hidden() {
  var o = { message: 'on an object', name: 'Custom' };
  Error.captureStackTrace(o, hidden);
  return o;
}
var o = visible();
assert.sameValue(typeof o.stack, 'string');
assert(o.stack.indexOf('Custom: on an object') === 0, o.stack);
assert(o.stack.indexOf('at hidden') < 0, 'frames from constructorOpt up are hidden');
assert(o.stack.indexOf('at visible') > 0, 'the caller frame is there');
