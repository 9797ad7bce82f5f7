// snapvm conformance test (MIT)
/*---
description: >
  A destructuring assignment's member target keeps its key's value and converts it (ToPropertyKey) at
  the store, after the iterator step or the property read (ES2025 §13.15.5.5-6 with §13.3.3: the
  Reference holds the key's value); a null base throws before the key is converted.
includes: [compareArray.js]
---*/
var log = [];
function key(name) {
  return { toString: function () { log.push(name + '-tostring'); return name; } };
}
var target = {};
var source = { get s() { log.push('get'); return 1; } };
({ s: target[key('a')] } = source);
assert.compareArray(log, ['get', 'a-tostring'], 'keyed: the key is converted after the read');
assert.sameValue(target.a, 1);

log = [];
var iterable = {};
iterable[Symbol.iterator] = function () {
  return { next: function () { log.push('step'); return { value: 2, done: false }; }, return: function () { return {}; } };
};
[target[key('b')]] = iterable;
assert.compareArray(log, ['step', 'b-tostring'], 'iterator: the key is converted after the step');
assert.sameValue(target.b, 2);

log = [];
for ([target[key('c')]] of [[3]]);
assert.compareArray(log, ['c-tostring']);
assert.sameValue(target.c, 3);

// a null base throws (PutValue's ToObject) before the key is converted
log = [];
var nothing = null;
assert.throws(TypeError, function () { [nothing[key('d')]] = [4]; });
assert.compareArray(log, [], 'no conversion on a null base');
