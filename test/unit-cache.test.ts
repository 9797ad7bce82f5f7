// The process-wide cache of parsed and analysed units (src/interpreter/units.ts): a load that hits it
// behaves exactly as one that parses (output, early errors, toString, lazy compilation, the Code order
// snapshots name functions by), the bound holds, and two engines never reach each other's objects
// through it — what it holds stays pure data made from the source text.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine as InterpreterEngine, type GuestError, prepareUnit, unitCache } from '../src/interpreter/index';
import { Engine } from '../src/index';
import { emittedCodes, TemplateSite, PrivateNameDesc } from '../src/interpreter/compiler';
import { codeTree, CodeFlag, type Code } from '../src/interpreter/state';
import { Analysis, Scope, Decl } from '../src/interpreter/scope';

const out: string[] = [];
const quiet = { onConsole: (_l: unknown, args: unknown[]) => void out.push(args.map(String).join(' ')), onPrint: (s: string) => void out.push(s) };

const PROGRAMS: { name: string; code: string; module?: boolean }[] = [
  {
    name: 'closures, classes, templates, toString',
    code: 'function mk(n) { let c = n; return { inc: () => ++c, get: function get() { return c; } }; } const o = mk(1); o.inc(); class A { #p = 2; static s = 3; m() { return this.#p; } } function tag(s, ...v) { return s.raw.join("|") + v; } console.log(o.get(), new A().m(), A.s, tag`a${1}b`, mk.toString(), o.inc.toString(), A.toString().length);',
  },
  {
    name: 'sloppy annex B, eval, with, arguments',
    code: 'if (true) function ab() { return 1; } { function inner() { return 2; } } var e = eval("var ev = 3; ev + ab() + inner()"); with ({ w: 4 }) { var ww = w; } function args() { return arguments.length + eval("arguments[0]"); } console.log(e, ww, args(5, 6), typeof inner);',
  },
  {
    name: 'generators, async, destructuring',
    code: 'function* g() { const [a = 1, { b } = { b: 2 }] = []; yield a; yield b; } async function f() { await null; return [...g()].join(); } f().then((v) => console.log("async", v));',
  },
  { name: 'a function never called stays uncompiled', code: 'function never() { return 1 + 1; } function once() { return 2; } console.log(once(), never.toString());' },
  { name: 'module', module: true, code: 'export const x = 1; export default function () { return x; } console.log(`module ${x}`);' },
];

/** Run `p` in a fresh engine: what it printed, its Codes (compiled or not) and a snapshot of the end state. */
async function run(p: (typeof PROGRAMS)[number], engine = new Engine(quiet)): Promise<{ printed: string[]; codes: Code[]; snapshot: string; engine: Engine }> {
  out.length = 0;
  const file = path.join(__dirname, 'fixtures', `unit-cache-${p.name.replace(/\W+/g, '-')}.mjs`);
  let root: Code;
  if (p.module) {
    engine.evaluateModule(file, p.code);
    root = (engine.modules as unknown as { records: Map<string, { code: Code }> }).records.get(file)!.code;
  } else {
    root = engine.compile(p.code, p.name, 'script');
    engine.vm.runCode(root, null, engine.realm.global);
  }
  await engine.runEventLoop();
  return { printed: [...out], codes: codeTree(root), snapshot: p.module ? '' : body(engine.snapshot().code), engine };
}

/** A snapshot's text without its stats line (it carries timings). */
const body = (snapshot: string) => snapshot.replace(/^\/\/ stats .*$/m, '');
const shape = (codes: Code[]) =>
  codes.map((c) => ({ name: c.name, kind: c.kind, lazy: (c.flags & CodeFlag.Lazy) !== 0, ops: [...c.ops], nregs: c.nregs, consts: c.consts.length, text: c.sourceText }));

t.test('a hit behaves as a miss: output, toString, lazy compile, Code order, snapshots', async (t) => {
  for (const p of PROGRAMS) {
    unitCache.clear();
    const miss = await run(p);
    t.ok(unitCache.misses > 0, `${p.name}: the first load parses`);
    const misses = unitCache.misses;
    const hit = await run(p);
    t.equal(unitCache.misses, misses, `${p.name}: the second load parses nothing`);
    t.same(hit.printed, miss.printed, `${p.name}: same output`);
    t.ok(miss.printed.length > 0, `${p.name}: it printed`);
    t.same(shape(hit.codes), shape(miss.codes), `${p.name}: same Codes, same order, same bytecode, same ones left uncompiled`);
    t.equal(hit.snapshot, miss.snapshot, `${p.name}: the same snapshot text`);
    // a restore that hits the cache and one that parses continue the same way
    if (!p.module) {
      unitCache.clear();
      const a = Engine.restore(miss.snapshot, quiet);
      const b = Engine.restore(miss.snapshot, quiet);
      t.equal(body(a.snapshot().code), body(b.snapshot().code), `${p.name}: restored on a miss and on a hit, the same state`);
    }
  }
  // eager compiles too
  unitCache.clear();
  const eager = (s: string) => shape(emittedCodes(new InterpreterEngine({ ...quiet, lazyCompile: false, warmUp: false }).compile(s, 'eager.js', 'script')));
  const src = PROGRAMS[0]!.code;
  t.same(eager(src), eager(src), 'an eager compile from the cache makes the same bytecode');
});

t.test('early errors on a hit and a miss; prepareUnit throws the SyntaxError a load would', async (t) => {
  const bad = 'function ok() {}\nfunction f() { let a; let a; }';
  const load = () => {
    try {
      new InterpreterEngine({ ...quiet, warmUp: false }).evaluateScript(bad, 'bad.js');
    } catch (e) {
      return e as GuestError;
    }
    throw new Error('no error');
  };
  unitCache.clear();
  const first = load();
  const second = load();
  t.equal(first.kind, 'syntax');
  t.equal(second.summary, first.summary);
  t.equal(second.guestStack, first.guestStack);
  t.match(first.guestStack, /at bad\.js:2:\d+/);
  let prepared: unknown;
  const units = unitCache.size.units;
  try {
    prepareUnit(bad, 'bad.js', 'script');
  } catch (e) {
    prepared = e;
  }
  t.ok(prepared instanceof SyntaxError, 'prepareUnit throws a SyntaxError');
  t.equal(`SyntaxError: ${(prepared as Error).message}`, first.summary, 'with the message a load reports');
  t.equal((prepared as Error).stack, first.guestStack, 'and the position');
  t.equal(unitCache.size.units, units, 'a source that does not parse is not cached');
  // an early error only a module has
  t.throws(() => prepareUnit('await 1; export {}; return 1;', 'm.mjs', 'module'), SyntaxError);
  t.throws(() => prepareUnit('x', 'x.js', 'json' as 'script'), /prepareUnit kind must be 'script' or 'module'/);
  // prepared, then loaded: the load is a hit
  const e = new InterpreterEngine({ ...quiet, warmUp: false });
  prepareUnit('globalThis.z = 1 + 2;', 'z.js', 'script');
  const hits = unitCache.hits;
  const misses = unitCache.misses;
  e.evaluateScript('globalThis.z = 1 + 2;', 'z.js');
  t.equal(unitCache.hits, hits + 1, 'a prepared unit is a hit');
  t.equal(e.evaluateScript('z', 'z-read.js'), 3);
  // the file name is part of the key (stacks name it)
  e.evaluateScript('globalThis.z = 1 + 2;', 'other.js');
  t.equal(unitCache.hits, hits + 1, 'another file name is a miss');
  t.equal(unitCache.misses, misses + 2, 'z-read.js and other.js parsed');
});

t.test('the bound holds: least recently used units go first', async (t) => {
  const before = unitCache.size.limit;
  t.teardown(() => unitCache.setLimit(before));
  unitCache.clear();
  const src = (i: number) => `var v${i} = ${i};` + ' '.repeat(1000);
  prepareUnit(src(0), 'a.js', 'script');
  const one = unitCache.size.bytes;
  t.ok(one > 1000, 'a unit counts its estimated heap size');
  unitCache.setLimit(one * 3);
  for (let i = 1; i < 3; i++) prepareUnit(src(i), 'a.js', 'script');
  prepareUnit(src(0), 'a.js', 'script'); // 0 is now the most recently used
  prepareUnit(src(3), 'a.js', 'script'); // evicts 1
  t.equal(unitCache.size.units, 3);
  t.ok(unitCache.size.bytes <= unitCache.size.limit, 'within the limit');
  const hits = unitCache.hits;
  prepareUnit(src(0), 'a.js', 'script');
  t.equal(unitCache.hits, hits + 1, 'the recently used unit stayed');
  prepareUnit(src(1), 'a.js', 'script');
  t.equal(unitCache.hits, hits + 1, 'the least recently used unit went');
  unitCache.setLimit(one - 1);
  t.equal(unitCache.size.units, 0, 'lowering the limit evicts');
  prepareUnit(src(5), 'a.js', 'script');
  t.equal(unitCache.size.units, 0, 'a unit larger than the limit is not kept');
  t.throws(() => unitCache.setLimit(-1), /unit cache limit must be a number of bytes >= 0, not -1/);
});

t.test('loading a module looks its unit up once: one miss, no hit, also when too large to keep', async (t) => {
  const before = unitCache.size.limit;
  t.teardown(() => unitCache.setLimit(before));
  for (const limit of [before, 0]) {
    const engine = new Engine(quiet); // (its self-hosted built-ins are units too)
    unitCache.clear();
    unitCache.setLimit(limit);
    engine.evaluateModule(path.join(__dirname, 'fixtures', `unit-cache-once-${limit}.mjs`), 'export const once = 1;');
    await engine.runEventLoop();
    t.same({ hits: unitCache.hits, misses: unitCache.misses }, { hits: 0, misses: 1 }, `limit ${limit}: parsed once, not looked up again`);
  }
});

/** Every object reachable from `roots` (own properties, Map and Set entries). */
function reachable(roots: unknown[]): Set<object> {
  const seen = new Set<object>();
  const stack = [...roots];
  while (stack.length) {
    const v = stack.pop();
    if ((typeof v !== 'object' || v === null) && typeof v !== 'function') continue;
    if (seen.has(v)) continue;
    seen.add(v);
    if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    if (v instanceof Set) for (const x of v) stack.push(x);
    for (const k of Reflect.ownKeys(v)) {
      const d = Reflect.getOwnPropertyDescriptor(v, k)!;
      if ('value' in d) stack.push(d.value);
    }
  }
  return seen;
}

t.test('isolation: two engines share only pure data made from the source', async (t) => {
  unitCache.clear();
  const src =
    'function tag(s) { return s; } function site() { return tag`x`; } function call(f) { return f(); } var made = site(); call(site); call(() => 1); var re = /a+/g; class K { #p = 1; static m() { return new K(); } } K.m();';
  const a = new Engine(quiet);
  a.evaluateScript(src, 'shared.js');
  const cached = [...(unitCache as unknown as { entries: Map<string, { ast: object; analysis: Analysis }[]> }).entries.values()].flat();
  t.ok(cached.length > 0, 'the unit is cached');
  const fingerprint = () =>
    JSON.stringify(
      cached.map((e) => ({ ast: e.ast, analysis: e.analysis })),
      (_k, v) =>
        typeof v === 'bigint'
          ? `${v}n`
          : v instanceof RegExp
            ? `/${v.source}/${v.flags}`
            : v instanceof Map
              ? [...v.keys()].length
              : v instanceof Analysis || v instanceof Scope || v instanceof Decl
                ? { ...v, parent: undefined, fn: undefined, varScope: undefined, children: undefined, scope: undefined, node: v instanceof Scope ? v.node.start : undefined }
                : v,
    );
  const before = fingerprint();
  const b = new Engine(quiet);
  b.evaluateScript(src, 'shared.js');
  b.evaluateScript('made = site(); call(site);', 'again.js');
  Engine.restore(a.snapshot().code, quiet);
  t.equal(fingerprint(), before, 'compiling, running, snapshotting and restoring left the cached unit unchanged');
  // the guest sees its own realm's template object, not the other engine's (a shared Code would cache it)
  t.equal(b.evaluateScript('Object.getPrototypeOf(made) === Array.prototype && made === site()'), true, "engine B's template object is B's");
  t.equal(a.evaluateScript('Object.getPrototypeOf(made) === Array.prototype'), true, "engine A's template object is A's");
  t.not(a.evaluateScript('made'), b.evaluateScript('made'));
  // nothing an engine made is reachable from the cache: only acorn nodes, plain records, scopes and
  // declarations, and the records of compiled bodies (interpreter/bodies.ts: bytecode, constants that are
  // pure data, template sites that never cached a template object)
  const allowed = new Set<object | null>([
    Object.prototype,
    Array.prototype,
    Map.prototype,
    RegExp.prototype,
    Analysis.prototype,
    Scope.prototype,
    Decl.prototype,
    Object.getPrototypeOf(cached[0]!.ast),
    Int32Array.prototype,
    Uint8Array.prototype,
    TemplateSite.prototype,
    PrivateNameDesc.prototype,
  ]);
  const objects = reachable(cached);
  const stray = [...objects].filter((o) => typeof o === 'function' || !allowed.has(Object.getPrototypeOf(o)) || (o instanceof TemplateSite && o.cache !== undefined));
  t.same(
    stray.map((o) => (typeof o === 'function' ? `function ${o.name}` : Object.getPrototypeOf(o)?.constructor?.name)),
    [],
    'no function, Code, SourceFile, ScopeDesc or realm object',
  );
  // and the engines' compiled code is their own: they share bytecode and constants that are pure data
  const ra = a.compile(src, 'shared.js', 'script');
  const rb = b.compile(src, 'shared.js', 'script');
  const inA = reachable([codeTree(ra)]);
  const pure = new Set<object | null>([Object.prototype, Array.prototype, Int32Array.prototype, PrivateNameDesc.prototype]);
  const sharedObjects = [...reachable([codeTree(rb)])].filter(
    (o) =>
      inA.has(o) &&
      !objects.has(o) &&
      (typeof o === 'function' || !pure.has(Object.getPrototypeOf(o)) || [...reachable([o])].some((x) => typeof x === 'function' || !pure.has(Object.getPrototypeOf(x)))),
  );
  t.same(
    sharedObjects.map((o) => Object.getPrototypeOf(o)?.constructor?.name ?? typeof o),
    [],
    'the two engines compiled Codes share nothing but the cached AST and pure data',
  );
  t.ok(
    codeTree(rb).some((c, i) => c.ops.length > 0 && c.ops === codeTree(ra)[i]!.ops),
    'the bytecode is shared',
  );
});

const OCTANE = process.env.OCTANE_DIR ?? path.resolve(__dirname, '..', '..', 'bench-cache', 'octane');
t.test('an Octane app restored on a hit and on a miss', { skip: !fs.existsSync(path.join(OCTANE, 'base.js')) && `no Octane at ${OCTANE}` }, async (t) => {
  const e = new Engine(quiet);
  for (const f of ['base.js', 'earley-boyer.js']) e.evaluateScript(fs.readFileSync(path.join(OCTANE, f), 'utf8'), path.join(OCTANE, f));
  const snap = e.snapshot().code;
  unitCache.clear();
  const cold = Engine.restore(snap, quiet);
  const warm = Engine.restore(snap, quiet);
  t.ok(unitCache.hits >= 2, 'the second restore hit the cache');
  t.equal(body(warm.snapshot().code), body(cold.snapshot().code), 'the same state');
  t.equal(
    warm.evaluateScript('typeof BgL_earleyzd2benchmarkzd2 === "function" && (BgL_earleyzd2benchmarkzd2(), 1)'),
    cold.evaluateScript('typeof BgL_earleyzd2benchmarkzd2 === "function" && (BgL_earleyzd2benchmarkzd2(), 1)'),
  );
});
