// snapvm conformance test (MIT)
/*---
description: Destructuring assignment to member expressions evaluates targets left to right and can swap.
includes: [compareArray.js]
---*/
var log = [];
var obj = {};
function target(name) { log.push('target ' + name); return obj; }
var source = {
  get p() { log.push('get p'); return 1; },
  get q() { log.push('get q'); return 2; },
};
({ p: target('p').first, q: target('q').second } = source);
assert.compareArray(log, ['target p', 'get p', 'target q', 'get q']);
assert.sameValue(obj.first + obj.second, 3);

var a = 1, b = 2;
[a, b] = [b, a];
assert.sameValue(a, 2);
assert.sameValue(b, 1);

var arr = [];
[arr[0], arr[1] = 'def'] = ['x'];
assert.compareArray(arr, ['x', 'def']);
var result = ({ v: obj.v } = { v: 'val' });
assert.sameValue(result.v, 'val', 'the expression value is the right-hand side');
