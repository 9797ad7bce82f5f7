// A memory budget for what a guest allocates outside the V8 heap (EngineOptions.memoryBudget, what an edge
// server's sessions run with): array buffers, typed arrays and WebAssembly memories are counted and refused
// past it with a guest RangeError, the built-ins look as they did, and a restored engine counts as well.
// The edge server's side (a real `snapvm serve`) is in safety-redteam.test.ts's resource attacks.
import t from 'tap';
import { Engine, MemoryBudget } from '../src/index';

const MB = 1024 * 1024;
/**
 * A 4 MB budget that counts allocations only: a measure of the isolate's external memory (the edge
 * worker's) would see other tests' garbage here, and tap gives no `gc` to collect it.
 */
const budget = () => new MemoryBudget(4 * MB);

const REFUSED = /^RangeError: \S+: \d+ bytes would pass this program's memory budget of 4 MB for array buffers$/;
// each `code` sets globals up; `check` prints (run after it, or in the engine a snapshot restored)
// (`direct`: not through a snapshot, which does not keep a WebAssembly.Memory: it restores as a plain object)
const cases: { name: string; code: string; check: string; expected: (string | RegExp)[]; direct?: boolean }[] = [
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
  { name: 'SharedArrayBuffer and grow', code: 'var s = new SharedArrayBuffer(8, { maxByteLength: 2 ** 32 }), r; try { s.grow(2 ** 31); } catch (e) { r = e; }', check: 'console.log(s.byteLength, String(r))', expected: [/^8 RangeError: SharedArrayBuffer\.prototype\.grow: /] },
  { name: 'WebAssembly.Memory and grow', direct: true, code: 'var m = new WebAssembly.Memory({ initial: 1 }), r; try { m.grow(1000); } catch (e) { r = e; }', check: 'console.log(m.buffer.byteLength, String(r))', expected: [/^65536 RangeError: WebAssembly\.Memory\.prototype\.grow: /] },
  { name: 'transfer to a longer length', code: 'var b = new ArrayBuffer(8), r; try { b.transfer(2 ** 31); } catch (e) { r = e; }', check: 'console.log(String(r))', expected: [/^RangeError: ArrayBuffer\.prototype\.transfer: /] },
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
  { name: "a length the built-in refuses is the built-in's error", code: 'var r; try { new Uint8Array(-1); } catch (e) { r = e; }', check: 'console.log(r instanceof RangeError, /budget/.test(r.message))', expected: ['true false'] },
];

function matches(t: Tap.Test, lines: string[], expected: (string | RegExp)[], label: string): void {
  t.equal(lines.length, expected.length, `${label}: ${lines.join(' | ')}`);
  expected.forEach((e, i) => (typeof e === 'string' ? t.equal(lines[i], e, label) : t.match(lines[i], e, label)));
}

for (const c of cases) {
  t.test(c.name, async (t) => {
    const lines: string[] = [];
    const e = new Engine({ memoryBudget: budget(), onConsole: (_l, a) => void lines.push(e.format(a)) });
    e.evaluateScript(c.code, 'code.js');
    e.evaluateScript(c.check, 'check.js');
    matches(t, lines, c.expected, 'run');
    if (c.direct) return;
    // through snapshot → restore → continue: the restored engine has the wrappers, and the program's values are as they were
    const first = new Engine({ memoryBudget: budget(), onConsole: () => {} });
    first.evaluateScript(c.code, 'code.js');
    first.runJobs();
    const code = first.snapshot().code;
    const after: string[] = [];
    const restored = Engine.restore(code, { memoryBudget: budget(), onConsole: (_l, a) => void after.push(restored.format(a)) });
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

t.test('an engine without a budget has V8\'s own constructors', async (t) => {
  const lines: string[] = [];
  const e = new Engine({ onConsole: (_l, a) => void lines.push(e.format(a)) });
  e.evaluateScript('console.log(Function.prototype.toString.call(Uint8Array))', 'code.js');
  t.same(lines, ['function Uint8Array() { [native code] }']);
});
