// Red team: attacks that try to reach the host (process, require, the host's Function) from guest code,
// each run for real — the engine API (and again in a restored engine), `snapvm run`, a page, and a hostile
// client of a real `snapvm serve` on loopback — and each checked by a marker file the attack would write.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine, GuestError } from '../src/index';
import { sha256 as sha } from '../src/offload/protocol';
import { helloSession, snapvm, suiteServer } from './offload-lib';
import { ortService } from '../src/ml/ort-guest';
import { DataType, encodeModel, onnx } from '../src/ml/onnx';

const suite = suiteServer(t, 'snapvm-redteam-', ['--memory-mb', '64', '--offload-ms', '4000']);
const { tmp } = suite;

/**
 * Guest code: `hostile(tag)` is a rejection reason Node's reporter would format with util.inspect, whose
 * custom-inspect hook is handed host functions (its `inspect` argument, the options' `stylize`): from
 * their constructor it takes the host's Function, then `process`, and writes `marker`.
 */
const hostileSource = (marker: string) => `
function hostile(tag) {
  return { stack: 'x', [Symbol.for('nodejs.util.inspect.custom')](depth, options, inspect) {
    for (const f of [inspect, options && options.stylize, options]) {
      try {
        const proc = f.constructor.constructor('return process')();
        proc.getBuiltinModule('fs').writeFileSync(${JSON.stringify(marker)}, tag + ' reached process ' + proc.pid);
      } catch (e) {}
    }
    return 'x';
  } };
}
const WASM_HEADER = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
`;

/** V8's own %Promise%, reached through built-ins that return V8 promises; each rejects with `hostile`. */
const v8PromiseRoutes = `
const routes = {
  compile: () => WebAssembly.compile(WASM_HEADER),
  instantiate: () => WebAssembly.instantiate(WASM_HEADER),
  waitAsync: () => Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1).value,
};
for (const [name, make] of Object.entries(routes)) Object.getPrototypeOf(make()).constructor.reject(hostile(name));
0;
`;

const markerIn = (dir: string, name: string) => path.join(dir, name);
const reached = (marker: string) => (fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : 'not reached');

interface Case {
  name: string;
  code: string;
  expected: string;
}

// ---- guest-visible: what the routes hand out (engine API, then a restored engine) ----
const cases: Case[] = [
  {
    name: 'WebAssembly.compile and instantiate return engine promises',
    code: '[WebAssembly.compile(WASM_HEADER), WebAssembly.instantiate(WASM_HEADER)].map((p) => p instanceof Promise && Object.getPrototypeOf(p) === Promise.prototype && p.constructor === Promise).join()',
    expected: 'true,true',
  },
  {
    name: "Atomics.waitAsync's promise is an engine promise",
    code: 'const r = Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1); [r.async, r.value instanceof Promise, Object.getPrototypeOf(r.value) === Promise.prototype].join()',
    expected: 'true,true,true',
  },
  {
    name: "WebAssembly's error constructors inherit from the guest's Error",
    code: '[WebAssembly.CompileError, WebAssembly.LinkError, WebAssembly.RuntimeError].map((C) => Object.getPrototypeOf(C) === Error && Object.getPrototypeOf(C.prototype) === Error.prototype).join()',
    expected: 'true,true,true',
  },
];

/** The script's completion value (a primitive: a guest thenable would be adopted by this async function), after its event loop. */
async function evaluate(engine: Engine, code: string): Promise<unknown> {
  const value = engine.evaluateScript(code, 'case.js');
  await engine.runEventLoop();
  return value;
}

const quiet = { onConsole: () => {} };
for (const c of cases) {
  t.test(c.name, async (t) => {
    t.equal(await evaluate(new Engine(quiet), hostileSource('/nonexistent/x') + c.code), c.expected, 'fresh engine');
    const before = new Engine(quiet);
    await evaluate(before, hostileSource('/nonexistent/x') + 'var kept = 1;');
    t.equal(await evaluate(Engine.restore(before.snapshot().code, quiet), c.code), c.expected, 'restored engine');
  });
}

/**
 * V8's own built-ins the engine replaced on the guest global (Function, eval, Promise, the errors,
 * Proxy, the typed arrays…) still sit on the context's global: none may be reachable from the guest's
 * global through properties (values, getters, setters) and prototypes. The walk reads descriptors only.
 */
function originalsReachable(engine: Engine): string[] {
  const realm = engine.realm;
  const contextGlobal = realm.realmEval<Record<PropertyKey, unknown>>('globalThis');
  const originals = new Map<unknown, string>();
  for (const k of Reflect.ownKeys(contextGlobal)) {
    const value = Object.getOwnPropertyDescriptor(contextGlobal, k)!.value;
    if (typeof value === 'function' && Object.getOwnPropertyDescriptor(realm.global, k)?.value !== value) originals.set(value, String(k));
  }
  const found: string[] = [];
  const seen = new Set<unknown>();
  const queue: [unknown, string][] = [[realm.global, 'globalThis']];
  for (let next: [unknown, string] | undefined; (next = queue.shift()); ) {
    const [o, at] = next;
    if (o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) continue;
    seen.add(o);
    if (originals.has(o)) found.push(`${at} is V8's own ${originals.get(o)}`);
    queue.push([Object.getPrototypeOf(o), `${at}.[[Prototype]]`]);
    for (const k of Reflect.ownKeys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, k)!;
      queue.push([d.value, `${at}.${String(k)}`], [d.get, `${at}.${String(k)}<get>`], [d.set, `${at}.${String(k)}<set>`]);
    }
  }
  return found;
}

t.test("no V8 built-in the engine replaced is reachable from the guest's global", async (t) => {
  t.ok(originalsReachable(new Engine(quiet)).length === 0, originalsReachable(new Engine(quiet)).join('; ') || 'fresh engine');
  const restored = Engine.restore(new Engine(quiet).snapshot().code, quiet);
  t.ok(originalsReachable(restored).length === 0, originalsReachable(restored).join('; ') || 'restored engine');
});

t.test('the results the V8-promise routes settle with reach the guest (fulfilled and rejected)', async (t) => {
  const engine = new Engine(quiet);
  await evaluate(
    engine,
    `${hostileSource('/nonexistent/x')}
    var out = [];
    WebAssembly.compile(WASM_HEADER).then((m) => out.push('module ' + (m instanceof WebAssembly.Module)));
    WebAssembly.instantiate(WASM_HEADER).then((r) => out.push('instance ' + (r.instance instanceof WebAssembly.Instance)));
    WebAssembly.compile(1).catch((e) => out.push('rejected ' + (e instanceof TypeError) + ' ' + (e.constructor.constructor === Function)));
    Atomics.waitAsync(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5).value.then((v) => out.push('wait ' + v));
    0;`,
  );
  t.equal(engine.evaluateScript('out.sort().join()', 'read.js'), 'instance true,module true,rejected true true,wait timed-out');
});

/** A real snapshot of an empty program with `code` run first thing when it is restored. */
function snapshotWith(code: string): string {
  return new Engine(quiet).snapshot().code.replace('var $o = [];', `var $o = []; ${code}`);
}

/**
 * Attacks, each run as guest code that writes `marker` if it reaches the host. `reported`: the guest is
 * left with an unhandled rejection (the engine reports it, exit code 1).
 */
const attacks: { name: string; code: (marker: string) => string; reported?: boolean }[] = [
  {
    name: "V8's own %Promise% (through WebAssembly.compile/instantiate, Atomics.waitAsync): an unhandled rejection formatted by Node with the guest's inspect hook",
    code: (marker) => hostileSource(marker) + v8PromiseRoutes,
    reported: true,
  },
  {
    name: "V8's own Error (WebAssembly.CompileError's [[Prototype]], a page's DOMException's grandparent): a prepareStackTrace handed host call sites",
    code: (marker) => `${hostileSource(marker)}
var called = 'not called';
// (in a page, DOMException's grandparent is V8's own Error: happy-dom's classes extend the context's)
for (const E of [Object.getPrototypeOf(WebAssembly.CompileError), Object.getPrototypeOf(WebAssembly.LinkError), Object.getPrototypeOf(WebAssembly.RuntimeError), Error, typeof DOMException === 'function' ? Object.getPrototypeOf(Object.getPrototypeOf(DOMException)) : Error]) {
  try { E.stackTraceLimit = 50; } catch (e) {}
  try {
    E.prepareStackTrace = (error, frames) => {
      called = 'called';
      for (const x of [frames, ...(Array.isArray(frames) ? frames.flatMap((f) => { try { return [f, f.getFunction(), f.getThis()]; } catch (e) { return [f]; } }) : [])]) {
        try {
          const proc = x.constructor.constructor('return process')();
          proc.getBuiltinModule('fs').writeFileSync(${JSON.stringify(marker)}, 'prepareStackTrace reached process ' + proc.pid);
        } catch (e) {}
      }
      return 'custom';
    };
  } catch (e) {}
}
for (const f of [() => JSON.parse('{'), () => new WebAssembly.Module(new Uint8Array(1)), () => null.x, () => [1].map(() => undefined()), () => new Error('x'), () => typeof document === 'object' && document.querySelector('!!')]) {
  try { String(f().stack); } catch (e) { try { String(e.stack); } catch (e2) {} }
}
0;`,
  },
];

for (const [i, attack] of attacks.entries()) {
  t.test(`engine API: ${attack.name}`, async (t) => {
    const marker = markerIn(tmp.dir, `engine-marker-${i}`);
    for (const [how, make] of [
      ['fresh', () => new Engine(quiet)],
      ['restored', () => Engine.restore(new Engine(quiet).snapshot().code, quiet)],
    ] as const) {
      let error: unknown;
      try {
        await evaluate(make(), attack.code(marker));
      } catch (e) {
        error = e;
      }
      await new Promise((r) => setTimeout(r, 200)); // (Node reports unhandled rejections after its microtasks)
      t.equal(reached(marker), 'not reached', how);
      if (attack.reported) t.ok(error instanceof GuestError && error.kind === 'unhandled-rejection', `${how}: a guest unhandled rejection: ${String(error)}`);
      else t.equal(error, undefined, `${how}: no error`);
    }
  });

  t.test(`snapvm run: ${attack.name}`, async (t) => {
    const marker = markerIn(tmp.dir, `cli-marker-${i}`);
    const r = await snapvm(['run', tmp.write('attack.js', attack.code(marker))]);
    t.equal(reached(marker), 'not reached');
    t.equal(r.code, attack.reported ? 1 : 0, r.stderr);
    if (attack.reported) t.match(r.stderr, /^Uncaught .*\(unhandled promise rejection\)/s);
    t.notMatch(r.stderr, /node:internal|triggerUncaughtException/, "no Node's own report");
  });

  t.test(`a page: ${attack.name}`, async (t) => {
    const marker = markerIn(tmp.dir, `page-marker-${i}`);
    const r = await snapvm(['run', tmp.write('attack.html', `<!doctype html><body><script>${attack.code(marker)}</script></body>`)]);
    t.equal(reached(marker), 'not reached');
    t.notMatch(r.stderr, /node:internal|triggerUncaughtException/, "no Node's own report");
  });

  t.test(`edge: ${attack.name}; the server serves on`, async (t) => {
    const marker = markerIn(tmp.dir, `edge-marker-${i}`);
    const s = await helloSession(suite.server.url);
    const text = snapshotWith(attack.code(marker));
    s.send({ type: 'offload', id: 1, snapshot: text, sha256: sha(text) });
    const reply = await s.next(10_000);
    await new Promise((r) => setTimeout(r, 300));
    t.equal(reached(marker), 'not reached');
    t.not(reply.code, 'internal', `no worker failure: ${JSON.stringify(reply).slice(0, 200)}`);
    s.close();
    t.ok(suite.server.alive, 'the server is alive');
    const again = await helloSession(suite.server.url);
    const ok = snapshotWith('');
    again.send({ type: 'offload', id: 1, snapshot: ok, sha256: sha(ok) });
    t.match(await again.next(10_000), { type: 'state', id: 1 }, 'a normal session is served');
    again.close();
  });
}

// ---- ONNX external data: a model given as bytes naming a file for its weights ----

/** A one-node model (Identity) whose initializer's bytes are ONNX external data at `location`. */
function externalDataModel(location: string): number[] {
  const W = {
    name: 'W',
    dims: [4],
    dataType: DataType.UINT8,
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: location },
      { key: 'length', value: '4' },
    ],
  };
  const output = { name: 'out', type: { tensorType: { elemType: DataType.UINT8, shape: { dim: [{ dimValue: 4 }] } } } };
  return Array.from(
    encodeModel({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph: { name: 'g', initializer: [W], node: [{ opType: 'Identity', input: ['W'], output: ['out'] }], output: [output] } }),
  );
}

/** Guest code: a session over such a model, run; prints what it read, or why not (tests run in the project's root, which holds package.json). */
const externalDataCode = (location: string) =>
  `ort.InferenceSession.create(new Uint8Array(${JSON.stringify(externalDataModel(location))})).then((s) => s.run({})).then((r) => console.log('READ ' + Array.from(r.out.data)), (e) => console.log('refused: ' + e.message));`;
const externalLocations = ['package.json', 'src/../package.json'];

t.test('engine API: a model from bytes reads no file of the working directory as its external data', async (t) => {
  const lines: string[] = [];
  const engine = new Engine({ services: [ortService()], onConsole: (_l, a) => void lines.push(String(a[0])) });
  await evaluate(engine, externalLocations.map(externalDataCode).join('\n') + '0;');
  t.equal(lines.length, externalLocations.length);
  for (const line of lines) t.match(line, /^refused: .*External data path/, line.slice(0, 160));
});

t.test('snapvm run: a model from bytes reads no file of the working directory', async (t) => {
  const r = await snapvm(['run', tmp.write('external-data.js', externalLocations.map(externalDataCode).join('\n'))]);
  t.equal(r.code, 0, r.stderr);
  t.notMatch(r.stdout, /READ/);
  t.equal(r.stdout.match(/^refused: .*External data path/gm)?.length, externalLocations.length, r.stdout);
});

t.test("edge: a hostile snapshot's model reads no file of the server's working directory", async (t) => {
  const s = await helloSession(suite.server.url);
  const text = snapshotWith(externalLocations.map(externalDataCode).join('\n'));
  s.send({ type: 'offload', id: 1, snapshot: text, sha256: sha(text) });
  const lines: string[] = [];
  let reply: any;
  while ((reply = await s.next(20_000)).type === 'console') lines.push(reply.text);
  t.match(reply, { type: 'state', id: 1 });
  t.notMatch(lines.join('\n') + (reply.snapshot ?? ''), /READ/);
  t.equal(lines.filter((l) => /^refused: .*External data path/.test(l)).length, externalLocations.length, lines.join('\n'));
  s.close();
});

// ---- resource attacks on the edge: each hits a budget with an error naming it; the server serves on ----

const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);
const resourceAttacks: { name: string; code: string; reply: RegExp; todo?: string }[] = [
  { name: 'a snapshot nested 200 000 deep (parser recursion)', code: `var x = ${nested(200_000)};`, reply: /^bad-snapshot: damaged snapshot: Maximum call stack size exceeded/ },
  {
    name: 'a compile unit nested 100 000 deep',
    code: `$.unit(9, "x.js", "script", false, false, 0, false, ${JSON.stringify(`var z = ${nested(100_000)};`)});`,
    reply: /^bad-snapshot: .*(stack|Stack)/,
  },
  { name: 'unbounded recursion while restoring', code: 'function f(n) { return f(n + 1) + 1; } f(0);', reply: /^bad-snapshot: damaged snapshot: Maximum call stack size exceeded/ },
  { name: 'a string doubled without end', code: "let s = 'x'; for (;;) s += s;", reply: /^bad-snapshot: damaged snapshot: Invalid string length/ },
  { name: 'arrays allocated without end', code: 'const a = []; for (;;) a.push(new Array(1e5).fill(1));', reply: /^memory: the program ran out of its 64 MB memory budget/ },
  { name: 'a catastrophic regexp (one native call)', code: "/^(a+)+$/.test('a'.repeat(40) + 'b');", reply: /^budget: the offload ran past its 4000 ms wall-time budget/ },
  {
    name: 'typed arrays outside the V8 heap (256 MB written)',
    code: 'var keep = []; for (let i = 0; i < 4; i++) keep.push(new Uint8Array(64 * 1024 * 1024).fill(1));',
    reply: /^memory: the program ran past its 64 MB memory budget for array buffers/,
  },
  {
    name: 'copies of a typed array kept without end (slice, through species)',
    code: 'var a = new Float64Array(4 * 1024 * 1024).fill(1), keep = []; for (;;) keep.push(a.slice());',
    reply: /^memory: the program ran past its 64 MB memory budget for array buffers/,
  },
  {
    name: 'shared buffers and WebAssembly memories kept without end',
    code: 'var keep = []; for (;;) { keep.push(new SharedArrayBuffer(1 << 24)); keep.push(new WebAssembly.Memory({ initial: 256 })); }',
    reply: /^memory: the program ran past its 64 MB memory budget for array buffers/,
  },
  {
    name: 'a resizable buffer grown past the budget, the refusal caught and ignored',
    code: 'var b = new ArrayBuffer(8, { maxByteLength: 2 ** 32 }); try { b.resize(2 ** 31); } catch (e) {} new Uint8Array(b).fill(1); throw new Error("then fails");',
    // (the failure that followed the refusal is named, with the guest's stack)
    reply: /^memory: the program ran past its 64 MB memory budget for array buffers \(outside the V8 heap\); after a refused allocation: .*then fails/s,
  },
  {
    name: "copies kept without end through V8's own constructor (a species of undefined)",
    code: 'var a = new Uint8Array(16 << 20), b = new ArrayBuffer(16 << 20), keep = []; a.constructor = undefined; b.constructor = undefined; for (;;) { keep.push(a.slice()); keep.push(b.slice()); }',
    reply: /^memory: the program ran past its 64 MB memory budget for array buffers/,
  },
  {
    name: 'resizable buffers grown and kept without end (growth the measure does not see)',
    code: 'var keep = []; for (;;) { var b = new ArrayBuffer(0, { maxByteLength: 16 << 20 }); b.resize(16 << 20); keep.push(b); }',
    reply: /^memory: the program ran past its 64 MB memory budget for array buffers/,
  },
  {
    name: "shared WebAssembly memories and a module's own memories kept without end",
    // (a module whose own memory is 256 pages, 16 MB, not exported)
    code: 'var bytes = new Uint8Array([0,0x61,0x73,0x6d,1,0,0,0, 5,4,1,0,0x80,2]), keep = []; for (;;) { keep.push(new WebAssembly.Memory({ initial: 256, maximum: 256, shared: true })); keep.push(new WebAssembly.Instance(new WebAssembly.Module(bytes))); }',
    reply: /^memory: the program ran past its 64 MB memory budget for array buffers/,
  },
];

for (const attack of resourceAttacks) {
  t.test(`edge resources: ${attack.name}`, attack.todo ? { todo: attack.todo } : {}, async (t) => {
    const s = await helloSession(suite.server.url);
    const text = snapshotWith(attack.code);
    s.send({ type: 'offload', id: 1, snapshot: text, sha256: sha(text) });
    const reply = await s.next(20_000);
    t.match(reply.type === 'error' ? `${reply.code}: ${reply.message}` : `no error: ${reply.type}`, attack.reply);
    s.close();
    t.ok(suite.server.alive, 'the server is alive');
    const again = await helloSession(suite.server.url);
    const ok = snapshotWith('');
    again.send({ type: 'offload', id: 1, snapshot: ok, sha256: sha(ok) });
    t.match(await again.next(20_000), { type: 'state', id: 1 }, 'a normal session is served');
    again.close();
  });
}

t.test('edge resources: buffers allocated and dropped, many times the memory budget in all, are served', async (t) => {
  const s = await helloSession(suite.server.url);
  // 40 × 8 MB = 320 MB allocated against a 64 MB budget, 8 MB live at a time: a collection gives the bytes back
  const text = snapshotWith('var sum = 0; for (let i = 0; i < 40; i++) sum += new Float64Array(1 << 20).fill(i)[7]; console.log("sum " + sum);');
  s.send({ type: 'offload', id: 1, snapshot: text, sha256: sha(text) });
  let reply: any;
  while ((reply = await s.next(20_000)).type === 'console');
  t.match(reply, { type: 'state', id: 1 });
  s.close();
});

t.test('edge resources: a resizable buffer with a maximum past the budget, within it, is served (restore counts its length)', async (t) => {
  const first = new Engine(quiet);
  first.evaluateScript('var b = new ArrayBuffer(8, { maxByteLength: 1 << 30 }); new Uint8Array(b)[7] = 9;', 'code.js');
  const text = first.snapshot().code;
  const s = await helloSession(suite.server.url);
  s.send({ type: 'offload', id: 1, snapshot: text, sha256: sha(text) });
  t.match(await s.next(20_000), { type: 'state', id: 1 });
  s.close();
});

t.test("edge resources: memory.grow run inside WebAssembly code stops at the memory budget (the server process's V8 flag)", async (t) => {
  // (a module exporting g(delta) = memory.grow(delta); 2000 pages are 125 MB, past the 64 MB budget)
  const code =
    'var x = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array([0,0x61,0x73,0x6d,1,0,0,0, 1,6,1,0x60,1,0x7f,1,0x7f, 3,2,1,0, 5,3,1,0,1, 7,5,1,1,0x67,0,0, 10,8,1,6,0,0x20,0,0x40,0,0x0b]))).exports, r = x.g(2000); if (r !== -1 || x.g(100) !== 1) throw new Error("grew: " + r);';
  const text = snapshotWith(code);
  const s = await helloSession(suite.server.url);
  s.send({ type: 'offload', id: 1, snapshot: text, sha256: sha(text) });
  const reply = await s.next(20_000);
  t.match(reply, { type: 'state', id: 1 }, JSON.stringify(reply).slice(0, 300));
  s.close();
});

// a program that moves itself to the edge and allocates there: 3 × 32 MB against the server's 64 MB
// (a page run without --edge has no \`snapvm\` hints)
const movedAllocation = `var hints = typeof snapvm === 'undefined' ? { migrate() {}, where: 'client' } : snapvm;
hints.migrate('edge');
setTimeout(() => {
  const keep = [];
  try { for (let i = 0; i < 3; i++) keep.push(new Uint8Array(32 << 20).fill(1)); console.log('made ' + keep.length + ' on ' + hints.where); }
  catch (e) { console.log(String(e) + ' on ' + hints.where); }
  keep.length = 0;
  hints.migrate('client');
}, 0);`;
for (const [kind, file, text] of [
  ['a script', 'moved.js', movedAllocation],
  ['a page', 'moved.html', `<!doctype html><body><script>${movedAllocation}</script></body>`],
] as const) {
  t.test(`edge resources: ${kind} moved to the edge allocates past its memory budget there, and not locally`, async (t) => {
    const file_ = tmp.write(file, text);
    const edge = await snapvm(['run', file_, '--edge', suite.server.url]);
    t.equal(edge.code, 0, edge.stderr);
    t.match(edge.stdout, /^RangeError: Uint8Array: 33554432 bytes would pass this program's memory budget of 64 MB for array buffers on edge$/m, edge.stdout + edge.stderr);
    const local = await snapvm(['run', file_]);
    t.match(local.stdout, /^made 3 on client$/m, local.stdout + local.stderr);
  });
}
