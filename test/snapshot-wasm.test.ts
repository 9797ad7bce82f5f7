// WebAssembly objects through a snapshot. snapvm carries none of them yet (a Module's bytes, a Memory's
// maximum, a Global's type and a Table's element type are not readable once made), so a capture that
// reaches one must refuse, naming the object and its path — never write it as a plain object that comes
// back broken ("Receiver is not a WebAssembly.Memory"). Each row runs `setup` then `check`: the engine
// that never stopped prints `expected`; a snapshot after `setup` throws naming `refused` at `path`.
// Then the same through the CLI's portable path, through a delta, and an offload to a real edge.
import t from 'tap';
import * as fs from 'node:fs';
import { Engine, MemoryBudget, captureDelta } from '../src/index';
import { completeMove, installHints } from '../src/offload/index';
import { Server, snapvm, tempDir } from './offload-lib';

// a module exporting f() -> 42, a memory of one page and a mutable i32 global (hand-assembled)
const WASM = `new Uint8Array([0,97,115,109,1,0,0,0, 1,5,1,96,0,1,127, 3,2,1,0, 5,3,1,0,1, 6,6,1,127,1,65,7,11, 7,13,3,1,102,0,0,1,109,2,0,1,103,3,0, 10,6,1,4,0,65,42,11])`;

// a module exporting an immutable v128 global v (zero)
const V128 = `new Uint8Array([0,97,115,109,1,0,0,0, 6,22,1,123,0,253,12,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,11, 7,5,1,1,118,3,0])`;

const ROWS: { name: string; setup: string; check: string; expected: string; refused: RegExp; path: string }[] = [
  {
    name: 'a Memory',
    setup: 'var m = new WebAssembly.Memory({ initial: 1, maximum: 2 }); new Uint8Array(m.buffer)[0] = 7;',
    check: 'm.grow(1); log(new Uint8Array(m.buffer)[0], m.buffer.byteLength)',
    expected: '7 131072',
    refused: /a WebAssembly\.Memory/,
    path: 'globalThis.m',
  },
  {
    name: 'a Memory deep in a structure',
    setup: 'var holder = { list: [1, { mem: new WebAssembly.Memory({ initial: 1 }) }] };',
    check: 'log(holder.list[1].mem.buffer.byteLength)',
    expected: '65536',
    refused: /a WebAssembly\.Memory/,
    path: 'globalThis.holder.list[1].mem',
  },
  {
    name: 'a Global',
    setup: "var gl = new WebAssembly.Global({ value: 'i32', mutable: true }, 5);",
    check: 'gl.value = 6; log(gl.value)',
    expected: '6',
    refused: /a WebAssembly\.Global/,
    path: 'globalThis.gl',
  },
  {
    name: 'a Table',
    setup: "var tb = new WebAssembly.Table({ element: 'anyfunc', initial: 2 });",
    check: 'log(tb.length, tb.get(0))',
    expected: '2 null',
    refused: /a WebAssembly\.Table/,
    path: 'globalThis.tb',
  },
  {
    name: 'a Module',
    setup: `var mod = new WebAssembly.Module(${WASM});`,
    check: 'log(WebAssembly.Module.exports(mod).map((e) => e.name + ":" + e.kind).join())',
    expected: 'f:function,m:memory,g:global',
    refused: /a WebAssembly\.Module/,
    path: 'globalThis.mod',
  },
  {
    name: 'an Instance',
    setup: `var inst = new WebAssembly.Instance(new WebAssembly.Module(${WASM}));`,
    check: 'log(inst.exports.f(), inst.exports.g.value)',
    expected: '42 7',
    refused: /a WebAssembly\.Instance/,
    path: 'globalThis.inst',
  },
  {
    name: "an Instance's exported function",
    setup: `var f = new WebAssembly.Instance(new WebAssembly.Module(${WASM})).exports.f;`,
    check: 'log(f())',
    expected: '42',
    refused: /a function the engine did not make/,
    path: 'globalThis.f',
  },
  {
    name: "an Instance's exports object (a WebAssembly function is its first property)",
    setup: `var ex = new WebAssembly.Instance(new WebAssembly.Module(${WASM})).exports;`,
    check: 'log(Object.keys(ex).join(), ex.f())',
    expected: 'f,m,g 42',
    refused: /a function the engine did not make/,
    path: 'globalThis.ex.f',
  },
  {
    name: "an Instance's exported memory",
    setup: `var em = new WebAssembly.Instance(new WebAssembly.Module(${WASM})).exports.m;`,
    check: 'log(em.buffer.byteLength)',
    expected: '65536',
    refused: /a WebAssembly\.Memory/,
    path: 'globalThis.em',
  },
  {
    name: "an Instance's exported global",
    setup: `var eg = new WebAssembly.Instance(new WebAssembly.Module(${WASM})).exports.g;`,
    check: 'eg.value = 8; log(eg.value)',
    expected: '8',
    refused: /a WebAssembly\.Global/,
    path: 'globalThis.eg',
  },
  {
    name: "an Instance's exported v128 global (its value cannot be read from JavaScript)",
    setup: `var v = new WebAssembly.Instance(new WebAssembly.Module(${V128})).exports.v;`,
    check: 'log(Object.prototype.toString.call(v))',
    expected: '[object WebAssembly.Global]',
    refused: /a WebAssembly\.Global/,
    path: 'globalThis.v',
  },
  {
    name: 'a Tag',
    setup: "var tag = new WebAssembly.Tag({ parameters: ['i32'] });",
    check: 'log(new WebAssembly.Exception(tag, [3]).getArg(tag, 0))',
    expected: '3',
    refused: /a WebAssembly\.Tag/,
    path: 'globalThis.tag',
  },
  {
    name: 'an Exception (its tag held only through it)',
    setup: "var ex = new WebAssembly.Exception(new WebAssembly.Tag({ parameters: ['i32'] }), [9]);",
    check: 'log(ex instanceof WebAssembly.Exception)',
    expected: 'true',
    refused: /a WebAssembly\.Exception/,
    path: 'globalThis.ex',
  },
  {
    name: 'a Memory held by a closure',
    setup: 'var read = (() => { const mem = new WebAssembly.Memory({ initial: 1 }); return () => mem.buffer.byteLength; })();',
    check: 'log(read())',
    expected: '65536',
    refused: /a WebAssembly\.Memory/,
    path: 'mem',
  },
];

function engineAfter(setup: string, lines: string[], options: { memoryBudget?: number } = {}): Engine {
  const e: Engine = new Engine({ ...(options.memoryBudget ? { memoryBudget: new MemoryBudget(options.memoryBudget) } : {}), onConsole: (_l, args) => void lines.push(e.format(args)) });
  e.evaluateScript('var log = (...a) => console.log(...a);', 'log.js');
  e.evaluateScript(setup, 'setup.js');
  e.runJobs();
  return e;
}

for (const row of ROWS) {
  t.test(row.name, async (t) => {
    const lines: string[] = [];
    const e = engineAfter(row.setup, lines);
    // refused, naming what and where, and the engine runs on unharmed
    t.throws(() => e.snapshot(), { name: 'SnapshotError', message: new RegExp(`cannot write out ${row.refused.source}.*reached at .*${row.path.replace(/[.[\]]/g, '\\$&')}`) }, 'refused');
    e.evaluateScript(row.check, 'check.js');
    await e.runEventLoop();
    t.same(lines, [row.expected], 'the engine that never stopped');
    // so also in an engine with a memory budget (its WebAssembly.Memory is a proxy)
    const budgeted = engineAfter(row.setup, [], { memoryBudget: 64 * 1024 * 1024 });
    t.throws(() => budgeted.snapshot(), { name: 'SnapshotError', message: row.refused }, 'refused with a memory budget');
  });
}

t.test("a view on a Memory's buffer, the Memory itself out of reach: its bytes come back (a plain ArrayBuffer)", async (t) => {
  const setup = 'var u8 = new Uint8Array(new WebAssembly.Memory({ initial: 1 }).buffer); u8[65535] = 9;';
  const check = 'log(u8.length, u8[65535], u8.buffer.byteLength)';
  const lines: string[] = [];
  const e = engineAfter(setup, lines);
  const restored: Engine = Engine.restore(e.snapshot().code, { onConsole: (_l, args) => void lines.push(restored.format(args)) });
  for (const engine of [e, restored]) {
    engine.evaluateScript(check, 'check.js');
    await engine.runEventLoop();
  }
  t.same(lines, ['65536 9 65536', '65536 9 65536'], 'the engine that never stopped, then the restored one');
});

t.test("the brand checks are the fresh engine's built-ins: a guest's replaced methods do not run in a capture", async (t) => {
  const lines: string[] = [];
  const e = engineAfter(
    `var ran = () => console.log('guest code ran in the capture');
Intl.Collator.prototype.resolvedOptions = ran;
FinalizationRegistry.prototype.unregister = ran;
Object.defineProperty(WebAssembly.Memory.prototype, 'buffer', { get: ran });
WebAssembly.Module.exports = ran;
var fakes = [Object.create(Intl.Collator.prototype), Object.create(FinalizationRegistry.prototype), Object.create(WebAssembly.Memory.prototype), Object.create(WebAssembly.Module.prototype)];
var real = new WebAssembly.Memory({ initial: 1 });`,
    lines,
  );
  t.throws(() => e.snapshot(), { name: 'SnapshotError', message: /cannot write out a WebAssembly\.Memory .*reached at globalThis\.real$/ }, 'the real one refused');
  e.evaluateScript('real = null;', 'drop.js');
  const restored = Engine.restore(e.snapshot().code, { onConsole: (_l, args) => void lines.push(restored.format(args)) });
  restored.evaluateScript('log(fakes.length, Object.getPrototypeOf(fakes[2]) === WebAssembly.Memory.prototype)', 'check.js');
  t.same(lines, ['4 true'], 'the look-alikes are plain objects; nothing ran during the captures');
});

t.test('a delta back from the edge refuses a Memory the edge made', async (t) => {
  const a = new Engine({ onConsole: () => {} });
  installHints(a, { edge: true });
  a.evaluateScript('var state = { n: 1 };\nsnapvm.migrate("edge").then(() => { state.mem = new WebAssembly.Memory({ initial: 1 }); });\n', 'p.js');
  a.runJobs();
  const first = captureDelta(a, null);
  const { engine: b, state } = Engine.restoreForDeltas(first.text, { onConsole: () => {} });
  completeMove(b, 'edge');
  b.runJobs();
  t.throws(() => captureDelta(b, state), { name: 'SnapshotError', message: /cannot write out a WebAssembly\.Memory.*reached at .*state\.mem/ });
});

t.test('through the CLI: a snapshot after turn 1 of a program holding a Memory is refused, nothing written', async (t) => {
  const tmp = tempDir('snapvm-wasm-');
  t.teardown(() => tmp.remove());
  const file = tmp.write('mem.js', "var m = new WebAssembly.Memory({ initial: 1 });\nnew Uint8Array(m.buffer)[1] = 5;\nsetTimeout(() => console.log('after', new Uint8Array(m.buffer)[1]), 0);\n");
  const snap = file.replace(/\.js$/, '.snap');
  const r = await snapvm(['run', file, '--snapshot-at', 'turn:1', '--out', snap]);
  t.equal(r.code, 1);
  t.equal(r.stderr, 'snapvm: cannot snapshot after turn 1: cannot write out a WebAssembly.Memory (snapvm does not carry WebAssembly state), reached at globalThis.m\n');
  t.notOk(fs.existsSync(snap), 'no snapshot written (before, `node SNAP` threw "Receiver is not a WebAssembly.Memory")');
});

t.test('offloaded to a real edge: a program holding a Memory runs locally, with one clear line', async (t) => {
  const server = await Server.start(['--quiet']);
  const tmp = tempDir('snapvm-wasm-edge-');
  t.teardown(async () => {
    await server.kill();
    tmp.remove();
  });
  const file = tmp.write(
    'edge.js',
    "var m = new WebAssembly.Memory({ initial: 1 });\nnew Uint8Array(m.buffer)[2] = 4;\nsnapvm.offload(() => new Uint8Array(m.buffer)[2] * 10).then((v) => console.log('got', v, snapvm.where));\n",
  );
  const r = await snapvm(['run', file, '--edge', server.url]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'got 40 client\n');
  t.match(r.stderr, /^snapvm: cannot offload after turn 1: cannot write out a WebAssembly\.Memory.*reached at globalThis\.m; running locally\n$/);
});

t.test('offloaded to a real edge: a Memory made on the edge cannot come back; the client goes on locally from its own state', async (t) => {
  const server = await Server.start(['--quiet']);
  const tmp = tempDir('snapvm-wasm-edge-');
  t.teardown(async () => {
    await server.kill();
    tmp.remove();
  });
  const file = tmp.write(
    'made.js',
    "var keep = {};\nsnapvm.offload(() => { keep.m = new WebAssembly.Memory({ initial: 1 }); new Uint8Array(keep.m.buffer)[0] = 3; return snapvm.where; }).then((w) => console.log('ran on', w, new Uint8Array(keep.m.buffer)[0]), (e) => console.log('failed', e.message));\n",
  );
  const r = await snapvm(['run', file, '--edge', server.url]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'ran on client 3\n');
  t.match(r.stderr, /the server said cannot-snapshot: cannot write out a WebAssembly\.Memory .*reached at globalThis\.keep\.m\); continuing locally/);
});
