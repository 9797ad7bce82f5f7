// snapvm conformance test (MIT)
/*---
description: error.stack is the "Name: message" line followed by one "    at fn (file:line:col)" line per guest frame, innermost first.
---*/
function inner() { return new TypeError('boom'); }
function outer() { return inner(); }
var e = outer();
assert.sameValue(typeof e.stack, 'string');
var lines = e.stack.split('\n');
assert.sameValue(lines[0], 'TypeError: boom');
assert(/^    at inner \(.+:\d+:\d+\)$/.test(lines[1]), 'first frame: ' + lines[1]);
assert(/^    at outer \(.+:\d+:\d+\)$/.test(lines[2]), 'second frame: ' + lines[2]);
assert(lines[1].indexOf('format.js:') > 0, 'frames name the script file: ' + lines[1]);
var anonymous = (function () { return new Error('x'); })();
assert(/^    at /.test(anonymous.stack.split('\n')[1]), 'anonymous functions still get a frame line');
var plain = new Error('');
assert.sameValue(plain.stack.split('\n')[0], 'Error', 'an empty message prints the name alone');
