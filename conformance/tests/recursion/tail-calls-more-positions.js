// snapvm conformance test (MIT)
/*---
description: >
  Proper tail calls (EngineOptions.properTailCalls, on for tests with this feature) in the right operand
  of `??` and as a tagged template in tail position (ecma262 §15.10.2 HasCallInTailPosition): tail
  recursion far deeper than the frame limit (100 000) runs in constant space, and the results are right.
flags: [onlyStrict]
features: [tail-call-optimization]
---*/
var DEPTH = 250000;
function coalesce(n) {
  if (n === 0) return 'done';
  return null ?? coalesce(n - 1);
}
assert.sameValue(coalesce(DEPTH), 'done');
function keep(n) {
  return n === 0 ? 0 : (n ?? coalesce(1));
}
assert.sameValue(keep(5), 5, 'a value that is not nullish is returned as it is');

var finished = false;
function tag(strings, n) {
  if (n === 0) { finished = strings.raw[0] === 'a'; return 'tagged'; }
  return tag`a${n - 1}`;
}
assert.sameValue(tag`a${DEPTH}`, 'tagged');
assert(finished, 'the template object reaches the last call');
