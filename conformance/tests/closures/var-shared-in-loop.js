// snapvm conformance test (MIT)
/*---
description: A `var` in a loop is one function-scoped binding shared by every closure.
includes: [compareArray.js]
---*/
var fs = [];
for (var i = 0; i < 3; i++) {
  fs.push(function () { return i; });
}
assert.compareArray(fs.map(function (f) { return f(); }), [3, 3, 3]);
