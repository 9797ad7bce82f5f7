// snapvm conformance test (MIT)
/*---
description: >
  V8's own iterators held as values (array, typed array, arguments, Map, Set, string, matchAll, and
  iterator helpers over them) keep their position, kind and identity from one event-loop turn to the next
  (in snapshot-transparency mode each turn boundary is a snapshot and a restore).
flags: [async]
---*/
var arr = [1, 2, 3, 4];
var ai = arr.values();
var alias = ai;
var map = new Map([['a', 1], ['b', 2], ['c', 3]]);
var mi = Map.prototype.keys.call(map);
var set = new Set([10, 20, 30]);
var si = set[Symbol.iterator]();
var str = 'x\u{1F600}y';
var sti = str[Symbol.iterator]();
var ta = new Int16Array([5, 6, 7]);
var tai = ta.entries();
var argIt = (function () { return arguments[Symbol.iterator](); })('p', 'q');
// (iterator helpers are the engine's where V8 has none: Node 20)
var hasHelpers = typeof [].values().map === 'function';
var helper = hasHelpers ? [1, 2, 3, 4, 5].values().filter(function (x) { return x % 2; }).map(function (x) { return x * 100; }) : [100, 300, 500].values();
var done = [].keys();
var matches = 'a1b22c3'.matchAll(/\d+/g);
var ArrayIteratorPrototype = Object.getPrototypeOf([][Symbol.iterator]());

function turn() { return new Promise(function (resolve) { setTimeout(resolve, 0); }); }

assert.sameValue(ai.next().value, 1);
assert.sameValue(mi.next().value, 'a');
assert.sameValue(si.next().value, 10);
assert.sameValue(sti.next().value, 'x');
assert.sameValue(tai.next().value[1], 5);
assert.sameValue(argIt.next().value, 'p');
assert.sameValue(helper.next().value, 100);
assert.sameValue(done.next().done, true);
assert.sameValue(matches.next().value[0], '1');

turn().then(function () {
  assert.sameValue(alias, ai, 'two holders keep one iterator');
  assert.sameValue(Object.getPrototypeOf(ai), ArrayIteratorPrototype, '%ArrayIteratorPrototype% identity');
  assert.sameValue(ai.next().value, 2);
  map.delete('a');
  map.set('d', 4);
  assert.sameValue(mi.next().value, 'b');
  set.delete(20);
  assert.sameValue(si.next().value, 30);
  assert.sameValue(sti.next().value, '\u{1F600}');
  assert.sameValue(tai.next().value[0], 1);
  assert.sameValue(matches.next().value.index, 3);
  return turn();
}).then(function () {
  arr.push(5);
  assert.sameValue([].concat(Array.from(ai)).join(), '3,4,5');
  assert.sameValue(ai.next().done, true);
  assert.sameValue(mi.next().value, 'c');
  assert.sameValue(mi.next().value, 'd');
  assert.sameValue(mi.next().done, true);
  assert.sameValue(si.next().done, true);
  set.add(40);
  assert.sameValue(si.next().done, true, 'a finished Set iterator stays finished');
  assert.sameValue(sti.next().value, 'y');
  assert.sameValue(tai.next().value[1], 7);
  assert.sameValue(argIt.next().value, 'q');
  assert.sameValue(argIt.next().done, true);
  assert.sameValue(helper.next().value, 300);
  assert.sameValue(helper.next().value, 500);
  assert.sameValue(helper.next().done, true);
  assert.sameValue(done.next().done, true);
  assert.sameValue(matches.next().value[0], '3');
  assert.sameValue(matches.next().done, true);
  assert.sameValue(Array.prototype[Symbol.iterator], Array.prototype.values);
  assert.sameValue(Set.prototype.keys, Set.prototype.values);
  assert.sameValue(Map.prototype[Symbol.iterator], Map.prototype.entries);
}).then($DONE, $DONE);
