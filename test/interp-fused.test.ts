// The compiler's fused instructions (compiler.ts emit/jump peepholes, update): `Int n; Add` → `AddInt n`
// and the other INT_OPERAND operators, `Int n; JumpIfNotLt t` → `JumpIfNotLtInt t n`, `GetReg2 o k;
// GetElem` → `GetRegElem o k`, `x++` of a register used as a value → `PostIncReg r`; and the element
// load's array fast path. Each is checked to be emitted, to give what the unfused instructions give
// on the general paths too (strings, BigInts, objects with valueOf, holes, proxies, TDZ), to report
// errors at the operator, and to survive a snapshot of a frame suspended among them.
import t from 'tap';
import { Engine as InterpreterEngine } from '../src/interpreter/index';
import { Engine } from '../src/index';
import { ExtOp } from '../src/interpreter/compiler';
import { Op } from '../src/interpreter/opcodes';
import type { Code } from '../src/interpreter/state';

const quiet = { onConsole: () => {}, onPrint: () => {} };

/** The opcodes of the (compiled) function `name` that `source` defines. */
function opsOf(source: string, name: string): number[] {
  const e = new InterpreterEngine(quiet);
  e.evaluateScript(source);
  const f = e.evaluateScript(name);
  e.evaluateScript(`try { ${name}(); } catch (e) {}`); // compiles a lazy body
  const code = (e.vm.closureOf(f) as { code: Code }).code;
  return [...code.ops];
}

t.test('the peepholes emit the fused instructions', async (t) => {
  const ops = opsOf('function f(a, i, s) { var x = (a[i] + 1) * 2 & 255 | 3; x = x << 1 >> 1 >>> 0; x = x - 4; if (i < 5) x++; if (i >= 0) s = i++ + ++i; a[i] = x; return a[i] + x + s; }', 'f');
  for (const op of [
    ExtOp.AddInt,
    ExtOp.MulInt,
    ExtOp.BitAndInt,
    ExtOp.BitOrInt,
    ExtOp.ShlInt,
    ExtOp.ShrInt,
    ExtOp.UShrInt,
    ExtOp.SubInt,
    ExtOp.JumpIfNotLtInt,
    ExtOp.JumpIfNotGeInt,
    ExtOp.GetRegElem,
    ExtOp.PostIncReg,
    ExtOp.PreIncReg,
    ExtOp.SetElemPop,
  ]) {
    t.ok(ops.includes(op), `emits ${op}`);
  }
  // a jump landing between `Int` and the operator keeps them apart (`c ? 1 : 2` then `+`)
  const apart = opsOf('function g(c, y) { return y + (c ? 1 : 2); }', 'g');
  t.notOk(apart.includes(ExtOp.AddInt), 'no fusion across a jump target');
  t.ok(apart.includes(Op.Add));
});

t.test('fused arithmetic and compares: the general paths', async (t) => {
  const e = new InterpreterEngine(quiet);
  const run = (src: string) => e.evaluateScript(src);
  t.equal(run('var s = "a"; s + 1'), 'a1');
  t.equal(run('(function (x) { return x - 1; })("5")'), 4);
  t.equal(run('(function (x) { return x * 3; })({ valueOf() { return 7; } })'), 21);
  t.equal(run('(function (x) { return (x & 255) + "|" + (x | 0) + "|" + (x << 2) + "|" + (x >> 1) + "|" + (x >>> 0); })(-3.5)'), '253|-3|-12|-2|4294967293');
  t.equal(run('(function (x) { return x >>> 0; })(-1)'), 4294967295);
  t.equal(run('(function (x) { return String(x + 1); })(undefined)'), 'NaN');
  t.throws(() => run('(function (x) { return x + 1; })(1n)'), /Cannot mix BigInt/);
  t.equal(run('(function (x) { return typeof (x & 1n); })(3n)'), 'bigint');
  const cmp = '(function (x) { var r = []; if (x < 2) r.push("lt"); if (x <= 2) r.push("le"); if (x > 2) r.push("gt"); if (x >= 2) r.push("ge"); return r.join(); })';
  t.equal(run(`${cmp}(1)`), 'lt,le');
  t.equal(run(`${cmp}("3")`), 'gt,ge');
  t.equal(run(`${cmp}(2n)`), 'le,ge');
  t.equal(run(`${cmp}(undefined)`), '', 'NaN compares false every way');
  t.equal(run(`${cmp}({ valueOf() { return 2; } })`), 'le,ge');
  t.equal(run('var calls = 0; (function (x) { var n = 0; while (x < 3) { n++; x = 3; } return n; })({ valueOf() { calls++; return 0; } }) + ":" + calls'), '1:1');
});

t.test('x++ used as a value', async (t) => {
  const e = new InterpreterEngine(quiet);
  const run = (src: string) => e.evaluateScript(src);
  t.equal(run('(function () { var i = 5; var a = i++; var b = i--; return [a, b, i].join(); })()'), '5,6,5');
  t.equal(run('(function () { var i = "7"; var a = i++; return [typeof a, a, i].join(); })()'), 'number,7,8');
  t.equal(run('(function () { var i = 2n; var a = i++; return [typeof a, a, i].join(); })()'), 'bigint,2,3');
  t.equal(run('(function () { var n = 0; var i = { valueOf() { n++; return 4; } }; var a = i--; return [a, i, n].join(); })()'), '4,3,1', 'valueOf runs once');
  t.equal(run('(function () { var a = [10, 20, 30], i = 0, s = 0; while (i < 3) s += a[i++]; return s + ":" + i; })()'), '60:3');
  t.equal(run('(function () { let j = 1; var v = j++; return v + j; })()'), 3);
  t.equal(run('(function () { var i = 5; var a = ++i; var b = --i; return [a, b, i].join(); })()'), '6,5,5');
  t.equal(run('(function () { var i = "7", j = 2n; var a = ++i, b = --j; return [typeof a, a, i, typeof b, b].join(); })()'), 'number,8,8,bigint,1');
  t.equal(run('(function () { var a = [10, 20, 30], i = -1, s = 0; while (i < 1) s += a[++i]; return s + ":" + i; })()'), '30:1');
  t.throws(() => run('(function () { var v = ++y; let y = 1; return v; })()'), /ReferenceError: Cannot access 'y' before initialization/);
  t.throws(() => run('(function () { var v = x++; let x = 1; return v; })()'), /ReferenceError: Cannot access 'x' before initialization/);
  t.throws(() => run('(function () { const c = 1; return c++; })()'), /TypeError: Assignment to constant variable/);
  t.throws(() => run('(class C { static m() { return C++; } }).m()'), /TypeError: Assignment to constant variable/, 'a class binding inside its body stays immutable');
});

t.test('element loads: the array fast path and the general one', async (t) => {
  const e = new InterpreterEngine(quiet);
  const run = (src: string) => e.evaluateScript(src);
  t.equal(run('(function (a, i) { return a[i]; })([1, 2, 3], 1)'), 2);
  t.equal(run('(function (a, i) { return String(a[i]); })([1, , 3], 1)'), 'undefined');
  t.equal(
    run(
      'Object.defineProperty(Array.prototype, 7, { get() { return "proto " + this.length; }, configurable: true }); var r = (function (a, i) { return a[i]; })([1], 7); delete Array.prototype[7]; r',
    ),
    'proto 1',
    'a hole reads through the prototype chain',
  );
  t.equal(run('(function (a, i) { return a[i]; })(new Proxy([5, 6], { get(t, k) { return "trap " + String(k); } }), 0)'), 'trap 0');
  t.equal(run('(function (a, i) { return a[i]; })("xyz", 2)'), 'z');
  t.equal(run('(function (a, i) { return a[i]; })({ 1.5: "f" }, 1.5)'), 'f');
  t.equal(run('(function (a, i) { return a[i]; })([1, 2], -0)'), 1);
  t.throws(() => run('(function (a, i) { return a[i]; })(null, 0)'), /Cannot read properties of null \(reading '0'\)/);
  // element stores as statements (SetElemPop), sloppy and strict (the strict array fast path)
  t.equal(run('(function (a) { a[0] = 5; a[3] = 6; return a.join(); })([1])'), '5,,,6');
  t.equal(run('(function (a) { "use strict"; a[0] = 5; a[2] = 6; return a.join(); })([1])'), '5,,6');
  t.equal(run('(function (a) { a[0] = 5; return a[0]; })(Object.freeze([1]))'), 1, 'sloppy: a frozen array ignores the store');
  t.throws(() => run('(function (a) { "use strict"; a[0] = 5; })(Object.freeze([1]))'), /TypeError: Cannot assign to read only property '0'/);
  t.equal(run('(function () { "use strict"; try { (function (a) { a[0] = 5; })(Object.freeze([1])); } catch (err) { return err instanceof TypeError; } })()'), true, 'a TypeError of the guest realm');
  t.equal(run('(function (a) { "use strict"; var log = []; Object.defineProperty(a, 1, { set(v) { log.push(v); } }); a[1] = 9; return log.join(); })([])'), '9', 'a setter runs');
  t.equal(run('(function (o) { "use strict"; o[1] = 2; return o[1]; })({})'), 2);
  t.equal(
    run('(function () { var p = Proxy.revocable([], {}); p.revoke(); try { return (function (a, i) { return a[i]; })(p.proxy, 0); } catch (err) { return err instanceof TypeError; } })()'),
    true,
    'a revoked proxy: a TypeError of the guest realm',
  );
  t.equal(
    run(
      '(function () { try { (function (a, i) { return a[i]; })(new Proxy([], { get() { throw new RangeError("mine"); } }), 0); } catch (err) { return err instanceof RangeError && err.message; } })()',
    ),
    'mine',
  );
  // the other element stores: SetElemRaw used as a value, SetElem of a compound assignment after
  // GetElemKeep, sloppy and strict
  t.equal(run('(function (a, i) { "use strict"; var r = a[i] = 7; return r + ":" + a.join(); })([1, 2], 1)'), '7:1,7');
  t.equal(run('(function (a, i) { var r = a[i] = 7; return r + ":" + a.join(); })(Object.freeze([1, 2]), 1)'), '7:1,2', 'sloppy: the value still, the store ignored');
  t.equal(run('(function (a, i) { "use strict"; var r = (a[i] += 10); a[i] *= 2; return r + ":" + a.join(); })([1, 2], 0)'), '11:22,2');
  t.equal(run('(function (o, i) { o[i] += "b"; return o[i]; })({ 3: "a" }, 3)'), 'ab');
  t.throws(() => run('(function (a, i) { "use strict"; a[i] += 1; })(Object.freeze([1]), 0)'), /TypeError: Cannot assign to read only property '0'/);
  t.throws(() => run('(function (a, i) { a[i] = 1; })(undefined, 0)'), /Cannot set properties of undefined \(setting '0'\)/);
  t.equal(
    run('(function () { var log = []; var o = {}; var k = { toString() { log.push("key"); return "p"; } }; o[k] = log.push("value"); return log.join() + ":" + o.p; })()'),
    'value,key:1',
    'the key is converted after the value',
  );
});

t.test('an error in a fused instruction is reported at its operator', async (t) => {
  const e = new InterpreterEngine(quiet);
  try {
    e.evaluateScript('function f(x) {\n  var y = 0;\n  return y +\n    x - 1;\n}\nf(1n);', 'pos.js');
    t.fail('no error');
  } catch (err) {
    const stack = String((err as { guestStack?: string }).guestStack ?? err);
    t.match(stack, /pos\.js:3:/, `the position is within the expression: ${stack}`);
  }
});

t.test('a frame suspended among fused instructions survives a snapshot', async (t) => {
  const src = `
    function* g(a) {
      var i = 0, s = 0;
      while (i < 6) {
        s = (s + (a[i] & 255) * 3) | 0;
        var k = i++;
        yield s + k - 1;
      }
      return s >>> 0;
    }
    var it = g([1, 2, 3, 4, 5, 6]);
    var out = [it.next().value, it.next().value];`;
  const ref = new Engine(quiet);
  ref.evaluateScript(src);
  const expected = ref.evaluateScript('while (true) { var r = it.next(); out.push(r.value); if (r.done) break; } out.join()');
  const first = new Engine(quiet);
  first.evaluateScript(src);
  const restored = Engine.restore(first.snapshot().code, quiet);
  t.equal(restored.evaluateScript('while (true) { var r = it.next(); out.push(r.value); if (r.done) break; } out.join()'), expected);
  t.equal(expected, '2,9,19,32,48,67,63');
});
