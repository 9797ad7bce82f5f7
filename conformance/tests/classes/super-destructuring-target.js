// snapvm conformance test (MIT)
/*---
description: >
  A super property as a destructuring assignment target is a reference made when the target is
  evaluated (AssignmentElement / KeyedDestructuringAssignmentEvaluation: lref first): its base
  (GetSuperBase) is read then, before the iterator step or the property read that gives its value, and
  an uninitialized `this` throws before the key expression runs.
---*/
var log = [];
function protoNamed(name) {
  return { set x(v) { log.push(name + '.set ' + v); } };
}
var A = protoNamed('A'), B = protoNamed('B');
var obj = {
  __proto__: A,
  fromArray(it) { [super.x] = it; },
  fromObject(src) { ({ a: super.x } = src); },
  fromArrayKeyed(it, k) { [super[k]] = it; },
};
function iterable(value) {
  return { [Symbol.iterator]() { return { next() { Object.setPrototypeOf(obj, B); return { value: value, done: false }; }, return() { return {}; } }; } };
}
obj.fromArray(iterable(1));
assert.sameValue(log.join(), 'A.set 1', '[super.x] = it: the base is read before the iterator step');
Object.setPrototypeOf(obj, A); log = [];
obj.fromObject({ get a() { Object.setPrototypeOf(obj, B); return 2; } });
assert.sameValue(log.join(), 'A.set 2', '({a: super.x} = src): the base is read before the property read');
Object.setPrototypeOf(obj, A); log = [];
obj.fromArrayKeyed(iterable(3), 'x');
assert.sameValue(log.join(), 'A.set 3', '[super[k]] = it');

// before super(): GetThisBinding throws before the key expression is evaluated
var keyRuns = 0;
class Base {}
class Derived extends Base {
  constructor() {
    [super[(keyRuns++, 'x')]] = [1];
    super();
  }
}
assert.throws(ReferenceError, function () { new Derived(); }, 'this is not initialized');
assert.sameValue(keyRuns, 0, 'the key expression did not run');
