// snapvm conformance test (MIT)
/*---
description: String methods call guest replacer functions and custom Symbol.replace / Symbol.split objects.
---*/
var calls = [];
var out = 'a1b22'.replace(/(\d+)/g, function (match, group, offset, whole) {
  calls.push([match, offset].join('@'));
  return '<' + group.length + '>';
});
assert.sameValue(out, 'a<1>b<2>');
assert.sameValue(calls.join(), '1@1,22@3');
var custom = { [Symbol.replace](s, r) { return s + '|' + r; } };
assert.sameValue('x'.replace(custom, 'y'), 'x|y');
var splitter = { [Symbol.split](s) { return s.split('').reverse(); } };
assert.sameValue('abc'.split(splitter).join(''), 'cba');
assert.sameValue('aXbX'.replaceAll('X', function () { return '-'; }), 'a-b-');
