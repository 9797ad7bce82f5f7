// Forged snapshots: restore is typed (src/snapshot/typed.ts, src/interpreter/verify.ts). Each row
// takes a real snapshot, changes one engine position the way an attacker would (an engine record
// where guest code will read a guest value, a frame resumed where its code does not stop, a record
// of the wrong kind…), and must be refused with a SnapshotError naming the position — through the
// canonical reader and through the general path (the text run as guest code) — before any guest
// code runs: nothing may print `reached`.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Engine, SnapshotError, SafepointStop } from '../src/index';
import { codeTree } from '../src/interpreter/state';
import { verifyCode, creationsOf } from '../src/interpreter/verify';
import { Op } from '../src/interpreter/opcodes';

/**
 * A snapshot taken at the n-th loop back-edge safe point of `src` (safe points at function entries,
 * pc 0, where the VM has them, are not counted: the loops of these programs start after a `let`).
 */
function atSafepoint(src: string, n: number): string {
  const e = new Engine({ onConsole: () => undefined });
  let count = 0;
  let code = '';
  e.setSafepointHook((frame) => {
    if ((frame as unknown as { pc: number }).pc !== 0 && ++count === n) {
      code = e.captureAt(frame);
      throw e.safepointStop('test');
    }
  });
  try {
    e.evaluateScript(src, 'app.js');
  } catch (err) {
    if (!(err instanceof SafepointStop) && !String(err).includes('test')) throw err;
  }
  if (!code) throw new Error('no safe point reached');
  return code;
}

/** A snapshot between turns (after the main program, before its jobs when `runJobs` is false). */
function between(src: string, runJobs = true): string {
  const e = new Engine({ onConsole: () => undefined });
  e.evaluateScript(src, 'app.js');
  if (runJobs) e.runJobs();
  return e.snapshot().code;
}

/** Restore and run to the end; what the program printed. */
async function run(code: string): Promise<string[]> {
  const out: string[] = [];
  const e = Engine.restore(code, { onConsole: (_l, args) => void out.push(e.format(args)) });
  await e.runEventLoop();
  return out;
}

/** Split a comma list at its top level (brackets, parentheses and strings kept whole). */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') {
      const j = s.indexOf('"', i + 1);
      let k = j;
      while (s[k - 1] === '\\') k = s.indexOf('"', k + 1);
      cur += s.slice(i, k + 1);
      i = k;
      continue;
    }
    if (c === '[' || c === '(' || c === '{') depth++;
    if (c === ']' || c === ')' || c === '}') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

/** Frame fields by name (capture.ts writes them in this order). */
const F = { pc: 3, sp: 4, stack: 5, env: 6, thisValue: 8, args: 10, gen: 12, caller: 16 };

/** Edit the Frame record of the function `name`: `edit` gets its fields and its stack items. */
function editFrame(code: string, name: string, edit: (fields: string[], stack: string[]) => void): string {
  const lines = code.split('\n');
  const at = lines.findIndex((_l, i) => i > 0 && lines[i - 1]!.startsWith(`// frame `) && lines[i - 1]!.includes(`: ${name} (`));
  if (at < 0) throw new Error(`no frame of ${name}`);
  const m = /^\$\.rec\((\d+), "Frame", \[(.*)\]\);$/.exec(lines[at]!)!;
  const fields = splitTop(m[2]!);
  const stack = splitTop(fields[F.stack]!.slice(1, -1));
  edit(fields, stack);
  fields[F.stack] = `[${stack.join(', ')}]`;
  lines[at] = `$.rec(${m[1]}, "Frame", [${fields.join(', ')}]);`;
  return lines.join('\n');
}

/** Insert statements just before `$.link()`. */
const beforeLink = (code: string, stmt: string) => code.replace('$.link();', `${stmt}\n$.link();`);
/** Insert statements just before the trailer (after everything else). */
/** A statement at the end of the engine section (before the portable section, which snapvm never runs). */
const atEnd = (code: string, stmt: string) => code.replace('\n} else {\n// portable section', `\n${stmt}\n} else {\n// portable section`);
/** The same text, but out of the reader's subset: it runs as guest code (the general path). */
const nonCanonical = (code: string) => code.replace(/^(\$\.format\([^\n]*\n)/m, '$1;\n');
const objectRecord = (code: string) => beforeLink(code, '$.rec(77, "object", []);');

/** A record id of `kind` whose fields match `fields` (a regular expression over the field list). */
function recId(code: string, kind: string, fields: RegExp): string {
  for (const m of code.matchAll(new RegExp(`^\\$\\.rec\\((\\d+), "${kind}", \\[(.*)\\]\\);$`, 'gm'))) if (fields.test(m[2]!)) return m[1]!;
  throw new Error(`no ${kind} record matching ${fields}`);
}

const LOOP = 'for (let i = 0; i < 3000; i++) { x = (x * 7 + i) % 1000003; }';
const REACH = "console.log('reached:', o.constructor.constructor('return typeof process')())";

/** Refused, with `message`, through the reader and through the general path; nothing printed. */
function refused(t: Tap.Test, forged: string, message: RegExp, what: string): void {
  for (const [path, text] of [
    ['reader', forged],
    ['guest path', nonCanonical(forged)],
  ] as const) {
    const out: string[] = [];
    let err: unknown = null;
    try {
      const e = Engine.restore(text, { onConsole: (_l, args) => void out.push(e.format(args)) });
      e.runJobs();
    } catch (x) {
      err = x;
    }
    t.ok(err instanceof SnapshotError, `${what} (${path}): refused`);
    t.match(String((err as Error)?.message), message, `${what} (${path}): the error names the position`);
    t.notOk(
      out.some((l) => l.includes('reached')),
      `${what} (${path}): no guest code ran`,
    );
  }
}

t.test('the demonstrated forgery: a register holding a guest array replaced by an engine record', async (t) => {
  const src = `function outer() { let x = 1; const o = [7]; ${LOOP} try { ${REACH}; } catch (e) { console.log('blocked', String(e)); } }\nouter();`;
  const code = atSafepoint(src, 2);
  t.same(await run(code), ['reached: undefined'], 'the untouched snapshot restores and runs (guest code sees no process)');
  let oReg = -1;
  const forged = objectRecord(
    editFrame(code, 'outer', (_f, stack) => {
      oReg = stack.findIndex((s) => /^\$o\[\d+\]$/.test(s));
      stack[oReg] = '$.ref(77)';
    }),
  );
  refused(t, forged, new RegExp(`frame \\d+ \\(outer at app\\.js:\\d+:\\d+\\) register ${oReg}: an engine record where the code holds a guest value`), 'register');
  // a list record, a private name, an environment and a frame are no guest values either
  refused(
    t,
    beforeLink(
      editFrame(code, 'outer', (_f, s) => (s[oReg] = '$.ref(78)')),
      '$.rec(78, "list", []);',
    ),
    /register \d+: an engine list where the code holds a guest value/,
    'a list in a register',
  );
  refused(
    t,
    beforeLink(
      editFrame(code, 'outer', (_f, s) => (s[oReg] = '$.ref(78)')),
      '$.rec(78, "PrivateName", ["#x", "field", void 0, void 0, void 0]);',
    ),
    /register \d+: a private name where the code holds a guest value/,
    'a private name in a register',
  );
  const caller = recId(code, 'Frame', /, true, null$/);
  refused(
    t,
    editFrame(code, 'outer', (_f, s) => (s[oReg] = `$.ref(${caller})`)),
    /register \d+: a frame where the code holds a guest value/,
    'a frame in a register',
  );
  refused(
    t,
    editFrame(code, 'outer', (_f, s) => (s[oReg] = '$.hole')),
    /register \d+: the TDZ marker where the code holds a guest value/,
    'the TDZ marker where no TDZ can be',
  );
});

t.test('the operand stack: a record where the code holds a guest value, a guest value where it holds a list', async (t) => {
  const src = `function inner() { let x = 1; ${LOOP} return x; }\nfunction outer() { const o = [7]; console.log('reached:', o, inner()); return [o.length, o, inner()]; }\nouter();`;
  const code = atSafepoint(src, 2);
  t.match((await run(code))[0], /^reached: \[ 7 \] \d+$/, 'the untouched snapshot runs');
  let slot = -1;
  const forged = objectRecord(
    editFrame(code, 'outer', (_f, stack) => {
      slot = stack.lastIndexOf(stack.find((s) => /^\$o\[\d+\]$/.test(s) && stack.indexOf(s) !== stack.lastIndexOf(s))!);
      stack[slot] = '$.ref(77)';
    }),
  );
  refused(t, forged, new RegExp(`frame \\d+ \\(outer at app\\.js:2:\\d+\\) operand slot ${slot}: an engine record where the code holds a guest value`), 'operand slot');
  // at the second call the operand stack holds an engine list (the array literal being built)
  // (safe points: outer's entry, inner's entry, 3000 back-edges, then inner's second entry)
  const code2 = atSafepoint(src, 3000 + 3);
  let listSlot = -1;
  const forged2 = editFrame(code2, 'outer', (_f, stack) => {
    listSlot = stack.findIndex((s) => /^\$\.ref\(\d+\)$/.test(s));
    stack[listSlot] = stack.find((s) => /^\$o\[\d+\]$/.test(s))!;
  });
  t.ok(listSlot >= 0, 'the frame holds a list on its operand stack');
  refused(t, forged2, /operand slot \d+: a guest object where the code holds an engine list/, 'a guest array where the code holds an engine list');
  // a caller waits with its operand stack as the call left it, the callee's result to come
  refused(
    t,
    editFrame(code, 'outer', (f, s) => {
      f[F.sp] = String(Number(f[F.sp]) - 1);
      s.pop();
    }),
    /frame \d+ \(outer.*: sp \d+ does not fit pc \d+ \(the code holds \d+ waiting for a callee\)/,
    'sp too small',
  );
});

t.test('pc and sp: a frame resumed where its code does not stop, or with the wrong stack height', async (t) => {
  const src = `function outer() { let x = 1; const o = [7]; ${LOOP} ${REACH}; }\nouter();`;
  const code = atSafepoint(src, 2);
  refused(
    t,
    editFrame(code, 'outer', (f) => (f[F.pc] = String(Number(f[F.pc]) + 1))),
    /frame \d+ \(outer at app\.js:\d+:\d+\): pc \d+ is not a point where a frame stops/,
    'pc moved off a resume point',
  );
  // a function's entry is a safe point too: the running frame moved there starts over, each register
  // holding a guest value as the verifier requires (nothing reaches the host)
  t.same(await run(editFrame(code, 'outer', (f) => (f[F.pc] = '0'))), ['reached: undefined'], 'pc moved to the function entry: the function starts over');
  refused(
    t,
    editFrame(code, 'outer', (f, s) => {
      f[F.sp] = String(Number(f[F.sp]) + 1);
      s.push('$o[0]');
    }),
    /frame \d+ \(outer.*: sp \d+ does not fit pc \d+/,
    'sp too large',
  );
  // a frame's running computation must stop at a loop head; a caller must wait for a callee
  const script = recId(code, 'Frame', /, true, null$/);
  refused(
    t,
    code.replace(/\$\.running\(\$\.ref\(\d+\)/, `$.running($.ref(${script})`),
    /the running computation: frame \d+ \(<script>.*cannot be resumed by a running computation/,
    'a waiting caller as the running frame',
  );
});

t.test('environments: a record in a slot, a slot of another scope, a record id made twice', async (t) => {
  const src = `function outer() { let x = 1; let o = [7]; const f = () => o; ${LOOP} ${REACH.replace('o.constructor', 'f().constructor')}; }\nouter();`;
  const code = atSafepoint(src, 2);
  t.same(await run(code), ['reached: undefined']);
  const slots = /^\$\.slots\((\d+), \[(.*)\]\);$/m.exec(code)!;
  const items = splitTop(slots[2]!);
  const i = items.findIndex((s) => /^\$o\[\d+\]$/.test(s));
  items[i] = '$.ref(77)';
  const forged = objectRecord(code.replace(slots[0], `$.slots(${slots[1]}, [${items.join(', ')}]);`));
  refused(t, forged, /environment \d+ slot \d+ \('o'\): an engine record where the engine holds a guest value/, 'env slot');
  // the env record's id reused for an object record whose fields would replace the slots
  refused(t, beforeLink(code, `$.rec(${slots[1]}, "object", ["vars", $.ref(78)]); $.rec(78, "list", []);`), /record \d+ made twice/, 'an environment id reused for a record');
  // the frame outside the environment its code pushed: its variables would be read from elsewhere
  refused(
    t,
    editFrame(code, 'outer', (f) => (f[F.env] = f[F.env + 1] = 'null')),
    /frame \d+ \(outer.*: environment: a guest value \(object\) where the code has pushed the scope of/,
    'a frame outside its own environment',
  );
  // an environment of another function's layout (the script frame's closure is made in another one)
  // (safe points: the IIFE's entry, other's entry, then other's first back-edge)
  const other = atSafepoint(`var keep = (function () { let q = 5; return () => q; })();\nfunction other() { let x = 1; let z = 1; const g = () => z; ${LOOP} }\nother();`, 3);
  const qEnv = /^\$\.slots\((\d+), \[5\]\);$/m.exec(other)![1]!;
  refused(
    t,
    editFrame(other, 'other', (f) => (f[F.env] = f[F.env + 1] = `$.ref(${qEnv})`)),
    /frame \d+ \(other.*environment: an environment of another scope where the code has pushed the scope of z/,
    'a frame in an environment of another scope',
  );
  // a closure over an environment of another scope: its code would read another layout's slots
  const gEnv = /^\$\.slots\((\d+), \[1\]\);$/m.exec(other)![1]!;
  const swapped = other.replace(new RegExp(`(\\$\\.closure\\(\\d+, \\d+, )${qEnv}\\)`), `$1${gEnv})`);
  t.not(swapped, other, 'the closure over q is in the snapshot');
  refused(t, swapped, /a closure of .*: environment: an environment of another scope where the code has pushed the scope of q/, 'a closure over an environment of another scope');
});

t.test('this, arguments and record fields hold guest values only', async (t) => {
  const src = `'use strict'; var obj = { tag: 'T', m(a, b) { let x = arguments.length; ${LOOP} console.log('reached:', this.constructor.constructor('return typeof process')()); } };\nobj.m(1, 2);`;
  const code = atSafepoint(src, 2);
  t.same(await run(code), ['reached: undefined']);
  refused(t, objectRecord(editFrame(code, 'm', (f) => (f[F.thisValue] = '$.ref(77)'))), /frame \d+ \(m at app\.js:\d+:\d+\) this: an engine record where the engine holds a guest value/, 'thisValue');
  const args = /^\$\.rec\((\d+), "list", \[(1, 2)\]\);$/m.exec(code)!;
  refused(
    t,
    objectRecord(code.replace(args[0], `$.rec(${args[1]}, "list", [1, $.ref(77)]);`)),
    /frame \d+ \(m.*arguments: item 1: an engine record where the engine holds a guest value/,
    'an argument',
  );
  refused(
    t,
    objectRecord(editFrame(code, 'm', (f) => (f[F.args] = '$.ref(77)'))),
    /frame \d+ \(m.*arguments: an engine record where the engine holds a list|a frame with a broken environment or argument list/,
    'the argument list itself',
  );
});

t.test('an iterator record: its iterator field must be a guest value', async (t) => {
  const src = `function* g() { yield [7]; yield 2; }\nfunction outer() { let x = 1; for (const o of g()) { ${LOOP} ${REACH}; } }\nouter();`;
  const code = atSafepoint(src, 2);
  t.same((await run(code))[0], 'reached: undefined');
  const id = recId(code, 'object', /^"iterator", \$o\[\d+\], "next"/);
  const forged = objectRecord(code.replace(new RegExp(`^\\$\\.rec\\(${id}, "object", \\["iterator", \\$o\\[\\d+\\]`, 'm'), `$.rec(${id}, "object", ["iterator", $.ref(77)`));
  refused(
    t,
    forged,
    /frame \d+ \(outer.*register \d+: an engine record .*iterator record field 'iterator': an engine record where the engine holds a guest value|register \d+: an engine record where the code holds an iterator record/,
    'iterator record field',
  );
  // a guest object where the VM keeps its iterator record
  refused(
    t,
    editFrame(code, 'outer', (_f, s) => (s[s.indexOf(`$.ref(${id})`)] = '$o[0]')),
    /register \d+: a guest object where the code holds an iterator record/,
    'a guest object as an iterator record',
  );
});

t.test('a V8 iterator held as a value: its kind, mode, source and position are checked', async (t) => {
  const src = `var a = [7, 8, 9]; var it = a.values(); it.next(); var o = {}; queueMicrotask(() => { ${REACH}; });`;
  const code = between(src, false);
  t.same(await run(code), ['reached: undefined'], 'the untouched snapshot restores and runs');
  const made = /\$\.iterator\("array", "values", (\$o\[\d+\]), 1, false\)/.exec(code)!;
  t.ok(made, 'the iterator is written as an iterator over its array at position 1');
  const forge = (args: string) => code.replace(made[0], `$.iterator(${args})`);
  refused(t, forge(`"weak", "values", ${made[1]}, 1, false`), /an iterator of kind weak\/values/, 'an unknown kind');
  refused(t, forge(`"array", "sideways", ${made[1]}, 1, false`), /an iterator of kind array\/sideways/, 'an unknown mode');
  refused(t, forge(`"map", "keys", ${made[1]}, 0, false`), /an iterator that cannot be made/, 'a Map iterator over an array');
  refused(t, forge(`"array", "values", ${made[1]}, -1, false`), /an iterator position|an iterator that cannot be made/, 'a negative position');
  refused(t, forge(`"array", "values", ${made[1]}, 1.5, false`), /an iterator position|an iterator that cannot be made/, 'a fractional position');
  refused(t, objectRecord(forge(`"array", "values", $.ref(77), 1, false`)), /an iterator over something that is not a guest value/, 'an engine record as the source');
});

t.test('promise machinery: an await reaction, a list, a frame where guest values belong', async (t) => {
  const src = `var p = new Promise(() => {}); async function w() { let x = 1; await p; return x; } w();\nlet leak = 1; var q = Promise.resolve(2); q.then((v) => console.log('reached:', typeof v));`;
  const code = between(src, false);
  t.same(await run(code), ['reached: number']);
  const awaitId = recId(code, 'object', /^"kind", "await", "continuation"/);
  refused(
    t,
    code.replace('$.lexical("leak", 1, false)', `$.lexical("leak", $.ref(${awaitId}), false)`),
    /global binding 'leak': an engine record( \(await handler\))? where the engine holds a guest value/,
    'an await reaction in a global binding',
  );
  const listId = recId(code, 'list', /.*/);
  refused(
    t,
    code.replace('$.lexical("leak", 1, false)', `$.lexical("leak", $.ref(${listId}), false)`),
    /global binding 'leak': an engine list where the engine holds a guest value/,
    'an engine list in a global binding',
  );
  const frameId = recId(code, 'Frame', /.*/);
  refused(t, code.replace(/("argument", )2\]/, `$1$.ref(${frameId})]`), /a job: promise reaction job field 'argument': a frame where the engine holds a guest value/, 'a frame as a job argument');
  // the await handler's continuation must be a frame stopped at an await
  refused(t, code.replace(/("kind", "await", "continuation", )\$\.ref\(\d+\)/, '$1$o[0]'), /continuation.*where the engine holds a frame/, 'a guest object as an await continuation');
  // a reaction handler is a guest function or an await handler, not any record
  refused(
    t,
    objectRecord(code.replace(/("handler", )\$o\[\d+\]/, '$1$.ref(77)')),
    /promise reaction field 'handler': (an engine record where the engine holds a guest value|await handler field 'kind')/,
    'a bare record as a reaction handler',
  );
});

t.test('generators: the state must match where the frame stopped', async (t) => {
  const src = 'function* g() { let i = 0; while (true) yield i++; }\nvar it = g(); it.next();';
  const code = between(src);
  refused(
    t,
    code.replace('"state", "suspendedYield"', '"state", "suspendedStart"'),
    /generator: a generator suspendedStart whose frame \d+ \(g at app\.js:\d+:\d+\) stopped at a yield/,
    'a yield frame as a start',
  );
  refused(t, code.replace(/("frame", )\$\.ref\(\d+\)/, '$1$o[0]'), /generator state field 'frame': a guest object where the engine holds a frame/, 'a guest object as a generator frame');
});

t.test('try: the sp a handler restores is the one the code saved', async (t) => {
  const src = `function outer() { let x = 1; const o = [7]; try { ${LOOP} } catch (e) {} ${REACH}; }\nouter();`;
  const code = atSafepoint(src, 200);
  t.same(await run(code), ['reached: undefined']);
  let forgedReg = -1;
  const forged = editFrame(code, 'outer', (f, s) => {
    forgedReg = s.indexOf(f[F.sp]!);
    s[forgedReg] = String(Number(f[F.sp]) - 2);
  });
  refused(t, forged, new RegExp(`register ${forgedReg}: a guest value \\(number\\) where the code holds a handler's saved sp`), 'saved sp');
});

t.test('the reader makes guest arrays: a nested array literal never reaches guest code as a host array', async (t) => {
  const code = between('var o = {};');
  const e = Engine.restore(atEnd(code, '$.props($.builtin("globalThis"), ["leak", [1, [2]]]);'), { onConsole: () => undefined });
  t.equal(e.evaluateScript('String([leak instanceof Array, leak[1] instanceof Array, typeof leak.constructor.constructor("return typeof process")()])'), 'true,true,string');
  t.equal(e.evaluateScript('leak.constructor.constructor("return typeof process")()'), 'undefined', 'the array is a guest array: its Function is the guest Function');
});

t.test('every function the compiler makes verifies: one stack shape at every join', async (t) => {
  const e = new Engine();
  const sources = [
    'label: for (const [a, ...b] of [[1, 2]]) { try { continue label; } finally { a; } }',
    'class A { #x = 1; static #y() {} m(o) { return #x in o ? o.#x : A.#y(); } } async function* g() { for await (const v of [1]) yield* [v]; }',
    'function f(a = 1, { b } = {}, ...c) { with (a) { switch (b) { case 1: let z = 2; break; default: return () => z; } } for (var k in c) try { throw k; } catch { } finally { continue; } }',
    'async () => { try { await 1; } catch (e) { return e?.x ?? [...e]; } }; var o = { get x() { return super.x; }, ...{} }; ({ a: [x, y = 2] = [] } = {});',
  ];
  let n = 0;
  for (const s of sources) {
    for (const c of codeTree(e.compile(s, 'verify.js', 'script'))) {
      n++;
      t.doesNotThrow(() => verifyCode(c), `${c.name || c.kind} verifies`);
    }
  }
  t.ok(n > 10);
  // the project's own test262-format tests and the benchmark programs: every function verifies
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of fs.readdirSync(d)) {
      const p = path.join(d, f);
      if (fs.statSync(p).isDirectory()) walk(p);
      else if (/\.m?js$/.test(f)) files.push(p);
    }
  };
  walk(path.join(__dirname, '..', 'conformance', 'tests'));
  walk(path.join(__dirname, '..', 'bench', 'programs'));
  let codes = 0;
  const failures: string[] = [];
  for (const f of files) {
    const src = fs.readFileSync(f, 'utf8');
    let root: ReturnType<typeof e.compile>;
    try {
      root = e.compile(src, f, /flags:.*module/.test(src) || f.endsWith('.mjs') ? 'module' : 'script');
    } catch {
      continue; // negative syntax tests
    }
    for (const c of codeTree(root)) {
      codes++;
      try {
        const full = verifyCode(c).creates;
        // the light environment-only walk (closures) agrees with the full one
        const light = creationsOf(c);
        const same = (a: readonly unknown[][], b: readonly unknown[][] | undefined) =>
          b !== undefined && a.length === b.length && a.every((x, i) => x.length === b[i]!.length && x.every((d, j) => d === b[i]![j]));
        if (full.size !== light.size || [...full].some(([k, v]) => !same(v as unknown[][], light.get(k) as unknown[][] | undefined))) failures.push(`${c.name}: the environment-only walk disagrees`);
      } catch (err) {
        failures.push(String(err));
      }
    }
  }
  t.ok(codes > 500, `${codes} functions of ${files.length} files`);
  t.same(failures, [], 'no function of the corpus fails the verifier');
  // a disagreement at a join is loud: `True; JumpIfTrue 4; Undef; ReturnUndef` meets at pc 4 with heights 0 and 1
  const c = codeTree(e.compile('1;', 'verify.js', 'script'))[0]!;
  const bad = { ...c, ops: Int32Array.from([Op.True, Op.JumpIfTrue, 4, Op.Undef, Op.ReturnUndef]), handlers: new Int32Array(0) };
  t.throws(() => verifyCode(bad), { name: 'VerifyError' }, 'paths that meet with different stack heights are a verifier error');
  t.throws(() => verifyCode(bad), /paths meet with stack heights/);
});
