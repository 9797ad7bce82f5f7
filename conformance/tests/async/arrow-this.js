// snapvm conformance test (MIT)
/*---
description: Async arrows capture this and arguments of the enclosing function across awaits.
flags: [async]
includes: [asyncHelpers.js]
---*/
function Owner() {
  this.name = 'owner';
  this.run = function (x) {
    var inner = async () => {
      await null;
      return this.name + ':' + arguments[0];
    };
    return inner();
  };
}
asyncTest(async function () {
  assert.sameValue(await new Owner().run('arg'), 'owner:arg');
});
