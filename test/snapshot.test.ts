// Snapshots: a program's state written out as JavaScript and restored in a fresh engine (API and
// CLI), with identity, sharing, suspended frames, queues and timers kept; damaged input refused.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine, SnapshotError } from '../src/index';

const root = path.resolve(__dirname, '..');
const bin = path.join(root, 'bin', 'snapvm.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-snap-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, source: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, source);
  return file;
}

function run(cmd: string, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 60_000, cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const snapvm = (...args: string[]) => run(process.execPath, bin, ...args);

/**
 * Run `setup` in one engine, snapshot it, restore, run `check` in the restored engine; also run both
 * in one engine without a snapshot. Returns the console lines of both.
 */
async function roundTrip(setup: string, check: string): Promise<{ lines: string[]; direct: string[]; code: string }> {
  const lines: string[] = [];
  const direct: string[] = [];
  const first = new Engine({ onConsole: () => undefined });
  first.evaluateScript(setup, 'setup.js');
  first.runJobs();
  const snap = first.snapshot();
  const restored = Engine.restore(snap.code, { onConsole: (_l, args) => void lines.push(restored.format(args)) });
  restored.evaluateScript(check, 'check.js');
  await restored.runEventLoop();
  const plain = new Engine({ onConsole: (_l, args) => void direct.push(plain.format(args)) });
  plain.evaluateScript(setup, 'setup.js');
  plain.runJobs();
  plain.evaluateScript(check, 'check.js');
  await plain.runEventLoop();
  return { lines, direct, code: snap.code };
}

t.test('objects keep identity, sharing, cycles, holes, attributes, order and prototypes', async (t) => {
  const { lines, direct } = await roundTrip(
    `
    var shared = { n: 1 };
    var a = [shared, shared, , 4]; a.extra = 'x';
    var cyc = { name: 'cyc' }; cyc.self = cyc;
    var ordered = { b: 1, a: 2, 1: 'one', [Symbol.for('reg')]: 'r' };
    var nul = Object.create(null); nul.k = 'v';
    var ro = {}; Object.defineProperty(ro, 'fixed', { value: 42, enumerable: false });
    var acc = { _v: 3, get v() { return this._v * 2; }, set v(x) { this._v = x; } };
    var frozen = Object.freeze({ f: 1 }), sealed = Object.seal({ s: 1 }), closed = Object.preventExtensions({ c: 1 });
    var m = new Map([[shared, 'obj key'], ['k', a]]), s = new Set([1, shared]);
    var u = Symbol('unique'); var holder = { [u]: 'sym', u };
    var d = new Date(86400000), re = /b+/gy; re.lastIndex = 3;
    var err = new RangeError('far'); err.code = 7;
    var boxed = [Object(1), Object('s'), Object(true), Object(2n), Object(Symbol.iterator)];
    var bytes = new Uint16Array([1, 2, 3, 65535]); var view = new DataView(bytes.buffer, 2, 4); var sub = new Uint8Array(bytes.buffer, 1, 2);
    var gone = new ArrayBuffer(4); var goneView = new Int8Array(gone); gone.transfer();
    var wk = {}, wsym = Symbol('weak'); var wm = new WeakMap([[wk, 'by object']]); wm.set(wsym, 'by symbol'); var wset = new WeakSet([wk]); var wref = new WeakRef(wk);
    var rev = Proxy.revocable({ live: 1 }, {});
    `,
    `
    console.log(a[0] === a[1], a[0] === shared, 2 in a, a.length, a.extra, cyc.self === cyc);
    console.log(Reflect.ownKeys(ordered).map(String).join());
    console.log(Object.getPrototypeOf(nul), nul.k, JSON.stringify(Object.getOwnPropertyDescriptor(ro, 'fixed')));
    acc.v = 5; console.log(acc.v, Object.isFrozen(frozen), Object.isSealed(sealed), Object.isExtensible(closed));
    console.log(m.get(shared), m.get('k') === a, s.has(shared), holder[holder.u], holder.u.description, holder.u === u);
    console.log(d.getTime(), re.source, re.flags, re.lastIndex, err instanceof RangeError, err.message, err.code);
    console.log(boxed.map((b) => typeof b + ':' + String(b.valueOf().toString())).join());
    console.log(Array.from(bytes).join(), view.getUint16(0, true), sub.buffer === bytes.buffer, sub.byteOffset, sub[0]);
    console.log(gone.detached, goneView.length, wm.get(wk), wm.get(wsym), wset.has(wk), wref.deref() === wk, rev.proxy.live);
    rev.revoke(); try { rev.proxy.live; } catch (e) { console.log(e.constructor.name); }
    `,
  );
  t.same(lines, direct, 'as if never interrupted');
  t.same(lines, [
    'true true false 4 x true',
    '1,b,a,Symbol(reg)',
    'null v {"value":42,"writable":false,"enumerable":false,"configurable":false}',
    '10 true true false',
    'obj key true true sym unique true',
    '86400000 b+ gy 3 true far 7',
    'object:1,object:s,object:true,object:2,object:Symbol(Symbol.iterator)',
    '1,2,3,65535 2 true 1 0',
    'true 0 by object by symbol true true 1',
    'TypeError',
  ]);
});

t.test('closures keep their scopes: shared, nested, in TDZ, reached only through another closure', async (t) => {
  const { lines, direct } = await roundTrip(
    `
    function counterPair() { let n = 0; return [() => ++n, () => n]; }
    var [inc, get] = counterPair(); inc(); inc();
    var outer = (function () { var level = 'outer'; return function () { var inner = 'inner'; return () => level + '/' + inner; }; })()();
    var hidden = (function () { const secret = () => 'secret'; return { call: () => secret() }; })();
    var tdz = (function () { var read = () => later; return read; let later = 1; })();
    let glob = 'lexical'; const k = 1;
    `,
    `
    inc(); console.log(get(), outer(), hidden.call(), glob, k);
    try { tdz(); } catch (e) { console.log(e.constructor.name); }
    try { k = 2; } catch (e) { console.log(e.constructor.name); }
    `,
  );
  t.same(lines, direct, 'as if never interrupted');
  t.same(lines, ['3 outer/inner secret lexical 1', 'ReferenceError', 'TypeError']);
});

t.test('classes, private names, bound functions, proxies and modified built-ins', async (t) => {
  const { lines, direct } = await roundTrip(
    `
    class Base { #secret = 1; static count = 0; static #made() { return 'made'; } constructor() { Base.count++; } get secret() { return this.#secret; } bump() { this.#secret++; return this; } static made() { return Base.#made(); } has(o) { return #secret in o; } }
    class Derived extends Base { constructor() { super(); this.d = true; } get secret() { return super.secret * 10; } }
    var obj = new Derived().bump();
    var bound = function (a, b) { return this.tag + a + b; }.bind({ tag: 'T' }, 1);
    var logTrap = []; var px = new Proxy({ x: 1 }, { get(t, k) { logTrap.push(String(k)); return t[k]; } });
    Array.prototype.last = function () { return this[this.length - 1]; };
    Math.max = function () { return 'patched'; };
    delete JSON.stringify;
    `,
    `
    console.log(obj.secret, Derived.count, Base.made(), obj.has(obj), obj.has({}), obj instanceof Base, obj.constructor === Derived);
    console.log(bound(2), bound.name, px.x, logTrap.join());
    console.log([1, 2, 3].last(), Math.max(1, 2), typeof JSON.stringify, typeof JSON.parse);
    new Derived(); console.log(Base.count);
    `,
  );
  t.same(lines, direct, 'as if never interrupted');
  t.same(lines, ['20 1 made true false true true', 'T12 bound  1 x', '3 patched undefined function', '2']);
});

t.test('suspended generators, async functions, promises, microtasks and timers resume', async (t) => {
  const { lines, direct } = await roundTrip(
    `
    var log = [];
    function* gen(x) { let total = x; for (const v of [10, 20, 30]) { total += (yield total) ?? v; } return total; }
    var it = gen(1); it.next(); it.next();
    var release; var gate = new Promise((r) => (release = r));
    async function worker(name) { log.push(name + ' start'); const v = await gate; log.push(name + ' got ' + v); for (let i = 0; i < 2; i++) { await null; log.push(name + ' ' + i); } return name; }
    var all = Promise.all([worker('a'), worker('b')]).then((r) => log.push('all ' + r.join('+')));
    async function* ticks() { yield 1; await gate; yield 2; }
    var at = ticks(); var first = at.next();
    setTimeout(() => log.push('timer 30'), 30);
    setTimeout(() => log.push('timer 5'), 5);
    var rejected = Promise.reject(new Error('kept')); rejected.catch(() => log.push('caught'));
    `,
    `
    console.log(JSON.stringify(it.next(5)), JSON.stringify(it.next()), JSON.stringify(it.next()));
    release('go');
    at.next().then((r) => log.push('async gen ' + r.value));
    first.then((r) => log.push('first ' + r.value));
    setTimeout(() => console.log(log.join(' | ')), 60);
    `,
  );
  t.same(lines, direct, 'as if never interrupted');
  t.same(lines, [
    '{"value":16,"done":false} {"value":46,"done":true} {"done":true}',
    'a start | b start | caught | a got go | b got go | first 1 | a 0 | b 0 | a 1 | b 1 | async gen 2 | all a+b | timer 5 | timer 30',
  ]);
});

t.test('for-of over Maps, Sets, strings, typed arrays and arguments resumes at the same position', async (t) => {
  const { lines, direct, code } = await roundTrip(
    `
    var log = [];
    var m = new Map([['a', 1], ['b', 2], ['c', 3], ['d', 4]]);
    var s = new Set([10, 20, 30]);
    var ta = new Float64Array([1.5, 2.5, 3.5]);
    var gates = [];
    function tick() { return new Promise((r) => gates.push(r)); }
    async function overMap() {
      for (const [k, v] of m) { log.push('map ' + k + v); if (k === 'a') m.delete('b'); if (k === 'c') m.set('e', 5); await tick(); }
    }
    async function overSet() { for (const x of s) { log.push('set ' + x); await tick(); if (s.size < 5) s.add(x + 1); } }
    async function overString() { for (const ch of 'h\u20ac\u{1F600}y') { log.push('str ' + ch); await tick(); } }
    async function overEntries() { for (const [i, x] of ta.entries()) { log.push('ta ' + i + ':' + x); await tick(); } }
    async function overArguments() { for (const a of arguments) { log.push('arg ' + a); await tick(); } }
    function* keys() { for (const k of m.keys()) yield k; }
    var g = keys(); g.next();
    overMap(); overSet(); overString(); overEntries(); overArguments('x', 'y', 'z');
    var firstGates = gates.splice(0); firstGates.forEach((r) => r());
    `,
    `
    (async () => {
      m.set('f', 6);
      for (let round = 0; round < 8; round++) { await null; await null; gates.splice(0).forEach((r) => r()); }
      await null; await null;
      console.log(log.join(' | '));
      console.log([...g].join(','));
    })();
    `,
  );
  t.same(lines, direct, 'as if never interrupted');
  t.match(lines[0], /map a1 \| .*map c3.*map e5.*map f6/);
  t.match(code, /\$\.iterator\("map", "entries", \$o\[\d+\], \d+, false\)/, 'the iterators were written as positions');
});

t.test('FinalizationRegistry: its cleanup callback and the registrations still in force', async (t) => {
  const { lines, direct } = await roundTrip(
    `
    var reg = new FinalizationRegistry((held) => console.log('cleaned', held));
    class MyReg extends FinalizationRegistry { kind() { return 'sub'; } }
    var sub = new MyReg(() => {});
    var a = {}, b = {}, tok = {}, tok2 = {};
    reg.register(a, 'A'); reg.register(b, 'B', tok); sub.register(a, 'subA', a);
    reg.register(b, 'B2', tok2); reg.unregister(tok2); reg.register(b, 'B3', tok2);
    `,
    `
    console.log(reg.unregister(tok), reg.unregister(tok), reg.unregister(tok2), reg.unregister(tok2), sub.unregister(a), sub.kind(), sub instanceof MyReg);
    console.log(FinalizationRegistry.prototype.constructor === FinalizationRegistry, FinalizationRegistry.name, FinalizationRegistry.length);
    `,
  );
  t.same(lines, direct, 'as if never interrupted');
  t.same(lines, ['true false true false true sub true', 'true FinalizationRegistry 1']);
});

t.test('a suspended sloppy function keeps its mapped arguments object linked to its parameters', async (t) => {
  const { lines, direct } = await roundTrip(
    `
    function* g(a, b, c) {
      arguments[0] = 'A0';
      yield [a, arguments[0]];
      b = 'B1'; delete arguments[2];
      yield [arguments[1], c, arguments[2], arguments.length];
      Object.defineProperty(arguments, 1, { value: 'fixed', writable: false });
      b = 'B2';
      yield [b, arguments[1]];
      a = 'A3'; arguments[3] = 'D';
      yield [arguments[0], a, arguments[3], arguments.callee === g];
    }
    var it = g(1, 2, 3, 4); var first = it.next().value;
    var second = it.next().value;
    `,
    `
    console.log(JSON.stringify([first, second, it.next().value, it.next().value]));
    `,
  );
  t.same(lines, direct, 'as if never interrupted');
  t.same(lines, ['[["A0","A0"],["B1",3,null,4],["B2","fixed"],["A3","A3","D",true]]']);
});

t.test('taking a snapshot runs no guest code', async (t) => {
  const e = new Engine({ onConsole: () => undefined });
  e.evaluateScript(`
    var runs = 0;
    var o = { get g() { runs++; return 1; }, toJSON() { runs++; return 1; }, valueOf() { runs++; return 1; } };
    var p = new Proxy({}, { ownKeys() { runs++; return []; }, get() { runs++; }, getOwnPropertyDescriptor() { runs++; }, getPrototypeOf() { runs++; return null; } });
    var holder = { o, p };`);
  e.snapshot();
  t.equal(e.evaluateScript('runs'), 0);
});

t.test('a value that cannot be written out fails the snapshot with its path', async (t) => {
  const e = new Engine({ onConsole: () => undefined });
  e.evaluateScript('var app = { caches: [{ cursor: new Intl.Collator("en") }] };');
  t.throws(() => e.snapshot(), { name: 'SnapshotError', message: /Intl\.Collator.*globalThis\.app\.caches\[0\]\.cursor/ });
});

t.test('a damaged or foreign snapshot gets a clear error, never a half-restored engine', async (t) => {
  const e = new Engine({ onConsole: () => undefined });
  e.evaluateScript('var data = { list: [1, 2, 3], f: () => data.list.length };');
  const code = e.snapshot().code;
  t.throws(() => Engine.restore('console.log(1)'), { name: 'SnapshotError', message: /not a snapvm snapshot/ });
  t.throws(() => Engine.restore(code.replace(/^\/\/ format \d+ /m, '// format 99 ')), { name: 'SnapshotError', message: /format 99 is not supported/ });
  t.throws(() => Engine.restore(code.slice(0, Math.floor(code.length * 0.7))), { name: 'SnapshotError', message: /damaged snapshot: it is cut short/ });
  t.throws(() => Engine.restore(code.replace('$.link();', '$.link(); $o[0] = {;')), { name: 'SnapshotError', message: /damaged snapshot: SyntaxError/ });
  t.throws(() => Engine.restore(code.replace(/\$\.closure\(0, (\d+)/, '$.closure(0, 999')), { name: 'SnapshotError', message: /damaged snapshot: no function 999/ });
  t.ok(Engine.restore(code) instanceof Engine, 'the intact text restores');
  t.ok(e instanceof SnapshotError === false);
});

t.test('a hostile snapshot is guest code: it cannot reach the host', async (t) => {
  const e = new Engine({ onConsole: () => undefined });
  const code = e.snapshot().code;
  const evil = code.replace(
    'var $o = [];',
    'var $o = []; $o.escape = (function () { try { return typeof $.builtin.constructor("return process")(); } catch (e) { return "blocked: " + e.message; } })(); globalThis.escape = $o.escape;',
  );
  const r = Engine.restore(evil, { onConsole: () => undefined });
  t.match(String(r.evaluateScript('escape')), /^blocked/);
});

t.test('a hostile snapshot in the canonical form (read directly, not interpreted) cannot reach the host either', async (t) => {
  const e = new Engine({ onConsole: () => undefined });
  const code = e.snapshot().code;
  const evil = code.replace('var $props = $.props;', 'var $props = $.props; var $leak = $cr.constructor("return typeof process + typeof require")(); $.lexical("leak", $leak, false);');
  t.not(evil, code);
  const r = Engine.restore(evil, { onConsole: () => undefined });
  t.equal(r.evaluateScript('leak'), 'undefinedundefined');
  t.throws(
    () => Engine.restore(code.replace('var $props = $.props;', 'var $props = $.props; $.constructor.prototype;')),
    { name: 'SnapshotError' },
    'the restore operations are no objects to explore',
  );
});

t.test('CLI: run --snapshot-at turn:N --stop, then restore, prints what one run prints (and node)', async (t) => {
  const file = write(
    'app.js',
    `let total = 0;
const results = [];
class Job { #id; constructor(id) { this.#id = id; } get id() { return this.#id; } }
async function step(job, ms) {
  await new Promise((r) => setTimeout(r, ms));
  total += job.id;
  results.push(job.id);
  console.log('job', job.id, 'done after', ms, 'ms; total', total);
}
function* ids() { let i = 1; while (true) yield i++; }
const gen = ids();
(async () => {
  for (const ms of [10, 150, 300]) await step(new Job(gen.next().value), ms);
  console.log('all done', results, total);
})();
setTimeout(() => console.log('side timer', gen.next().value), 320);
console.log('started');
`,
  );
  const whole = snapvm('run', file);
  t.equal(whole.code, 0);
  t.equal(whole.stdout, run(process.execPath, file).stdout, 'snapvm prints what node prints');
  for (const n of [1, 2, 3, 4]) {
    const snap = path.join(dir, `app-${n}.snap`);
    const a = snapvm('run', file, '--snapshot-at', `turn:${n}`, '--out', snap, '--stop');
    t.equal(a.code, 0, `run to turn ${n}`);
    t.match(a.stderr, new RegExp(`snapshot after turn ${n} written`));
    const b = snapvm('restore', snap);
    t.equal(b.code, 0, `restore after turn ${n}: ${b.stderr}`);
    t.equal(a.stdout + b.stdout, whole.stdout, `turn ${n}: the two halves print what one run prints`);
  }
  const info = snapvm('inspect', path.join(dir, 'app-2.snap'));
  t.equal(info.code, 0);
  t.match(info.stdout, /taken after turn 2/);
  t.match(info.stdout, /suspended frames.*\n(.*\n)* {2}step {2}at .*app\.js:5:\d+/);
  t.match(info.stdout, /timers: +2/);
  const late = snapvm('run', file, '--snapshot-at', 'turn:99', '--out', path.join(dir, 'never.snap'));
  t.equal(late.code, 3);
  t.match(late.stderr, /before turn 99: no snapshot written/);
  t.notOk(fs.existsSync(path.join(dir, 'never.snap')));
  const bad = snapvm('run', file, '--snapshot-at', 'soon', '--out', 'x');
  t.equal(bad.code, 2);
  t.match(bad.stderr, /turn:N or safepoint:N/);
  fs.writeFileSync(path.join(dir, 'broken.snap'), fs.readFileSync(path.join(dir, 'app-2.snap'), 'utf8').slice(0, 900));
  const broken = snapvm('restore', path.join(dir, 'broken.snap'));
  t.equal(broken.code, 2);
  t.match(broken.stderr, /cannot restore .*damaged snapshot/);
});

t.test('CLI: a computation paused at a safe point mid-loop inside nested calls finishes after restore in another process', async (t) => {
  const file = write(
    'heavy.js',
    `function mix(h, i) { return (h * 31 + i) % 1000003; }
function inner(rows, seed) {
  let h = seed;
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < 500; i++) h = mix(h, i ^ r);
  }
  return h;
}
function outer(n) {
  const parts = [];
  for (let k = 0; k < n; k++) parts.push(inner(20, k));
  return parts.reduce((a, b) => (a + b) % 1000003, 0);
}
console.log('start');
const sorted = [3, 1, 2].sort((a, b) => { let w = 0; while (w < 3) w++; return a - b; });
console.log('result', outer(5), sorted.join());
setTimeout(() => { let s = 0; for (let i = 0; i < 20000; i++) s = mix(s, i); console.log('timer result', s); }, 5);
`,
  );
  const whole = snapvm('run', file);
  t.equal(whole.stdout, run(process.execPath, file).stdout, 'snapvm prints what node prints');
  // 1-3: inside the sort comparator (a native frame: the snapshot waits); then inner loops, then the timer's loop
  for (const n of [1, 40, 20000, 55000]) {
    const snap = path.join(dir, `heavy-${n}.snap`);
    const a = snapvm('run', file, '--snapshot-at', `safepoint:${n}`, '--out', snap, '--stop');
    t.equal(a.code, 0, `run to safe point ${n}: ${a.stderr}`);
    t.match(a.stderr, /snapshot at safe point \d+ \(turn \d\) written/);
    if (n === 1) t.match(a.stderr, /no snapshot at safe point 1: a native frame is on the stack .*waiting for the next safe point/);
    const b = snapvm('restore', snap);
    t.equal(b.code, 0, `restore: ${b.stderr}`);
    t.equal(a.stdout + b.stdout, whole.stdout, `safe point ${n}: the two halves print what one run prints`);
  }
  const info = snapvm('inspect', path.join(dir, 'heavy-20000.snap'));
  t.match(info.stdout, /taken at a safe point during turn 1/);
  // (safe point 20000 may be the entry of mix, called from inner's loop)
  t.match(
    info.stdout,
    /suspended frames \(innermost running frame first\)\n(?: {2}mix {2}at .*heavy\.js:1:\d+\n)? {2}inner {2}at .*heavy\.js:[45]:\d+\n {2}outer {2}at .*heavy\.js:1[12]:\d+\n {2}<script>/,
  );
});

t.test('CLI: safe points at function entries (recursion without loops) and do-while back-edges', async (t) => {
  const file = write(
    'recursive.js',
    `function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
let i = 0, acc = 0;
do { acc += i * 3; i++; } while (i < 3000);
console.log('acc', acc);
console.log('fib', fib(18));
`,
  );
  const whole = snapvm('run', file);
  t.equal(whole.stdout, 'acc 13495500\nfib 2584\n');
  // 1000: inside the do-while; 5000: deep inside fib's recursion (only function entries there)
  for (const n of [1000, 5000]) {
    const snap = path.join(dir, `recursive-${n}.snap`);
    const a = snapvm('run', file, '--snapshot-at', `safepoint:${n}`, '--out', snap, '--stop');
    t.equal(a.code, 0, a.stderr);
    const b = snapvm('restore', snap);
    t.equal(a.stdout + b.stdout, whole.stdout, `safe point ${n}: the two halves print what one run prints`);
    if (n === 5000) t.match(snapvm('inspect', snap).stdout, /suspended frames \(innermost running frame first\)\n {2}fib {2}at .*\n {2}fib {2}at/);
  }
});

t.test('CLI: ES modules — live bindings, namespaces, top-level await and import() — survive a snapshot at every turn', async (t) => {
  write('lib.mjs', 'export let counter = 0;\nexport function bump() { return ++counter; }\nexport default class Box { constructor(v) { this.v = v; } }\n');
  const main = write(
    'main.mjs',
    `import Box, { counter, bump } from './lib.mjs';
import * as ns from './lib.mjs';
bump();
console.log('main', counter, ns.counter, new Box(3).v);
await new Promise((r) => setTimeout(r, 10));
bump();
console.log('after await', counter, ns.counter, Object.keys(ns).join());
setTimeout(async () => { bump(); const dyn = await import('./lib.mjs'); console.log('timer', counter, dyn === ns, dyn.counter, import.meta.url.endsWith('main.mjs')); }, 30);
`,
  );
  const whole = snapvm('run', main);
  t.equal(whole.code, 0, whole.stderr);
  t.equal(whole.stdout, run(process.execPath, main).stdout, 'snapvm prints what node prints');
  for (const n of [1, 2, 3]) {
    const snap = path.join(dir, `main-${n}.snap`);
    const a = snapvm('run', main, '--snapshot-at', `turn:${n}`, '--out', snap, '--stop');
    t.equal(a.code, 0, a.stderr);
    const b = snapvm('restore', snap);
    t.equal(b.code, 0, b.stderr);
    t.equal(a.stdout + b.stdout, whole.stdout, `turn ${n}`);
  }
});
