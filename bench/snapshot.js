'use strict';
// Snapshot cost: for each benchmark program (and two ~200 KB-source Octane apps), load it in snapvm,
// run its driver once (so the heap holds its working state), then measure capture (engine.snapshot())
// and restore (Engine.restore in a fresh engine) and the snapshot's size; finally run the driver once
// more in the original and in the restored engine and compare the programs' checks.
//   node bench/snapshot.js [--repeat N] [--node] [PROGRAM...]
// --node also runs each snapshot in plain Node (its portable section), then the driver and the check
// there, and compares that check with the engine's.
// Needs `npm run build` and Octane at ../bench-cache/octane (see bench/README.md).

const path = require('node:path');
const { PROGRAMS, loadSources, driverSource, octaneDir } = require('./programs.js');
const { Engine, prepareCapture } = require(path.resolve(__dirname, '..', 'dist', 'src', 'index.js'));

const OCTANE_SETUP = PROGRAMS.find((p) => p.name === 'richards').setup;
const OCTANE_CHECK = PROGRAMS.find((p) => p.name === 'richards').check;
const big = (name, file, note) => ({ name, kind: 'octane', files: ['base.js', file].map((f) => path.join(octaneDir(), f)), setup: OCTANE_SETUP, check: OCTANE_CHECK, iterations: 1, note });
const APPS = [
  ...PROGRAMS,
  big('box2d', 'box2d.js', 'Octane Box2D: physics engine, 229 KB of source'),
  big('earley-boyer', 'earley-boyer.js', 'Octane EarleyBoyer: Scheme runtime + parser, 195 KB of source'),
];

const args = process.argv.slice(2);
let repeat = 3;
let inNode = false;
const names = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--repeat') repeat = Number(args[++i]);
  else if (args[i] === '--node') inNode = true;
  else names.push(args[i]);
}
const chosen = names.length ? APPS.filter((p) => names.includes(p.name)) : APPS;
const quiet = { onConsole: () => {}, onPrint: () => {} };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kb = (n) => (n / 1024).toFixed(1);

const rows = [];
for (const program of chosen) {
  const sources = loadSources(program);
  const sourceBytes = sources.reduce((n, s) => n + Buffer.byteLength(s.text), 0);
  const captures = [];
  const restores = [];
  let snap;
  let verdict = '';
  for (let r = 0; r < repeat; r++) {
    const engine = new Engine(quiet);
    for (const s of sources) engine.evaluateScript(s.text, s.file);
    engine.evaluateScript(program.setup, 'setup.js');
    engine.evaluateScript(driverSource(1), 'driver.js');
    engine.runJobs();
    prepareCapture(engine);
    let t = performance.now();
    snap = engine.snapshot();
    captures.push(performance.now() - t);
    t = performance.now();
    const restored = Engine.restore(snap.code, quiet);
    restores.push(performance.now() - t);
    if (r === 0) {
      engine.evaluateScript(driverSource(1), 'driver.js');
      restored.evaluateScript(driverSource(1), 'driver.js');
      const a = String(engine.evaluateScript(program.check, 'check.js'));
      const b = String(restored.evaluateScript(program.check, 'check.js'));
      verdict = a === b ? `same (${a.length > 24 ? a.slice(0, 24) + '…' : a})` : `DIFFERENT: ${a} vs ${b}`;
      if (inNode && snap.stats.portable && snap.stats.portable.ok) {
        // the snapshot file, then the driver and the check, as one plain Node program
        const file = path.join(require('node:os').tmpdir(), `snapvm-bench-${process.pid}-${program.name}.js`);
        require('node:fs').writeFileSync(file, `${snap.code}\n${driverSource(1)}\nconsole.log(String(${program.check}));\n`);
        let c;
        try {
          c = require('node:child_process').execFileSync(process.execPath, [file], { encoding: 'utf8' }).trim();
        } catch (e) {
          c = `error: ${String(e.stderr).split('\n')[0]}`;
        } finally {
          require('node:fs').rmSync(file, { force: true });
        }
        verdict += c === a ? '; node: same' : `; node: DIFFERENT: ${c.slice(0, 80)}`;
      }
    }
  }
  const portable = snap.stats.portable;
  rows.push({
    name: program.name,
    sourceKB: kb(sourceBytes),
    snapKB: kb(snap.stats.bytes),
    objects: snap.stats.objects,
    functions: snap.stats.functions,
    captureMs: median(captures),
    restoreMs: median(restores),
    verdict,
    portable,
  });
  process.stderr.write(`${program.name} done\n`);
}

console.log(`snapshot after one driver run; median of ${repeat}; node ${process.version}; ${require('node:os').cpus().length} CPUs`);
console.log('program          source KB  snapshot KB  objects  functions  capture ms  restore ms  portable KB  portable ms  after restore');
for (const r of rows) {
  // the portable section (what `node SNAP` runs) is part of the snapshot's size and of its capture time
  const p = r.portable;
  console.log(
    `${r.name.padEnd(16)} ${r.sourceKB.padStart(9)}  ${r.snapKB.padStart(11)}  ${String(r.objects).padStart(7)}  ${String(r.functions).padStart(9)}  ${r.captureMs.toFixed(1).padStart(10)}  ${r.restoreMs.toFixed(1).padStart(10)}  ${(p && p.ok ? kb(p.bytes) : '-').padStart(11)}  ${(p ? p.ms.toFixed(1) : '-').padStart(11)}  ${r.verdict}`,
  );
}
const refused = rows.filter((r) => r.portable && !r.portable.ok);
for (const r of refused) console.log(`  ${r.name}: not portable: ${r.portable.reason}`);
