'use strict';
// Migration cost (issue 3's aim: capture + restore of a ~200 KB-source app in ~100 ms): for each kernel
// (bench/programs/*.js, after one run of its driver) and Octane's Box2D and EarleyBoyer (after setup),
// the engine section's size, capture CPU ms with `{ portable: false }` and by default, and restore CPU ms
// cold (the process's unit cache emptied first, the engine's own built-in sources too: the first restore
// of that source in the process) and
// warm (a cache hit). CPU time (process.cpuUsage: this process's threads, GC and JIT included), medians
// of N, in one warm process. With --other DIR, a built checkout's figures beside these (its own snapshots;
// a build without the unit cache parses at every restore, so it has one restore column).
//   node bench/migrate-time.js [--repeat N] [--other DIR] [PROGRAM...]
// Needs `npm run build` and Octane (see bench/README.md).
const path = require('node:path');
const { PROGRAMS, loadSources, driverSource } = require('./programs.js');
const { quiet, cpu, median } = require('./ab.js');

const args = process.argv.slice(2);
let repeat = 9;
let otherDir = null;
const names = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--repeat') repeat = Number(args[++i]);
  else if (args[i] === '--other') otherDir = args[++i];
  else names.push(args[i]);
}
if (!(repeat >= 1)) throw new Error(`--repeat takes a count >= 1, not ${args[args.indexOf('--repeat') + 1]}`);

const load = (dir) => require(path.resolve(dir, 'dist', 'src', 'index.js'));
const mine = load(path.resolve(__dirname, '..'));
const { engineSection } = require(path.resolve(__dirname, '..', 'dist', 'src', 'snapshot', 'index.js'));
const other = otherDir && load(otherDir);

const octane = PROGRAMS.find((p) => p.kind === 'octane');
const app = (name, file) => ({ name, files: [octane.files[0].replace(/[^/\\]*$/, 'base.js'), octane.files[0].replace(/[^/\\]*$/, file)], setup: octane.setup, run: false });
const APPS = [...PROGRAMS.filter((p) => p.kind === 'kernel').map((p) => ({ ...p, run: true })), app('box2d', 'box2d.js'), app('earley-boyer', 'earley-boyer.js')];
const chosen = names.length ? APPS.filter((p) => names.includes(p.name)) : APPS;
if (names.length && chosen.length !== names.length)
  throw new Error(`unknown program: ${names.filter((n) => !APPS.some((p) => p.name === n)).join(', ')} (known: ${APPS.map((p) => p.name).join(', ')})`);

/** An engine of `build` with the program loaded (and its driver run once for a kernel). */
function loaded(build, program) {
  const e = new build.Engine(quiet);
  for (const s of loadSources(program)) e.evaluateScript(s.text, s.file);
  e.evaluateScript(program.setup, 'setup.js');
  if (program.run) e.evaluateScript(driverSource(1), 'driver.js');
  e.runJobs();
  return e;
}

/** Median CPU ms of `f` over `repeat` runs after two unmeasured ones (`before` runs unmeasured ahead of each). */
function measure(f, before = () => {}) {
  const xs = [];
  for (let i = 0; i < repeat + 2; i++) {
    before();
    const t = cpu(f)[1];
    if (i >= 2) xs.push(t);
  }
  return median(xs);
}

function figures(build, program, cache) {
  const e = loaded(build, program);
  const lean = measure(() => e.snapshot({ portable: false }));
  const full = measure(() => e.snapshot());
  const code = e.snapshot({ portable: false }).code;
  const warm = measure(() => build.Engine.restore(code, quiet));
  const cold = cache
    ? measure(
        () => build.Engine.restore(code, quiet),
        () => cache.clear(),
      )
    : null;
  const sourceKB = loadSources(program).reduce((n, s) => n + s.text.length, 0) / 1024;
  return { sourceKB, sectionKB: engineSection(code).length / 1024, lean, full, cold, warm };
}

const ms = (x) => (x === null ? '-' : x.toFixed(1));
const head = [
  'program',
  'source KB',
  'engine section KB',
  'capture ms (portable: false)',
  'capture ms (default)',
  'restore ms cold',
  'restore ms warm',
  'capture + restore ms (cold)',
  'capture + restore ms (warm)',
];
const rows = [];
for (const program of chosen) {
  const f = figures(mine, program, mine.unitCache);
  rows.push([program.name, f.sourceKB.toFixed(0), f.sectionKB.toFixed(0), ms(f.lean), ms(f.full), ms(f.cold), ms(f.warm), ms(f.lean + f.cold), ms(f.lean + f.warm)]);
  if (other) {
    const g = figures(other, program, other.unitCache ?? null);
    rows.push([`  other`, g.sourceKB.toFixed(0), g.sectionKB.toFixed(0), ms(g.lean), ms(g.full), ms(g.cold ?? g.warm), ms(g.warm), ms(g.lean + (g.cold ?? g.warm)), ms(g.lean + g.warm)]);
  }
}
const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
console.log(`CPU ms, medians of ${repeat}${other ? `; "other" = ${otherDir}` : ''}`);
console.log(line(head));
for (const r of rows) console.log(line(r));
