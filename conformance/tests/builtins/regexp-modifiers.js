// snapvm conformance test (MIT)
/*---
description: >
  RegExp pattern modifiers (ES2025) on a V8 without them: literals and new RegExp are rewritten
  (src/interpreter/regexp-compat.ts) and match as the spec says, also across a snapshot taken at the
  loop below; a pattern that cannot be rewritten is a SyntaxError naming the reason.
---*/
var lit = /a(?i:b)c/;
var made = new RegExp("a(?i:b)c");
var off = /(?-i:a)b/i;
var dot = /a.(?s:b.b).c/;
var ml = /^a$|(?m:^b$)/;
var word = /(?i:\w)/u;
var bound = /(?i:\b)/u;
var prop = /(?-i:\P{Lu})/ui;
var nested = /(?i:a(?-i:b)c)/;
// a loop: snapshot mode takes its first snapshot at a back-edge, so what follows runs on restored regexps
var seen = 0;
for (var i = 0; i < 3; i++) seen += i;
assert.sameValue(seen, 3);

assert(lit.test("aBc"), "(?i:b) matches B");
assert(!lit.test("ABc"), "a outside the group keeps its case");
assert(!lit.test("aBC"), "c outside the group keeps its case");
assert(made.test("abc") && made.test("aBc") && !made.test("abC"), "new RegExp rewrites the same way");
assert(off.test("aB") && !off.test("AB"), "(?-i:a) under flag i matches only a");
assert(dot.test("a,b\nb,c") && !dot.test("a\nb,b,c"), "(?s:) only inside the group");
assert(ml.test("x\nb") && !ml.test("x\na"), "(?m:) only inside the group");
assert(word.test("\u017f") && word.test("\u212a"), "\\w under (?i:) with u matches U+017F and U+212A");
assert(bound.test("\u212a"), "\\b under (?i:) with u sees U+212A as a word character");
assert(!prop.test("A") && prop.test("a"), "\\P{Lu} under (?-i:) keeps its case");
assert(nested.test("Abc") && nested.test("abC") && !nested.test("aBc"), "a nested (?-i:) inside (?i:)");
assert.sameValue("xAbCx".replace(/(?i:abc)/, "-"), "x-x", "replace with a rewritten regexp");
assert.sameValue("a1B2b".split(/(?i:b)/).length, 3, "split with a rewritten regexp");
assert.sameValue(/(?i:a)/g.flags, "g", "flags of an added modifier are not the regexp's");

var err;
try { new RegExp("(a)(?i:\\1)"); } catch (e) { err = e; }
assert(err instanceof SyntaxError, "a case-insensitive backreference under a modifier is a SyntaxError");
assert(err.message.indexOf("backreference") >= 0, "the message names the backreference: " + err.message);
err = undefined;
try { new RegExp("(?ii:a)"); } catch (e) { err = e; }
assert(err instanceof SyntaxError, "a repeated modifier flag is a SyntaxError");
err = undefined;
try { new RegExp("(?i-i:a)"); } catch (e) { err = e; }
assert(err instanceof SyntaxError, "a flag both added and removed is a SyntaxError");
err = undefined;
try { new RegExp("(?x:a)"); } catch (e) { err = e; }
assert(err instanceof SyntaxError, "an unknown modifier flag is a SyntaxError");
