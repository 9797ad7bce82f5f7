// The interpreter loop's tier-up aids (ARCHITECTURE.md, vm.ts): the warm-up program itself (warmup.ts; the
// engine swallows its errors, so a broken one would go unnoticed), and the loop's return to `run` every
// REENTER_BACK_EDGES back-edges, which must leave every kind of running frame as it was.
import t from 'tap';
import { Engine } from '../src/interpreter/index';
import { WARMUP_SOURCE, WARMUP_PRIVATE_SOURCE, WARMUP_SHARES } from '../src/interpreter/warmup';

const quiet = { onConsole: () => undefined, onPrint: () => undefined, warmUp: false as const };

t.test('the warm-up program runs to its end, in a private engine by shares and in a fresh realm at once', async (t) => {
  const e = new Engine(quiet);
  e.evaluateScript(WARMUP_PRIVATE_SOURCE, '<warmup>');
  t.equal(e.evaluateScript('typeof __snapvmWarmupRun'), 'function');
  for (const [from, to, rounds] of WARMUP_SHARES) e.evaluateScript(`__snapvmWarmupRun(${from}, ${to}, ${rounds});`); // (all in one engine here)
  e.runJobs();
  // the lexical global is written on each pass (i, then i + 0.5 added): its last value shows all seven ran
  t.equal(e.evaluateScript('__snapvmWarmupL'), 12.5, 'every value of the program was taken');
  t.equal(e.evaluateScript("typeof __snapvmWarmup + ',' + Object.keys(globalThis)"), 'undefined,__snapvmWarmupRun', 'its var global deleted');

  const fresh = new Engine(quiet);
  const before = Reflect.ownKeys(fresh.realm.global).map(String).sort();
  fresh.evaluateScript(WARMUP_SOURCE, '<warmup>');
  fresh.runJobs();
  t.same(Reflect.ownKeys(fresh.realm.global).map(String).sort(), before, 'in a guest realm: no global left behind');
});

t.test('a program long enough for the deferred warm-up sees none of it', async (t) => {
  const e = new Engine({ onConsole: () => undefined, onPrint: () => undefined });
  t.equal(e.evaluateScript('let n = 0; for (let i = 0; i < 5000; i++) n += i; n'), 12497500);
  t.equal(e.evaluateScript("[typeof __snapvmWarmup, typeof __snapvmWarmupL, typeof __snapvmWarmupRun].join()"), 'undefined,undefined,undefined');
});

t.test('frames re-entered at loop back-edges keep their state', async (t) => {
  const e = new Engine(quiet);
  const cases: [string, unknown][] = [
    // a plain loop well past REENTER_BACK_EDGES (1024), nested loops, labels
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
