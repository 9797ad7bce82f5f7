// A memory budget for what a guest allocates outside the V8 heap (EngineOptions.memoryBudget, what an edge
// server's sessions run with): array buffers, typed arrays and WebAssembly memories are counted and refused
// past it with a guest RangeError, the built-ins look as they did, and a restored engine counts as well.
// The edge server's side (a real `snapvm serve`) is in safety-redteam.test.ts's resource attacks.
import t from 'tap';
import { setFlagsFromString, getHeapStatistics } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Engine, MemoryBudget } from '../src/index';

const MB = 1024 * 1024;
/**
 * A 4 MB budget that counts allocations only: a measure of the isolate's external memory (the edge
 * worker's) would see other tests' garbage here, and tap gives no `gc` to collect it.
 */
const budget = () => new MemoryBudget(4 * MB);
/** A `gc` for the measured budget (tap gives the test process none): V8's, through a context made after the flag. */
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** A 4 MB budget with a measure like the edge worker's: a collection, then the isolate's external memory since it was made. */
const measured = () => {
  // (twice: what an earlier test's engine holds outside the heap can be freed by a second collection only)
  gc();
  gc();
  const start = getHeapStatistics().external_memory;
  return new MemoryBudget(4 * MB, () => {
    gc();
    return Math.max(0, getHeapStatistics().external_memory - start);
  });
};

const REFUSED = /^RangeError: \S+: \d+ bytes would pass this program's memory budget of 4 MB for array buffers$/;
// each `code` sets globals up; `check` prints (run after it, or in the engine a snapshot restored)
// (`direct`: not through a snapshot, which does not keep a WebAssembly.Memory: it restores as a plain object)
// (`measured`: the budget has the worker's measure)
const cases: { name: string; code: string; check: string; expected: (string | RegExp)[]; direct?: boolean; measured?: boolean; todo?: string }[] = [
  { name: 'within the budget', code: 'var a = new Uint8Array(1 << 20); a[5] = 7;', check: 'console.log(a.length, a[5])', expected: ['1048576 7'] },
  { name: 'one typed array past it', code: 'var r; try { new Float64Array(1 << 20); } catch (e) { r = e; }', check: 'console.log(String(r))', expected: [REFUSED] },
  {
    name: 'typed arrays kept until the budget is spent',
    code: 'var keep = [], r; try { for (;;) keep.push(new Uint8Array(1 << 19)); } catch (e) { r = e; }',
    check: 'console.log(keep.length, String(r))',
    expected: [/^8 RangeError: Uint8Array: 524288 bytes would pass/],
  },
  { name: 'a copy through species (slice)', code: 'var a = new Float64Array(3 << 17), r; try { a.slice(); } catch (e) { r = e; }', check: 'console.log(String(r))', expected: [REFUSED] },
  { name: 'a copy of a typed array', code: 'var a = new Float64Array(3 << 17), r; try { new Float64Array(a); } catch (e) { r = e; }', check: 'console.log(String(r))', expected: [REFUSED] },
  { name: 'toReversed', code: 'var a = new Float64Array(3 << 17), r; try { a.toReversed(); } catch (e) { r = e; }', check: 'console.log(String(r))', expected: [REFUSED] },
  { name: 'ArrayBuffer', code: 'var r; try { new ArrayBuffer(2 ** 40); } catch (e) { r = e; }', check: 'console.log(String(r))', expected: [REFUSED] },
  {
    // (a restore makes a resizable buffer at its maximum length and shrinks it with the host's resize: a count
    // without a measure keeps the maximum, and refuses the Uint8Array already; the edge's measure corrects it)
    name: 'resize, the buffer unchanged',
    code: 'var b = new ArrayBuffer(8, { maxByteLength: 3 << 20 }); b.resize(1 << 20);',
    check: 'try { new Uint8Array(2 << 20); b.resize(3 << 20); } catch (e) { console.log(b.byteLength, String(e)); }',
    expected: [/^1048576 RangeError: (ArrayBuffer\.prototype\.resize|Uint8Array): 2097152 bytes would pass/],
  },
  {
    name: 'SharedArrayBuffer and grow',
    code: 'var s = new SharedArrayBuffer(8, { maxByteLength: 2 ** 32 }), r; try { s.grow(2 ** 31); } catch (e) { r = e; }',
    check: 'console.log(s.byteLength, String(r))',
    expected: [/^8 RangeError: SharedArrayBuffer\.prototype\.grow: /],
  },
  {
    name: 'WebAssembly.Memory and grow',
    direct: true,
    code: 'var m = new WebAssembly.Memory({ initial: 1 }), r; try { m.grow(1000); } catch (e) { r = e; }',
    check: 'console.log(m.buffer.byteLength, String(r))',
    expected: [/^65536 RangeError: WebAssembly\.Memory\.prototype\.grow: /],
  },
  {
    name: 'transfer to a longer length',
    code: 'var b = new ArrayBuffer(8), r; try { b.transfer(2 ** 31); } catch (e) { r = e; }',
    check: 'console.log(String(r))',
    expected: [/^RangeError: ArrayBuffer\.prototype\.transfer: /],
  },
  {
    name: 'shared WebAssembly memories, with the measure (it does not see them)',
    direct: true,
    measured: true,
    code: 'var keep = [], r; try { for (var i = 0; i < 10; i++) keep.push(new WebAssembly.Memory({ initial: 48, maximum: 48, shared: true })); } catch (e) { r = e; }',
    check: 'console.log(keep.length, String(r))',
    expected: [/^1 RangeError: WebAssembly\.Memory: 3145728 bytes would pass/],
  },
  {
    name: 'a shared WebAssembly memory grown, with the measure',
    direct: true,
    measured: true,
    code: 'var m = new WebAssembly.Memory({ initial: 1, maximum: 100, shared: true }), keep = [], r; try { for (var i = 0; i < 10; i++) m.grow(16); } catch (e) { r = e; }',
    check: 'console.log(m.buffer.byteLength, String(r))',
    expected: [/^3211264 RangeError: WebAssembly\.Memory\.prototype\.grow: 1048576 bytes would pass/],
  },
  {
    name: 'resizable buffers grown, with the measure (V8 counts their construction length only)',
    measured: true,
    code: 'var keep = [], r; try { for (var i = 0; i < 10; i++) { var b = new ArrayBuffer(0, { maxByteLength: 3 << 20 }); b.resize(3 << 20); new Uint8Array(b).fill(1); keep.push(b); } } catch (e) { r = e; }',
    check: 'console.log(keep.length, String(r))',
    expected: [/^1 RangeError: ArrayBuffer\.prototype\.resize: 3145728 bytes would pass/],
  },
  {
    name: 'a resizable buffer grown and shrunk again and again, with the measure',
    measured: true,
    code: 'var b = new ArrayBuffer(0, { maxByteLength: 3 << 20 }), r; try { for (var i = 0; i < 10; i++) { b.resize(3 << 20); b.resize(0); } } catch (e) { r = e; }',
    check: 'console.log(b.byteLength, String(r))',
    expected: ['0 undefined'],
  },
  ...[false, true].map((withMeasure) => ({
    name: `a WebAssembly module's own memories${withMeasure ? ', with the measure' : ' (exported)'}`,
    direct: true,
    measured: withMeasure,
    // (a module whose memory, 48 pages (3 MB), is its own and exported as m)
    code: 'var bytes = new Uint8Array([0,0x61,0x73,0x6d,1,0,0,0, 5,3,1,0,48, 7,5,1,1,0x6d,2,0]); var keep = [], r; try { for (var i = 0; i < 10; i++) { var m = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.m; new Uint8Array(m.buffer).fill(1); keep.push(m); } } catch (e) { r = e; }',
    check: 'console.log(keep.length, keep[0].buffer.byteLength, String(r))',
    expected: [/^1 3145728 RangeError: WebAssembly\.Instance: \d+ bytes would pass/],
  })),
  {
    name: "a WebAssembly module's own memories, not exported, with the measure",
    direct: true,
    measured: true,
    code: 'var bytes = new Uint8Array([0,0x61,0x73,0x6d,1,0,0,0, 5,3,1,0,48]); var keep = [], r; try { for (var i = 0; i < 10; i++) keep.push(new WebAssembly.Instance(new WebAssembly.Module(bytes))); } catch (e) { r = e; }',
    check: 'console.log(keep.length, String(r))',
    expected: [/^1 RangeError: WebAssembly\.Instance: \d+ bytes would pass/],
  },
  {
    name: "a WebAssembly module's own memories, made by WebAssembly.instantiate, with the measure",
    direct: true,
    measured: true,
    todo: 'WebAssembly.instantiate (a promise) is not wrapped: a later allocation measures what it made, nothing sooner',
    code: 'var bytes = new Uint8Array([0,0x61,0x73,0x6d,1,0,0,0, 5,3,1,0,48]); var keep = [], r; (async () => { try { for (var i = 0; i < 10; i++) keep.push(await WebAssembly.instantiate(bytes)); } catch (e) { r = e; } })();',
    check: 'console.log(keep.length, String(r))',
    expected: [/^1 RangeError: WebAssembly\.instantiate: \d+ bytes would pass/],
  },
  {
    name: 'memory.grow run inside WebAssembly code, with the measure',
    direct: true,
    measured: true,
    todo: "memory.grow in wasm code skips Memory.prototype.grow's wrapper: a later allocation measures it, nothing sooner (`snapvm serve` bounds each memory with --wasm-max-mem-pages: safety-redteam.test.ts)",
    // (a module exporting g(delta) = memory.grow(delta) and its memory, 1 page)
    code: 'var bytes = new Uint8Array([0,0x61,0x73,0x6d,1,0,0,0, 1,6,1,0x60,1,0x7f,1,0x7f, 3,2,1,0, 5,3,1,0,1, 7,9,2,1,0x67,0,0,1,0x6d,2,0, 10,8,1,6,0,0x20,0,0x40,0,0x0b]); var x = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports, r; var before = x.g(160);',
    check: 'console.log(x.m.buffer.byteLength, before)',
    expected: ['65536 -1'],
  },
  ...[
    ['%TypedArray%.prototype.slice', 'new Uint8Array(3 << 20)', 'a.constructor = undefined', 'a.slice()'],
    ['%TypedArray%.prototype.map', 'new Float64Array(3 << 17)', 'a.constructor = { [Symbol.species]: undefined }', 'a.map((x) => x)'],
    ['%TypedArray%.prototype.filter', 'new Float64Array(3 << 17)', 'a.constructor = undefined', 'a.filter(() => true)'],
    ['ArrayBuffer.prototype.slice', 'new ArrayBuffer(3 << 20)', 'a.constructor = undefined', 'a.slice()'],
    ['SharedArrayBuffer.prototype.slice', 'new SharedArrayBuffer(3 << 20)', 'a.constructor = undefined', 'a.slice()'],
  ].map(([what, make, species, copy]) => ({
    name: `${what} where the species is undefined (V8's own constructor)`,
    code: `var a = ${make}, keep = [], r; ${species}; try { for (var i = 0; i < 10; i++) keep.push(${copy}); } catch (e) { r = e; }`,
    check: 'console.log(keep.length, String(r))',
    expected: [new RegExp(`^0 RangeError: ${what.replace(/[%.]/g, '\\$&')}: 3145728 bytes would pass this program's memory budget of 4 MB`)],
  })),
  {
    name: 'species undefined, a guest constructor run during the call',
    code: 'var a = new Float64Array(3 << 17), r; a.constructor = undefined; try { a.map((x, i) => (i === 0 && new Uint8Array(1), x)); } catch (e) { r = e; }',
    check: 'console.log(String(r))',
    expected: [/^RangeError: %TypedArray%\.prototype\.map: 3145728 bytes would pass/],
  },
  {
    name: 'an array-like source: refused before it is made',
    code: 'var got = 0, r; var src = { length: 64 << 20 }; Object.defineProperty(src, 0, { get() { got++; return 1; } }); try { new Uint8Array(src); } catch (e) { r = e; }',
    check: 'console.log(got, String(r))',
    expected: [/^0 RangeError: Uint8Array: 67108864 bytes would pass/],
  },
  {
    name: 'array-like and iterable sources within the budget, in spec order',
    code: `var log = [], src = { get length() { log.push('length'); return 2; }, get 0() { log.push(0); return 7; }, get 1() { log.push(1); return { valueOf() { log.push('valueOf'); return 8; } }; } };
      var a = new Uint8Array(src), it = { *[Symbol.iterator]() { yield 1; yield 2; yield 3; } }, b = new Float64Array(it), c = new Uint8Array(new Set([4, 5]));`,
    check: 'console.log(log.join(), a.join(), b.join(), c.join(), Object.getPrototypeOf(b) === Float64Array.prototype)',
    expected: ['length,0,1,valueOf 7,8 1,2,3 4,5 true'],
  },
  {
    name: 'WebAssembly.Instance looks as it did',
    direct: true,
    code: 'var I = WebAssembly.Instance, i = new I(new WebAssembly.Module(new Uint8Array([0,0x61,0x73,0x6d,1,0,0,0])));',
    check: 'console.log(I.prototype.constructor === I, I.name, I.length, i instanceof I, Object.getPrototypeOf(i) === I.prototype, typeof i.exports)',
    expected: ['true Instance 1 true true object'],
  },
  {
    name: 'the constructors look as they did',
    code: 'var TA = Object.getPrototypeOf(Int8Array);',
    check: `console.log(Uint8Array.prototype.constructor === Uint8Array, Object.getPrototypeOf(Uint8Array) === TA, Uint8Array.name, Uint8Array.length, Uint8Array.BYTES_PER_ELEMENT,
      ArrayBuffer.prototype.constructor === ArrayBuffer, ArrayBuffer[Symbol.species] === ArrayBuffer, WebAssembly.Memory.prototype.constructor === WebAssembly.Memory, typeof Uint8Array.from)`,
    expected: ['true true Uint8Array 3 1 true true true function'],
  },
  {
    name: 'subclasses, species, from, of, views',
    code: 'class X extends Uint8Array {} var x = new X([1, 2, 3]);',
    check: `console.log(x instanceof X, x.slice(1) instanceof X, x.map((v) => v * 2).join(), X.from([4]).constructor === X, Uint8Array.of(5, 6).join(),
      new Uint8Array(x.buffer, 1).join(), new DataView(new ArrayBuffer(4)).byteLength, new ArrayBuffer(8).slice(4).byteLength)`,
    expected: ['true true 2,4,6 true 5,6 2,3 4 4'],
  },
  {
    name: "the refusal and a trap's own errors are the guest's (not the host's)",
    code: 'var r1, r2; try { new Float64Array(1 << 20); } catch (e) { r1 = e; } var p = Proxy.revocable([], {}); p.revoke(); try { new Uint8Array(p.proxy); } catch (e) { r2 = e; }',
    check: 'console.log(Object.getPrototypeOf(r1) === RangeError.prototype, Object.getPrototypeOf(r2) === TypeError.prototype)',
    expected: ['true true'],
  },
  { name: 'called without new', code: 'var r; try { Uint8Array(4); } catch (e) { r = e; }', check: 'console.log(r instanceof TypeError)', expected: ['true'] },
  {
    name: "a length the built-in refuses is the built-in's error",
    code: 'var r; try { new Uint8Array(-1); } catch (e) { r = e; }',
    check: 'console.log(r instanceof RangeError, /budget/.test(r.message))',
    expected: ['true false'],
  },
];

function matches(t: Tap.Test, lines: string[], expected: (string | RegExp)[], label: string): void {
  t.equal(lines.length, expected.length, `${label}: ${lines.join(' | ')}`);
  expected.forEach((e, i) => (typeof e === 'string' ? t.equal(lines[i], e, label) : t.match(lines[i], e, label)));
}

for (const c of cases) {
  t.test(c.name, { todo: c.todo }, async (t) => {
    const lines: string[] = [];
    const e = new Engine({ memoryBudget: c.measured ? measured() : budget(), onConsole: (_l, a) => void lines.push(e.format(a)) });
    e.evaluateScript(c.code, 'code.js');
    e.runJobs();
    e.evaluateScript(c.check, 'check.js');
    matches(t, lines, c.expected, 'run');
    if (c.direct) return;
    // through snapshot → restore → continue: the restored engine has the wrappers, and the program's values are as they were
    const first = new Engine({ memoryBudget: budget(), onConsole: () => {} });
    first.evaluateScript(c.code, 'code.js');
    first.runJobs();
    const code = first.snapshot().code;
    const after: string[] = [];
    const restored = Engine.restore(code, { memoryBudget: c.measured ? measured() : budget(), onConsole: (_l, a) => void after.push(restored.format(a)) });
    restored.evaluateScript(c.check, 'check.js');
    matches(t, after, c.expected, 'restored');
  });
}

t.test('a restored engine counts what its snapshot holds', async (t) => {
  const first = new Engine({ memoryBudget: new MemoryBudget(Infinity), onConsole: () => {} });
  first.evaluateScript('var big = new Uint8Array(3 << 20); big[1] = 1;', 'code.js');
  const code = first.snapshot().code;
  const lines: string[] = [];
  const restored = Engine.restore(code, { memoryBudget: budget(), onConsole: (_l, a) => void lines.push(restored.format(a)) });
  restored.evaluateScript('try { new Uint8Array(2 << 20); console.log("made"); } catch (e) { console.log(String(e)); }', 'check.js');
  matches(t, lines, [REFUSED], 'restored');
});

t.test("an engine without a budget has V8's own constructors", async (t) => {
  const lines: string[] = [];
  const e = new Engine({ onConsole: (_l, a) => void lines.push(e.format(a)) });
  e.evaluateScript('console.log(Function.prototype.toString.call(Uint8Array))', 'code.js');
  t.same(lines, ['function Uint8Array() { [native code] }']);
});

t.test("a restore under a budget: its refusal is the budget's, and a large maximum is not counted", async (t) => {
  const first = new Engine({ memoryBudget: new MemoryBudget(Infinity), onConsole: () => {} });
  first.evaluateScript('var big = new Uint8Array(3 << 20);', 'code.js');
  t.throws(
    () => Engine.restore(first.snapshot().code, { memoryBudget: new MemoryBudget(1 * MB), onConsole: () => {} }),
    /^damaged snapshot: ArrayBuffer: 3145728 bytes would pass this program's memory budget of 1 MB for array buffers$/,
    'the budget refuses a buffer (not "maximum length … cannot be allocated")',
  );
  // a program within its budget restores under the same budget, its maximum length not counted
  const lines: string[] = [];
  const small = new Engine({ memoryBudget: measured(), onConsole: () => {} });
  small.evaluateScript('var b = new ArrayBuffer(8, { maxByteLength: 64 << 20 }); new Uint8Array(b)[7] = 9; var u = new Uint8Array(3 << 20);', 'code.js');
  const restored = Engine.restore(small.snapshot().code, { memoryBudget: measured(), onConsole: (_l, a) => void lines.push(restored.format(a)) });
  restored.evaluateScript('console.log(b.byteLength, b.maxByteLength, new Uint8Array(b)[7], u.length)', 'check.js');
  t.same(lines, [`8 ${64 << 20} 9 ${3 << 20}`]);
});
