// snapvm conformance test (MIT)
/*---
description: >
  A regexp whose flag properties are the program's own accessors: a snapshot (taken at the loop's safe
  point and after the turn in snapshot mode) reads its flags from the regexp itself and runs no getter.
---*/
var reads = 0;
var re = /a./gi;
Object.defineProperty(re, 'global', { get: function () { reads++; throw new Test262Error('the global getter ran'); } });
Object.defineProperty(re, 'sticky', { get: function () { reads++; return true; } });
for (var i = 0; i < 3; i++);
assert.sameValue(reads, 0, 'no getter ran');
assert.sameValue(RegExp.prototype.exec.call(re, 'xAb')[0], 'Ab', 'still global and case-insensitive inside');
assert.sameValue(re.lastIndex, 3);
assert.sameValue(Object.getOwnPropertyDescriptor(RegExp.prototype, 'source').get.call(re), 'a.');
assert.sameValue(reads, 0, 'no getter ran after');
setTimeout(function () { assert.sameValue(reads, 0, 'nor in a later turn'); }, 0);
