// snapvm conformance test (MIT)
/*---
description: An optional call on a member keeps the receiver as this, also through parentheses.
---*/
var o = {
  id: 'o',
  who() { return this === undefined ? 'undefined' : this.id; },
  inner: { id: 'inner', who() { return this.id; } },
};
assert.sameValue(o.who?.(), 'o');
assert.sameValue(o?.who(), 'o');
assert.sameValue((o?.who)(), 'o', 'parenthesised optional member keeps the reference');
assert.sameValue(o?.inner.who(), 'inner');
assert.sameValue(o.inner?.['who']?.(), 'inner');
class Base { m() { return 'base m'; } }
class Derived extends Base { m() { return super.m?.() + ' via super'; } }
assert.sameValue(new Derived().m(), 'base m via super');
