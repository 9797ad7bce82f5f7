// A short guest program run once per process, when the first program runs long enough to need it
// (Engine.deferWarmUp): it executes each instruction the interpreter loop handles inline at least
// once, with small-integer, fractional, string and object operands.
//
// Why: `VM.loop` is one large function that V8 optimizes as a whole. When optimized code reaches an
// instruction whose code never ran before (no type feedback even for its `sp - 1`), V8 throws the
// optimized code away and compiles all of it again: 100–250 ms of compiler time each (0.4–1 s on the
// loaded 2-core machine), several times per Octane program. With feedback for every instruction from
// here, the first optimized loop stays.
// Guests cannot see it: it runs in two private engines (each with a share of the values in turn, so that
// no site of the loop has seen one engine's functions and maps only: engine.ts, runPrivateWarmUp), keeps
// everything in locals, and deletes the one var global it writes (the private script's own global
// function and lexical bindings die with its engine).
//
// V8 starts that compile while the first share runs (2026-11-27: in every traced program), so the first
// share must reach every instruction: it runs the whole body over the first value (each kind of call
// twice at one site), and each path (every kind of call and constructor, each operator with non-constant
// operands) is written out in the body rather than picked by the value. Check with `node --trace-deopt-verbose bin/snapvm.js run FILE`:
// a bailout of `loop` for "Insufficient type feedback" names a line of dist/src/interpreter/vm.js whose
// instruction this program does not run early enough. test/warmup.test.ts runs it to its end (the engine
// swallows its errors: a warm-up that throws half-way only shows as those bailouts) and reads V8's block
// coverage of `loop` after it: every block but throws and a named few must have run (a miss names its code).
/**
 * Safe points (loop back-edges and guest function entries) a program runs before the warm-up: V8 marks
 * the loop for optimization after a few hundred iterations of a small guest loop, so the warm-up's
 * feedback must come first; a short program (a hello world, most restores' first turn) never pays it.
 */
export const WARMUP_AFTER_SAFEPOINTS = 64;

/**
 * The warm-up program, a guest function expression `(function (from, to, rounds) {…})`: `rounds` passes
 * over its values `from` to `to`. `lexical`: its script declares the top-level let and const (LEXICAL)
 * that it reads and writes (only in a private engine: a lexical global cannot be deleted afterwards),
 * else they are the function's own variables.
 */
const LEXICAL = 'let __snapvmWarmupL = 0; const __snapvmWarmupC = 1;';
function warmupFunction(lexical: boolean): string {
  return `(function (from, to, rounds) {
  ${lexical ? '' : LEXICAL.replace(/let|const/g, 'var')}
  function P(a, b) { this.a = a; this.b = b; }
  P.prototype.m = function (k) { return this.a * k + this.b; };
  function Q(a) { P.call(this, a, a); P.apply(this, [a, a]); }
  Q.prototype = Object.create(P.prototype);
  function R() { P.apply(this, arguments); }
  R.prototype = P.prototype;
  function* gen(x) { yield x; yield* [x, x]; return x; }
  async function af(x, k) { var v = await x; if (k & 1) v = await Promise.resolve(k); return v; }
  class C { constructor(x) { this.x = x; } get g() { return this.x; } set g(v) { this.x = v; } m() { return 1; } static st() { return 2; } }
  class D extends C { constructor() { super(1); } m() { return super.m() + 1; } sm(v) { super.x = v; super['y'] = v; [super.x, super['y']] = [v, v]; } }
  var vals = [1, 2.5, 'x']; // (a small integer, a fraction, a string: with i, each branch on i & 1, i & 2, i % 3 both ways)
  var kinds = [[1, 2, 3], [1.5, 2.5, 3.5], ['a', 'b', 'c'], [1, , 3], [1.5, , 3.5], [{}, , 'c'], new Array(3), [true, null, 1],
    new Uint8ClampedArray(3), new Uint8Array(3), new Int32Array(3), new Float32Array(3), new Float64Array(3)];
  function fa(x) { return arguments.length + x; }
  function fd(x, y = 1) { return x + y; }
  function fr(x, ...more) { return x + more.length; }
  var mo = { fa: fa };
  var o = { p: 1 }, arr = [1, 2, 3], s = 0, t = '', f64 = new Float64Array(4), i32 = new Int32Array(4);
  try {
  // a global var declared by an indirect eval (configurable: deleted below), for DeclareGlobals
  (0, eval)('var __snapvmWarmup = 0');
  for (var r = 0; r < rounds; r++) {
    for (var i = from; i < to && i < vals.length; i++) {
      var a = vals[i], b = vals[(i + 1) % vals.length], n = i + 0.5;
      // each kind of call and \`new\` twice at one site: the second run takes the site's cached callee
      for (var rr = 0; rr < 2; rr++) {
        s = fa(rr) + fd(rr) + fr(rr, n) + new P(rr, n).m(1) + mo.fa(rr) + Math.max(rr, 1) + new C(rr).m() + new D().g;
        P.call(o, rr, n); P.apply(o, [rr, n]); s = (function () { return rr; })(); s = [rr].map(fa).length; s = RegExp('a').flags;
      }
      // globals (a script's own let/const too, in a private engine), written and read in the first round
      globalThis.__snapvmWarmup = s; __snapvmWarmup = t; s = __snapvmWarmup; s = typeof __snapvmWarmup; s = typeof __snapvmNone;
      (function () { 'use strict'; __snapvmWarmup = s; [__snapvmWarmup] = arr; })(); // (strict stores to a name no scope declares)
      __snapvmWarmupL = i; s = __snapvmWarmupL + __snapvmWarmupC; __snapvmWarmupL += n; s = typeof __snapvmWarmupL;
      // array literals of every elements kind, generators, async functions, classes, spreads
      var lit = [i, n, a, o, null]; s = [n].length + [a].length + [o].length + [i, n].length + lit.length;
      for (var gv of gen(a)) s = gv;
      af(a, i);
      var c = i & 1 ? new C(a) : new D(); s = c.g + c.m() + C.st(); c.g = n;
      s = Math.max(...arr, ...[n]); var sp = { ...o, z: a }; var { p: pp, ...rest } = sp; var [x0, , ...xs] = lit; s = pp + x0 + xs.length;
      s = \`\${a}-\${n}\`; switch (i % 3) { case 0: s = 0; break; case 1: s = 1; break; default: s = 2; }
      s = o.none?.(); s = o.none?.x; delete sp.z; s = 'z' in sp;
      s = fa(i, n) + fd(i) + fr(i, n, a); o.fa = fa; s = o.fa(n); var p0 = new P(i, n); s = p0.m.call(p0, i) + p0.m.apply(p0, [n]);
      var two = i + 2, big = 0x7fffff00 + i; s = n % two; s = i % two; s = a % two; s = big + 1000; s = big + n; big += 70000; s = big - 0x7fffff00;
      switch (i) { case 0: let sw = i; s = sw; break; default: let sx = n; s = sx; }
      s = (t + 'a').x; s = (n + 1).x; s = (a + '').length; s = (t + 'a').charAt(0); s = (n + 1).toFixed(1);
      var mk = i & 1 ? 'm' : 'st'; s = (i & 1 ? c : C)[mk](); s = p0['m'](1); s = arr.map(function (x) { return x + i; }).length;
      s = a + b; s = n - i; s = n * i; s = n / 2; s = i % 3; s = i & 1; s = i | 1; s = i ^ 1;
      s = i << 1; s = i >> 1; s = i >>> 1; s = -n; s = +n; s = ~i; s = !a;
      if (a < b) s++; if (a <= b) s++; if (a > b) s++; if (a >= b) s++;
      if (a === b) s++; if (a !== b) s++; if (a == b) s++; if (a != b) s++;
      s = a < b; s = a <= b; s = a > b; s = a >= b; s = a == b; s = a != b; s = a === b; s = a !== b;
      var m = i & 1 ? null : i & 2 ? undefined : o;
      if (m == null) s++; if (m != null) s++; s = m == null; s = m != null; s = m ?? a;
      if (a) s++; if (!a) s++; s = a && b; s = a || b; s = a ?? b; s = o?.p;
      s = typeof a; s = 'p' in o; s = o instanceof P;
      var j = i; j++; j--; ++j; --j; s = j++ + j--; s = ++j + --j; var w = a; s = w++; w = a; s = --w;
      o.p--; arr[0]--; s = --o.p + ++o.p + o.p-- + arr[1]++;
      s = a + 1; s = a - 1; s = a * 2; s = a & 3; s = a | 4; s = a << 1; s = a >> 1; s = a >>> 1;
      if (a < 2) s++; if (a <= 2) s++; if (a > 2) s++; if (a >= 2) s++;
      s = n + 1; s = n - 1; s = n * 2; s = n & 3; s = n | 4; s = n << 1; s = n >> 1; s = n >>> 1;
      s = i + 1; s = i - 1; s = i * 2; s = i & 3; s = i | 4; s = i << 1; s = i >> 1; s = i >>> 1;
      if (n < 2) s++; if (n <= 2) s++; if (n > 2) s++; if (n >= 2) s++; if (i < 2) s++; if (i <= 2) s++; if (i > 2) s++; if (i >= 2) s++;
      var one = i & 1 ? 1 : 0.5; s = n + one; s = n - one; s = n * one; s = n & one; s = n | one; s = n ^ one; s = n << one; s = n >> one; s = n >>> one;
      s = i & one; s = i | one; s = i ^ one; s = i << one; s = i >> one; s = i >>> one; s = i - one; s = i * one;
      var q = i % 3; s = arr[q]; s = vals[q]; s = a[q]; s = f64[q]; s = o[q]; arr[q] = n;
      // each element access site sees arrays of every elements kind (their loads and stores stay generic;
      // once per pass and engine is enough for that). A site that saw the two private engines' arrays only
      // keeps their maps in the optimized loop, which V8 throws away when those die ("weak objects")
      for (var kk = 0; kk < kinds.length && i === from; kk++) {
        var ka = kinds[kk];
        s = ka[q]; s = ka[q + 0]; ka[q] += 0; ka[q] = ka[q]; try { ka[q](); } catch (e) { s = e; } // (a computed callee: GetElemKeep)
        (function (x, y) { 'use strict'; x[y] = x[y]; s = x[y] = x[y]; })(ka, q);
      }
      (function (x, y) { 'use strict'; x[0] = y; arr[q] = y; o[q] = y; })(arr, n);
      // every kind of constructor on each pass (the first share runs one value only)
      var p = new P(n, i), pq = new Q(i), pr = new R(i, n); p = i & 1 ? p : i & 2 ? pq : pr;
      s = p.m(2) + p.a + o.p + arr[i % 3] + arr.length; o.p = n; arr[i % 3] = a; o['q' + i] = i;
      s = n | 0; s = n & 255; s = n ^ 1; s = n << 1; s = n >> 1; s = n >>> 0; s = 0x7fffffff & n; s = 4294967295 >>> 1;
      s = i * 0x10000 * 0x10000; s = s - 1.5; s = s + 0.25; s = s * 1.5; s = s / 3; s = s % 2;
      arr[i % 3] += 1; arr[i % 3] -= 1; arr[0]++; o.p += 2; o.p++; o['p'] *= 1; j += 1; j -= 0.5; j |= 0; j <<= 1;
      f64[i & 3] = n; i32[i & 3] = i; s = f64[i & 3] + i32[i & 3] + f64.length;
      t = 'ab'.length + 'ab'[0] + t.charAt(0) + 'abc'.charCodeAt(1) + String.fromCharCode(65 + i);
      var str = t, box = { s: t, n: n };
      s = str.length + box.s.length + str.charAt(0).length + box.s.charAt(0).length + box.n.toFixed(1).length;
      str.length += 0; box.s.length += 0; str.x = 1; box.s.x = 1; str[0] += ''; s = str[0] + box.s[1] + n.x;
      s = Math.max(i, 1) + (function (x, y) { return x + y + arguments.length; })(i, n);
      s = (function (x, y = 1) { return x + y; })(i) + (function ({ q }, ...rest) { return q + rest.length; })({ q: i }, n);
      try { if (i & 1) throw new TypeError('w'); } catch (e) { s = e; } finally { s = 0; }
      for (var k in o) s = k;
      for (var v of arr) s = v;
      (function () { var c = i; return function () { return c++; }; })()();
      // literals, chained stores, members of members, strings and BigInts as operands, register inc/dec of
      // non-numbers, outer environments (depth > 0: read, written, TDZ-checked), block environments
      var bf = false, bt = true; s = bf || bt; s = i > 1 ? false : true;
      s = o.p = n; var oo = { o: o, a: arr }; s = oo.o.p = n; oo.o.p += 1; oo.o.p++; s = oo.o.m?.(); oo.a[q] += 1; oo.a[q]++; s = oo.a[q];
      var kobj = [q]; o[kobj] = i; s = o[kobj];
      var sa = '6' + i, sb = '2'; s = sa - sb; s = sa * sb; s = sa / sb; s = sa % sb; s = sa & sb; s = sa | sb; s = sa ^ sb; s = sa << sb; s = sa >> sb; s = sa >>> sb; s = -sa;
      var w1 = sa, w2 = sa, w3 = sa, w4 = sa; w1++; w2--; ++w3; --w4; s = w1 + w2 + w3 + w4;
      var bi = 1n, bj = 1n; s = bi++ + bj--; s = ++bi + --bj; var ob = { b: 1n }; ob.b--; ob.b++; --ob.b; ++ob.b;
      var ro = oo, fl = [fa]; s = (ro.o?.fa)(1) + (o?.fa)(1) + fl[q - q](i); __snapvmWarmup = undefined; s = __snapvmWarmup;
      if (a == a) s++; if (a != a) s++; if (a == b) s++; if (a != b) s++;
      s = (function (x, y) { return y; })(i) + (function () { 'use strict'; return this; }).call(i) + (function () { return this; }).call(i);
      var bound = fa.bind(null, i); s = bound(n); var gi = gen(a); s = gi.next().value;
      s = (function () { var tf = () => this.p; return tf(); }).call(o);
      s = (function tc(x) { 'use strict'; return x > 0 ? tc(x - 1) : x; })(2);
      s = (function () {
        var v0 = i, g0 = () => v0;
        { let w0 = n; var g1 = () => w0; var v0 = a; }
        let lc = i; var set = () => { lc = n; v0 = lc; return lc; };
        return function () { return function () { v0 = v0 + 1; return g0() + g1() + set() + v0; }; };
      })()()();
      s = (function (step) { var count = i; return function () { count += step; return count; }; })(n)();
      s = (function () { let lz = i; return function () { var m = n; return function () { m++; lz = lz + m; return lz; }; }; })()()();
      var dd = new D(); dd.sm(n); s = [oo.o.p, oo.a[q]] = [n, i]; s = ({ z: oo.o.p } = { z: n });
      for (let li = 0; li < 2; li++) { s = () => li; if (li > 5) break; }
      switch (0) { case 0: let sy = i; sy = n; s = sy; }
    }
  }
  } finally {
    delete globalThis.__snapvmWarmup; // (also when it throws: a guest realm's warm-up, WARMUP_SOURCE, leaves nothing)
  }
})`;
}

/** The warm-up in a realm no guest code has run in: two passes over all its values (`this;`: a script's top-level this, GlobalThis). */
export const WARMUP_SOURCE = `this; ${warmupFunction(false)}(0, 1e9, 2);`;

/**
 * The warm-up for a private engine (Engine.deferWarmUp): the script defines the global function
 * `__snapvmWarmupRun(from, to, rounds)`; the engine then calls it for a share of the values at a time.
 */
export const WARMUP_PRIVATE_SOURCE = `${LEXICAL} this; var __snapvmWarmupRun = ${warmupFunction(true)};`;

/**
 * Each call of `__snapvmWarmupRun(from, to, rounds)`, in turn, and which private engine makes it (0 or
 * 1). V8 may start compiling the loop during the first, so it runs every instruction (each kind of call
 * and `new` twice at one site: a site's cache is hit on its second run), with the first value only; the second engine's pass over
 * the same gives each site a second engine's functions and maps; the last takes the other values (their
 * operand types: one engine is enough for those; each value costs ~3–5 ms).
 */
export const WARMUP_SHARES: readonly (readonly [from: number, to: number, rounds: number, engine: 0 | 1])[] = [
  [0, 1, 1, 0],
  [0, 1, 1, 1],
  [1, 1e9, 1, 0],
];
