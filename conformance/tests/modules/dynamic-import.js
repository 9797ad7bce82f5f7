// snapvm conformance test (MIT)
/*---
description: import() from a script resolves relative to the script and gives the namespace; a second import gives the same namespace.
flags: [async]
includes: [asyncHelpers.js]
---*/
asyncTest(async function () {
  var ns = await import('./dynamic-import_FIXTURE.js');
  assert.sameValue(ns.answer, 42);
  assert.sameValue(ns.default, 'dynamic default');
  assert.sameValue(globalThis.dynamicEvaluations, 1);
  var again = await import('./dynamic-import_FIXTURE.js');
  assert.sameValue(again, ns);
  assert.sameValue(globalThis.dynamicEvaluations, 1, 'a module is evaluated once');
});
