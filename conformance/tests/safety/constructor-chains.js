// snapvm conformance test (MIT)
/*---
description: From any guest-reachable value, .constructor chains lead only to this realm's Function, which cannot see the host.
flags: [noStrict]
---*/
function* gen() {}
async function af() {}
async function* ag() {}
var samples = {
  object: {}, array: [], fn: function () {}, arrow: () => 1, klass: class {}, gen: gen, genObj: gen(),
  asyncFn: af, asyncGen: ag, asyncGenObj: ag(), promise: Promise.resolve(), regexpResult: /a/.exec('a'),
  error: new Error(), map: new Map(), weakMap: new WeakMap(), proxy: new Proxy({}, {}), bound: function () {}.bind(null),
  args: (function () { return arguments; })(), date: new Date(0), symbolBox: Object(Symbol()), math: Math, json: JSON,
  reflect: Reflect, globalObject: globalThis, print: typeof print === 'function' ? print : {}, host262: typeof $262 === 'object' ? $262 : {},
};
Object.keys(samples).forEach(function (name) {
  var v = samples[name];
  for (var step = 0; step < 4 && v !== null && v !== undefined; step++) {
    var ctor = v.constructor;
    if (typeof ctor === 'function' && ctor.name === 'Function') {
      var isRealmFunction = ctor === Function || ctor === gen.constructor || ctor === af.constructor || ctor === ag.constructor;
      assert(isRealmFunction, name + ': reached a Function constructor of another realm');
      assert.sameValue(ctor('return typeof process')(), 'undefined', name + ': its Function sees no process');
    }
    v = ctor;
  }
  assert.sameValue(v.constructor('return typeof require')(), 'undefined', name);
});
assert.sameValue(gen.constructor.constructor, Function);
assert.sameValue(af.constructor.constructor, Function);
