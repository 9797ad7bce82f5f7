// Console formatting of guest values (src/interpreter/inspect.ts). Each value case is one expression,
// evaluated by the engine and natively by Node: the engine's formatting must equal util.inspect /
// util.format of the native value. Safety cases check that formatting runs no guest code at all
// (getters, proxy traps, toString, replaced built-ins): the guest's flags stay unset.
import t from 'tap';
import * as util from 'node:util';
import { Engine, GuestError } from '../src/interpreter/index';
import { formatValues, inspectValue } from '../src/interpreter/inspect';

const engine = new Engine();
const guest = (expr: string) => engine.evaluateScript(`(${expr})`);
// biome-ignore lint/security/noGlobalEval: the host's own value of the same expression, to compare with the guest's
const native = (expr: string): unknown => (0, eval)(`(${expr})`);

/** Expressions whose formatting must equal Node's (no stack traces: they differ between engines). */
const values: string[] = [
  // primitives
  '1',
  '-0',
  'NaN',
  '1e21',
  '1n',
  '-5n',
  "'str'",
  'undefined',
  'null',
  'true',
  "Symbol('a')",
  'Symbol()',
  'Symbol.iterator',
  "'it\\'s'",
  '"a\'b\\"c"',
  "'line\\nbreak\\x01'",
  "'x'.repeat(100)",
  "'\\x7f\\x80'",
  // objects and arrays
  "{ a: 1, b: 'two', c: [1, 2, 3], d: { e: { f: { g: 1 } } } }",
  "{ 'a-b': 1, 'c d': 2, 1: 4, 'é': 5, s: 'it\\'s' }",
  '{ a: null, u: undefined }',
  "{ s: '\\ud800' }",
  '[1, , 3]',
  '[, , ]',
  'new Array(5)',
  '[1, 2, , , 5, , ]',
  'Object.assign([1, 2], { x: 1 })',
  '[[1, [2, [3, [4]]]]]',
  '{ a: { b: { c: {} } } }',
  '{ a: { b: { c: [] } } }',
  '{ a: { b: { c: { d: 1 } } } }',
  '{ a: { b: { c: new Map([[1, 2]]) } } }',
  '[undefined, null, -0, 1e21, 0.1]',
  '(function () { return arguments; })(1, 2)',
  // class instances and prototypes
  '(() => { class A { constructor() { this.x = 1; } } return new A(); })()',
  '(() => { class A {} return new A(); })()',
  '(() => { class A extends Map {} return new A([[1, 2]]); })()',
  '(() => { class A extends Array {} return A.from([1, 2]); })()',
  "(() => { class Foo {} Object.defineProperty(Foo.prototype, Symbol.toStringTag, { value: 'T' }); return new Foo(); })()",
  'Object.create(null)',
  'Object.assign(Object.create(null), { a: 1 })',
  'Object.create(Object.create(null))',
  'Object.create({ inherited: 1 })',
  'Object.setPrototypeOf([1, 2], null)',
  'Object.setPrototypeOf(new Map([[1, 2]]), null)',
  'Object.create(Map.prototype)',
  "{ [Symbol.toStringTag]: 'X' }",
  "Object.defineProperty({}, Symbol.toStringTag, { value: 'X' })",
  "Object.defineProperty({ a: 1 }, 'hidden', { value: 2 })",
  // functions
  'function f() {}',
  'class A {}',
  '(() => { class A {} return class B extends A {}; })()',
  '(() => {})',
  'async function af() {}',
  'function* g() {}',
  'async function* ag() {}',
  'Object.assign(function f() {}, { a: 1 })',
  '(function f() {}).bind(null)',
  "Object.defineProperty(function f() {}, 'name', { value: '' })",
  "Object.defineProperty(class {}, 'name', { value: 'Renamed' })",
  'Object.setPrototypeOf(function f() {}, null)',
  '{ f() {}, g: () => 1, h: async () => {}, k: class {} }',
  '[function () {}, class {}, Symbol("x")]',
  // accessors and symbol keys
  '{ get a() { return 1; }, set b(v) {}, get c() { return 1; }, set c(v) {} }',
  "{ [Symbol('a')]: 1, [Symbol.iterator]: 2, [Symbol('a\\nb')]: 3 }",
  "Object.defineProperty([1, 2], 'x', { get() { return 1; }, enumerable: true })",
  // circular
  '(() => { const o = { a: 1 }; o.self = o; return o; })()',
  '(() => { const o = { a: 1 }; o.b = { c: o, d: [o] }; const p = { o, q: { o } }; return [o, p]; })()',
  '(() => { const a = [1]; a.push(a); return { a, b: a }; })()',
  "(() => { const m = new Map(); m.set('self', m); return m; })()",
  // collections
  "new Map([['a', 1], ['b', { c: 2 }]])",
  'new Map()',
  "new Set([1, 'two', [3]])",
  'new Set()',
  'new Map([[{ a: 1 }, new Set([1])]])',
  'new Set(Array.from({ length: 120 }, (_, i) => i))',
  '{ m: new Map([[1, { a: { b: 1 } }]]) }',
  'new WeakMap()',
  'new WeakSet()',
  // dates, regexps, boxed primitives
  'new Date(0)',
  'new Date(NaN)',
  'Object.assign(new Date(0), { a: 1 })',
  '/a/g',
  '/a\\/b[c]/dimsuy',
  "new RegExp('')",
  'Object.assign(/x/, { a: 1 })',
  'new Number(3)',
  "new String('ab')",
  'new Boolean(false)',
  'Object(1n)',
  "Object(Symbol('s'))",
  'Object.assign(new Number(-0), { a: 1 })',
  // errors (stacks set or deleted, so that they do not depend on the engine)
  "(() => { const e = new Error('x'); e.stack = 'Error: x\\n    at f (a.js:1:1)\\n    at g (b.js:2:2)'; return e; })()",
  "(() => { const e = new Error('x'); delete e.stack; return e; })()",
  "(() => { const e = new TypeError('bad'); delete e.stack; e.code = 'E1'; return e; })()",
  "(() => { const e = new Error('x'); e.stack = 'Error: x\\n    at f (a.js:1:1)'; e.extra = { a: 1 }; return { e }; })()",
  "(() => { const e = new Error('x'); e.stack = 'Error: x\\n    at f (a.js:1:1)'; return [e, { nested: { e } }]; })()",
  "(() => { class MyErr extends Error {} const e = new MyErr('m'); e.stack = 'Error: m\\n    at f (a.js:1:1)'; return e; })()",
  "(() => { class MyErr extends Error {} const e = new MyErr('m'); delete e.stack; return e; })()",
  "(() => { const e = new AggregateError([1, 2], 'agg'); delete e.stack; return e; })()",
  "(() => { const e = new Error('x', { cause: 5 }); delete e.stack; return e; })()",
  "(() => { const e = new RangeError('r'); e.stack = 'RangeError: r\\n    at x (y.js:1:1)'; e.name = 'Custom'; return e; })()",
  "(() => { const e = new Error('x'); e.stack = 'no frames here'; return e; })()",
  "(() => { const e = Object.setPrototypeOf(new Error('x'), null); delete e.stack; return e; })()",
  'Object.create(Error.prototype)',
  // typed arrays and buffers
  'new Uint8Array([1, 2])',
  'new Float64Array(3)',
  'new BigInt64Array([1n, -2n])',
  'new Uint8Array(0)',
  'new Int16Array(200)',
  'new Uint8Array(new ArrayBuffer(8), 2, 3)',
  'new Float32Array([1.5, -0, NaN])',
  'new ArrayBuffer(4)',
  'new Uint8Array([1, 2, 255]).buffer',
  '{ buf: new ArrayBuffer(200) }',
  'new DataView(new ArrayBuffer(2))',
  // proxies print their target
  'new Proxy({ a: 1 }, {})',
  'new Proxy([1, 2], {})',
  'new Proxy(function f() {}, {})',
  '{ p: new Proxy(new Map([[1, 2]]), {}) }',
  // line breaking and grouping
  '{ aaaaaaaaaaaaaaaa: 1, bbbbbbbbbbbbbbbbbbbbb: 2, cccccccccccccccccccccc: 3, ddddddddd: 4 }',
  '{ aaaaaaaaaaaaaaaa: 1, bbbbbbbbbbbbbbbbbbbbb: 2, cccccccccccccccccccccc: 3, ddddddddd: 4, e: 5 }',
  "{ s: 'x'.repeat(100) }",
  "{ s: 'line1\\nline2 and more text to make it longer than the break length of eighty chars' }",
  "{ a: 'x'.repeat(70) }",
  "['x'.repeat(30), 'y'.repeat(30), 'z'.repeat(30)]",
  'Array.from({ length: 120 }, (_, i) => i)',
  'Array.from({ length: 30 }, (_, i) => i * 7)',
  'Array.from({ length: 101 }, (_, i) => i)',
  'Array.from({ length: 100 }, (_, i) => (i % 3 ? i : -i * 1000))',
  "Array.from({ length: 7 }, (_, i) => 'item' + i)",
  "['apple', 'banana', 'cherry', 'date', 'elderberry', 'fig', 'grape', 'honeydew']",
  'Array.from({ length: 26 }, (_, i) => String.fromCharCode(97 + i).repeat((i % 5) + 1))',
  'Array.from({ length: 10 }, (_, i) => ({ i }))',
  'new Array(200).fill({ a: 1 })',
  "Object.fromEntries(Array.from({ length: 30 }, (_, i) => ['k' + i, i]))",
  '[{ a: 1, b: 2 }, { a: 3, b: 4 }]',
  // built-in namespaces and iterators
  'Math',
  'JSON',
  '[1, 2, 3].values()',
  '(function* () {})()',
];

t.test('inspectValue matches util.inspect', async (t) => {
  for (const expr of values) t.equal(inspectValue(engine.vm, engine.realm, guest(expr)), util.inspect(native(expr)), expr);
});

/** console.log argument lists: formatValues must equal util.format. */
const formats: string[] = [
  "['%s is %d years', 'Bob', 42]",
  "['%s', { a: 1, b: { c: { d: 1 } } }]",
  "['%s', [1, [2, [3]]]]",
  "['%s', 5n]",
  "['%s', -0]",
  "['%s', Symbol('q')]",
  "['%s', null, undefined]",
  "['%s', function named() { return 1; }]",
  "['%s', new Date(0)]",
  "['%d', '42']",
  "['%d', 1.5]",
  "['%d', 5n]",
  "['%d', {}]",
  "['%d', new Number(3)]",
  "['%i', '42.9px']",
  "['%f', '3.25abc']",
  "['%i', 7n]",
  "['%j', { a: [1, 'x', null, undefined, () => 1], d: new Date(0), n: new Number(2) }]",
  "['%j', (() => { const o = {}; o.o = o; return o; })()]",
  "['%j', undefined]",
  "['%j', 'str']",
  "['%o', { a: 1 }]",
  "['%o', [1, 2]]",
  "['%O', { a: { b: { c: { d: 1 } } } }]",
  "['%o', { a: { b: { c: { d: { e: 1 } } } } }]",
  "['%o', function foo(a, b) {}]",
  "['%o', new Map([[1, 2]])]",
  "['%o', new Proxy({ a: 1 }, { get() { return 1; } })]",
  "['%o', new Uint8Array(2)]",
  "['%c styled', 'color: red']",
  "['100%% sure', 1]",
  "['%x %s', 'a']",
  "['a', 'b', 1, { c: 2 }]",
  "['%s']",
  "['%s %s', 'only']",
  "[{ a: 1 }, 'str', 5]",
  '[]',
  "['%', 1]",
  "['multi\\nline', 'x']",
];

/** Values whose native counterpart Node prints differently here: the engine's promises (tap adds async_hooks symbols to Node's). */
const fixed: [string, string][] = [
  ['Promise.resolve(1)', 'Promise { 1 }'],
  ['new Promise(() => {})', 'Promise { <pending> }'],
  ['Promise.resolve({ a: [1, 2] })', 'Promise { { a: [ 1, 2 ] } }'],
  ['(() => { const p = Promise.reject(3); p.catch(() => {}); return p; })()', 'Promise { <rejected> 3 }'],
  [
    "(() => { const e = new Error('no'); e.stack = 'Error: no\\n    at f (a.js:1:1)'; const p = Promise.reject(e); p.catch(() => {}); return { p }; })()",
    '{\n  p: Promise {\n    <rejected> Error: no\n        at f (a.js:1:1)\n  }\n}',
  ],
  ['{ p: new Promise(() => {}), q: Object.assign(Promise.resolve(2), { x: 1 }) }', '{ p: Promise { <pending> }, q: Promise { 2, x: 1 } }'],
];

t.test("the engine's promises print as Node prints its own", async (t) => {
  for (const [expr, expected] of fixed) t.equal(inspectValue(engine.vm, engine.realm, guest(expr)), expected, expr);
});

t.test('formatValues matches util.format', async (t) => {
  for (const expr of formats) t.equal(formatValues(engine.vm, engine.realm, guest(expr) as unknown[]), util.format(...(native(expr) as unknown[])), expr);
});

t.test('inspectValue options', async (t) => {
  const expr = '{ a: { b: { c: { d: { e: 1 } } } }, h: Object.defineProperty({}, "x", { value: 1 }) }';
  for (const opts of [{ depth: 0 }, { depth: 4 }, { depth: null }, { showHidden: true }, { breakLength: 20 }, { compact: 1 }, { maxArrayLength: 1 }]) {
    t.equal(inspectValue(engine.vm, engine.realm, guest(expr), opts), util.inspect(native(expr), opts), JSON.stringify(opts));
  }
  t.equal(inspectValue(engine.vm, engine.realm, guest('[1, 2, 3]'), { maxArrayLength: 1 }), util.inspect([1, 2, 3], { maxArrayLength: 1 }));
});

t.test('Engine.format and console output use the safe formatter', async (t) => {
  const logs: string[] = [];
  const e: Engine = new Engine({ onConsole: (_level, args) => void logs.push(e.format(args)) });
  e.evaluateScript("console.log('%s and %o', 'a', { b: [1] }, new Map([[1, { c: 2 }]]), 'raw');");
  t.same(logs, ['a and { b: [ 1, [length]: 1 ] } Map(1) { 1 => { c: 2 } } raw']);
});

t.test('differences from Node that are deliberate', async (t) => {
  const inspect = (expr: string) => inspectValue(engine.vm, engine.realm, guest(expr));
  // a Symbol.toStringTag getter is not called (Node: `Foo [T] {}`)
  t.equal(inspect("(() => { class Foo { get [Symbol.toStringTag]() { return 'T'; } } return new Foo(); })()"), 'Foo {}');
  // %s prints objects inspected even where they have their own toString (Node calls it)
  t.equal(formatValues(engine.vm, engine.realm, guest("['%s', { toString() { return 'x'; } }]") as unknown[]), '{ toString: [Function: toString] }');
  // %d of an object other than a boxed number is NaN (Node runs valueOf)
  t.equal(formatValues(engine.vm, engine.realm, guest("['%d', { valueOf() { return 7; } }]") as unknown[]), 'NaN');
  // a class whose static `name` is a getter keeps its compiled name
  t.equal(inspect("(() => { class A { static get name() { return 'B'; } } return [new A(), A]; })()"), '[ A {}, [class A] ]');
  // a proxy the engine did not record (none can be made by guests) and a revoked one
  t.equal(inspect('(() => { const r = Proxy.revocable({}, {}); r.revoke(); return r.proxy; })()'), '<Revoked Proxy>');
  // Map and Set iterators are not previewed (Node reads their entries with a V8 internal)
  t.equal(inspect('new Map([[1, 2]]).entries()'), 'Object [Map Iterator] {}');
});

// ---- safety: formatting runs no guest code ----

/**
 * Guest setup: `hits` records every guest function that formatting might run; `trap` is a function
 * whose call from host code would hand the host's argument array to a Proxy apply trap.
 */
const prelude = `
var hits = [];
var hit = (what) => { hits.push(what); };
var trap = new Proxy(function () { return 'T'; }, {
  apply(target, thisArg, args) { hits.push('apply:' + typeof args.constructor.constructor('return typeof process')()); return 'T'; },
});
var spy = (target, name) => new Proxy(target, Object.fromEntries(
  ['get', 'set', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf', 'setPrototypeOf', 'isExtensible', 'preventExtensions', 'defineProperty', 'deleteProperty', 'apply', 'construct']
    .map((k) => [k, (...a) => { hits.push(name + ':' + k); return Reflect[k](...a); }])));
`;

interface SafetyCase {
  name: string;
  /** Guest code evaluating to the console.log argument list. */
  args: string;
}

const safety: SafetyCase[] = [
  { name: 'a Symbol.toStringTag getter', args: "[{ get [Symbol.toStringTag]() { hit('tag'); return 'T'; } }]" },
  { name: 'an inherited Symbol.toStringTag getter', args: "[new (class Foo { get [Symbol.toStringTag]() { hit('tag'); return 'T'; } })()]" },
  { name: 'getters and setters', args: "[{ get g() { hit('get'); return 1; }, set s(v) { hit('set'); } }, Object.defineProperty([1, 2], 2, { get() { hit('index'); }, enumerable: true })]" },
  { name: 'a proxy with every trap', args: "[spy({ a: 1 }, 'obj'), spy([1, 2], 'arr'), spy(function f() {}, 'fn'), spy(new Map([[1, 2]]), 'map')]" },
  {
    name: 'a proxy nested, as a prototype, as a constructor and as a Map key',
    args: "[{ p: spy({}, 'nested') }, Object.create(spy({}, 'proto')), { constructor: spy(function C() {}, 'ctor') }, new Map([[spy({}, 'key'), spy({}, 'value')]])]",
  },
  { name: 'a proxy whose target is a proxy', args: "[spy(spy({ a: 1 }, 'inner'), 'outer')]" },
  { name: 'a proxy under %o (showProxy)', args: "['%o', spy({ a: 1 }, 'shown')]" },
  { name: 'a prototype chain through a proxy to itself', args: "[(() => { const t = {}; const p = spy(t, 'cycle'); Object.setPrototypeOf(t, p); return t; })()]" },
  { name: 'a constructor getter on the prototype', args: "[Object.create(Object.defineProperty({}, 'constructor', { get() { hit('ctor'); return Object; } }))]" },
  { name: 'a function name getter', args: "[Object.defineProperty(function f() {}, 'name', { get() { hit('name'); return 'n'; } }), class { static get name() { hit('static'); return 'S'; } }]" },
  { name: 'a toString proxy under %s', args: "['%s', { toString: trap }]" },
  { name: 'a Symbol.toPrimitive and valueOf under %d %i %f', args: "['%d %i %f', { [Symbol.toPrimitive]: trap }, { toString: trap }, { valueOf: trap }]" },
  { name: 'toJSON and getters under %j', args: "['%j', { toJSON: trap, get g() { hit('json-get'); return 1; }, a: [{ toJSON: trap }] }]" },
  { name: 'a function with its own toString under %s', args: "['%s', Object.assign(function f() {}, { toString: trap })]" },
  { name: 'an error with object name and message', args: "[(() => { const e = new Error('m'); e.name = { toString: trap }; e.message = { toString: trap }; return e; })()]" },
  {
    name: 'an error with getters for name, message, stack, cause and errors',
    args: "[(() => { const e = new AggregateError([], 'm'); for (const k of ['name', 'message', 'stack', 'cause', 'errors']) Object.defineProperty(e, k, { get() { hit('error-' + k); return 'x'; }, enumerable: k === 'cause' }); return e; })()]",
  },
  { name: 'an error whose stack is an object', args: "[(() => { const e = new Error('m'); e.stack = { toString: trap }; return e; })()]" },
  { name: 'an error inherited from a proxy prototype', args: "[Object.create(spy(Error.prototype, 'errproto'))]" },
  {
    name: 'built-ins replaced by the guest',
    args: `(() => {
      const values = ['%s %d %j', new Number(1), new Number(2), new Date(0), new Map([[1, 2]]), new Set([1]), new Date(0), new Date(NaN), /a/g, new Number(3), new String('s'), Object(1n),
        Object(Symbol('q')), new Uint8Array([1]), new ArrayBuffer(2), new DataView(new ArrayBuffer(1)), Object.create(Error.prototype), function f() {}, [1, 2],
        Object.setPrototypeOf(new Map([[1, 2]]), null), new Error('e')];
      const TA = Object.getPrototypeOf(Uint8Array.prototype);
      const methods = [[Map.prototype, 'entries'], [Map.prototype, Symbol.iterator], [Map.prototype, 'forEach'], [Set.prototype, 'values'], [Set.prototype, Symbol.iterator],
        [Object.getPrototypeOf(new Map().entries()), 'next'], [Object.getPrototypeOf(new Set().values()), 'next'], [Date.prototype, 'toISOString'], [Date.prototype, 'getTime'],
        [Date.prototype, 'toString'], [Number.prototype, 'valueOf'], [String.prototype, 'valueOf'], [Boolean.prototype, 'valueOf'], [BigInt.prototype, 'valueOf'], [Symbol.prototype, 'valueOf'],
        [Symbol.prototype, 'toString'], [Function.prototype, 'toString'], [Object.prototype, 'toString'], [Error.prototype, 'toString'], [Date.prototype, 'toJSON'], [Array.prototype, Symbol.iterator]];
      const getters = [[Map.prototype, 'size'], [Set.prototype, 'size'], [RegExp.prototype, 'source'], [RegExp.prototype, 'flags'], [RegExp.prototype, 'global'],
        [TA, 'length'], [TA, Symbol.toStringTag], [ArrayBuffer.prototype, 'byteLength'], [DataView.prototype, 'byteLength'], [DataView.prototype, 'buffer'],
        [Error.prototype, 'name'], [Error.prototype, 'message'], [Object.prototype, 'constructor']];
      for (let i = 0; i < getters.length; i++) Object.defineProperty(getters[i][0], getters[i][1], { get: trap, configurable: true });
      for (let i = 0; i < methods.length; i++) Object.defineProperty(methods[i][0], methods[i][1], { value: trap, writable: true, configurable: true });
      return values;
    })()`,
  },
];

for (const c of safety) {
  t.test(`formatting runs no guest code: ${c.name}`, async (t) => {
    const e = new Engine();
    e.evaluateScript(prelude);
    const args = e.evaluateScript(c.args, 'args.js') as unknown[];
    const out = e.format(args);
    t.type(out, 'string');
    inspectValue(e.vm, e.realm, args, { showHidden: true, showProxy: true, depth: 6 });
    t.equal(e.evaluateScript("hits.join(', ')"), '', 'no guest function ran');
  });
}

t.test('console.log from guest code runs no guest code', async (t) => {
  const e: Engine = new Engine({ onConsole: (_level, args) => void e.format(args) });
  e.evaluateScript(prelude);
  e.evaluateScript("console.log({ get [Symbol.toStringTag]() { hit('tag'); } }, spy({}, 'p'), { toString: trap }); console.log('%s %d', { toString: trap }, { valueOf: trap });");
  t.equal(e.evaluateScript("hits.join(', ')"), '');
});

t.test('a thrown value is described without running guest code', async (t) => {
  const throwers = [
    "const e = new Error('m'); e.name = { toString: trap }; throw e;",
    "const e = new TypeError('m'); e.message = { toString: trap }; throw e;",
    "const e = new Error('m'); Object.defineProperty(e, 'stack', { get() { hit('stack'); } }); Object.defineProperty(e, 'name', { get() { hit('name'); } }); throw e;",
    'throw { toString: trap };',
    "throw { message: 'like an error', get name() { hit('name'); } };",
    "throw { message: 'like an error', constructor: spy(function C() {}, 'ctor') };",
    "Promise.reject(Object.assign(new Error('m'), { name: { toString: trap } }));",
  ];
  for (const code of throwers) {
    const e = new Engine();
    e.evaluateScript(prelude);
    let caught: unknown;
    try {
      e.evaluateScript(code, 'throw.js');
      await e.runEventLoop();
    } catch (err) {
      caught = err;
    }
    t.ok(caught instanceof GuestError, `${code}: a GuestError`);
    t.type((caught as GuestError).summary, 'string');
    t.equal(e.evaluateScript("hits.join(', ')"), '', `${code}: no guest function ran (summary ${(caught as GuestError).summary})`);
  }
});

t.test('a thrown proxy is described without running its traps', async (t) => {
  for (const code of ["throw spy(new Error('proxied'), 'thrown');", "throw spy({}, 'thrown');"]) {
    const e = new Engine();
    e.evaluateScript(prelude);
    try {
      e.evaluateScript(code, 'throw.js');
    } catch {
      /* a GuestError */
    }
    t.equal(e.evaluateScript("hits.join(', ')"), '', code, {});
  }
});

t.test('summaries of thrown values', async (t) => {
  const summary = (code: string) => {
    try {
      new Engine().evaluateScript(code);
    } catch (e) {
      return (e as GuestError).summary;
    }
    return 'no error';
  };
  t.equal(summary("throw new RangeError('nope')"), 'RangeError: nope');
  t.equal(summary("throw new Error('')"), 'Error');
  t.equal(summary("const e = new Error('m'); e.name = { a: 1 }; throw e"), '{ a: 1 }: m');
  t.equal(summary("throw { message: 'x', name: 'Test262Error' }"), 'Test262Error: x');
  t.equal(summary("class Test262Error { constructor(m) { this.message = m; } } throw new Test262Error('y')"), 'Test262Error: y');
  t.equal(summary("throw 'a string'"), 'Uncaught a string');
  t.equal(summary('throw { a: 1 }'), 'Uncaught { a: 1 }');
  t.equal(summary("throw Symbol('s')"), 'Uncaught Symbol(s)');
});
