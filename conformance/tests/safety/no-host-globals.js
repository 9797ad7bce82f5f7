// snapvm conformance test (MIT)
/*---
description: The guest global scope has none of Node's host bindings.
---*/
['process', 'require', 'module', 'exports', '__filename', '__dirname', 'Buffer'].forEach(function (name) {
  assert.sameValue(typeof globalThis[name], 'undefined', name + ' must not be visible');
  assert.sameValue(eval('typeof ' + name), 'undefined', name + ' must not resolve as a name');
});
assert.sameValue(Function('return typeof process')(), 'undefined');
