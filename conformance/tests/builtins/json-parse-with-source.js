// snapvm conformance test (MIT)
/*---
description: >
  JSON.parse source text access: JSON.rawJSON makes a frozen, null-prototype object whose text
  JSON.stringify writes as it is; JSON.isRawJSON knows it; a reviver gets { source } for primitives.
  A raw JSON object kept across an event-loop turn is still one after it (snapshot mode restores it).
flags: [async]
includes: [compareArray.js]
---*/
var big = JSON.rawJSON('12345678901234567890');
assert.sameValue(Object.getPrototypeOf(big), null, 'null prototype');
assert(Object.isFrozen(big), 'frozen');
assert.compareArray(Object.getOwnPropertyNames(big), ['rawJSON']);
assert.sameValue(big.rawJSON, '12345678901234567890');
assert.sameValue(JSON.isRawJSON(big), true, 'isRawJSON');
assert.sameValue(JSON.isRawJSON({ rawJSON: '1' }), false, 'a look-alike is not raw JSON');
assert.sameValue(JSON.stringify({ n: big, a: [JSON.rawJSON('"s"'), JSON.rawJSON('null')] }), '{"n":12345678901234567890,"a":["s",null]}');
assert.throws(SyntaxError, function () { JSON.rawJSON('{}'); }, 'an object is not a raw JSON text');
assert.throws(SyntaxError, function () { JSON.rawJSON(' 1'); }, 'leading white space');
assert.throws(SyntaxError, function () { JSON.rawJSON('1x'); }, 'not JSON');

var seen = [];
var parsed = JSON.parse('{"a": 1.50, "b": [true, "x"], "c": null}', function (key, value, context) {
  seen.push(key + '=' + (context && context.source));
  return typeof value === 'number' ? context.source : value;
});
assert.compareArray(seen, ['a=1.50', '0=true', '1="x"', 'b=undefined', 'c=null', '=undefined'], 'the reviver sees the source of primitives');
assert.sameValue(parsed.a, '1.50', 'the reviver used the source text');
var roundTrip = JSON.parse('9007199254740993', function (k, v, ctx) { return BigInt(ctx.source); });
assert.sameValue(roundTrip, 9007199254740993n, 'a BigInt from the source text');

var kept = { raw: big, list: [JSON.rawJSON('true')] };
setTimeout(function () {
  try {
    assert.sameValue(JSON.isRawJSON(kept.raw), true, 'still raw JSON after a turn');
    assert.sameValue(kept.raw, big, 'the same object');
    assert(Object.isFrozen(kept.raw), 'still frozen');
    assert.sameValue(Object.getPrototypeOf(kept.list[0]), null, 'still a null prototype');
    assert.sameValue(JSON.stringify(kept), '{"raw":12345678901234567890,"list":[true]}', 'stringified after a turn');
    $DONE();
  } catch (e) {
    $DONE(e);
  }
}, 0);
