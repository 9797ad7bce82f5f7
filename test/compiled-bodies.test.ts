// Compiled bodies shared by the engines of a process (interpreter/bodies.ts): a body compiled once is
// replayed in later engines. A replay must give exactly what a compile gives — the same Code fields
// and bytecode, constants naming this engine's Codes, layouts and template sites, the same
// declarations of its children, and the scope layouts a later compile of a child reads. Each source
// below is compiled body by body in a fresh process state (real compiles), then again with every
// body replayed, and with only some replayed (the others compiled for real over replayed parents).
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine as InterpreterEngine, unitCache } from '../src/interpreter/index';
import { Engine } from '../src/index';
import { TemplateSite } from '../src/interpreter/compiler';
import { ScopeDesc } from '../src/interpreter/code';
import { codeTree, compileLazy, declareCode, Verifier, type Code, type EnvShape } from '../src/interpreter/state';
import { creationsOf } from '../src/interpreter/verify';

const quiet = { onConsole: () => {}, onPrint: () => {} };

const SOURCES: { name: string; code: string; module?: boolean }[] = [
  {
    name: 'closures over blocks, loops and parameters',
    code: 'var out = []; function mk(a, b = () => a) { let c = a + 1; { let d = c * 2; var f = () => a + c + d + b(); } for (let i = 0; i < 2; i++) out.push(() => i + f()); return f; } mk(1);',
  },
  {
    name: 'mapped arguments, with, direct eval',
    code: 'function m(a, b) { arguments[0] = 9; return a + b; } function w(o) { with (o) { return function () { return k; }; } } function e(s) { var v = 1; return eval(s); } m(1, 2); w({ k: 1 })(); e("v + 1");',
  },
  {
    name: 'classes: fields, private names, static blocks, default constructors',
    code: 'class A { #p = 1; x = () => this.#p; static s = 2; static { A.t = 3; } get g() { return this.#p; } m() { return `${this.#p}`; } } class B extends A {} class C {} new B().x();',
  },
  {
    name: 'templates, regexps, bigints, generators, async',
    code: 'function tag(s, ...v) { return s.raw.join("|") + v.length; } var r = () => tag`a${1}b${2}`; var re = () => /a+b/g; var big = 10n ** 20n; function* g() { yield* [1, 2]; } async function* ag() { for await (const x of g()) yield x; } async function af() { await null; return big; }',
  },
  {
    name: 'annex B functions in blocks and switch, labels, try',
    code: 'if (true) function ab() { return 1; } switch (1) { case 1: function sw() { return () => 2; } } l: for (;;) { try { throw () => 3; } catch (e) { var ce = e; break l; } finally { (function fin() {})(); } }',
  },
  { name: 'using declarations', code: 'function f(r) { using a = r; { using b = r; return () => [a, b]; } } async function g(r) { await using a = r; return () => a; }' },
  {
    name: 'a module',
    module: true,
    code: 'export default function () { return () => 1; } export const c = class { m() { return `x${1}`; } }; let live = 1; export function bump(a = () => live) { live++; return a(); }',
  },
];
for (const f of fs.readdirSync(path.resolve(__dirname, '..', 'bench', 'programs')))
  SOURCES.push({ name: `bench/programs/${f}`, code: fs.readFileSync(path.resolve(__dirname, '..', 'bench', 'programs', f), 'utf8') });
const OCTANE = process.env.OCTANE_DIR ?? path.resolve(__dirname, '..', '..', 'bench-cache', 'octane');
for (const f of ['earley-boyer.js', 'box2d.js', 'raytrace.js', 'deltablue.js']) {
  const file = path.join(OCTANE, f);
  if (fs.existsSync(file)) SOURCES.push({ name: `octane/${f}`, code: fs.readFileSync(file, 'utf8') });
}

/** Every Code of the unit, each body compiled (replayed where a record exists), parents before children. */
function compileAll(src: { name: string; code: string; module?: boolean }): Code[] {
  const engine = new InterpreterEngine({ ...quiet, warmUp: false });
  const list = codeTree(engine.compile(src.code, src.name, src.module ? 'module' : 'script'));
  for (const c of list) {
    declareCode(c);
    compileLazy(c);
  }
  return list;
}

/** A Code as data: its fields, constants naming Codes by index and layouts and template sites by content. */
function describe(list: Code[]): unknown[] {
  const file = list[0]!.source;
  const desc = (d: ScopeDesc | null) => d && { names: d.names, kinds: d.kinds, kind: d.kind, ownFile: d.file === file, otherFile: d.file !== null && d.file !== file };
  return list.map((c) => ({
    name: c.name,
    kind: c.kind,
    strict: c.strict,
    flags: c.flags,
    length: c.length,
    paramNames: c.paramNames,
    sourceText: c.sourceText,
    nregs: c.nregs,
    ops: Array.from(c.ops),
    handlers: Array.from(c.handlers),
    positions: c.positions,
    completionReg: c.completionReg,
    thisReg: c.thisReg,
    paramRegs: c.paramRegs,
    calleeNames: c.calleeNames,
    moduleDesc: desc(c.moduleDesc),
    lazy: c.lazy === null,
    sizes: [c.accessors.length, c.callSites.length, c.template.length],
    consts: c.consts.map((k) => {
      if (k instanceof ScopeDesc) return { desc: desc(k) };
      if (k instanceof TemplateSite) return { template: [k.cooked, k.raw], cached: k.cache !== undefined };
      if (typeof k === 'object' && k !== null && (k as Code).ops instanceof Int32Array) return { code: list.indexOf(k as Code) };
      if (typeof k === 'bigint') return `${k}n`;
      return k;
    }),
  }));
}

/** The unit's records of compiled bodies (the unit cache's CodeOrder for this source). */
function records(src: { name: string; code: string; module?: boolean }): Map<string, unknown> {
  return unitCache.unit(src.code, src.name, { kind: src.module ? 'module' : 'script', strict: false, dynamicOuter: false, inFunction: null }).order.bodies.map;
}

for (const src of SOURCES) {
  t.test(src.name, async (t) => {
    unitCache.clear();
    const compiled = compileAll(src);
    const n = records(src).size;
    const roles = unitCache.unit(src.code, src.name, { kind: src.module ? 'module' : 'script', strict: false, dynamicOuter: false, inFunction: null }).order.roles;
    // (a default constructor is compiled with its class: recorded with the body that makes it)
    t.equal(n, compiled.filter((c, i) => c.lazy === null && roles[i] !== 'defaultConstructor').length, `every compiled body recorded (${n})`);
    const replayed = compileAll(src);
    t.same(describe(replayed), describe(compiled), 'replayed bodies are the compiled ones');
    t.ok(
      replayed.every((c, i) => c.ops === compiled[i]!.ops || c.ops.length === 0),
      'the bytecode is shared',
    );
    t.ok(
      replayed.every((c, i) => c.consts.every((k, j) => !(k instanceof TemplateSite || k instanceof ScopeDesc || (typeof k === 'object' && k !== null && 'ops' in k)) || k !== compiled[i]!.consts[j])),
      'no Code, layout or template site is shared',
    );
    // the environment nestings each body creates its functions in (verify.ts, for restore's typed checks), kept
    // by bytecode for the process: read for the replayed Codes, they are what the uncached walk finds there
    const first = new Verifier();
    for (const c of compiled) first.creates(c);
    const nestings = (list: Code[], creates: (c: Code) => Map<Code, EnvShape[]>) =>
      list.map((c) => [...creates(c)].map(([child, shapes]) => [list.indexOf(child), shapes.map((sh) => sh.map((d) => (d === 'with' ? d : [c.consts.indexOf(d), d.names])))]));
    const verifier = new Verifier();
    t.same(
      nestings(replayed, (c) => verifier.creates(c)),
      nestings(replayed, creationsOf),
      'shared environment nestings are what the walk finds',
    );
    // only the top level replayed, then every other body replayed or compiled in turn: real compiles over replayed layouts
    const all = new Map(records(src));
    for (const keep of [(k: string) => k === '0', (k: string) => Number(k) % 2 === 0, (k: string) => Number(k) % 2 === 1]) {
      const map = records(src);
      map.clear();
      for (const [k, v] of all) if (keep(k)) map.set(k, v);
      t.same(describe(compileAll(src)), describe(compiled), `bodies compiled over replayed ones (${keep.toString()})`);
    }
  });
}

t.test('a program whose bodies are replayed runs as one compiled', async (t) => {
  const program = `${SOURCES[0]!.code} ${SOURCES[1]!.code} ${SOURCES[2]!.code} ${SOURCES[3]!.code}
    var res = [out.map((f) => f()).join(), m(1, 2), w({ k: 5 })(), e("v + 1"), new B().x(), new B().m(), r(), re().source, String(big), [...g()].join()];
    af().then((v) => res.push(String(v))).then(() => console.log(res.join(" ")));`;
  const run = () => {
    const lines: string[] = [];
    const e = new Engine({ onConsole: (_l, args) => void lines.push(e.format(args)) });
    e.evaluateScript(program, 'run.js');
    e.runJobs();
    return { lines, e };
  };
  unitCache.clear();
  const first = run();
  const second = run();
  t.same(second.lines, first.lines);
  t.same(first.lines, ['8,9 11 5 2 1 1 a|b|2 a+b 100000000000000000000 1,2 100000000000000000000']);
  // and after a snapshot and a restore (whose top level and bodies replay)
  const restored = Engine.restore(second.e.snapshot().code, quiet);
  t.equal(restored.format([restored.evaluateScript('res.slice(0, 4).join(" ")', 'probe.js')]), '8,9 11 5 2');
});

t.test("a forged snapshot's units make no record another engine replays", async (t) => {
  // a restore compiles the units a snapshot names, with the options it names: a forged one (the same
  // text under other options, or another text under the same file name) records under its own key,
  // and leaves the records of the genuine unit as the genuine compile made them
  const src = { name: 'forged.js', code: 'function f(a, b = () => a) { let c = a + 1; return () => c + b(); } var g = f(1); var t = (s) => s.raw[0]; var r = t`x${1}`;' };
  unitCache.clear();
  const clean = describe(compileAll(src));
  const before = new Map(records(src));
  t.ok(before.size > 0, 'the genuine compile recorded its bodies');
  const e = new Engine(quiet);
  e.evaluateScript(src.code, src.name);
  const text = e.snapshot().code;
  const line = `$.unit(0, ${JSON.stringify(src.name)}, "script", false, false, 0, false, ${JSON.stringify(src.code)});`;
  t.ok(text.includes(line), 'the snapshot names the unit as expected');
  const forgeries = [line.replace('"script", false, false, 0, false,', '"script", true, true, 2, true,'), line.replace('a + 1', 'a + 2')];
  for (const forged of forgeries) {
    try {
      Engine.restore(text.replace(line, forged), quiet);
    } catch {
      // (refused or not: either way the genuine records must stand)
    }
    const after = records(src);
    t.equal(after.size, before.size, 'no record added to the genuine unit');
    t.ok(
      [...before].every(([k, v]) => after.get(k) === v),
      'the genuine records are the ones its compile made',
    );
    t.same(describe(compileAll(src)), clean, 'a later engine compiles the genuine unit as a clean process does');
  }
});
