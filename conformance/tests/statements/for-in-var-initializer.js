// snapvm conformance test (MIT)
/*---
description: >
  Annex B §B.3.5: a sloppy `for (var x = init in o)` evaluates its initializer once, stores it in x
  before the object expression is evaluated, names an anonymous function after x, and then loops as usual.
flags: [noStrict]
includes: [compareArray.js]
---*/
var effects = 0, stored, keys = [];
for (var a = (++effects, 'init') in (stored = a, { p: 1, q: 2 })) keys.push(a);
assert.sameValue(effects, 1, 'the initializer runs once');
assert.sameValue(stored, 'init', 'x holds it when the object expression runs');
assert.compareArray(keys, ['p', 'q']);
assert.sameValue(a, 'q');
for (var b = 5 in {});
assert.sameValue(b, 5, 'an empty object leaves the initializer');
for (var fn = function () {} in {});
assert.sameValue(fn.name, 'fn', 'NamedEvaluation');
(function () {
  var before = c;
  for (var c = 1 in null);
  assert.sameValue(before, undefined);
  assert.sameValue(c, 1, 'in a function, with a null object');
})();
