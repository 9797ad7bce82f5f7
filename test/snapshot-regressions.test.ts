// The failure classes users of JavaScript serializers report (Pulumi's function serializer,
// JS-Interpreter, Node's startup snapshots; ../shared/REFERENCE.md, last section), one row each:
// the state is built, snapshotted, restored in a fresh engine, and `check` must print in the
// restored engine exactly what it prints in the engine that never stopped.
import t from 'tap';
import { outputs } from './snapshot-lib';

interface Row {
  klass: string;
  name: string;
  setup: string;
  check: string;
  /** What check prints (a guard against a row that passes by printing nothing). */
  expected: string;
}

const ROWS: Row[] = [
  // 1. built-ins reached through captured values
  {
    klass: '1 built-ins',
    name: 'a captured built-in function is the built-in',
    setup: 'var max = Math.max; var keys = Object.keys;',
    check: 'log(max === Math.max, keys === Object.keys, max(1, 3))',
    expected: 'true true 3',
  },
  {
    klass: '1 built-ins',
    name: 'a built-in method captured in a closure',
    setup: 'var join = (function (j) { return (a) => j.call(a, "-"); })(Array.prototype.join);',
    check: 'log(join([1, 2]))',
    expected: '1-2',
  },
  {
    klass: '1 built-ins',
    name: 'a modified built-in keeps its modification',
    setup: 'Array.prototype.sum = function () { return this.reduce((a, b) => a + b, 0); }; String.prototype.shout = function () { return this.toUpperCase() + "!"; }; delete Math.hypot;',
    check: 'log([1, 2, 3].sum(), "hi".shout(), typeof Math.hypot)',
    expected: '6 HI! undefined',
  },
  {
    klass: '1 built-ins',
    name: 'a replaced global and a global added by the program',
    setup: 'var realParse = JSON.parse; JSON.parse = function (s) { return "patched:" + s; }; globalThis.appConfig = { debug: true };',
    check: 'log(JSON.parse("x"), realParse("[1]")[0], appConfig.debug)',
    expected: 'patched:x 1 true',
  },
  { klass: '1 built-ins', name: 'no library is dragged in: only what the program made is written', setup: 'var small = { a: 1 };', check: 'log(small.a)', expected: '1' },
  // 2. class and object behaviour
  {
    klass: '2 objects',
    name: 'prototype methods stay on the prototype',
    setup: 'class A { m() { return "m"; } } var a = new A();',
    check: 'log(a.m(), Object.keys(a).length, Object.getPrototypeOf(a) === A.prototype, A.prototype.hasOwnProperty("m"))',
    expected: 'm 0 true true',
  },
  { klass: '2 objects', name: 'getters are not evaluated at capture time', setup: 'var n = 0; var o = { get next() { return ++n; } };', check: 'log(n, o.next, o.next, n)', expected: '0 1 2 2' },
  {
    klass: '2 objects',
    name: 'typed arrays and buffers are read by their slots: no getter or own property the program added runs or fools capture',
    setup:
      'var n = 0; var buf = new ArrayBuffer(8, { maxByteLength: 16 }); var u = new Uint16Array(buf, 2, 2); u[0] = 7; u[1] = 9; var d = new DataView(buf, 4); ' +
      'Object.defineProperty(u, "length", { get() { n++; return 1e9; } }); Object.defineProperty(u, "buffer", { get() { n++; return null; } }); ' +
      'Object.defineProperty(u, "byteOffset", { value: -1 }); Object.defineProperty(u, "BYTES_PER_ELEMENT", { get() { n++; return 3; } }); ' +
      'Object.defineProperty(buf, "byteLength", { get() { n++; return 1; } }); Object.defineProperty(buf, "resizable", { get() { n++; return false; } }); ' +
      'Object.defineProperty(buf, "maxByteLength", { get() { n++; return 2; } }); Object.defineProperty(d, "buffer", { get() { n++; return null; } }); ' +
      'Object.defineProperty(Object.getPrototypeOf(Uint8Array.prototype), "buffer", { get() { n++; return null; }, configurable: true });',
    check:
      'log(n, u[0], u[1], Uint16Array.prototype.__lookupGetter__("length").call(u), Object.getOwnPropertyDescriptor(u, "byteOffset").value, d.getUint16(0, true), buf.resize(12) === undefined, new Uint8Array(buf).length, n)',
    expected: '0 7 9 2 -1 9 true 12 0',
  },
  {
    klass: '2 objects',
    name: 'a Map comes back as a Map with its entries',
    setup: 'var k = { id: 1 }; var m = new Map([[k, "obj"], ["s", [1, 2]]]); var s = new Set(["a", k]);',
    check: 'log(m instanceof Map, m.size, m.get(k), m.get("s").length, s.has(k), [...s][0])',
    expected: 'true 2 obj 2 true a',
  },
  {
    klass: '2 objects',
    name: 'symbol keys, registered and unique symbols',
    setup: 'var u = Symbol("u"); var o = { [u]: 1, [Symbol.for("r")]: 2, [Symbol.iterator]: function* () { yield 3; } };',
    check: 'log(o[u], o[Symbol.for("r")], [...o][0], Object.getOwnPropertySymbols(o).length)',
    expected: '1 2 3 3',
  },
  {
    klass: '2 objects',
    name: 'array subclasses keep their class',
    setup: 'class Stack extends Array { top() { return this[this.length - 1]; } } var st = new Stack(); st.push(1, 2);',
    check: 'log(st instanceof Stack, Array.isArray(st), st.top(), st.length)',
    expected: 'true true 2 2',
  },
  {
    klass: '2 objects',
    name: 'proxies keep target and handler',
    setup: 'var seen = []; var p = new Proxy({ a: 1 }, { get(t, k) { seen.push(String(k)); return t[k] * 10; } });',
    check: 'log(p.a, seen.join())',
    expected: '10 a',
  },
  {
    klass: '2 objects',
    name: 'property attributes, accessors and integrity levels',
    setup: 'var o = {}; Object.defineProperty(o, "ro", { value: 1, enumerable: false }); Object.defineProperty(o, "acc", { get() { return 2; }, configurable: true }); Object.freeze(o);',
    check: 'log(JSON.stringify(Object.getOwnPropertyDescriptor(o, "ro")), o.acc, Object.isFrozen(o))',
    expected: '{"value":1,"writable":false,"enumerable":false,"configurable":false} 2 true',
  },
  // 3. newer function kinds
  {
    klass: '3 functions',
    name: 'an async generator suspended mid-way',
    setup: 'async function* gen() { yield 1; await null; yield 2; } var it = gen(); var first = it.next();',
    check: 'first.then((r) => it.next().then((r2) => log(r.value, r2.value)))',
    expected: '1 2',
  },
  {
    klass: '3 functions',
    name: 'classes with private fields, methods, accessors and static blocks',
    setup:
      'class C { #x = 1; static #count = 0; static { C.ready = true; } #inc() { return ++this.#x; } get x() { return this.#x; } bump() { C.#count++; return this.#inc(); } static get count() { return C.#count; } } var c = new C();',
    check: 'log(c.bump(), c.x, C.count, C.ready, #x in c ? 1 : 0)'.replace('#x in c', 'Object.hasOwn(c, "x")'),
    expected: '2 2 1 true 0',
  },
  {
    klass: '3 functions',
    name: 'bound functions and arrow functions with lexical this',
    setup: 'var obj = { v: 7, arrow() { return () => this.v; } }; var a = obj.arrow(); var b = function (x) { return this.v + x; }.bind({ v: 1 }, 2);',
    check: 'log(a(), b(), b.name)',
    expected: '7 3 bound ',
  },
  {
    klass: '3 functions',
    name: 'a generator suspended inside a for-of over an array',
    setup: 'function* g(list) { for (const x of list) yield x * 2; } var it = g([1, 2, 3]); it.next();',
    check: 'log(it.next().value, it.next().value, it.next().done)',
    expected: '4 6 true',
  },
  {
    klass: '3 functions',
    name: 'a generator suspended inside a using block (its disposal list is captured)',
    setup:
      'var out = []; function res(n) { return { [Symbol.dispose]() { out.push("d" + n); } }; } function* g() { using a = res(1); { using b = res(2); yield 1; } yield 2; } var it = g(); it.next();',
    check: 'it.next(); var before = out.join(); it.return(); log(before, out.join())',
    expected: 'd2 d2,d1',
  },
  {
    klass: '3 functions',
    name: 'an async function suspended inside an await using block',
    setup:
      'var out = []; var release; var gate = new Promise((r) => (release = r)); async function f() { await using a = { async [Symbol.asyncDispose]() { out.push("ad"); } }; using s = { [Symbol.dispose]() { out.push("sd"); } }; await gate; out.push("body"); } var done = f();',
    check: 'release(); done.then(() => log(out.join()))',
    expected: 'body,sd,ad',
  },
  {
    klass: '3 functions',
    name: "a function's deleted length and name stay deleted",
    setup:
      'function g(a, b, c) {} delete g.length; var f = Function("a,b", "c", null); delete f.length; var h = function named() {}; delete h.name; var k = () => 1; delete k.name; Object.defineProperty(k, "name", { value: "k2", configurable: true, writable: true, enumerable: true });',
    check: 'log(Object.hasOwn(g, "length"), g.length, Object.hasOwn(f, "length"), f.length, JSON.stringify(h.name), Object.hasOwn(h, "name"), Reflect.ownKeys(k).join(), k.name)',
    expected: 'false 0 false 0 "" false length,name k2',
  },
  // 4. scope analysis
  {
    klass: '4 scopes',
    name: 'typeof guards on names that do not exist',
    setup: 'function has() { return typeof notDefinedAnywhere === "undefined" ? "no" : "yes"; }',
    check: 'log(has())',
    expected: 'no',
  },
  {
    klass: '4 scopes',
    name: 'implicit globals made by sloppy assignment',
    setup: 'function mk() { implicitGlobal = 42; } mk();',
    check: 'log(implicitGlobal, Object.getOwnPropertyDescriptor(globalThis, "implicitGlobal").configurable)',
    expected: '42 true',
  },
  {
    klass: '4 scopes',
    name: 'a global built-in used by a closure resolves in the restoring engine',
    setup: 'function later() { return typeof setTimeout + " " + typeof queueMicrotask; }',
    check: 'log(later())',
    expected: 'function function',
  },
  {
    klass: '4 scopes',
    name: 'shared scopes stay shared; shadowing and TDZ stay as they were',
    setup:
      'var pair = (function () { let n = 0; return { inc: () => ++n, get: () => n }; })(); let shadow = "outer"; var read = (function () { let shadow = "inner"; return () => shadow; })(); pair.inc();',
    check: 'pair.inc(); log(pair.get(), read(), shadow)',
    expected: '2 inner outer',
  },
  {
    klass: '4 scopes',
    name: 'direct eval and with statements keep their dynamic scopes',
    setup: 'var dyn = (function () { var local = 5; eval("var fromEval = 6"); return () => local + fromEval; })(); var w = { k: 1 }; var inWith; with (w) { inWith = function () { return k; }; }',
    check: 'w.k = 9; log(dyn(), inWith())',
    expected: '11 9',
  },
  // 5. in-flight asynchronous work (Node's startup snapshots cannot hold it)
  {
    klass: '5 async',
    name: 'pending promises with reactions, microtasks and timers',
    setup: 'var out = []; var res; var p = new Promise((r) => (res = r)); p.then((v) => out.push("then " + v)); queueMicrotask(() => out.push("micro")); setTimeout(() => out.push("timer"), 5);',
    check: 'res(1); setTimeout(() => log(out.join()), 20)',
    expected: 'micro,then 1,timer',
  },
  {
    klass: '5 async',
    name: 'an async function awaiting, with its locals',
    setup: 'var out; async function f() { const local = "kept"; const v = await new Promise((r) => setTimeout(() => r(5), 5)); out = local + " " + v; } f();',
    check: 'setTimeout(() => log(out), 20)',
    expected: 'kept 5',
  },
  {
    klass: '5 async',
    name: 'Promise.all in progress',
    setup: 'var out; var r1; Promise.all([new Promise((r) => (r1 = r)), Promise.resolve(2)]).then((v) => (out = v.join("+")));',
    check: 'r1(1); setTimeout(() => log(out), 5)',
    expected: '1+2',
  },
  // 6. V8's iterators held as values (interpreter/iterators.ts): mid-way, exhausted, shared
  {
    klass: '6 iterators',
    name: 'an array iterator mid-way, shared by two holders, and an exhausted one',
    setup: 'var a = [1, 2, 3, 4]; var it = a.values(); it.next(); var holders = { x: it, y: it }; var [second] = it; var gone = [5].keys(); gone.next(); gone.next(); a.push(5);',
    check:
      'log(second, holders.x === holders.y, JSON.stringify([...holders.y]), JSON.stringify(it.next()), JSON.stringify(gone.next()), Object.getPrototypeOf(it) === Object.getPrototypeOf([].values()))',
    expected: '2 true [3,4,5] {"done":true} {"done":true} true',
  },
  {
    klass: '6 iterators',
    name: 'a Map iterator made by .call, entries deleted and added around its cursor',
    setup: 'var m = new Map([["a", 1], ["b", 2], ["c", 3], ["d", 4]]); var it = Map.prototype.entries.call(m); it.next(); it.next(); m.delete("a"); m.delete("c"); m.set("e", 5);',
    check: 'm.set("f", 6); log(JSON.stringify([...it]), m.size)',
    expected: '[["d",4],["e",5],["f",6]] 4',
  },
  {
    klass: '6 iterators',
    name: 'a Map iterator with an own property and a frozen Set iterator (their entries counted another way)',
    setup: 'var m = new Map([[1, "a"], [2, "b"], [3, "c"]]); var it = m.values(); it.next(); it.tag = "t"; var s = new Set([1, 2, 3]); var fz = Object.freeze(s.values()); fz.next(); s.delete(1);',
    check: 'log(it.tag, JSON.stringify([...it]), JSON.stringify([...fz]), Object.isFrozen(fz))',
    expected: 't ["b","c"] [2,3] true',
  },
  {
    klass: '6 iterators',
    name: 'Set iterators: keys and values, one at its end but not done, one done',
    setup: 'var s = new Set([1, 2]); var atEnd = s.keys(); atEnd.next(); atEnd.next(); var done = s[Symbol.iterator](); done.next(); done.next(); done.next(); var ents = s.entries();',
    check: 's.add(3); log(JSON.stringify(atEnd.next()), JSON.stringify(done.next()), JSON.stringify(ents.next().value), s.keys === s.values)',
    expected: '{"value":3,"done":false} {"done":true} [1,1] true',
  },
  {
    klass: '6 iterators',
    name: 'string, typed array and arguments iterators mid-way',
    setup:
      'var st = "a\u{1F600}b"[Symbol.iterator](); st.next(); st.next(); var ta = new Uint8Array([7, 8, 9]).entries(); ta.next(); function f() { var i = arguments[Symbol.iterator](); i.next(); return i; } var ar = f("x", "y");',
    check: 'log(st.next().value, JSON.stringify(ta.next().value), ar.next().value, ar.next().done)',
    expected: 'b [1,8] y true',
  },
  {
    klass: '6 iterators',
    name: 'RegExp string iterators (matchAll) mid-way, finished, over a subclass',
    setup:
      'var it = "a1b22c333".matchAll(/\\d+/g); it.next(); class R2 extends RegExp {} var sub = new R2("b", "g")[Symbol.matchAll]("abab"); sub.next(); var fin = /x/g[Symbol.matchAll]("x"); fin.next(); fin.next();',
    check: 'log(JSON.stringify([...it].map(String)), JSON.stringify([...sub].map((m) => m.index)), JSON.stringify(fin.next()))',
    expected: '["22","333"] [3] {"done":true}',
  },
  {
    klass: '6 iterators',
    name: 'iterator helpers and Iterator.from over V8 iterators, mid-way',
    setup:
      'var seen = []; var h = [1, 2, 3, 4].values().map((x) => (seen.push(x), x * 10)).filter((x) => x !== 30); h.next(); var w = Iterator.from(new Map([[1, "x"], [2, "y"]]).values()); w.next(); var m = new Set([4, 5, 6]).values(); m.next();',
    check: 'log(JSON.stringify([...h]), seen.join(), w.next().value, m.reduce((acc, v) => acc + v, 0))',
    expected: '[20,40] 1,2,3,4 y 11',
  },
];

for (const row of ROWS) {
  t.test(`${row.klass}: ${row.name}`, async (t) => {
    const restored = await outputs(row.setup, row.check, true);
    const direct = await outputs(row.setup, row.check, false);
    t.same(restored, direct, 'as if never interrupted');
    t.same(restored, [row.expected]);
  });
}
