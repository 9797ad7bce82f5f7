// snapvm conformance test (MIT)
/*---
description: >
  Array.from, %TypedArray%.from, the typed array constructors and the Set and Map constructors give
  the same results and run the same guest code whether the argument's iteration is untouched (the
  engine's fast path: the elements are read in iteration order, the length again at each step) or
  changed (the iteration protocol, observed step by step); the fast path notices each change.
  Under --engine native this is V8's own behaviour, the reference.
includes: [compareArray.js]
---*/
var log = [];
function logged(a) {
  // an array whose reads are seen, one of which grows it and one of which shrinks it
  var arr = a.slice();
  Object.defineProperty(arr, 1, { get: function () { log.push('get 1'); arr.push(arr.length * 10); return 'one'; }, configurable: true });
  return arr;
}

// untouched iteration: holes read as undefined, the length read at each step, getters in order
var holey = [1, , 3];
assert.compareArray(Array.from(holey), [1, undefined, 3], 'Array.from of a holey array');
assert(Array.from(holey).hasOwnProperty(1), 'a hole becomes an own undefined element');
log = [];
assert.compareArray(Array.from(logged([0, 0, 2])), [0, 'one', 2, 30], 'an element added while iterating is reached');
assert.compareArray(log, ['get 1'], 'the getter runs once');
var shrinking = [1, 2, 3, 4];
Object.defineProperty(shrinking, 1, { get: function () { shrinking.length = 2; return 'b'; }, configurable: true });
assert.compareArray(Array.from(shrinking), [1, 'b'], 'a shortened array stops the iteration');
assert.compareArray(Array.from('a\u{1F600}b\uD800'), ['a', '\u{1F600}', 'b', '\uD800'], 'code points of a string, a lone surrogate alone');
assert.compareArray(Array.from([1, 2], function (x) { return x * 2; }), [2, 4], 'with a mapping function');
var F = function () {};
assert(Array.from.call(F, [1]) instanceof F, 'another constructor as this');

// an inherited index setter is not called: elements are created, not set
var setterCalls = 0;
Object.defineProperty(Array.prototype, 0, { set: function () { setterCalls++; }, get: function () { return 'inherited'; }, configurable: true });
assert.compareArray(Array.from([7]), [7], 'Array.from defines its elements');
assert.sameValue(Array.from([, 8])[0], 'inherited', 'a hole reads through the prototype');
delete Array.prototype[0];
assert.sameValue(setterCalls, 0, 'no inherited setter ran');

// typed arrays
assert.compareArray(Array.from(new Float64Array([1.5, 2, '3'])), [1.5, 2, 3], 'new Float64Array(array)');
assert.compareArray(Array.from(Int8Array.from('123')), [1, 2, 3], 'Int8Array.from(string)');
assert.compareArray(Array.from(Uint8Array.from([1, 2], function (x) { return x + 1; })), [2, 3], 'with a mapping function');
var order = [];
var v1 = { valueOf: function () { order.push('v1'); return 1; } };
var grows = [v1, 0];
Object.defineProperty(grows, 1, { get: function () { order.push('get 1'); return 2; }, configurable: true });
assert.compareArray(Array.from(new Int32Array(grows)), [1, 2], 'new Int32Array with a getter');
assert.compareArray(order, ['get 1', 'v1'], 'all elements are read before any is converted');
class Sub extends Uint8Array {}
var sub = new Sub([1, 2]);
assert(sub instanceof Sub, 'a subclass');
assert.sameValue(sub.length, 2, 'a subclass from an array');
assert.sameValue(Object.getPrototypeOf(Float64Array), Object.getPrototypeOf(Int8Array), 'the constructors keep their prototype');
assert.sameValue(new Float64Array(1).constructor, Float64Array, 'an instance leads to the constructor');
assert.sameValue(Float64Array.length, 3, 'length');
assert.sameValue(Float64Array.BYTES_PER_ELEMENT, 8, 'BYTES_PER_ELEMENT');
assert.throws(TypeError, function () { Float64Array([1]); }, 'not without new');

// Set and Map
var s = new Set([1, 2, 2, 3]);
assert.compareArray([...s], [1, 2, 3], 'new Set(array)');
assert.sameValue(Set.length, 0, 'Set.length');
assert.sameValue(Map.length, 0, 'Map.length');
assert.sameValue(Set.prototype.constructor, Set, 'Set.prototype.constructor');
assert.throws(TypeError, function () { Set([1]); }, 'Set not without new');
var m = new Map([[1, 'a'], [2, 'b']]);
assert.sameValue(m.get(2), 'b', 'new Map(array of entries)');
assert.throws(TypeError, function () { new Map([1]); }, 'a primitive entry');
class MySet extends Set {}
assert(new MySet([1]) instanceof MySet, 'a Set subclass');
assert.sameValue(new MySet([1, 1]).size, 1, 'a Set subclass from an array');

// a thrown entry read closes the iteration, as the protocol does
var closed = 0;
var ArrayIteratorPrototype = Object.getPrototypeOf([][Symbol.iterator]());
ArrayIteratorPrototype.return = function () { closed++; return {}; };
var bad = [[1, 2], {}];
Object.defineProperty(bad[1], 0, { get: function () { throw new RangeError('entry'); } });
assert.throws(RangeError, function () { new Map(bad); }, 'the entry read throws');
assert.sameValue(closed, 1, 'the iteration was closed');
assert.throws(TypeError, function () { new Map([[1, 2], 3]); }, 'a non-object entry');
assert.sameValue(closed, 2, 'the iteration was closed again');
delete ArrayIteratorPrototype.return;

// changed iteration: every route sees the change
var steps = 0;
var next = ArrayIteratorPrototype.next;
ArrayIteratorPrototype.next = function () { steps++; return next.call(this); };
assert.compareArray(Array.from([1, 2]), [1, 2], 'Array.from through a replaced next');
new Set([1, 2]);
new Float64Array([1, 2]);
Float64Array.from([1, 2]);
new Map([[1, 2]]);
assert.sameValue(steps, 14, 'each step went through the replaced next');
ArrayIteratorPrototype.next = next;
var own = [1, 2];
own[Symbol.iterator] = function* () { yield 'own'; };
assert.compareArray(Array.from(own), ['own'], 'an own Symbol.iterator');
assert.compareArray([...new Set(own)], ['own'], 'an own Symbol.iterator (Set)');
var values = Array.prototype[Symbol.iterator];
var i8 = new Int8Array([1, 2]);
Array.prototype[Symbol.iterator] = function* () { yield 'replaced'; };
assert.compareArray(Array.from([1]), ['replaced'], 'a replaced Array.prototype[Symbol.iterator]');
assert.compareArray(Array.from(i8), [1, 2], 'a typed array keeps its own iteration');
assert.compareArray(Array.from(new Int8Array([1, 2])), [0], 'new Int8Array through the replaced iteration');
Array.prototype[Symbol.iterator] = values;
var stringIterator = String.prototype[Symbol.iterator];
String.prototype[Symbol.iterator] = function* () { yield 'S'; };
assert.compareArray(Array.from('ab'), ['S'], 'a replaced String.prototype[Symbol.iterator]');
String.prototype[Symbol.iterator] = stringIterator;
var proxy = new Proxy([1, 2], {});
assert.compareArray(Array.from(proxy), [1, 2], 'a Proxy of an array');
var add = Set.prototype.add;
var added = [];
Set.prototype.add = function (v) { added.push(v); return add.call(this, v); };
new Set([4, 5]);
assert.compareArray(added, [4, 5], 'a replaced Set.prototype.add is called');
Set.prototype.add = add;

// lists longer than a call can take as arguments: spread, Array.from
var long = new Array(300000).fill(7);
assert.sameValue([0, ...long].length, 300001, 'a spread of a long array');
assert.sameValue(Array.from(long).length, 300000, 'Array.from of a long array');
assert.sameValue([...new Set(long.map(function (x, i) { return i; }))].length, 300000, 'a spread of a long Set');
