// snapvm conformance test (MIT)
/*---
description: await using awaits each async disposal in reverse order, falls back to Symbol.dispose, awaits once for null resources, and runs sync disposals in between at the right job.
flags: [async]
includes: [compareArray.js]
---*/
var log = [];
async function f() {
  {
    await using a = { async [Symbol.asyncDispose]() { log.push('async a'); } };
    await using n = null;
    using s = { [Symbol.dispose]() { log.push('sync s'); } };
    await using fb = { [Symbol.dispose]() { log.push('fallback fb'); } };
    log.push('body');
  }
  log.push('after');
}
async function nullOnly() {
  { await using n = null; log.push('null body'); }
  log.push('null after');
}
async function rejects() {
  try {
    await using a = { [Symbol.asyncDispose]() { return Promise.reject(new Error('r')); } };
    await using b = { [Symbol.dispose]() { throw new Error('s'); } };
  } catch (e) {
    log.push(e.constructor.name + ':' + e.error.message + '<' + e.suppressed.message);
  }
}
var p = f();
log.push('sync end');
p.then(nullOnly).then(function () {
  var q = nullOnly();
  log.push('called');
  return q;
}).then(rejects).then(function () {
  assert.compareArray(log, [
    'body', 'fallback fb', 'sync end', 'sync s', 'async a', 'after',
    'null body', 'null after',
    'null body', 'called', 'null after',
    'SuppressedError:r<s',
  ]);
}).then($DONE, $DONE);
