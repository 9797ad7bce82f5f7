// The language as guest code sees it, through the embedding API only (src/interpreter/index.ts).
// Each case is `{ code, expected }` (the script's completion value), `{ code, logs }` (console output
// after the event loop is idle) or `{ code, throws }` (the GuestError's summary). Every synchronous
// case also runs in a plain node:vm context, so the table itself is checked against V8.
// A case that fails because of an engine bug stays in the table, marked `todo` with the failure.
import t from 'tap';
import * as vm from 'node:vm';
import { Engine, GuestError } from '../src/interpreter/index';
import type { EngineOptions } from '../src/interpreter/index';

interface Case {
  name: string;
  code: string;
  /** The completion value of the script. */
  expected?: unknown;
  /** Console lines (`warn:`/`error:` prefixed for those levels) once the event loop is idle. */
  logs?: string[];
  /** The GuestError summary (exact string or pattern). */
  throws?: string | RegExp;
  /** Whether the uncaught error must be an unhandled rejection. */
  rejection?: boolean;
  todo?: string;
  /** false: do not cross-check against V8 (engine-specific limits). */
  native?: false;
  options?: EngineOptions;
}

const cases: Case[] = [
  // ---- closures and scoping ----
  { name: 'closure keeps its own counter', code: 'function mk() { let c = 0; return () => ++c; } const f = mk(), g = mk(); f(); f(); g(); f()', expected: 3 },
  { name: 'let in for gets a binding per iteration', code: 'const fs = []; for (let i = 0; i < 3; i++) fs.push(() => i); fs.map((f) => f()).join()', expected: '0,1,2' },
  { name: 'var in for shares one binding', code: 'var fs = []; for (var i = 0; i < 3; i++) fs.push(() => i); fs.map((f) => f()).join()', expected: '3,3,3' },
  { name: 'closures share the captured variable', code: 'function pair() { let v = 1; return [() => v, (x) => (v = x)]; } const [get, set] = pair(); set(42); get()', expected: 42 },
  { name: 'function declarations are hoisted', code: 'const r = h(); function h() { return "hoisted"; } r', expected: 'hoisted' },
  { name: 'block-scoped function in sloppy mode', code: '{ function inner() { return 1; } } typeof inner', expected: 'function' },
  { name: 'default parameters see earlier ones', code: 'function f(a, b = a * 2, c = () => a + b) { return c(); } f(3)', expected: 9 },
  { name: 'arguments object maps sloppy parameters', code: 'function f(a) { arguments[0] = 9; return a; } f(1)', expected: 9 },
  { name: 'rest parameters', code: 'function f(a, ...rest) { return rest.length + ":" + rest.join(); } f(1, 2, 3)', expected: '2:2,3' },

  // ---- TDZ ----
  { name: 'TDZ: read before let', code: '{ x; let x = 1; }', throws: "ReferenceError: Cannot access 'x' before initialization" },
  { name: 'TDZ: typeof before let', code: '{ typeof y; let y; }', throws: "ReferenceError: Cannot access 'y' before initialization" },
  { name: 'TDZ: a closure called too early', code: 'function f() { return g; } let r; try { f(); } catch (e) { r = e.name; } const g = 1; r', expected: 'ReferenceError' },
  { name: 'TDZ: class used before its declaration', code: 'new C(); class C {}', throws: "ReferenceError: Cannot access 'C' before initialization" },
  { name: 'const assignment', code: 'const c = 1; c = 2;', throws: 'TypeError: Assignment to constant variable.' },
  { name: 'TDZ: parameter default referring to a later parameter', code: 'function f(a = b, b) { return a; } f()', throws: "ReferenceError: Cannot access 'b' before initialization" },

  // ---- classes ----
  { name: 'private fields and methods', code: 'class A { #x = 1; #inc() { this.#x++; } bump() { this.#inc(); this.#inc(); return this.#x; } } new A().bump()', expected: 3 },
  { name: 'private brand check with in', code: 'class A { #p; static is(o) { return #p in o; } } [A.is(new A()), A.is({})].join()', expected: 'true,false' },
  {
    name: 'private field on a foreign object',
    code: 'class A { #p = 1; static get(o) { return o.#p; } } A.get({})',
    throws: /^TypeError: Cannot read private member #p from an object whose class did not declare it$/,
  },
  { name: 'static and private static members', code: 'class A { static #n = 10; static s = A.#n + 1; static #twice(x) { return 2 * x; } static go() { return A.#twice(A.s); } } A.go()', expected: 22 },
  { name: 'static initialization block', code: 'class A { static y; static { this.y = 40; this.y += 2; } } A.y', expected: 42 },
  { name: 'accessors with private storage', code: 'class A { #v = 0; get v() { return this.#v; } set v(x) { this.#v = x * 2; } } const a = new A(); a.v = 5; a.v', expected: 10 },
  {
    name: 'super method call',
    code: 'class A { m() { return "A"; } } class B extends A { m() { return super.m() + "B"; } } class C extends B { m() { return super.m() + "C"; } } new C().m()',
    expected: 'ABC',
  },
  { name: 'super in an object literal', code: 'const p = { x() { return 1; } }; const o = { __proto__: p, x() { return super.x() + 1; } }; o.x()', expected: 2 },
  { name: 'super property assignment', code: 'class A {} class B extends A { set() { super.q = 5; return this.q; } } new B().set()', expected: 5 },
  { name: 'implicit derived constructor passes arguments', code: 'class A { constructor(x) { this.x = x; } } class B extends A {} new B(4).x', expected: 4 },
  { name: 'static methods are inherited', code: 'class A { static s() { return "S" + this.name; } } class B extends A {} B.s()', expected: 'SB' },
  {
    name: 'subclass of a built-in',
    code: 'class MyArr extends Array { sum() { return this.reduce((a, b) => a + b, 0); } } const m = MyArr.from([1, 2, 3]); [m.sum(), m instanceof MyArr, Array.isArray(m), m.map((x) => x).constructor === MyArr].join()',
    expected: '6,true,true,true',
  },
  {
    name: 'subclass of Error',
    code: 'class MyErr extends Error { constructor(m) { super(m); this.name = "MyErr"; } } const e = new MyErr("bad"); [e instanceof Error, e.message, String(e)].join("|")',
    expected: 'true|bad|MyErr: bad',
  },
  { name: 'class fields are initialised per instance, arrows capture this', code: 'class A { n = 1; f = () => this.n; } const a = new A(), b = new A(); b.n = 2; a.f() + b.f()', expected: 3 },
  {
    name: 'field initialisers run after super()',
    code: 'const order = []; class A { constructor() { order.push("A"); } } class B extends A { x = order.push("field"); constructor() { super(); order.push("B"); } } new B(); order.join()',
    expected: 'A,field,B',
  },
  { name: 'new.target', code: 'let r; function F() { r = new.target === F; } new F(); const s = r; F(); [s, r].join()', expected: 'true,false' },
  { name: 'derived constructor must call super', code: 'class A {} class B extends A { constructor() {} } new B()', throws: /^ReferenceError: Must call super constructor/ },
  { name: 'class constructor without new', code: 'class A {} A()', throws: "TypeError: Class constructor A cannot be invoked without 'new'" },
  {
    name: 'computed and symbol-keyed members',
    code: 'const k = "dyn"; class A { [k + 1]() { return 1; } static [Symbol.hasInstance](v) { return v === 7; } } [new A().dyn1(), 7 instanceof A].join()',
    expected: '1,true',
  },
  { name: 'class expression name binding is local', code: 'const C = class Named { who() { return Named.name; } }; [new C().who(), typeof Named].join()', expected: 'Named,undefined' },
  { name: 'private member update inside a larger expression', code: 'class A { #c = 0; m() { return [++this.#c, ++this.#c].join(); } } new A().m()', expected: '1,2' },
  { name: 'member update as an argument', code: 'const o = { c: 0 }; String(++o.c)', expected: '1' },
  { name: 'member compound assignment as an operand', code: 'const o = { c: 1 }, p = {}; p.x = o.c += 2; p.x', expected: 3 },

  // ---- generators ----
  {
    name: 'generator next with values',
    code: 'function* g() { const x = yield 1; yield x * 2; return 3; } const it = g(); [it.next().value, it.next(5).value, it.next().value, it.next().done].join()',
    expected: '1,10,3,true',
  },
  { name: 'yield* delegates and returns', code: 'function* inner() { yield 1; return "r"; } function* outer() { const r = yield* inner(); yield r; } [...outer()].join()', expected: '1,r' },
  {
    name: 'generator throw() is caught inside',
    code: 'function* g() { try { yield 1; } catch (e) { yield "caught " + e; } } const it = g(); it.next(); it.throw("boom").value',
    expected: 'caught boom',
  },
  {
    name: 'generator return() runs finally',
    code: 'const log = []; function* g() { try { yield 1; yield 2; } finally { log.push("f"); } } const it = g(); it.next(); log.push(JSON.stringify(it.return(9))); log.join()',
    expected: 'f,{"value":9,"done":true}',
  },
  {
    name: 'infinite generator with take',
    code: 'function* nat() { for (let i = 0; ; i++) yield i; } function* take(n, it) { for (const x of it) { if (n-- <= 0) return; yield x; } } [...take(5, nat())].join()',
    expected: '0,1,2,3,4',
  },
  { name: 'generator methods and spread of a generator object', code: 'const o = { *[Symbol.iterator]() { yield* [1, 2]; yield 3; } }; Math.max(...o)', expected: 3 },
  { name: 'a running generator cannot be re-entered', code: 'let it; function* g() { it.next(); } it = g(); it.next()', throws: 'TypeError: Generator is already running' },

  // ---- async: promises, await, timers ----
  {
    name: 'microtasks, await and timers in Node order',
    code: `console.log('a');
      setTimeout(() => console.log('timeout'), 0);
      Promise.resolve().then(() => console.log('then 1')).then(() => console.log('then 2'));
      (async () => { console.log('async start'); await null; console.log('after await'); await null; console.log('after await 2'); })();
      queueMicrotask(() => console.log('queueMicrotask'));
      console.log('b');`,
    logs: ['a', 'async start', 'b', 'then 1', 'after await', 'queueMicrotask', 'then 2', 'after await 2', 'timeout'],
  },
  {
    name: 'timers by delay, then insertion order',
    code: "setTimeout(() => console.log('20'), 20); setTimeout(() => console.log('5a'), 5); setTimeout(() => console.log('5b'), 5); setTimeout(() => console.log('0'));",
    logs: ['0', '5a', '5b', '20'],
  },
  {
    name: 'microtasks queued by a timer run before the next timer',
    code: "setTimeout(() => { console.log('t1'); Promise.resolve().then(() => console.log('m1')); }, 1); setTimeout(() => console.log('t2'), 1);",
    logs: ['t1', 'm1', 't2'],
  },
  {
    name: 'setInterval until cleared',
    code: "let n = 0; const id = setInterval(() => { n++; console.log('tick', n); if (n === 3) clearInterval(id); }, 1);",
    logs: ['tick 1', 'tick 2', 'tick 3'],
  },
  {
    name: 'await a rejected promise is caught',
    code: "(async () => { try { await Promise.reject(new Error('x')); } catch (e) { console.log('caught', e.message, e instanceof Error); } })();",
    logs: ['caught x true'],
  },
  {
    name: 'await sleeps on a timer',
    code: "const sleep = (ms, v) => new Promise((r) => setTimeout(r, ms, v)); (async () => { const a = await sleep(10, 'A'); const [b, c] = await Promise.all([sleep(5, 'B'), 'C']); console.log(a + b + c); })();",
    logs: ['ABC'],
  },
  {
    name: 'async generator and for await',
    code: "async function* ag() { yield 1; await null; yield 2; } (async () => { for await (const x of ag()) console.log('got', x); console.log('done'); })();",
    logs: ['got 1', 'got 2', 'done'],
  },
  {
    name: 'thenables are adopted one tick later',
    code: "const th = { then(r) { console.log('then called'); r('v'); } }; Promise.resolve(th).then((v) => console.log('resolved', v)); Promise.resolve().then(() => console.log('plain'));",
    logs: ['then called', 'plain', 'resolved v'],
  },
  {
    name: 'console levels',
    code: "console.log('l'); console.info('i'); console.warn('w'); console.error('e'); console.debug('d');",
    logs: ['l', 'info: i', 'warn: w', 'error: e', 'debug: d'],
  },
  {
    name: 'console.log formats objects like Node',
    code: "console.log({ a: 1, b: [1, 'two', { c: null }], d: undefined }, new Map([[1, 2]]), 'str', 5n);",
    logs: ["{ a: 1, b: [ 1, 'two', { c: null } ], d: undefined } Map(1) { 1 => 2 } str 5n"],
  },
  { name: 'an unhandled rejection fails the run', code: "Promise.reject(new RangeError('nope'));", throws: 'RangeError: nope', rejection: true },
  { name: 'a throw in a timer fails the run', code: "setTimeout(() => { throw new TypeError('late'); }, 1);", throws: 'TypeError: late' },
  {
    name: 'a throw after await rejects the async function',
    code: 'async function f() { await null; null.y; } f();',
    throws: "TypeError: Cannot read properties of null (reading 'y')",
    rejection: true,
  },

  // ---- destructuring and spread ----
  { name: 'object destructuring with defaults and rest', code: 'const { a, b: { c = 5 } = {}, ...rest } = { a: 1, d: 4, e: 5 }; JSON.stringify([a, c, rest])', expected: '[1,5,{"d":4,"e":5}]' },
  { name: 'array destructuring with holes, defaults and rest', code: 'const [x, , y = 3, ...z] = [1, 2, undefined, 4, 5]; JSON.stringify([x, y, z])', expected: '[1,3,[4,5]]' },
  { name: 'swap by destructuring assignment', code: 'let a = 1, b = 2; [a, b] = [b, a]; a * 10 + b', expected: 21 },
  { name: 'parameter patterns', code: 'function f({ x, y = 2 }, [z]) { return x + y + z; } f({ x: 1 }, [3])', expected: 6 },
  { name: 'destructuring assignment to members', code: 'const o = {}; ({ a: o.x, b: o["y"] } = { a: 1, b: 2 }); o.x + o.y', expected: 3 },
  { name: 'destructuring null', code: 'const { a } = null;', throws: /^TypeError: Cannot destructure/ },
  {
    name: 'spread in calls, arrays and objects',
    code: 'JSON.stringify([Math.max(...[1, 5, 3], ...new Set([7])), [..."héllo"].length, { ...{ a: 1 }, b: 2, ...null }])',
    expected: '[7,5,{"a":1,"b":2}]',
  },
  { name: 'spread into new', code: 'new Date(...[2020, 0, 15]).getDate()', expected: 15 },

  // ---- control flow and completion values ----
  {
    name: 'labelled continue and break',
    code: 'let n = 0; outer: for (let i = 0; i < 5; i++) { for (let j = 0; j < 5; j++) { if (j === 2) continue outer; if (i === 3) break outer; n++; } } n',
    expected: 6,
  },
  { name: 'break out of a labelled block', code: 'let r = "a"; lbl: { r += "b"; break lbl; r += "c"; } r', expected: 'ab' },
  {
    name: 'switch with fallthrough and default in the middle',
    code: 'function f(x) { const out = []; switch (x) { case 1: out.push(1); default: out.push("d"); case 2: out.push(2); break; case 3: out.push(3); } return out.join(""); } [f(1), f(2), f(3), f(9)].join()',
    expected: '1d2,2,3,d2',
  },
  { name: 'completion value: try/finally keeps the try value', code: 'eval("try { 1 } finally { 2 }")', expected: 1 },
  { name: 'completion value: catch', code: 'eval("try { throw 1 } catch (e) { 2 } finally { 3 }")', expected: 2 },
  { name: 'completion value: empty try is undefined', code: 'eval("1; try { } finally { }")', expected: undefined },
  { name: 'completion value: break inside finally', code: 'eval("do { 1; try { 2 } finally { 3; break } } while (false)")', expected: 3 },
  { name: 'completion value of a script', code: '7; var unused = 5;', expected: 7 },
  { name: 'completion value: if without else', code: '1; if (true) {}', expected: undefined },
  { name: 'finally overrides return', code: 'function f() { try { return 1; } finally { return 2; } } f()', expected: 2 },
  { name: 'return value is read before finally runs', code: 'function f() { let i = 0; try { return i; } finally { i = 5; } } f()', expected: 0 },
  { name: 'break in finally cancels a return', code: 'function f() { for (;;) { try { return "r"; } finally { break; } } return "after"; } f()', expected: 'after' },
  {
    name: 'nested finally order',
    code: 'const log = []; function f() { try { try { throw new Error("e"); } finally { log.push("inner"); } } catch (e) { log.push("catch " + e.message); } finally { log.push("outer"); } } f(); log.join()',
    expected: 'inner,catch e,outer',
  },
  { name: 'optional catch binding', code: 'let r = "no"; try { null.x; } catch { r = "yes"; } r', expected: 'yes' },
  { name: 'errors thrown through host callbacks', code: 'let r; try { [1, 2].map((x) => { if (x === 2) throw new Error("in map"); return x; }); } catch (e) { r = e.message; } r', expected: 'in map' },
  {
    name: 'for-in walks own then inherited enumerable keys',
    code: 'const p = { inh: 1 }; const o = Object.create(p); o.b = 1; o[2] = 1; o.a = 1; const ks = []; for (const k in o) ks.push(k); ks.join()',
    expected: '2,b,a,inh',
  },

  // ---- with and eval ----
  { name: 'with reads and writes the object', code: 'const o = { a: 1 }; with (o) { a = 2; var b = a + 1; } JSON.stringify([o.a, b])', expected: '[2,3]' },
  { name: 'with honours Symbol.unscopables', code: 'var x = "outer"; const o = { x: "inner", [Symbol.unscopables]: { x: true } }; with (o) { x; }', expected: 'outer' },
  { name: 'with: a function call gets the object as this', code: 'const o = { v: 7, f() { return this.v; } }; with (o) { f(); }', expected: 7 },
  { name: 'direct eval sees locals', code: 'function f() { let a = 2; return eval("a * 3"); } f()', expected: 6 },
  { name: 'indirect eval runs in the global scope', code: 'var a = "global"; function f() { let a = "local"; return (0, eval)("a"); } f()', expected: 'global' },
  { name: 'sloppy direct eval declares vars in the function', code: 'function f() { eval("var q = 9"); return q; } f()', expected: 9 },
  { name: 'strict direct eval keeps its vars', code: 'function f() { "use strict"; eval("var q = 9"); return typeof q; } f()', expected: 'undefined' },
  { name: 'eval syntax errors are catchable guest SyntaxErrors', code: 'let r; try { eval("let let = 1"); } catch (e) { r = e instanceof SyntaxError; } r', expected: true },
  { name: 'new Function', code: 'new Function("a", "b", "return a + b")(2, 3)', expected: 5 },
  { name: 'Function bodies see only the global scope', code: 'var g = "G"; function f() { const g = "L"; return Function("return g")(); } f()', expected: 'G' },
  { name: 'Function.prototype.toString returns the source', code: 'function add(a, b) { return a + b; } add.toString()', expected: 'function add(a, b) { return a + b; }' },

  // ---- templates, optional chaining, operators ----
  { name: 'tagged template strings and raw', code: 'function tag(s, ...v) { return s.raw.join("|") + "/" + v.join(); } tag`a${1}b${2}\\n`', expected: 'a|b|\\n/1,2' },
  { name: 'template object is cached per site', code: 'function t(s) { return s; } function f() { return t`x`; } [f() === f(), Object.isFrozen(f())].join()', expected: 'true,true' },
  { name: 'invalid escapes cook to undefined in tagged templates', code: '((s) => s[0] === undefined && s.raw[0])`\\unicode`', expected: '\\unicode' },
  { name: 'optional call keeps this', code: 'const o = { a: { b() { return this.c; }, c: 7 } }; o?.a?.b()', expected: 7 },
  { name: 'optional chain short-circuits the whole chain', code: 'let n = 0; const o = null; const r = o?.a.b.c[n++]; [r, n].join()', expected: ',0' },
  { name: 'optional call on a missing method', code: 'const o = {}; o.f?.() === undefined && o?.["x"]?.y === undefined', expected: true },
  { name: 'nullish coalescing and logical assignment', code: 'let a = null; a ??= 5; const o = { x: 0 }; o.x ||= 3; o.y ??= 4; [a, 0 ?? "d", null ?? "d", o.x, o.y].join()', expected: '5,0,d,3,4' },
  { name: 'exponent, comma, void, in, delete', code: 'const o = { a: 1 }; [2 ** 10, (1, 2), void 0, "a" in o, delete o.a, "a" in o].join()', expected: '1024,2,,true,true,false' },
  { name: 'typeof an undeclared name', code: 'typeof notDeclaredAnywhere', expected: 'undefined' },
  { name: 'undeclared name is a ReferenceError', code: 'notDeclaredAnywhere + 1', throws: 'ReferenceError: notDeclaredAnywhere is not defined' },
  // strict stores to a global name the storing function's unit does not declare (compiler.ts reference: ResolveGlobalRef)
  {
    name: "strict store to another unit's global var",
    code: 'var V = 1; Function(\'"use strict"; for (var i = 0; i < 3; i++) V = V + 1; [V] = [V * 2]; ({ v: V } = { v: V + 1 });\')(); V',
    expected: 9,
  },
  { name: "strict store to another unit's global let", code: 'let L = 1; Function(\'"use strict"; L = L + 1; [L] = [L * 5];\')(); L', expected: 10 },
  { name: "strict store to another unit's global const", code: 'const C = 1; Function(\'"use strict"; C = 2;\')();', throws: 'TypeError: Assignment to constant variable.' },
  { name: "strict store to another unit's global let before its declaration", code: 'Function(\'"use strict"; T = 2;\')(); let T;', throws: "ReferenceError: Cannot access 'T' before initialization" },
  { name: 'strict store to a global property made earlier', code: 'globalThis.P = 1; Function(\'"use strict"; P = P + 1;\')(); P', expected: 2 },
  { name: 'strict store to an undeclared name', code: 'Function(\'"use strict"; nowhere = 1;\')();', throws: 'ReferenceError: nowhere is not defined' },
  { name: 'strict destructuring store to an undeclared name', code: 'Function(\'"use strict"; [nowhere2] = [1];\')();', throws: 'ReferenceError: nowhere2 is not defined' },
  {
    name: 'strict store at one site to a global deleted between its runs',
    code: 'globalThis.Q2 = 0; var r = []; try { Function(\'"use strict"; for (var i = 0; i < 4; i++) { Q2 = i; r.push(Q2); if (i === 1) delete globalThis.Q2; }\')(); } catch (e) { r.push(e.name); } r.join()',
    expected: '0,1,ReferenceError',
  },
  {
    name: 'strict store at one site to an accessor global that cannot be deleted',
    code: 'var log = []; Object.defineProperty(globalThis, "A2", { get() { return 1; }, set(v) { log.push(v); }, configurable: false }); Function(\'"use strict"; for (var i = 0; i < 3; i++) A2 = i;\')(); log.join()',
    expected: '0,1,2',
  },
  { name: 'strict store to a global deleted since', code: 'globalThis.Q = 1; Function(\'"use strict"; delete globalThis.Q; Q = 2;\')();', throws: 'ReferenceError: Q is not defined' },
  { name: 'calling a non-function', code: 'const o = {}; o.nope()', throws: /^TypeError: o\.nope is not a function$/ },

  // ---- BigInt ----
  { name: 'BigInt arithmetic', code: '(2n ** 64n).toString()', expected: '18446744073709551616' },
  { name: 'BigInt increment and typeof', code: 'let x = 5n; x++; [typeof x, x === 6n, BigInt.asUintN(8, 257n) === 1n].join()', expected: 'bigint,true,true' },
  { name: 'BigInt completion value', code: '10n * 3n', expected: 30n },
  { name: 'mixing BigInt and Number', code: '1n + 1', throws: 'TypeError: Cannot mix BigInt and other types, use explicit conversions' },

  // ---- getters and setters, prototypes ----
  { name: 'object literal accessors', code: 'const o = { _v: 1, get v() { return this._v * 10; }, set v(x) { this._v = x; } }; o.v = 3; o.v', expected: 30 },
  { name: 'defineProperty accessor', code: 'const o = {}; let set; Object.defineProperty(o, "x", { get() { return "g"; }, set(v) { set = v; } }); o.x = 4; o.x + set', expected: 'g4' },
  {
    name: 'inherited setter receives the receiver',
    code: 'const p = { set v(x) { this.own = x; } }; const o = Object.create(p); o.v = 2; [Object.hasOwn(o, "own"), Object.hasOwn(p, "own")].join()',
    expected: 'true,false',
  },
  { name: 'getter throwing', code: 'const o = { get bad() { throw new Error("from getter"); } }; o.bad', throws: 'Error: from getter' },
  { name: 'Proxy and Reflect', code: 'const log = []; const p = new Proxy({ a: 1 }, { get(t, k, r) { log.push(String(k)); return Reflect.get(t, k, r); } }); p.a + p.b; log.join()', expected: 'a,b' },
  { name: 'bound functions', code: 'function f(a, b) { return this.x + a + b; } const g = f.bind({ x: 1 }, 2); [g(3), g.name, g.length].join()', expected: '6,bound f,1' },
  { name: 'callbacks from built-ins: sort comparator, replace function', code: '[[3, 1, 2].sort((a, b) => b - a).join(""), "a-b".replace(/-/, (m) => m + m)].join()', expected: '321,a--b' },

  // ---- iterators ----
  {
    name: 'break closes the iterator',
    code: 'let closed = 0; const it = { [Symbol.iterator]() { let i = 0; return { next: () => ({ value: i++, done: false }), return() { closed++; return {}; } }; } }; for (const x of it) { if (x === 2) break; } closed',
    expected: 1,
  },
  {
    name: 'return, throw and destructuring close iterators',
    code: `let closed = 0;
      const it = { [Symbol.iterator]() { let i = 0; return { next: () => ({ value: i++, done: false }), return() { closed++; return {}; } }; } };
      function f() { for (const x of it) return x; }
      f();
      try { for (const x of it) throw 1; } catch {}
      const [a, b] = it;
      closed`,
    expected: 3,
  },
  {
    name: 'exhausted iterators are not closed',
    code: 'let closed = 0; const it = { [Symbol.iterator]() { let i = 0; return { next: () => ({ value: i, done: i++ > 1 }), return() { closed++; return {}; } }; } }; for (const x of it); closed',
    expected: 0,
  },

  // ---- limits ----
  { name: 'recursion 10 000 frames deep', code: 'function d(n) { return n === 0 ? 0 : 1 + d(n - 1); } d(10000)', expected: 10000 },
  { name: 'recursion 90 000 frames deep (VM frames, not host stack)', code: 'function d(n) { return n === 0 ? 0 : 1 + d(n - 1); } d(90000)', expected: 90000, native: false },
  { name: 'runaway recursion is a guest RangeError', code: 'function r() { return r(); } r()', throws: 'RangeError: Maximum call stack size exceeded' },
  { name: 'runaway recursion can be caught', code: 'function r() { return r(); } let ok; try { r(); } catch (e) { ok = e instanceof RangeError; } ok', expected: true },
  {
    name: 'frameLimit option',
    code: 'function d(n) { return n === 0 ? 0 : 1 + d(n - 1); } d(2000)',
    throws: 'RangeError: Maximum call stack size exceeded',
    options: { frameLimit: 1000 },
    native: false,
  },
  { name: 'recursion through a built-in callback', code: 'function d(n) { return n === 0 ? 0 : [n].map((x) => 1 + d(x - 1))[0]; } d(200)', expected: 200 },
  {
    name: 'recursion through a built-in callback, 1000 deep',
    code: 'function d(n) { return n === 0 ? 0 : [n].map((x) => 1 + d(x - 1))[0]; } d(1000)',
    expected: 1000,
  },
];

async function runInEngine(c: Case): Promise<{ value: unknown; logs: string[] }> {
  const logs: string[] = [];
  const engine: Engine = new Engine({
    ...c.options,
    onConsole: (level, args) => void logs.push((level === 'log' ? '' : level + ': ') + engine.format(args)),
  });
  const value = engine.evaluateScript(c.code, 'case.js');
  await engine.runEventLoop();
  return { value, logs };
}

function matches(actual: string, expected: string | RegExp): boolean {
  return typeof expected === 'string' ? actual === expected : expected.test(actual);
}

// A `todo` case still runs: its assertions are reported as todo, so a fixed bug shows up as a passing todo.
for (const c of cases) {
  t.test(c.name, async (t) => {
    const extra = c.todo ? { todo: c.todo } : {};
    let result: { value: unknown; logs: string[] } | undefined;
    let caught: unknown;
    try {
      result = await runInEngine(c);
    } catch (e) {
      caught = e;
    }
    const describe = (e: unknown) => (e instanceof GuestError ? e.summary : `host error ${String(e)}`);
    if (c.throws !== undefined) {
      const summary = result ? 'no error' : describe(caught);
      t.ok(matches(summary, c.throws), `throws ${String(c.throws)} (got ${summary})`, extra);
      if (c.rejection !== undefined) t.equal(caught instanceof GuestError && caught.kind, c.rejection ? 'unhandled-rejection' : 'uncaught', 'error kind', extra);
      return;
    }
    if (!result) return void t.fail(`threw ${describe(caught)}`, extra);
    if (c.logs) t.same(result.logs, c.logs, 'console output', extra);
    if ('expected' in c) t.equal(result.value, c.expected, 'completion value', extra);
  });
}

// The table checked against V8 itself: synchronous cases in a plain context.
t.test('the table agrees with V8', async (t) => {
  for (const c of cases) {
    if (c.logs || c.native === false || c.rejection !== undefined) continue;
    let value: unknown, error: unknown;
    try {
      value = vm.runInNewContext(c.code, {}, { filename: 'case.js' });
    } catch (e) {
      error = e;
    }
    if (c.throws !== undefined) {
      const summary = error instanceof Object ? `${(error as Error).name}: ${(error as Error).message}` : String(error);
      // timers are not in a bare context: only synchronous throws are compared
      if (/setTimeout|Promise/.test(c.code)) continue;
      t.ok(matches(summary, c.throws), `${c.name}: V8 says ${summary}`);
    } else if ('expected' in c) {
      t.equal(value, c.expected, `${c.name}${error ? ` (V8 threw ${String(error)})` : ''}`);
    }
  }
});

t.test('a 10 000 000-iteration loop finishes with flat memory', { timeout: 600_000 }, async (t) => {
  const engine = new Engine();
  engine.evaluateScript('function sum(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; } sum(1000);', 'warm.js');
  const before = process.memoryUsage().heapUsed;
  const start = performance.now();
  const value = engine.evaluateScript('sum(10000000)', 'loop.js');
  const ms = performance.now() - start;
  const grown = process.memoryUsage().heapUsed - before;
  t.equal(value, 49999995000000);
  t.ok(grown < 32 * 1024 * 1024, `heap grew ${(grown / 1048576).toFixed(1)} MiB (< 32 MiB) in ${ms.toFixed(0)} ms`);
});

t.test('two engines share nothing', async (t) => {
  const a = new Engine();
  const b = new Engine();
  a.evaluateScript('var shared = 1; Array.prototype.polluted = true;', 'a.js');
  t.equal(b.evaluateScript('typeof shared + "," + [].polluted', 'b.js'), 'undefined,undefined');
  t.equal(a.evaluateScript('typeof shared + "," + [].polluted', 'a2.js'), 'number,true');
});

t.test('guest errors carry a guest stack with positions', async (t) => {
  const engine = new Engine();
  try {
    engine.evaluateScript('function inner() {\n  return null.x;\n}\nfunction outer() { return inner(); }\nouter();', 'stack.js');
    t.fail('no error');
  } catch (e) {
    t.ok(e instanceof GuestError);
    const err = e as GuestError;
    t.equal(err.kind, 'uncaught');
    t.match(err.guestStack, /^TypeError: Cannot read properties of null \(reading 'x'\)\n {4}at inner \(stack\.js:2:\d+\)\n {4}at outer \(stack\.js:4:\d+\)\n {4}at stack\.js:5:1/);
  }
  try {
    engine.evaluateScript('let a = ;', 'syntax.js');
    t.fail('no error');
  } catch (e) {
    const err = e as GuestError;
    t.equal(err.kind, 'syntax');
    t.match(err.guestStack, /^SyntaxError: .*\n {4}at syntax\.js:1:9/);
  }
});

t.test('errors created by guest code get a guest stack', async (t) => {
  const engine = new Engine();
  const stack = engine.evaluateScript('function f() { return new Error("made"); }\nf().stack', 'made.js');
  t.match(stack, /^Error: made\n {4}at f \(made\.js:1:\d+\)/, 'stack of `new Error()`');
});
