// snapvm conformance test (MIT)
/*---
description: >
  An anonymous function or class assigned to a parenthesized name, `(f) = function () {}`, gets no
  name (the cover grammar is not an IdentifierRef); without parentheses it gets the name.
---*/
var f, g, C;
(f) = function () {};
g = function () {};
((C)) = class {};
assert.sameValue(f.name, "");
assert.sameValue(g.name, "g");
assert.sameValue(C.name, "");
