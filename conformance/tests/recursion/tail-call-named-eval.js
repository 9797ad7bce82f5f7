// snapvm conformance test (MIT)
/*---
description: >
  A call `eval(…)` in tail position of strict code is a proper tail call when the name resolves to a
  function other than %eval% (a local, a global, a `with` object's property, a var made by an eval);
  the real %eval% there stays a direct eval (never a tail call) and sees the caller's scope.
flags: [noStrict]
features: [tail-call-optimization]
---*/
var DEPTH = 250000;
var reached = 0;
(function () {
  function f(n) {
    "use strict";
    if (n === 0) return ++reached;
    return eval(n - 1);
  }
  var eval = f;
  assert.sameValue(f(DEPTH), 1, 'a local named eval');
})();
var g = function (n) {
  "use strict";
  if (n === 0) return 'global';
  return eval(n - 1);
};
var realEval = eval;
eval = g;
assert.sameValue(g(DEPTH), 'global', 'the global eval replaced');
eval = realEval;
var scope = {}, h;
with (scope) {
  h = function (n) {
    "use strict";
    if (n === 0) return 'with';
    return eval(n - 1);
  };
}
scope.eval = h;
assert.sameValue(h(DEPTH), 'with', 'eval found on a with object');
(function () {
  function k(n, m) {
    "use strict";
    if (n === 0) return m;
    return eval(n - 1, m + 1);
  }
  eval('var eval = k');
  assert.sameValue(k(DEPTH, 0), DEPTH, 'a var eval made by a direct eval; arguments pass on');
})();

// the real eval in tail position: a direct eval that sees the function's scope and returns its value
function direct(x) {
  "use strict";
  var local = x * 2;
  return eval('local + 1');
}
assert.sameValue(direct(20), 41, 'the real eval is a direct eval');
function directNoArgs() {
  "use strict";
  return eval();
}
assert.sameValue(directNoArgs(), undefined, 'eval() with no argument');
