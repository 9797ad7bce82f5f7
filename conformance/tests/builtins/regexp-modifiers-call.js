// snapvm conformance test (MIT)
/*---
description: >
  RegExp called without `new` takes pattern modifiers as `new RegExp` does (ES2025 §22.2.4.1: a string
  pattern is constructed with RegExp as NewTarget); a pattern that stays invalid is a SyntaxError.
---*/
var r = RegExp("a(?i:b)c");
assert(r instanceof RegExp, 'a RegExp');
assert.sameValue(Object.getPrototypeOf(r), RegExp.prototype);
assert(r.test("aBc"), 'the modifier applies inside its group');
assert.sameValue(r.test("ABc"), false, 'and not outside it');
var off = RegExp("(?-i:a)b", "i");
assert(off.test("aB"));
assert.sameValue(off.test("AB"), false);
var g = RegExp("(?i:x)", "g");
assert.sameValue("xXx".replace(g, "-"), "---");
assert.throws(SyntaxError, function () { RegExp("(?i:"); });
assert.throws(SyntaxError, function () { RegExp("(?ii:a)"); });
var same = /(?i:a)/;
assert.sameValue(RegExp(same), same, 'a regexp without flags comes back as it is');
