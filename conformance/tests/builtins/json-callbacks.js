// snapvm conformance test (MIT)
/*---
description: JSON.parse revivers, JSON.stringify replacers and toJSON call guest functions in the specified order.
includes: [compareArray.js]
---*/
var order = [];
var parsed = JSON.parse('{"a":1,"b":[2,3]}', function (k, v) {
  order.push(k);
  return typeof v === 'number' ? v * 10 : v;
});
assert.compareArray(order, ['a', '0', '1', 'b', '']);
assert.sameValue(parsed.b[1], 30);
var s = JSON.stringify({ d: new Date(0), custom: { toJSON: function (key) { return 'json:' + key; } }, drop: 1 }, function (k, v) {
  return k === 'drop' ? undefined : v;
});
assert.sameValue(s, '{"d":"1970-01-01T00:00:00.000Z","custom":"json:custom"}');
assert.sameValue(JSON.stringify({ b: 1, a: 2 }, ['a']), '{"a":2}');
assert.sameValue(JSON.stringify([1, [2]], null, 1), '[\n 1,\n [\n  2\n ]\n]');
