// Safe points (ARCHITECTURE.md: a loop back-edge or a guest function's entry) as the safe-point hook
// sees them: `Limits.steps` on an edge server counts them, so every call of a plain function is one,
// its first (lazily compiled) call included, and so is every constructor's entry (`new F()`, `new C()`,
// super()); a snapshot taken at such an entry, or at any safe point while a strict store to an
// undeclared global holds its resolved reference, continues as the program does.
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
  // a constructor's entry (`new`): plain functions and classes, derived ones at each super() too
  { code: 'function F(k) { if (k) new F(k - 1); } new F(2999);', entries: 3000, all: 3000 },
  { code: 'function F() {} new F(); new F();', entries: 2, all: 2 },
  { code: 'class A { x = 1; } new A();', entries: 1, all: 1 },
  { code: 'class A { constructor() {} } class B extends A { constructor() { super(); } } new B();', entries: 2, all: 2 },
  { code: 'class A {} class B extends A {} new B(); new B();', entries: 4, all: 4 },
  { code: 'function F(...a) {} new F(...[1, 2]); new F(3);', entries: 2, all: 2 },
];

t.test('every call of a plain function or constructor is a safe point, its first included', async (t) => {
  for (const c of cases) t.same(count(c.code), { all: c.all, entries: c.entries }, c.code);
});

/** What `src` prints run through, or run from a snapshot taken at its `at`-th safe point (`entry`: function entries only). */
async function printed(src: string, at = 0, entry = false): Promise<string[]> {
  const out: string[] = [];
  const e = new Engine({ onConsole: (_l, args) => void out.push(e.format(args)), warmUp: false });
  if (at === 0) {
    e.evaluateScript(src, 'app.js');
    return out;
  }
  let snap = '';
  let seen = 0;
  e.setSafepointHook((frame) => {
    if (entry && (frame as unknown as { pc: number }).pc !== 0) return;
    if (++seen === at) {
      snap = e.captureAt(frame);
      throw e.safepointStop('at');
    }
  });
  try {
    e.evaluateScript(src, 'app.js');
  } catch (err) {
    if (!(err instanceof SafepointStop)) throw err;
  }
  if (!snap) throw new Error(`no safe point ${at} in ${src}`);
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
  ])
    t.same(await printed(code, 1, true), await printed(code), code);
});

// `new` at each constructor's entry (the derived one's `this` still unbound: before super()), snapshotted at
// every entry in turn: the objects made, `new.target`, fields and the result of `new` come out as uninterrupted.
t.test('a snapshot at each constructor entry continues as the program does', async (t) => {
  for (const { code, logs } of [
    { code: 'function P(a) { this.a = a; } P.prototype.m = function () { return this.a * 2; }; var p = new P(21); console.log(p.m(), p instanceof P);', logs: ['42 true'] },
    { code: 'function F() { if (!new.target) return new F(); this.t = new.target === F; } console.log(F().t, new F().t);', logs: ['true true'] },
    { code: 'function F(k) { this.k = k; this.next = k ? new F(k - 1) : null; } var n = 0; for (var f = new F(4); f; f = f.next) n += f.k; console.log(n);', logs: ['10'] },
    { code: 'function F() { return { r: 1 }; } function G() { return 5; } console.log(new F().r, typeof new G());', logs: ['1 object'] },
    { code: 'class A { #p = 3; y = this.constructor.name; constructor(x) { this.x = x; } get p() { return this.#p; } } var a = new A(2); console.log(a.x, a.y, a.p);', logs: ['2 A 3'] },
    {
      code: 'class A { constructor(x) { this.x = x; } } class B extends A { z = 7; constructor() { console.log("pre"); super(5); this.w = this.x + this.z; } } var b = new B(); console.log(b.w, b instanceof A);',
      logs: ['pre', '12 true'],
    },
    {
      code: 'class A { constructor() { this.t = new.target.name; } } class B extends A {} class C extends B { constructor() { try { this; } catch (e) { console.log(e.name); } super(); } } console.log(new C().t);',
      logs: ['ReferenceError', 'C'],
    },
    { code: '"use strict"; let made = 0; class N { constructor(k) { made++; if (k) this.c = new N(k - 1); } } new N(3); console.log(made);', logs: ['4'] },
    { code: 'function F(...a) { this.n = a.length; } console.log(new F(...[1, 2, 3]).n, Reflect.construct(F, [1]).n);', logs: ['3 1'] },
  ]) {
    t.same(await printed(code), logs, code);
    const entries = count(code).entries;
    t.ok(entries > 0, `${code}: has entries`);
    for (let at = 1; at <= entries; at++) t.same(await printed(code, at, true), logs, `${code} at entry ${at}`);
  }
});

// A strict store to a global no scope around declares holds its resolved reference in a register while
// its right-hand side runs (compiler.ts reference(), ExtOp.ResolveGlobalRef): a snapshot at every safe
// point of the right-hand side (or of a destructuring's steps) continues as the program does.
t.test('a strict store to an undeclared global, snapshotted at each safe point on the way', async (t) => {
  for (const { code, logs } of [
    { code: 'var g = 0; Function(\'"use strict"; function f(k) { return k + 1; } for (var i = 0; i < 3; i++) g = f(g); console.log(g);\')();', logs: ['3'] },
    { code: 'let L = 1; Function(\'"use strict"; function f(k) { return k * 3; } L = f(L); console.log(L);\')(); console.log(L);', logs: ['3', '3'] },
    {
      code: 'Function(\'"use strict"; function mk() { globalThis.late = 1; return 2; } try { late = mk(); } catch (e) { console.log(e.name); } console.log(late);\')();',
      logs: ['ReferenceError', '1'],
    },
    {
      code: 'var d = 0; Function(\'"use strict"; function* it() { yield 4; yield 5; } [d] = it(); console.log(d); ({ p: d } = { get p() { return d + 1; } }); console.log(d);\')();',
      logs: ['4', '5'],
    },
    { code: 'Function(\'"use strict"; function* it() { globalThis.dd = 1; yield 5; } try { [dd] = it(); } catch (e) { console.log(e.name); } console.log(dd);\')();', logs: ['ReferenceError', '1'] },
  ]) {
    t.same(await printed(code), logs, code);
    const points = count(code).all;
    t.ok(points > 0, `${code}: has safe points`);
    for (let at = 1; at <= points; at++) t.same(await printed(code, at), logs, `${code} at safe point ${at}`);
  }
});
