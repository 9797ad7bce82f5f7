// snapvm conformance test (MIT)
/*---
description: >
  import() of a module that awaits a timer at top level stays pending across event-loop turns (in
  snapshot mode: across snapshots, with the module half-evaluated); it settles with the namespace once
  the module has finished, and a second import() of the waiting module settles after the first.
flags: [async]
includes: [asyncHelpers.js, compareArray.js]
---*/
globalThis.pendingLog = [];
asyncTest(async function () {
  var first = import('./dynamic-import-pending_FIXTURE.js');
  pendingLog.push('after import() call');
  // a safe point while the import's link-and-evaluate job is queued (snapshot mode snapshots here)
  for (var i = 0; i < 3; i++) {}
  // the module body starts in a job, not inside the import() call
  assert.compareArray(pendingLog, ['after import() call']);
  await new Promise(function (resolve) { setTimeout(resolve, 5); });
  assert.compareArray(pendingLog, ['after import() call', 'fixture start'], 'the module waits on its timer');
  var second = import('./dynamic-import-pending_FIXTURE.js');
  var order = [];
  var results = await Promise.all([
    first.then(function (ns) { order.push('first'); return ns; }),
    second.then(function (ns) { order.push('second'); return ns; })
  ]);
  assert.compareArray(order, ['first', 'second'], 'the first import() settles first');
  assert.sameValue(results[0], results[1], 'one namespace');
  assert.sameValue(results[0].value, 'done');
  assert.compareArray(pendingLog, ['after import() call', 'fixture start', 'fixture end']);
});
