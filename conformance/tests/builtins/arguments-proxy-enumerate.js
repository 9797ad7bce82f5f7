// snapvm conformance test (MIT)
/*---
description: >
  A proxy in front of a non-extensible sloppy (mapped) arguments object with a non-enumerable element,
  whose ownKeys trap forwards Reflect.ownKeys(target): Object.keys/values/entries, for-in,
  Object.assign, object spread and rest see the enumerable keys and do not throw (ProxyOwnKeys' checks
  pass: the trap's list is the target's); a trap that leaves a key out is still a TypeError.
flags: [noStrict]
includes: [compareArray.js]
---*/
function make(a, b, c) { return arguments; }
var args = make('a', 'b', 'c');
Object.defineProperty(args, '1', { enumerable: false });
Object.preventExtensions(args);
var forward = new Proxy(args, { ownKeys: function (t) { return Reflect.ownKeys(t); } });
var twice = new Proxy(forward, {});

[forward, twice].forEach(function (p, n) {
  var which = n === 0 ? 'proxy: ' : 'proxy of proxy: ';
  assert.compareArray(Object.keys(p), ['0', '2'], which + 'Object.keys');
  assert.compareArray(Object.values(p), ['a', 'c'], which + 'Object.values');
  var entries = Object.entries(p);
  assert.sameValue(entries.length, 2, which + 'Object.entries');
  assert.compareArray(entries[1], ['2', 'c'], which + 'Object.entries');
  var seen = [];
  for (var k in p) seen.push(k);
  assert.compareArray(seen.slice(0, 2), ['0', '2'], which + 'for-in');
  var copy = Object.assign({}, { z: 1 }, p);
  assert.compareArray(Object.keys(copy), ['0', '2', 'z'], which + 'Object.assign');
  assert.sameValue(copy[2], 'c', which + 'Object.assign value');
  var spread = { ...p };
  assert.compareArray(Object.keys(spread), ['0', '2'], which + 'spread');
  var { 0: first, ...rest } = p;
  assert.sameValue(first, 'a', which + 'rest: the named key');
  assert.compareArray(Object.keys(rest), ['2'], which + 'rest');
});

var leaves = new Proxy(args, { ownKeys: function () { return ['0', '2', 'length', 'callee', Symbol.iterator]; } });
assert.throws(TypeError, function () { Object.keys(leaves); }, 'Object.keys: a key of a non-extensible target left out');
assert.throws(TypeError, function () { for (var k in leaves); }, 'for-in: a key left out');
assert.throws(TypeError, function () { ({ ...leaves }); }, 'spread: a key left out');
assert.throws(TypeError, function () { Object.assign({}, leaves); }, 'Object.assign: a key left out');

var frozenTarget = Object.freeze({ x: 1 });
assert.throws(TypeError, function () { Object.assign(frozenTarget, forward); }, 'Object.assign onto a frozen target throws');
assert.compareArray(Object.keys(Object.assign({}, null, undefined, 'hi')), ['0', '1'], 'Object.assign with primitives');
