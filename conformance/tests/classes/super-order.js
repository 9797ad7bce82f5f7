// snapvm conformance test (MIT)
/*---
description: super[key] reads this before the key; base[key] op= and ++ throw for a null base before the key's ToPropertyKey.
---*/
class Base { constructor() { throw new Test262Error('base constructor ran'); } }
class D1 extends Base { constructor() { super[super()] = 0; } }
assert.throws(ReferenceError, function () { new D1(); }, 'super[k] = v');
class D2 extends Base { constructor() { super[super()]; } }
assert.throws(ReferenceError, function () { new D2(); }, 'super[k]');
class D3 extends Base { constructor() { super[super()]++; } }
assert.throws(ReferenceError, function () { new D3(); }, 'super[k]++');

var key = { toString: function () { throw new Test262Error('key converted'); } };
var base = null;
assert.throws(TypeError, function () { base[key] += 1; }, 'compound assignment');
assert.throws(TypeError, function () { base[key]++; }, 'postfix update');
assert.throws(TypeError, function () { base[key] ??= 1; }, 'logical assignment');
var log = [];
var obj = { p: 1 };
var k2 = { toString: function () { log.push('key'); return 'p'; } };
obj[k2] += (log.push('rhs'), 1);
assert.sameValue(log.join(), 'key,rhs', 'the key is converted once, before the right-hand side');
assert.sameValue(obj.p, 2);
