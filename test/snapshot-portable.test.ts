// Portable output: a snapshot of a state without suspended frames also runs in plain Node. Each program
// runs once uninterrupted (snapvm and node print the same), then with `--snapshot-at turn:N --stop`
// followed by `node SNAP`, and by `snapvm restore SNAP` on the same file: each pair of halves prints what
// the one run printed (portable-lib.ts). States that cannot run in Node give one clear line and exit code 2.
// Private class members, ES modules and matchAll iterators: snapshot-portable-es.test.ts.
import t from 'tap';
import * as path from 'node:path';
import { Engine } from '../src/index';
import { portableKit, type Program } from './portable-lib';

const { dir, write, run, snapvm, continues } = portableKit(t);

/** Delays are far apart (≥ 100 ms): the order of timers must not depend on how loaded the machine is. */
const PROGRAMS: Program[] = [
  {
    name: 'closures sharing a scope, nested scopes, counters, loop bindings, cycles, TDZ',
    turns: [2],
    source: `'use strict';
function counter() { let n = 0; return { inc() { return ++n; }, dec: () => --n, get value() { return n; } }; }
const a = counter(), b = counter();
a.inc(); a.inc(); b.dec();
function outer() { let x = 1; return function middle() { let y = 10; return function inner() { x++; y++; return x + y; }; }; }
const mid = outer(); const in1 = mid(), in2 = mid();
const ring = { name: 'ring' }; ring.next = { name: 'second', next: ring };
const fns = [];
for (let i = 0; i < 3; i++) fns.push(() => i * 10);
function mk() { const f = () => v; if (f) return f; let v = 1; }
const early = mk();
let shared; { let hits = 0; shared = [() => ++hits, () => hits]; }
setTimeout(() => {
  console.log(a.inc(), a.value, b.value, in1(), in2(), in1(), shared[0](), shared[0](), shared[1]());
  console.log(ring.next.next === ring, ring.next.name, fns.map((f) => f()));
  try { early(); } catch (e) { console.log('still in TDZ:', e.constructor.name); }
}, 10);
setTimeout(() => console.log('second', a.inc(), shared[1](), in2()), 150);
function F(a, b) { this.a = a; }
F.prototype.get = function () { return this.a; };
const anon = function () {}, arrow = (x, y) => x, renamed = function orig() {};
Object.defineProperty(renamed, 'name', { value: 'other' });
function Shared() {} const sharedProto = Shared.prototype;
const G = function* gen() {}; const A = async function () {};
setTimeout(() => {
  const f = new F(1);
  console.log(f.get(), f instanceof F, F.prototype.constructor === F, Object.getOwnPropertyNames(F), F.name, F.length, Object.getOwnPropertyNames(F.prototype));
  console.log(anon.name, arrow.name, arrow.length, renamed.name, sharedProto === Shared.prototype, sharedProto.constructor === Shared, G.name, A.name, Object.getPrototypeOf(G.prototype) === Object.getPrototypeOf(function* () {}).prototype);
}, 300);
console.log('start', a.value);
`,
  },
  {
    name: 'classes (methods, getters, setters, statics, static blocks, fields, inheritance, super), arrows capturing this and arguments, super in arrows, bound functions',
    turns: [1],
    source: `let created = 0;
const KEY = Symbol('key');
class Shape {
  static count = 0;
  static registry = new Map();
  static { Shape.initialized = true; created++; }
  kind = 'shape';
  onClick = () => this.describe();
  constructor(name) { this.name = name; Shape.count++; Shape.registry.set(name, this); }
  describe() { return this.kind + ' ' + this.name; }
  get upper() { return this.name.toUpperCase(); }
  set upper(v) { this.name = v.toLowerCase(); }
  [KEY]() { return 'symbol method of ' + this.name; }
  static make(n) { return new this(n); }
  toString() { return 'Shape(' + this.name + ')'; }
}
class Circle extends Shape {
  r = 1;
  constructor(name, r) { super(name); this.r = r; }
  describe() { return super.describe() + ' r=' + this.r; }
  get area() { return Math.round(Math.PI * this.r * this.r); }
  static make(n) { return super.make(n); }
}
function classFactory(prefix) { return class Named { hello() { return prefix + ' ' + Named.name; } }; }
const A = classFactory('A'), B = classFactory('B');
const c = new Circle('c1', 2); const s = Shape.make('s1'); const c2 = Circle.make('c2');
Circle.prototype.extra = function () { return 'extra ' + this.name; };
setTimeout(() => {
  console.log(c.describe(), c.area, c.upper, s.describe(), c2.describe(), c.onClick(), String(s));
  c.upper = 'RENAMED'; console.log(c.name, c[KEY](), Shape.count, Shape.initialized, created, Shape.registry.size);
  console.log(c instanceof Circle, c instanceof Shape, Object.getPrototypeOf(Circle) === Shape, c.extra(), new A().hello(), new B().hello(), A === B);
  console.log(Object.keys(c), Object.getOwnPropertyNames(Shape.prototype), Object.getOwnPropertyNames(Shape).sort());
  const c3 = new Circle('c3', 3); console.log(c3.describe(), Shape.count, c3.kind, c3);
}, 10);
function Timer(label) { this.label = label; this.count = 0; this.tick = () => { this.count++; return this.label + ':' + this.count; }; }
const t1 = new Timer('a');
const obj = { n: 5, make() { return () => this.n * 2; }, argsArrow() { return () => arguments.length + ':' + arguments[0]; } };
const doubled = obj.make(); const argc = obj.argsArrow('first', 2, 3);
class Base2 { hello() { return 'base hello'; } static who() { return 'Base'; } }
class Derived extends Base2 { hello() { const f = () => super.hello() + '!'; return f; } static who() { return super.who() + '>Derived'; } }
const greet = new Derived().hello();
const lit = { __proto__: { hi() { return 'proto hi'; } }, hi() { return super.hi() + ' via literal'; } };
function sum(a, b, c) { return this.base + a + b + c; }
const bound = sum.bind({ base: 100 }, 1, 2);
const boundTwice = bound.bind(null, 3);
t1.tick();
setTimeout(() => { console.log(t1.tick(), doubled(), argc(), greet(), Derived.who(), lit.hi(), bound(3), bound.name, bound.length, boundTwice(), boundTwice.name); }, 10);
`,
  },
  {
    name: 'symbols, getters, attributes, Map/Set/WeakMap/WeakSet, typed arrays, Date, RegExp, errors, boxed, proxies, integrity, built-ins changed; guest strings and source text cannot leave their literals',
    turns: [1],
    source: `const sym = Symbol('secret'); const reg = Symbol.for('app.key');
const o = { [sym]: 1, [reg]: 2, plain: 3 };
Object.defineProperty(o, 'hidden', { value: 'h', enumerable: false });
Object.defineProperty(o, 'computed', { get() { return this.plain * 2; }, enumerable: true, configurable: true });
const m = new Map([['k', { deep: [1, 2] }]]); const st = new Set(['x', o]);
const wm = new WeakMap([[o, 'weak']]); const ws = new WeakSet([o]);
const buf = new ArrayBuffer(8); const u8 = new Uint8Array(buf); const dv = new DataView(buf, 2, 4); const f32 = new Float32Array([1.5, 2.5]);
u8[0] = 7; dv.setInt16(0, 300);
const date = new Date(Date.UTC(2020, 1, 2)); const re = /x(\\d+)/gi; re.exec('x12 x34');
const err = new TypeError('bad thing'); err.code = 42;
const boxed = [new Number(3), new String('ab'), Object(false), Object(sym)];
const frozen = Object.freeze({ a: [1] }); const sealed = Object.seal({ b: 2 }); const closed = Object.preventExtensions({ c: 3 });
const nullProto = Object.create(null); nullProto.x = 1;
const arr = [1, , 3]; arr.extra = 'e';
const prox = new Proxy({ real: 1 }, { get(t, k) { return k in t ? t[k] : 'default:' + String(k); } });
const rev = Proxy.revocable({}, {});
Math.square = (x) => x * x; String.prototype.shout = function () { return this.toUpperCase() + '!'; };
Object.prototype.inherited = 'everywhere'; delete Array.prototype.at;
var globalVar = 'var'; globalThis.assigned = 'assigned';
setTimeout(() => {
  console.log(o[sym], o[reg], o.hidden, o.computed, Object.keys(o), m.get('k'), st.has(o), wm.get(o), ws.has(o));
  console.log(u8, dv.getInt16(0), f32, date.toISOString(), re.lastIndex, err.message, err.code, err instanceof TypeError, err.name);
  console.log(boxed.map((b) => typeof b), String(boxed[1]), Object.isFrozen(frozen), Object.isSealed(sealed), Object.isExtensible(closed));
  console.log(Object.getPrototypeOf(nullProto), arr, 1 in arr, prox.real, prox.nope, Math.square(4), 'hi'.shout(), ({}).inherited, typeof [].at, globalVar, assigned);
  rev.revoke(); try { rev.proxy.x; } catch (e) { console.log('revoked', e.constructor.name); }
  console.log(o, m, st);
}, 10);
const weird = { '\\n} else {\\n': 1, '*/ process.exit(9) /*': 2, '"); process.exit(9); ("': 3, '$sv_o': 4, '</script>': 5 };
const s2 = Symbol('"); process.exit(9); //\\n');
weird[s2] = 'sym';
function tricky() { return '$sv_o[0] \\n} else {\\n' + \`\${1 + 1}\`; }
const r2 = /\\/\\*$/u;
setTimeout(() => { console.log(Object.keys(weird), weird[s2], s2.description, tricky(), r2.source, r2.test('a/*')); }, 10);
`,
  },
  {
    name: 'promises: pending chains resolved by a later timer, queued reactions, microtasks, catch and finally, resolution with a promise',
    turns: [1, 3],
    source: `let resolveIt, rejectIt;
const p = new Promise((res) => { resolveIt = res; });
const q = new Promise((_, rej) => { rejectIt = rej; });
p.then((v) => { console.log('p1', v); return v * 2; }).then((v) => { console.log('p2', v); throw new Error('boom ' + v); }).catch((e) => console.log('caught', e.message)).finally(() => console.log('finally'));
const side = p.then((v) => v + 1);
q.catch((e) => console.log('q rejected', e));
Promise.resolve('ready').then((v) => console.log('settled', v));
queueMicrotask(() => console.log('microtask'));
Promise.reject(new Error('handled')).catch((e) => console.log('handled:', e.message));
const nested = new Promise((r) => setTimeout(() => r(Promise.resolve('nested value')), 300));
nested.then((v) => console.log('nested', v));
setTimeout(() => { resolveIt(21); side.then((v) => console.log('side', v)); }, 100);
setTimeout(() => { rejectIt('nope'); }, 200);
async function later() { return 'async result'; }
later().then((v) => console.log(v));
console.log('sync end');
`,
  },
  {
    name: 'timers: different delays, arguments, an interval cleared later, a timeout cleared before it runs',
    turns: [3],
    source: `let n = 0;
const iv = setInterval(() => { n++; console.log('interval', n); if (n === 3) clearInterval(iv); }, 200);
const cancelMe = setTimeout(() => console.log('never'), 550);
setTimeout(() => console.log('t100'), 100);
setTimeout(() => { console.log('t500, cancelling'); clearTimeout(cancelMe); }, 500);
setTimeout((a, b) => console.log('t900 with', a, b), 900, 'x', 'y');
console.log('scheduled');
`,
  },
  {
    name: 'Promise.all, allSettled, any and race in flight',
    turns: [1, 3],
    source: `const delay = (ms, v, fail) => new Promise((res, rej) => setTimeout(() => (fail ? rej(v) : res(v)), ms));
Promise.all([delay(100, 'a'), 'b', delay(500, 'c')]).then((v) => console.log('all', v));
Promise.allSettled([delay(200, 'x'), delay(600, 'y', true)]).then((v) => console.log('allSettled', JSON.stringify(v)));
Promise.any([delay(150, 'e1', true), delay(400, 'e2', true)]).catch((e) => console.log('any', e.constructor.name, e.message, e.errors));
Promise.race([delay(300, 'fast'), delay(700, 'slow')]).then((v) => console.log('race', v));
console.log('go');
`,
  },
  {
    name: 'V8 iterators held as values: arrays, typed arrays, Maps, Sets, strings, mid-way and finished',
    turns: [1, 2],
    source: `const list = [1, 2, 3, 4]; const it = list.values(); it.next();
const m = new Map([['a', 1], ['b', 2], ['c', 3]]); const keys = m.keys(); keys.next(); m.delete('a');
const s = new Set([5, 6]); const finished = s.values(); finished.next(); finished.next(); finished.next();
const chars = 'x\\u{1F600}y'[Symbol.iterator](); chars.next();
const bytes = new Int8Array([7, 8, 9]).entries(); bytes.next();
const holders = { a: it, b: it };
setTimeout(() => { console.log(JSON.stringify([it.next(), keys.next(), finished.next(), chars.next(), bytes.next()])); m.set('d', 4); }, 100);
setTimeout(() => { s.add(7); console.log(JSON.stringify([[...holders.b], [...keys], finished.next(), [...chars], [...bytes]]), holders.a === holders.b); }, 400);
`,
  },
  {
    name: 'const bindings stay constant: assignments throw TypeError, shadowing names and lets do not',
    turns: [1],
    source: `const LIMIT = 3; let total = 0;
function make() { const step = 2; let n = 0; return { bump: () => (n += step), setStep() { step = 5; }, inc: () => step++, or: () => (step ||= 9), own: () => { let step = 1; step = 4; return step; }, limit: () => { LIMIT = 4; } }; }
const api = make();
setTimeout(() => {
  const out = [];
  for (const k of ['bump', 'setStep', 'inc', 'or', 'own', 'limit', 'bump']) {
    try { out.push(k + '=' + api[k]()); } catch (e) { out.push(k + ':' + e.constructor.name + ':' + e.message); }
  }
  total += LIMIT;
  console.log(out.join(' '), total);
}, 100);
`,
  },
];

for (const program of PROGRAMS) {
  t.test(program.name, async (t) => continues(t, write(`p${PROGRAMS.indexOf(program)}.js`, program.source), program.turns));
}

t.test('a snapshot with suspended frames: node SNAP prints one line naming why and exits 2; snapvm restores it', async (t) => {
  const file = write('frames.js', `async function work() {\n  console.log('before');\n  await new Promise((r) => setTimeout(r, 50));\n  console.log('after');\n}\nwork();\n`);
  const snap = path.join(dir, 'frames.snap');
  const a = snapvm('run', file, '--snapshot-at', 'turn:1', '--out', snap, '--stop');
  t.equal(a.code, 0);
  t.notMatch(a.stderr, /node runs it too/);
  const b = run(snap);
  t.equal(b.code, 2);
  t.equal(b.stdout, '', 'nothing of the program ran');
  t.match(b.stderr, /^snapvm: this snapshot has suspended frames \(at .*frames\.js:3:\d+\); restore it with "snapvm restore .*frames\.snap"\n$/);
  t.equal(snapvm('restore', snap).stdout, 'after\n');
  const info = snapvm('inspect', snap);
  t.match(info.stdout, /portable: no \(this snapshot has suspended frames/);
});

t.test('a state portable output refuses gets the line with the path to what is refused', async (t) => {
  const cases = [
    [
      'with.js',
      `var accounts = { main: (function () { var o = { balance: 10 }; with (o) { return { deposit(n) { balance += n; return balance; } }; } })() };\n`,
      'a `with` scope, reached at (engine state)',
    ],
    [
      'eval.js',
      `var accounts = { main: (function () { eval('var balance = 10'); return { deposit(n) { balance += n; return balance; } }; })() };\n`,
      'a scope extended by a sloppy direct eval, reached at (engine state)',
    ],
  ];
  for (const [name, source, why] of cases) {
    const file = write(name, source + `setTimeout(() => console.log(accounts.main.deposit(5)), 10);\n`);
    const snap = file.replace(/\.js$/, '.snap');
    t.equal(snapvm('run', file, '--snapshot-at', 'turn:1', '--out', snap, '--stop').code, 0);
    const b = run(snap);
    t.equal(b.code, 2);
    t.equal(b.stdout, '');
    t.equal(b.stderr, `snapvm: this snapshot cannot run in plain Node: ${why}; restore it with "snapvm restore ${snap}"\n`);
    t.equal(snapvm('restore', snap).stdout, '15\n');
  }
});

t.test('inspect says whether a snapshot is portable, and its portable bytes', async (t) => {
  const file = write('small.js', `const list = [1, 2, 3];\nsetTimeout(() => console.log(list.length), 10);\n`);
  const snap = path.join(dir, 'small.snap');
  t.equal(snapvm('run', file, '--snapshot-at', 'turn:1', '--out', snap, '--stop').code, 0);
  t.match(snapvm('inspect', snap).stdout, /portable: yes, `node SNAP` rebuilds and continues it \(portable section \d+(\.\d)? K?B, written in [\d.]+ ms\)/);
});

t.test('engine.snapshot({ portable: false }) leaves the section out: Node says so, snapvm restores', async (t) => {
  const e = new Engine({ onConsole: () => undefined });
  e.evaluateScript('var total = 40; setTimeout(() => console.log(total + 2), 5);');
  const full = e.snapshot();
  const lean = e.snapshot({ portable: false });
  t.equal(full.stats.portable?.ok, true);
  t.ok(full.stats.portable!.bytes > 0);
  t.equal(lean.stats.portable?.ok, false);
  t.ok(lean.code.length < full.code.length);
  const snap = write('lean.snap', lean.code);
  const b = run(snap);
  t.equal(b.code, 2);
  t.match(b.stderr, /written without its portable section/);
  t.equal(snapvm('restore', snap).stdout, '42\n');
  t.equal(run(write('full.snap', full.code)).stdout, '42\n');
});

t.test('microtasks already queued when the snapshot is taken run in Node in their order, then timers', async (t) => {
  const lines: string[] = [];
  const e: Engine = new Engine({ onConsole: (_l, args) => void lines.push(e.format(args)) });
  e.evaluateScript(`
    const order = [];
    Promise.resolve(1).then((v) => console.log('reaction', v)).then(() => console.log('derived'));
    queueMicrotask(() => console.log('microtask'));
    Promise.reject(new Error('x')).catch((err) => console.log('caught', err.message));
    const thenable = { then(r) { console.log('thenable called'); r('tv'); } };
    Promise.resolve(thenable).then((v) => console.log('adopted', v));
    new Promise((r) => r(Promise.resolve('inner'))).then((v) => console.log('resolved with a promise:', v));
    setTimeout(() => console.log('timer'), 10);
  `);
  const snap = e.snapshot();
  t.ok(snap.stats.roots.jobs > 0, 'jobs are queued in the snapshot');
  await e.runEventLoop();
  const b = run(write('queued.snap', snap.code));
  t.equal(b.stderr, '');
  t.equal(b.stdout, lines.join('\n') + '\n', 'node SNAP runs the queued jobs, then the timer, as the engine does');
});

t.test('writing the portable section runs no guest code either', async (t) => {
  const e = new Engine({ onConsole: () => undefined });
  e.evaluateScript(`
    var runs = 0;
    var o = { get constructor() { runs++; return 1; }, get prototype() { runs++; return 2; }, toJSON() { runs++; } };
    function F() {}
    Object.defineProperty(F.prototype, 'constructor', { get() { runs++; return F; } });
    class K { get m() { runs++; return 1; } static get s() { runs++; return 1; } }
    Object.defineProperty(K.prototype, 'constructor', { get() { runs++; return K; } });
    var p = new Proxy({}, { ownKeys() { runs++; return []; }, getOwnPropertyDescriptor() { runs++; }, getPrototypeOf() { runs++; return null; }, get() { runs++; } });
    var bp = new Proxy(function () {}, { getPrototypeOf() { runs++; return null; } });
    var holder = { o, F, k: new K(), p, proxied: Object.create(p), boundProxy: Function.prototype.bind.call(bp, null) };`);
  const before = e.evaluateScript('runs'); // (bind asked the proxy for its prototype)
  const snap = e.snapshot();
  t.equal(snap.stats.portable?.ok, true, snap.stats.portable?.reason ?? '');
  t.equal(e.evaluateScript('runs'), before);
});
