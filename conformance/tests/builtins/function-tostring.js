// snapvm conformance test (MIT)
/*---
description: Function.prototype.toString returns the exact source text of guest functions and a native-code form for built-ins.
---*/
function decl(a, b) { return a + /* comment kept */ b; }
assert.sameValue(decl.toString(), 'function decl(a, b) { return a + /* comment kept */ b; }');
var arrow = (x) =>   x * 2;
assert.sameValue(arrow.toString(), '(x) =>   x * 2');
var obj = { method(p) { return p; }, get acc() { return 1; }, async *ag() {} };
assert.sameValue(obj.method.toString(), 'method(p) { return p; }');
assert.sameValue(Object.getOwnPropertyDescriptor(obj, 'acc').get.toString(), 'get acc() { return 1; }');
assert.sameValue(obj.ag.toString(), 'async *ag() {}');
class K { constructor() {} static s() {} }
assert.sameValue(K.toString(), 'class K { constructor() {} static s() {} }');
assert.sameValue(K.s.toString(), 's() {}', 'a static method\'s source text starts after `static`');
assert(/^function push\(\) \{\s*\[native code\]\s*\}$/.test(Array.prototype.push.toString()), Array.prototype.push.toString());
var made = Function('a', 'return a');
assert.sameValue(made.toString(), 'function anonymous(a\n) {\nreturn a\n}');
