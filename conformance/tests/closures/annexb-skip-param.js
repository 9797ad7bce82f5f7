// snapvm conformance test (MIT)
/*---
description: >
  Annex B.3.2.1: a block function named like a parameter, or "arguments" in a function with an
  arguments object, gets no var binding (the parameter / arguments object stays); a `var arguments`
  is the arguments object's binding (ecma262 §10.2.11 step 18), not a fresh undefined.
flags: [noStrict]
---*/
var init, inner, after;
(function (f) {
  init = f;
  {
    inner = typeof f;
    function f() {}
  }
  after = f;
}(123));
assert.sameValue(init, 123, "the parameter is not initialized to undefined");
assert.sameValue(inner, "function", "the block binding is the function");
assert.sameValue(after, 123, "the parameter is not replaced after the block");

(function (a, b) {
  switch (1) { case 1: function b() {} }
  assert.sameValue(b, 2, "switch case: the parameter stays");
}(1, 2));

(function () {
  { function arguments() {} }
  assert.sameValue(typeof arguments, "object", "the arguments object stays");
}());

var arrowSeen = (() => { { function arguments() {} } return typeof arguments; })();
assert.sameValue(arrowSeen, "function", "an arrow has no arguments object: the block function is hoisted");

(function () {
  { function g() { return 1; } }
  assert.sameValue(g(), 1, "a block function not named like a parameter is still hoisted");
}());

function typeOfArguments() { return typeof arguments; var arguments = "x"; }
assert.sameValue(typeOfArguments(1), "object", "var arguments without initializer keeps the object");
function countArguments() { var arguments; return arguments.length; }
assert.sameValue(countArguments(1, 2, 3), 3);
function setArguments(x) { var arguments = 7; return [arguments, x]; }
assert.sameValue(setArguments(1)[0], 7, "var arguments = v assigns the binding");
