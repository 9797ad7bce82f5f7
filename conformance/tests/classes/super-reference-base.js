// snapvm conformance test (MIT)
/*---
description: >
  A super reference's base (GetSuperBase, the home object's prototype) is read once, when the reference
  is made: after the key's value, before its ToPropertyKey and before the right-hand side; the get and
  the set of `super[k] op= v`, `super[k]++` and `super[k] ??= v` both use it.
---*/
var log = [];
function protoNamed(name, value) {
  return {
    get p() { log.push('get ' + name); return value; },
    set p(v) { log.push('set ' + name + ' ' + v); },
  };
}
var proto = protoNamed('proto', 1);
var proto2 = protoNamed('proto2', 10);
var obj = {
  __proto__: proto,
  compound(k) { return super[k] += 1; },
  increment(k) { return super[k]++; },
  logical(k) { return super[k] ||= 5; },
  store(f) { super.p = f(); },
  storeKey(k, f) { super[k] = f(); },
};
function reset() { Object.setPrototypeOf(obj, proto); log = []; }
var key = { toString: function () { log.push('key'); Object.setPrototypeOf(obj, proto2); return 'p'; } };

reset();
assert.sameValue(obj.compound(key), 2, 'super[k] += 1 reads the base resolved before the key conversion');
assert.sameValue(log.join(), 'key,get proto,set proto 2', 'compound assignment: one conversion, one base');
reset();
assert.sameValue(obj.increment(key), 1, 'super[k]++');
assert.sameValue(log.join(), 'key,get proto,set proto 2', 'update: one conversion, one base');
reset();
assert.sameValue(obj.logical(key), 1, 'super[k] ||= v (the value is truthy: no store)');
assert.sameValue(log.join(), 'key,get proto', 'logical assignment: one conversion, one base');

// the getter itself moves the prototype: the set still goes to the first base
var proto3 = {
  get p() { log.push('get proto3'); Object.setPrototypeOf(obj, proto2); return 3; },
  set p(v) { log.push('set proto3 ' + v); },
};
Object.setPrototypeOf(obj, proto3); log = [];
assert.sameValue(obj.compound('p'), 4, 'super[k] += 1 with a getter that changes the prototype');
assert.sameValue(log.join(), 'get proto3,set proto3 4', 'the set uses the base of the get');

// a plain store: the base is read before the right-hand side
reset();
obj.store(function () { Object.setPrototypeOf(obj, proto2); return 7; });
assert.sameValue(log.join(), 'set proto 7', 'super.p = v: the base read before the right-hand side');
reset();
obj.storeKey('p', function () { Object.setPrototypeOf(obj, proto2); return 8; });
assert.sameValue(log.join(), 'set proto 8', 'super[k] = v: the base read before the right-hand side');

// a null base throws before the key is converted
var bare = { __proto__: null, compound(k) { return super[k] += 1; }, increment(k) { return super[k]++; }, store(k) { super[k] = 1; } };
var converted = 0;
var counting = { toString: function () { converted++; return 'p'; } };
assert.throws(TypeError, function () { bare.compound(counting); }, 'super[k] += 1 with a null base');
assert.throws(TypeError, function () { bare.increment(counting); }, 'super[k]++ with a null base');
assert.throws(TypeError, function () { bare.store(counting); }, 'super[k] = v with a null base');
assert.sameValue(converted, 0, 'the key was never converted');
