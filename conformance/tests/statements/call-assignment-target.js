// snapvm conformance test (MIT)
/*---
description: >
  A call as an assignment target in sloppy code (AssignmentTargetType ~web-compat~): `=`, compound
  assignment, `++`/`--` and for-in/of heads call it and then throw a ReferenceError before the right-hand
  side or any conversion; `&&=` and a call inside a destructuring pattern stay SyntaxErrors.
flags: [noStrict]
includes: [compareArray.js]
---*/
var log = [];
function f() { log.push('f'); return { valueOf: function () { log.push('valueOf'); return 1; } }; }
function g() { log.push('g'); return 1; }
var cases = [
  function () { f() = g(); },
  function () { f() *= g(); },
  function () { f()++; },
  function () { --f(); },
  function () { for (f() in { a: 1 }) g(); },
  function () { for (f() of [1]) g(); },
  function () { (f()) = g(); },
];
for (var i = 0; i < cases.length; i++) {
  log = [];
  assert.throws(ReferenceError, cases[i], 'case ' + i);
  assert.compareArray(log, ['f'], 'case ' + i + ': the call only');
}
// an iteration that never comes calls nothing
for (f() in {}) g();
for (f() of []) g();
assert.throws(SyntaxError, function () { Function('f() &&= 1'); });
assert.throws(SyntaxError, function () { Function('[f()] = [1]'); });
assert.throws(SyntaxError, function () { Function('({ a: f() } = {})'); });
assert.throws(SyntaxError, function () { Function('for ([f()] of [[1]]);'); });
