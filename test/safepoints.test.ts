// Safe points (ARCHITECTURE.md: a loop back-edge or a guest function's entry) as the safe-point hook
// sees them: `Limits.steps` on an edge server counts them, so every call of a plain function is one,
// its first (lazily compiled) call included; and a snapshot taken at such an entry continues as the
// uninterrupted program does.
import t from 'tap';
import { Engine, SafepointStop } from '../src/index';

/** How many safe points `src` reaches, and how many of them are function entries (pc 0). */
function count(src: string): { all: number; entries: number } {
  const e = new Engine({ onConsole: () => undefined, warmUp: false });
  let all = 0;
  let entries = 0;
  e.setSafepointHook((frame) => {
    all++;
    if ((frame as unknown as { pc: number }).pc === 0) entries++;
  });
  e.evaluateScript(src, 'app.js');
  return { all, entries };
}

const cases: { code: string; entries: number; all: number }[] = [
  { code: 'function f(k) { if (k) f(k - 1); } f(2999);', entries: 3000, all: 3000 },
  { code: 'function f() {} f(); f(); f();', entries: 3, all: 3 },
  { code: 'function g() {} for (var i = 0; i < 3; i++) g();', entries: 3, all: 6 },
  { code: 'function h(a) { return a; } h.call(null, 1); h.apply(null, [2]);', entries: 2, all: 2 },
  { code: 'var o = { m() { return 1; } }; o.m(); o.m();', entries: 2, all: 2 },
];

t.test('every call of a plain function is a safe point, its first included', async (t) => {
  for (const c of cases) t.same(count(c.code), { all: c.all, entries: c.entries }, c.code);
});

/** What `src` prints run through, and run from a snapshot taken at its first function-entry safe point. */
async function printed(src: string, atEntry: boolean): Promise<string[]> {
  const out: string[] = [];
  const e = new Engine({ onConsole: (_l, args) => void out.push(e.format(args)), warmUp: false });
  if (!atEntry) {
    e.evaluateScript(src, 'app.js');
    return out;
  }
  let snap = '';
  e.setSafepointHook((frame) => {
    if ((frame as unknown as { pc: number }).pc === 0 && !snap) {
      snap = e.captureAt(frame);
      throw e.safepointStop('entry');
    }
  });
  try {
    e.evaluateScript(src, 'app.js');
  } catch (err) {
    if (!(err instanceof SafepointStop)) throw err;
  }
  if (!snap) throw new Error(`no function entry in ${src}`);
  const before = out.slice();
  const r = Engine.restore(snap, { onConsole: (_l, args) => void before.push(r.format(args)), warmUp: false });
  await r.runEventLoop();
  return before;
}

t.test('a snapshot at a first call’s entry continues as the program does', async (t) => {
  for (const code of [
    'console.log("a"); function f(k) { return k * 2; } console.log(f(21));',
    '"use strict"; let n = 1; function f(a, b) { n += a + b; return n; } console.log(f(2, 3), n);',
    'function outer() { let x = 5; function inner(y) { return x + y; } return inner(1); } console.log(outer());',
  ]) t.same(await printed(code, true), await printed(code, false), code);
});
