// snapvm conformance test (MIT)
/*---
description: A failed import() (missing file, throwing specifier) rejects with values of this realm, never host errors.
flags: [async]
includes: [asyncHelpers.js]
---*/
function checkGuest(e, label) {
  if (e === null || (typeof e !== 'object' && typeof e !== 'function')) return;
  assert.sameValue(e.constructor.constructor, Function, label + ': constructor chain stays in this realm');
  assert(e instanceof Object, label + ': an object of this realm');
  assert.sameValue(e.constructor.constructor('return typeof process')(), 'undefined', label);
}
asyncTest(async function () {
  var specifierError = new Test262Error('from toString');
  var cases = [
    ['missing file', function () { return import('./does-not-exist_FIXTURE.js'); }],
    ['bare specifier', function () { return import('fs'); }],
    ['node: scheme', function () { return import('node:child_process'); }],
    ['throwing specifier', function () { return import({ toString: function () { throw specifierError; } }); }],
  ];
  for (var i = 0; i < cases.length; i++) {
    var label = cases[i][0];
    var rejected = false;
    try {
      await cases[i][1]();
    } catch (e) {
      rejected = true;
      checkGuest(e, label);
      if (label === 'throwing specifier') assert.sameValue(e, specifierError);
    }
    assert(rejected, label + ' must reject');
  }
});
