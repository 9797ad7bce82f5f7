// Lazy compilation (compiler.ts compileLazy, codeorder.ts): a function's body gets bytecode on its first
// call. The Codes of a unit exist from the start in the order a full compile makes them (a snapshot
// names a function by that index, so it must not depend on which bodies ran); the tables below check
// that order against a full compile's constants on tricky constructs, the Octane sources and a sample of
// test262, and that a lazily compiled program behaves as an eagerly compiled one, before and after a
// snapshot, with syntax errors still reported when the script loads.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine as InterpreterEngine, GuestError } from '../src/interpreter/index';
import { Engine } from '../src/index';
import { emittedCodes } from '../src/interpreter/compiler';
import { codeTree, CodeFlag, type Code } from '../src/interpreter/state';
import { verifyCode } from '../src/interpreter/verify';

const quiet = { onConsole: () => {}, onPrint: () => {} };

const TRICKY: { name: string; code: string; module?: boolean }[] = [
  {
    name: 'hoisting before statements, params before hoisting',
    code: 'var a = () => 1; function f(x = () => 2, {y = function () {}} = {}) { var q = () => 3; function g() { return () => 4; } return g; } function h() {}',
  },
  { name: 'for update after the body', code: 'for (let i = (() => 0)(); (() => i < 2)(); i = ((j) => j + 1)(i)) { (function () {})(); }' },
  {
    name: 'destructuring: the value before its pattern',
    code: 'var [a = () => 1, {b = () => 2} = (() => ({}))()] = [(() => undefined)()]; ({c = () => 3} = {c: () => 4}); for (const [d = () => 5] of [[() => 6]]) {}',
  },
  {
    name: 'switch: tests, then bodies, after hoisted functions',
    code: 'switch ((() => 1)()) { case (() => 1)(): (() => 1)(); function s() {} case (() => 2)(): (() => 3)(); default: function t() {} }',
  },
  {
    name: 'classes: constructor first, computed keys, fields, static blocks',
    code: 'class A extends (class {}) { [(() => "m")()]() {} x = () => 1; static y = function () {}; #p = () => 2; static { function z() {} (() => 3)(); } get g() { return () => 4; } constructor() { super(); (() => 5)(); } } class B { a = 1; static b() {} }',
  },
  {
    name: 'blocks, try, labels, named function expressions',
    code: 'l: { function b() {} try { (() => 1)(); } catch ({e = () => 2}) { function c() {} } finally { (function named() { return named; })(); } }',
  },
  {
    name: 'object literals, getters, templates, optional chains',
    code: 'var o = { a() {}, get b() { return () => 1; }, set b(v) {}, [(() => "c")()]: () => 2, ...{ d: function () {} } }; `${(() => 1)()}${() => 2}`; o?.a?.((() => 3)()); String.raw`${() => 4}`',
  },
  {
    name: 'async, generators, arrows with expression bodies',
    code: 'async function a() { await (async () => 1)(); } function* g() { yield* (function* () { yield () => 1; })(); } async function* ag() { for await (const x of [(() => 1)]) {} } const f = (x) => (y) => (z) => x + y + z;',
  },
  { name: 'sloppy annex B and eval', code: 'if (true) function ab() {} { function inner() {} } eval("1"); (function () { eval("var e = () => 1"); return () => e; })();' },
  {
    name: 'using and await using: blocks, loops, bodies',
    code: 'function f(r) { using a = r; { using b = r, c = null; if (a) return () => b; } for (using d of [r]) { (() => d)(); } for (using e = r; ; ) break; } async function g(r) { await using a = r; try { await using b = null; } finally { using c = r; } for await (await using d of [r]) {} } class K { static { using s = null; } }',
  },
  { name: 'module', module: true, code: 'export default function () { return () => 1; } export const c = class { m() {} }; export function f(a = () => 1) {}' },
];

/** Compile `code` eagerly: the unit's Codes (codeorder.ts) must be the full compile's constants in pre-order. */
function checkOrder(t: Tap.Test, engine: InterpreterEngine, code: string, file: string, module = false): boolean {
  const root = engine.compile(code, file, module ? 'module' : 'script');
  const listed = codeTree(root);
  const emitted = emittedCodes(root);
  const same = listed.length === emitted.length && listed.every((c, i) => c === emitted[i]) && listed.every((c) => c.lazy === null);
  if (!same) t.fail(`${file}: ${listed.length} Codes listed, ${emitted.length} compiled, ${listed.filter((c) => c.lazy).length} never compiled`);
  // and the bytecode passes the verifier that restore runs (plain runs never run it: a stack-height slip shows here first)
  for (const c of listed) {
    try {
      verifyCode(c);
    } catch (e) {
      t.fail(`${file}: ${c.name || '(anonymous)'}: ${(e as Error).message}`);
      return false;
    }
  }
  return same;
}

t.test('the pre-pass orders Codes as a full compile does', async (t) => {
  const engine = new InterpreterEngine({ ...quiet, lazyCompile: false, warmUp: false });
  for (const c of TRICKY) t.ok(checkOrder(t, engine, c.code, c.name, c.module), c.name);
});

const OCTANE = process.env.OCTANE_DIR ?? path.resolve(__dirname, '..', '..', 'bench-cache', 'octane');
t.test('the pre-pass orders the Octane sources as a full compile does', { skip: !fs.existsSync(path.join(OCTANE, 'base.js')) && `no Octane at ${OCTANE}` }, async (t) => {
  const engine = new InterpreterEngine({ ...quiet, lazyCompile: false, warmUp: false });
  const files = fs.readdirSync(OCTANE).filter((f) => f.endsWith('.js'));
  let codes = 0;
  for (const f of files) {
    const text = fs.readFileSync(path.join(OCTANE, f), 'utf8');
    if (checkOrder(t, engine, text, f)) codes += codeTree(engine.compile(text, f, 'script')).length;
  }
  t.ok(codes > 5000, `${files.length} files, ${codes} Codes in the same order`);
});

const TEST262 = process.env.TEST262_DIR ?? path.resolve(__dirname, '..', '..', 'test262');
t.test('the pre-pass orders a test262 sample as a full compile does', { skip: !fs.existsSync(path.join(TEST262, 'test', 'language')) && `no test262 at ${TEST262}` }, async (t) => {
  const engine = new InterpreterEngine({ ...quiet, lazyCompile: false, warmUp: false });
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.js') && !e.name.includes('_FIXTURE')) files.push(path.join(d, e.name));
    }
  };
  for (const d of [
    'language/expressions/class',
    'language/statements/class',
    'language/statements/for',
    'language/expressions/assignment',
    'language/statements/switch',
    'language/function-code',
    'language/arguments-object',
    'annexB/language',
  ])
    walk(path.join(TEST262, 'test', d));
  let checked = 0;
  for (let i = 0; i < files.length; i += 7) {
    const text = fs.readFileSync(files[i]!, 'utf8');
    const module = /flags:\s*\[[^\]]*module/.test(text);
    const strict = /flags:\s*\[[^\]]*onlyStrict/.test(text);
    try {
      engine.compile(strict ? `"use strict";\n${text}` : text, files[i]!, module ? 'module' : 'script');
    } catch {
      continue; // a negative test: it does not compile
    }
    if (!checkOrder(t, engine, strict ? `"use strict";\n${text}` : text, files[i]!, module)) break;
    checked++;
  }
  t.ok(checked > 500, `${checked} test262 files in the same order`);
});

const PROGRAM = `
  function used(n) { return n < 2 ? n : used(n - 1) + used(n - 2); }
  function unused() { return [1, 2, 3].map((x) => x * 2); }
  class K { #v = 3; static make() { return new K(); } get v() { return this.#v; } }
  var made = K.make();
  var result = used(10) + made.v;
  result;`;

t.test('only what runs is compiled, and it runs as a full compile does', async (t) => {
  const lazy = new InterpreterEngine({ ...quiet, warmUp: false });
  const eager = new InterpreterEngine({ ...quiet, warmUp: false, lazyCompile: false });
  t.equal(lazy.evaluateScript(PROGRAM, 'p.js'), 58);
  t.equal(eager.evaluateScript(PROGRAM, 'p.js'), 58);
  const root = (lazy as unknown as { compile(s: string, f: string, k: 'script'): Code }).compile('function a() { return () => 1; } a;', 'q.js', 'script');
  const [top, a, inner] = codeTree(root);
  t.equal(top!.lazy, null, 'the top-level code is compiled with its unit');
  t.ok(a!.flags & CodeFlag.Lazy, 'a function is not compiled before its first call');
  t.equal(a!.name, 'a', 'but is named');
  t.ok(inner!.lazy && !(inner!.lazy as { declared: boolean }).declared, "a nested function is not even declared before its parent's body is compiled");
  const probe = '[unused.toString(), unused.length, unused.name, typeof unused.prototype, unused()[2], used.length, K.name, Object.getOwnPropertyNames(K.prototype)].join("|")';
  t.equal(lazy.evaluateScript(probe, 's.js'), eager.evaluateScript(probe, 's.js'), 'source text, length, name and result agree');
});

t.test('syntax errors inside uncalled functions are reported when the script loads', async (t) => {
  const engine = new InterpreterEngine({ ...quiet, warmUp: false });
  for (const code of [
    'function f() { let a; let a; }',
    'function g() { return 1 +; }',
    'var h = () => { break; };',
    'class C { m() { super(); } }',
    'function k() { "use strict"; with (x) {} }',
    'function d({a} = 1, a) { "use strict"; }',
  ]) {
    let thrown: unknown = null;
    try {
      engine.evaluateScript(code, 'bad.js');
    } catch (e) {
      thrown = e;
    }
    t.ok(thrown instanceof GuestError && /^SyntaxError/.test(thrown.summary), `${code}: ${thrown instanceof GuestError ? thrown.summary : String(thrown)}`);
  }
});

t.test('a snapshot of a lazily compiled program restores and continues', async (t) => {
  const e = new Engine(quiet);
  e.evaluateScript(`${PROGRAM}\nfunction outer() { var x = 5; return function inner() { return () => x++; }; }\nvar later = outer()();\nvar never = outer;`, 'p.js');
  const snap = e.snapshot().code;
  const r = Engine.restore(snap, quiet);
  t.equal(r.evaluateScript('[used(12), later(), later(), unused()[1], made.v, never()()()].join()', 'c.js'), '144,5,6,4,3,5');
  t.equal(e.evaluateScript('[used(12), later(), later(), unused()[1], made.v, never()()()].join()', 'c.js'), '144,5,6,4,3,5');
});
