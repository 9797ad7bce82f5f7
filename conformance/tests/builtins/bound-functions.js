// snapvm conformance test (MIT)
/*---
description: bind fixes this and leading arguments, derives name and length, and is transparent to new.
---*/
function add(a, b, c) { return [this && this.tag, a + b + c]; }
var bound = add.bind({ tag: 'T' }, 1);
assert.sameValue(bound.name, 'bound add');
assert.sameValue(bound.length, 2);
var r = bound(2, 3);
assert.sameValue(r[0], 'T');
assert.sameValue(r[1], 6);
assert.sameValue(bound.call({ tag: 'ignored' }, 1, 1)[0], 'T', 'call cannot override a bound this');
function Point(x, y) { this.x = x; this.y = y; }
var BoundPoint = Point.bind({ ignored: true }, 7);
var pt = new BoundPoint(8);
assert.sameValue(pt.x + pt.y, 15);
assert(pt instanceof Point);
assert(pt instanceof BoundPoint, 'instanceof looks through the bound function');
assert.sameValue(Object.prototype.hasOwnProperty.call(BoundPoint, 'prototype'), false);
var twice = bound.bind(null, 10);
assert.sameValue(twice.name, 'bound bound add');
assert.sameValue(twice(100)[1], 111);
assert.sameValue((() => 1).bind().length, 0);
