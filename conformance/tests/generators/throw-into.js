// snapvm conformance test (MIT)
/*---
description: throw() raises at the suspended yield; a catch inside the generator can resume it.
---*/
function* g() {
  while (true) {
    try {
      yield 'waiting';
    } catch (e) {
      yield 'caught ' + e;
    }
  }
}
var it = g();
it.next();
assert.sameValue(it.throw('boom').value, 'caught boom');
assert.sameValue(it.next().value, 'waiting');

function* h() { yield 1; }
var it2 = h();
assert.throws(Test262Error, function () { it2.throw(new Test262Error()); }, 'throw() on a new generator rethrows');
assert.sameValue(it2.next().done, true, 'and completes it');

function* running() { it3.next(); yield; }
var it3 = running();
assert.throws(TypeError, function () { it3.next(); }, 'a running generator cannot be resumed');
