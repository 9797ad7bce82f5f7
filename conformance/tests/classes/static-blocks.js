// snapvm conformance test (MIT)
/*---
description: Static blocks run once, in order with static fields, with this = the class and access to private names.
includes: [compareArray.js]
---*/
var log = [];
var reader;
class C {
  static #secret = 'hidden';
  static first = log.push('field 1');
  static {
    log.push('block 1 ' + (this === C));
    reader = (o) => o.#secret;
  }
  static second = log.push('field 2');
  static {
    log.push('block 2');
  }
}
assert.compareArray(log, ['field 1', 'block 1 true', 'field 2', 'block 2']);
assert.sameValue(reader(C), 'hidden');
