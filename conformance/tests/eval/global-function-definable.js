// snapvm conformance test (MIT)
/*---
description: >
  A sloppy direct eval at global level checks CanDeclareGlobalFunction / CanDeclareGlobalVar for all
  its declarations before creating any (ecma262 §19.2.1.3 steps 8-10).
flags: [noStrict]
---*/
var e1;
try { eval("function NaN() {}"); } catch (e) { e1 = e; }
assert(e1 instanceof TypeError, "NaN is not definable as a function");
var e2;
try { eval("var notCreated1; function notCreated2() {} function undefined() {}"); } catch (e) { e2 = e; }
assert(e2 instanceof TypeError);
assert.sameValue(Object.getOwnPropertyDescriptor(this, "notCreated1"), undefined, "no var was created");
assert.sameValue(Object.getOwnPropertyDescriptor(this, "notCreated2"), undefined, "no function was created");
eval("function createdOk() { return 1; }");
assert.sameValue(createdOk(), 1, "a definable function is created");
