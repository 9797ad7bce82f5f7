// snapvm conformance test (MIT)
/*---
description: Promise subclasses get their own instances from then, resolve and all; executors run synchronously.
flags: [async]
---*/
var executorRan = false;
class MyPromise extends Promise {
  constructor(executor) {
    super(function (resolve, reject) { executorRan = true; executor(resolve, reject); });
    this.tag = 'mine';
  }
}
var p = new MyPromise(function (resolve) { resolve(1); });
assert.sameValue(executorRan, true);
var q = p.then(function (v) { return v + 1; });
assert(q instanceof MyPromise, 'then uses the species constructor');
assert.sameValue(q.tag, 'mine');
assert(MyPromise.resolve(3) instanceof MyPromise);
assert(MyPromise.all([]) instanceof MyPromise);
assert.notSameValue(Promise.resolve(p), p, 'Promise.resolve wraps a promise of another constructor');
assert.sameValue(MyPromise.resolve(p), p, 'and returns one of its own constructor as is');
q.then(function (v) {
  assert.sameValue(v, 2);
}).then($DONE, $DONE);
