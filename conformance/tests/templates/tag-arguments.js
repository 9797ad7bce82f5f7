// snapvm conformance test (MIT)
/*---
description: Substitutions are evaluated left to right and passed as separate arguments; member tags keep this.
includes: [compareArray.js]
---*/
var log = [];
function v(x) { log.push(x); return x; }
var obj = {
  prefix: '>',
  tag(strings, ...values) { return this.prefix + strings.join('|') + values.join(','); },
};
assert.sameValue(obj.tag`one${v(1)}two${v(2)}three`, '>one|two|three1,2');
assert.compareArray(log, [1, 2]);
assert.sameValue(`plain ${1 + 1} ${'x'.repeat(2)}`, 'plain 2 xx');
var chained = ((s) => (t) => s[0] + t[0])`first``second`;
assert.sameValue(chained, 'firstsecond');
