// snapvm conformance test (MIT)
/*---
description: Resolving with a thenable calls its then in a later job (NewPromiseResolveThenableJob).
flags: [async]
includes: [compareArray.js]
---*/
var log = [];
var thenable = {
  then: function (resolve) {
    log.push('then called');
    resolve('value');
  },
};
var p = Promise.resolve(thenable);
log.push('after resolve');
p.then(function (v) {
  log.push('settled ' + v);
  assert.compareArray(log, ['after resolve', 'then called', 'settled value']);
}).then($DONE, $DONE);
