// Built-ins newer than Node 20's V8, added by src/interpreter/builtins/: guest snippets with the
// completion value they give (`expected`), the console lines once the event loop is idle (`logs`),
// or the GuestError summary (`throws`). test262 checks these built-ins in depth; this table is the
// quick check that they are installed, behave, and hand guests only guest-realm values.
// NOTE: the snapshot → restore → continue run of this table (STYLE.md habit 5) waits for src/snapshot/.
import t from 'tap';
import { Engine, GuestError } from '../src/interpreter/index';

interface Case {
  name: string;
  code: string;
  expected?: unknown;
  logs?: string[];
  throws?: string | RegExp;
}

const cases: Case[] = [
  // ---- Iterator helpers ----
  {
    name: 'Iterator is abstract',
    code: 'let r = []; try { new Iterator(); } catch (e) { r.push(e instanceof TypeError); } try { Iterator(); } catch (e) { r.push(e instanceof TypeError); } r.join()',
    expected: 'true,true',
  },
  {
    name: 'Iterator subclass',
    code: 'class I extends Iterator { next() { return { done: true }; } } const i = new I(); [i instanceof Iterator, Object.getPrototypeOf(I.prototype) === Iterator.prototype].join()',
    expected: 'true,true',
  },
  { name: 'map filter take toArray', code: 'function* n() { let i = 0; while (true) yield i++; } n().map((x) => x * x).filter((x) => x % 2).take(4).toArray().join()', expected: '1,9,25,49' },
  { name: 'drop, then forEach with counters', code: 'const out = []; [10, 20, 30, 40].values().drop(2).forEach((v, i) => out.push(v + ":" + i)); out.join()', expected: '30:0,40:1' },
  { name: 'flatMap flattens one level, not strings', code: '[1, 2].values().flatMap((x) => [x, [x]]).toArray().map(String).join("|")', expected: '1|1|2|2' },
  { name: 'flatMap rejects a string result', code: '[1].values().flatMap(() => "ab").next()', throws: /^TypeError/ },
  {
    name: 'reduce, some, every, find',
    code: 'const it = () => [1, 2, 3, 4].values(); [it().reduce((a, b) => a + b), it().reduce((a, b) => a + b, 10), it().some((x) => x > 3), it().every((x) => x > 0), it().find((x) => x > 2)].join()',
    expected: '10,20,true,true,3',
  },
  { name: 'reduce of an empty iterator', code: '[].values().reduce((a, b) => a + b)', throws: /^TypeError/ },
  {
    name: 'helper toStringTag and brand',
    code: 'const h = [1].values().map((x) => x); [Object.prototype.toString.call(h), Object.prototype.toString.call(Iterator.prototype)].join()',
    expected: '[object Iterator Helper],[object Iterator]',
  },
  {
    name: 'helper closes the underlying iterator on return()',
    code: 'let closed = 0; const src = { next() { return { value: 1, done: false }; }, return() { closed++; return {}; }, __proto__: Iterator.prototype }; const h = src.map((x) => x); h.next(); h.return(); h.return(); closed',
    expected: 1,
  },
  {
    name: 'helper closes the underlying iterator when the mapper throws',
    code: 'let closed = 0; const src = { next() { return { value: 1, done: false }; }, return() { closed++; return {}; }, __proto__: Iterator.prototype }; try { src.map(() => { throw 1; }).next(); } catch (e) {} closed',
    expected: 1,
  },
  { name: 're-entering a running helper is a TypeError', code: 'let h; h = [1, 2].values().map(() => h.next()); let r; try { h.next(); } catch (e) { r = e instanceof TypeError; } r', expected: true },
  {
    name: 'take validates its limit and closes',
    code: 'let closed = 0; const src = { next() {}, return() { closed++; return {}; }, __proto__: Iterator.prototype }; let r; try { src.take(-1); } catch (e) { r = e instanceof RangeError; } r + ":" + closed',
    expected: 'true:1',
  },
  {
    name: 'Iterator.from wraps a plain iterator',
    code: 'const w = Iterator.from({ i: 0, next() { this.i += 1; return { value: this.i - 1, done: this.i > 3 }; } }); [w instanceof Iterator, w.toArray().join()].join("|")',
    expected: 'true|0,1,2',
  },
  { name: 'Iterator.from on a string', code: 'Iterator.from("ab").toArray().join()', expected: 'a,b' },
  { name: 'Iterator.concat', code: 'Iterator.concat([1, 2], new Set([3]), "x".split("")).toArray().join()', expected: '1,2,3,x' },
  {
    name: 'Iterator.prototype.constructor is an accessor',
    code: 'const d = Object.getOwnPropertyDescriptor(Iterator.prototype, "constructor"); [typeof d.get, typeof d.set, Iterator.prototype.constructor === Iterator].join()',
    expected: 'function,function,true',
  },
  {
    name: 'errors of the helpers are guest errors',
    code: 'let e; try { Iterator.prototype.map.call(null, (x) => x); } catch (x) { e = x; } [e instanceof TypeError, e.constructor.constructor === Function].join()',
    expected: 'true,true',
  },

  // ---- Iterator proposals test262 covers ----
  {
    name: 'chunks and windows',
    code: 'const d = () => [1, 2, 3, 4, 5].values(); [d().chunks(2).toArray(), d().windows(3).toArray(), [1].values().windows(2, "allow-partial").toArray()].map((a) => a.map((x) => x.join("")).join(" ")).join("|")',
    expected: '12 34 5|123 234 345|1',
  },
  {
    name: 'chunks validates its size',
    code: 'let r = []; try { [].values().chunks(0); } catch (e) { r.push(e.name); } try { [].values().chunks("2"); } catch (e) { r.push(e.name); } r.join()',
    expected: 'RangeError,TypeError',
  },
  { name: 'includes and join', code: '[[1, NaN, 3].values().includes(NaN), [1, 2, 3].values().includes(1, 1), ["a", null, 1].values().join("-")].join()', expected: 'true,false,a--1' },
  {
    name: 'Iterator.zip and zipKeyed',
    code: 'const z = Iterator.zip([[1, 2], "ab".split("")]).toArray().map((p) => p.join("")).join(); const k = Iterator.zipKeyed({ x: [1, 2, 3], y: [4] }, { mode: "longest", padding: { y: 0 } }).toArray().map((o) => o.x + ":" + o.y).join(); z + "|" + k',
    expected: '1a,2b|1:4,2:0,3:0',
  },
  { name: 'Iterator.zip strict mode throws on different lengths', code: 'Iterator.zip([[1], [1, 2]], { mode: "strict" }).toArray()', throws: /^TypeError/ },

  // ---- Set methods ----
  {
    name: 'union, intersection, difference, symmetricDifference',
    code: 'const a = new Set([1, 2, 3]), b = new Set([3, 4]); [a.union(b), a.intersection(b), a.difference(b), a.symmetricDifference(b)].map((s) => [...s].join("")).join()',
    expected: '1234,3,12,124',
  },
  {
    name: 'subset, superset, disjoint',
    code: 'const a = new Set([1, 2]); [a.isSubsetOf(new Set([1, 2, 3])), a.isSupersetOf(new Set([2])), a.isDisjointFrom(new Set([3]))].join()',
    expected: 'true,true,true',
  },
  {
    name: 'set-like objects',
    code: 'const like = { size: 2, has: (x) => x === 1 || x === 5, keys: () => [1, 5].values() }; [[...new Set([1, 2]).union(like)].join(""), [...new Set([1, 2]).intersection(like)].join("")].join()',
    expected: '125,1',
  },
  { name: 'GetSetRecord rejects a NaN size', code: 'new Set().union({ size: undefined, has() {}, keys() {} })', throws: /^TypeError/ },
  { name: 'GetSetRecord rejects a negative size', code: 'new Set().union({ size: -1, has() {}, keys() {} })', throws: /^RangeError/ },
  { name: 'results are plain Sets', code: 'class S extends Set {} const r = new S([1]).union(new Set()); [r.constructor === Set, r instanceof Set].join()', expected: 'true,true' },
  { name: 'the original Set.prototype.has is used', code: 'const a = new Set([1, 2]); Set.prototype.has = () => false; a.isSupersetOf(new Set([1]))', expected: true },

  // ---- groupBy ----
  { name: 'Object.groupBy', code: 'const g = Object.groupBy([1, 2, 3, 4], (x) => (x % 2 ? "odd" : "even")); [Object.getPrototypeOf(g), g.odd.join(), g.even.join()].join("|")', expected: '|1,3|2,4' },
  { name: 'Map.groupBy keeps keys as they are', code: 'const m = Map.groupBy([1, "1", -0, 0], (x) => x); [m.size, m.get(0).length, Object.is([...m.keys()][2], 0)].join()', expected: '3,2,true' },

  // ---- Array.fromAsync ----
  {
    name: 'Array.fromAsync over sync, async and array-like inputs',
    code: `(async () => {
      async function* ag() { yield 1; yield Promise.resolve(2); }
      const a = await Array.fromAsync([Promise.resolve(1), 2]);
      const b = await Array.fromAsync(ag(), (x) => x * 10);
      const c = await Array.fromAsync({ length: 2, 0: "x", 1: Promise.resolve("y") });
      console.log(a.join(), b.join(), c.join(), Array.isArray(c));
    })()`,
    logs: ['1,2 10,20 x,y true'],
  },
  {
    name: 'Array.fromAsync rejects for a non-callable mapper',
    code: 'Array.fromAsync([], 1).catch((e) => console.log(e instanceof TypeError))',
    logs: ['true'],
  },
  {
    // one Await per element: the result settles between the second and third tick of a plain chain
    name: 'Array.fromAsync awaits each element of an array-like once',
    code: `const log = []; Array.fromAsync({ length: 2, 0: 1, 1: 2 }).then(() => log.push("done"));
      Promise.resolve().then(() => log.push("a")).then(() => log.push("b")).then(() => log.push("c")).then(() => console.log(log.join()));`,
    logs: ['a,b,done,c'],
  },

  // ---- ArrayBuffer ----
  {
    name: 'transfer detaches the source',
    code: 'const a = new ArrayBuffer(4); new Uint8Array(a)[0] = 7; const b = a.transfer(8); [a.detached, a.byteLength, b.byteLength, new Uint8Array(b)[0], b.detached].join()',
    expected: 'true,0,8,7,false',
  },
  {
    name: 'transfer keeps resizability, transferToFixedLength drops it',
    code: 'const a = new ArrayBuffer(2, { maxByteLength: 16 }); const b = a.transfer(); const r = [b.resizable, b.maxByteLength]; const c = b.transferToFixedLength(); [...r, c.resizable, c.byteLength].join()',
    expected: 'true,16,false,2',
  },
  { name: 'transfer of a detached buffer', code: 'const a = new ArrayBuffer(1); a.transfer(); a.transfer()', throws: /^TypeError/ },

  // ---- explicit resource management ----
  {
    name: 'DisposableStack disposes in reverse order',
    code: 'const log = []; const s = new DisposableStack(); s.defer(() => log.push("a")); s.use({ [Symbol.dispose]() { log.push("b"); } }); s.adopt(1, (v) => log.push("c" + v)); s.dispose(); [log.join(""), s.disposed].join()',
    expected: 'c1ba,true',
  },
  {
    name: 'DisposableStack reports a SuppressedError',
    code: 'const s = new DisposableStack(); s.defer(() => { throw 1; }); s.defer(() => { throw 2; }); let e; try { s.dispose(); } catch (x) { e = x; } [e instanceof SuppressedError, e.error, e.suppressed, Error.isError(e)].join()',
    expected: 'true,1,2,true',
  },
  { name: 'a disposed stack refuses new resources', code: 'const s = new DisposableStack(); s.dispose(); s.defer(() => {})', throws: /^ReferenceError/ },
  {
    name: 'AsyncDisposableStack awaits each disposal',
    code: `const log = []; const s = new AsyncDisposableStack();
      s.defer(async () => { log.push("a"); }); s.use({ [Symbol.dispose]() { log.push("sync"); } }); s.defer(() => Promise.resolve().then(() => log.push("b")));
      s.disposeAsync().then(() => console.log(log.join(), s.disposed));`,
    logs: ['b,sync,a true'],
  },
  {
    name: 'Symbol.dispose is a well-known symbol',
    code: '[typeof Symbol.dispose, Symbol.dispose.description, Symbol.asyncDispose.description, typeof [].values()[Symbol.dispose]].join()',
    expected: 'symbol,Symbol.dispose,Symbol.asyncDispose,function',
  },

  // ---- Promise.allKeyed ----
  {
    name: 'Promise.allKeyed and allSettledKeyed',
    code: `Promise.allKeyed({ a: 1, b: Promise.resolve(2) }).then((r) => console.log(Object.getPrototypeOf(r), r.a, r.b));
      Promise.allSettledKeyed({ x: Promise.reject(3) }).then((r) => console.log(r.x.status, r.x.reason));`,
    logs: ['null 1 2', 'rejected 3'],
  },

  // ---- small ones ----
  {
    name: 'Error.isError',
    code: 'class E extends Error {} [Error.isError(new E()), Error.isError(new TypeError()), Error.isError(Object.create(Error.prototype)), Error.isError({})].join()',
    expected: 'true,true,false,false',
  },
  {
    name: 'Math.sumPrecise',
    code: '[Math.sumPrecise([0.1, 0.2, 0.3]), Math.sumPrecise([1e308, 1e308, -1e308]), Object.is(Math.sumPrecise([]), -0), Math.sumPrecise([Infinity, -Infinity])].join()',
    expected: '0.6,1e+308,true,NaN',
  },
  { name: 'Math.sumPrecise rejects non-numbers', code: 'Math.sumPrecise([1, "2"])', throws: /^TypeError/ },
  { name: 'Math.f16round', code: '[Math.f16round(1.337), Math.f16round(65520), Math.f16round(5e-8)].join()', expected: '1.3369140625,Infinity,5.960464477539063e-8' },
  {
    name: 'DataView Float16',
    code: 'const v = new DataView(new ArrayBuffer(4)); v.setFloat16(0, 1.337); v.setFloat16(2, 65520, true); [v.getFloat16(0), v.getUint16(0).toString(16), v.getFloat16(2, true)].join()',
    expected: '1.3369140625,3d59,Infinity',
  },
  { name: 'Atomics.pause', code: 'let r; try { Atomics.pause(1.5); } catch (e) { r = e.name; } [Atomics.pause(), Atomics.pause(3), r].join()', expected: ',,TypeError' },
  { name: 'RegExp.escape', code: 'RegExp.escape("1.5+x/y z")', expected: '\\x31\\.5\\+x\\/y\\x20z' },
  {
    name: 'Map.prototype.getOrInsert(Computed)',
    code: 'const m = new Map([[1, "a"]]); [m.getOrInsert(1, "b"), m.getOrInsert(2, "c"), m.getOrInsertComputed(3, (k) => k * 2), m.size].join()',
    expected: 'a,c,6,3',
  },
  { name: 'WeakMap.prototype.getOrInsert rejects a registered symbol', code: 'new WeakMap().getOrInsert(Symbol.for("x"), 1)', throws: /^TypeError/ },
  {
    name: 'Uint8Array base64 and hex',
    code: 'const u = Uint8Array.fromBase64("aGVsbG8="); [u.length, u.toHex(), u.toBase64({ alphabet: "base64url", omitPadding: true }), Uint8Array.fromHex("ff00").join()].join("|")',
    expected: '5|68656c6c6f|aGVsbG8|255,0',
  },
  {
    name: 'setFromBase64 reports read and written',
    code: 'const t = new Uint8Array(4); const r = t.setFromBase64("Zm9vYmFy"); [r.read, r.written, t.join()].join("|")',
    expected: '4|3|102,111,111,0',
  },
  {
    name: 'fromBase64 syntax errors are guest errors',
    code: 'let e; try { Uint8Array.fromBase64("a"); } catch (x) { e = x; } [e instanceof SyntaxError, e.constructor === SyntaxError].join()',
    expected: 'true,true',
  },
];

async function run(c: Case): Promise<{ value: unknown; logs: string[] }> {
  const logs: string[] = [];
  const engine: Engine = new Engine({ onConsole: (_level, args) => void logs.push(engine.format(args)) });
  const value = engine.evaluateScript(c.code, 'case.js');
  await engine.runEventLoop();
  return { value, logs };
}

for (const c of cases) {
  t.test(c.name, async (t) => {
    let result: { value: unknown; logs: string[] } | undefined;
    let caught: unknown;
    try {
      result = await run(c);
    } catch (e) {
      caught = e;
    }
    const summary = caught instanceof GuestError ? caught.summary : `host error ${String(caught)}`;
    if (c.throws !== undefined) {
      const got = result ? 'no error' : summary;
      t.ok(typeof c.throws === 'string' ? got === c.throws : c.throws.test(got), `throws ${String(c.throws)} (got ${got})`);
      return;
    }
    if (!result) return void t.fail(`threw ${summary}`);
    if (c.logs) t.same(result.logs, c.logs, 'console output');
    if ('expected' in c) t.equal(result.value, c.expected, 'completion value');
  });
}

t.test('each built-in has the attributes and shape the spec gives', async (t) => {
  const engine = new Engine();
  const check = (expr: string) =>
    engine.evaluateScript(
      `(() => { const d = ${expr}; return [typeof d.value === "function" ? d.value.name + "/" + d.value.length : typeof d.get, d.writable, d.enumerable, d.configurable].join(); })()`,
      'shape.js',
    );
  t.equal(check('Object.getOwnPropertyDescriptor(globalThis, "Iterator")'), 'Iterator/0,true,false,true');
  t.equal(check('Object.getOwnPropertyDescriptor(Iterator.prototype, "map")'), 'map/1,true,false,true');
  t.equal(check('Object.getOwnPropertyDescriptor(Set.prototype, "symmetricDifference")'), 'symmetricDifference/1,true,false,true');
  t.equal(check('Object.getOwnPropertyDescriptor(Array, "fromAsync")'), 'fromAsync/1,true,false,true');
  t.equal(check('Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "detached")'), 'function,,false,true');
  t.equal(engine.evaluateScript('Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "detached").get.name', 'name.js'), 'get detached');
});
