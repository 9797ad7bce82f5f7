// snapvm conformance test (MIT)
/*---
description: >
  Async generators (ES2025): `return;` and the end of the body do not await, `return expr` does; a
  request queued while the generator runs resumes it at its next yield without a microtask in between.
flags: [async]
includes: [compareArray.js]
---*/
var actual = [];
async function* implicitEnd() {}
async function* bareReturn() { return; }
async function* valueReturn() { return undefined; }
async function* yields() { actual.push("start"); yield 1; actual.push("not reached"); }

Promise.resolve(0)
  .then(function () { actual.push("tick 1"); })
  .then(function () { actual.push("tick 2"); })
  .then(function () { actual.push("tick 3"); })
  .then(function () {
    assert.compareArray(actual, ["start", "tick 1", "get then", "implicit", "bare", "tick 2", "value", "tick 3"]);
  })
  .then($DONE, $DONE);

var it = yields();
it.next();
it.return({ get then() { actual.push("get then"); } });
implicitEnd().next().then(function () { actual.push("implicit"); });
bareReturn().next().then(function () { actual.push("bare"); });
valueReturn().next().then(function () { actual.push("value"); });
