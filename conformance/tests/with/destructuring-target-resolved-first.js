// snapvm conformance test (MIT)
/*---
description: >
  A destructuring target that is a name under `with` is resolved (HasBinding) before its value is read,
  in an assignment pattern (§13.15.5.6 step 1) and in a var binding pattern (§8.6.3 SingleNameBinding).
flags: [noStrict]
includes: [compareArray.js]
---*/
var log = [];
// names under `with`: HasBinding is asked before the value is read
var env = new Proxy({}, { has: function (t, k) { if (typeof k === 'string') log.push('has:' + k); return false; } });
var src = { get p() { log.push('get p'); return 5; } };
var x, y;
with (env) {
  ({ p: x } = src);
  var { p: y } = src;
}
assert.compareArray(log, ['has:src', 'has:x', 'get p', 'has:src', 'has:y', 'get p']);
assert.sameValue(x, 5);
assert.sameValue(y, 5);
