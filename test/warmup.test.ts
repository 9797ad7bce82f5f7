// The interpreter loop's tier-up aids (ARCHITECTURE.md, vm.ts): the warm-up program itself (warmup.ts; the
// engine swallows its errors, so a broken one would go unnoticed), what of the loop it runs (V8's block
// coverage: a block it misses throws the optimized loop away when a program reaches it), and the loop's return to `run` every
// REENTER_BACK_EDGES back-edges, which must leave every kind of running frame as it was.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { Engine } from '../src/interpreter/index';
import { WARMUP_SOURCE, WARMUP_PRIVATE_SOURCE, WARMUP_SHARES } from '../src/interpreter/warmup';

const quiet = { onConsole: () => undefined, onPrint: () => undefined, warmUp: false as const };

t.test('the warm-up program runs to its end, in a private engine by shares and in a fresh realm at once', async (t) => {
  const e = new Engine(quiet);
  e.evaluateScript(WARMUP_PRIVATE_SOURCE, '<warmup>');
  t.equal(e.evaluateScript('typeof __snapvmWarmupRun'), 'function');
  for (const [from, to, rounds] of WARMUP_SHARES) e.evaluateScript(`__snapvmWarmupRun(${from}, ${to}, ${rounds});`); // (all in one engine here)
  e.runJobs();
  // the lexical global is written on each pass (i, then i + 0.5 added): its last value shows all three ran
  t.equal(e.evaluateScript('__snapvmWarmupL'), 4.5, 'every value of the program was taken');
  t.equal(e.evaluateScript("typeof __snapvmWarmup + ',' + Object.keys(globalThis)"), 'undefined,__snapvmWarmupRun', 'its var global deleted');

  // a warm-up that throws half-way (here: a built-in it calls after writing its global is gone) leaves nothing either
  const broken = new Engine(quiet);
  broken.evaluateScript(WARMUP_PRIVATE_SOURCE, '<warmup>');
  t.equal(broken.evaluateScript('String.fromCharCode = null; try { __snapvmWarmupRun(0, 1, 1); } catch (e) { e.name } finally { }'), 'TypeError');
  t.equal(broken.evaluateScript('typeof __snapvmWarmup'), 'undefined', 'its var global deleted when it throws');

  const fresh = new Engine(quiet);
  const before = Reflect.ownKeys(fresh.realm.global).map(String).sort();
  fresh.evaluateScript(WARMUP_SOURCE, '<warmup>');
  fresh.runJobs();
  t.same(Reflect.ownKeys(fresh.realm.global).map(String).sort(), before, 'in a guest realm: no global left behind');
});

/**
 * The blocks of `VM.loop` that no run of the deferred warm-up reached, from V8's precise block coverage in a
 * fresh process (a default engine's 64th safe point starts it, as in any program): each is the first 100
 * characters of the block's code as V8 ran it (tsx's output), without white space.
 */
function loopBlocksMissed(): string[] {
  const script = `
    const { Session } = require('node:inspector');
    const s = new Session();
    s.connect();
    const post = (m, p) => new Promise((res, rej) => s.post(m, p || {}, (e, r) => (e ? rej(e) : res(r))));
    (async () => {
      await post('Profiler.enable');
      await post('Debugger.enable');
      await post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
      const { Engine } = require(${JSON.stringify(path.join(__dirname, '..', 'src', 'interpreter', 'index.ts'))});
      new Engine({}).evaluateScript('for (var i = 0; i < 100; i++);');
      const { result } = await post('Profiler.takePreciseCoverage');
      const vm = result.find((r) => r.url.endsWith('/src/interpreter/vm.ts'));
      const { scriptSource } = await post('Debugger.getScriptSource', { scriptId: vm.scriptId });
      const loop = vm.functions.find((f) => f.functionName === 'loop');
      const missed = loop.ranges.slice(1).filter((r) => r.count === 0).map((r) => scriptSource.slice(r.startOffset, r.endOffset).replace(/\\s+/g, '').slice(0, 100));
      console.log(JSON.stringify({ ran: loop.ranges[0].count, missed }));
    })();`;
  const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' }));
  if (!(out.ran > 0)) throw new Error(`the loop never ran: ${JSON.stringify(out)}`);
  return out.missed;
}

// What the warm-up may leave out: an instruction's block that a program reaching it throws the optimized loop away
// (V8: "Insufficient type feedback"), 150–300 ms of CPU each, so only throws (the program's error is dearer) and
// these, which no guest program the warm-up could run reaches often (or at all, found so far).
const MAY_MISS: [RegExp, string][] = [
  [/this\.tdz\(|this\.throwError\(/, 'a TDZ or TypeError throw'],
  [/^e=e\.parent;$/, "InitEnv's walk to an outer environment (no construct of the compiler's found that emits it)"],
  [/^stack\[sp\+\+\]=o;$/, 'GetRegPropKeep not fused into a method call'],
  [/^code\.template=/, "a frame's operand stack outgrowing its code's template"],
  [/^:void0$/, '`new` of a non-function (a TypeError)'],
  [/^:frame\.argsObj\?\?this\.createArguments/, "ApplyArguments whose apply is not the realm's"],
  [/^case\S*\.TailCall:$/, 'the label of the frame-switching group (its body runs for the others)'],
  // (a constant returned: no feedback, and measured: no bailout of the optimized loop when a hook is set later)
  [/^returnREENTER;$/, "a constructor's entry with a safe-point hook set (`new` before the warm-up, or a snapshot's or budget's hook)"],
];

t.test('the deferred warm-up runs every block of the interpreter loop but throws and a named few', async (t) => {
  const missed = loopBlocksMissed();
  const unexplained = missed.filter((b) => !MAY_MISS.some(([re]) => re.test(b)));
  t.same(unexplained, [], 'blocks of VM.loop the warm-up never ran (add them to warmup.ts)');
  // every instruction the loop handles inline: a case label missed is an instruction never run
  t.same(
    missed.filter((b) => /^case/.test(b) && !/\.TailCall:/.test(b)),
    [],
    'instructions never run',
  );
});

t.test('a program long enough for the deferred warm-up sees none of it', async (t) => {
  const e = new Engine({ onConsole: () => undefined, onPrint: () => undefined });
  t.equal(e.evaluateScript('let n = 0; for (let i = 0; i < 5000; i++) n += i; n'), 12497500);
  t.equal(e.evaluateScript('[typeof __snapvmWarmup, typeof __snapvmWarmupL, typeof __snapvmWarmupRun].join()'), 'undefined,undefined,undefined');
});

t.test('frames re-entered at loop back-edges keep their state', async (t) => {
  const e = new Engine(quiet);
  const cases: [string, unknown][] = [
    // a plain loop well past REENTER_BACK_EDGES (128), nested loops, labels
    ['var s = 0; for (var i = 0; i < 5000; i++) s += i; s', 12497500],
    ['var c = 0; outer: for (var i = 0; i < 300; i++) { for (var j = 0; j < 300; j++) { if (j > i) continue outer; c++; } } c', 45150],
    ['var k = 0; do { k++; } while (k < 3000); k', 3000],
    ['var w = 0, x = 0; while (true) { if (++w >= 4000) break; x += w & 1; } x', 2000],
    // a loop as a function's very first instruction (its back-edge jumps to pc 0)
    ['(function () { for (;;) { if (this.n === undefined) this.n = 0; if (++this.n === 2500) return this.n; } }).call({})', 2500],
    // the loop's environment (closures per iteration) and its frame's handlers
    ['var fs = []; for (let i = 0; i < 3000; i++) fs.push(() => i); fs[0]() + fs[2999]() + fs.length', 5999],
    ['var t = 0; for (var i = 0; i < 3000; i++) { try { if (i % 1000 === 999) throw i; t++; } catch (e) { t += 1000; } finally { t++; } } t', 8997],
    ['var r = 0; try { for (var i = 0; i < 3000; i++) { r = i; if (i === 2500) throw new Error("x" + i); } } catch (e) { r = e.message; } r', 'x2500'],
    // deep in calls: every frame's loop counts towards the same budget
    ['function f(n) { var s = 0; for (var i = 0; i < n; i++) s += i; return s; } var z = 0; for (var j = 0; j < 50; j++) z += f(200); z', 995000],
    ['function g(d) { var s = 0; for (var i = 0; i < 100; i++) s++; return d === 0 ? s : s + g(d - 1); } g(60)', 6100],
    // a generator suspended and resumed inside a long loop
    ['function* gen() { for (var i = 0; i < 3000; i++) if (i % 500 === 0) yield i; } var a = []; for (var v of gen()) a.push(v); a.join()', '0,500,1000,1500,2000,2500'],
  ];
  for (const [code, expected] of cases) t.equal(e.evaluateScript(code), expected, code.slice(0, 70));

  // an async function's loop around awaits
  e.evaluateScript('var done = null; (async function () { var s = 0; for (var i = 0; i < 3000; i++) { if (i % 1000 === 0) s += await i; else s += 1; } done = s; })();');
  e.runJobs();
  t.equal(e.evaluateScript('done'), 3000 + 2997);
});

t.test('a safe-point hook sees each back-edge once, re-entry or not', async (t) => {
  const e = new Engine(quiet);
  let calls = 0;
  e.vm.safepoint = () => void calls++;
  t.equal(e.evaluateScript('var s = 0; for (var i = 0; i < 3000; i++) s += i; s'), 4498500);
  // 3000 back-edges (the Jump of each iteration), none counted twice where the loop returned to `run`
  t.equal(calls, 3000);
  e.vm.safepoint = null;
});
