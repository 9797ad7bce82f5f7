'use strict';
// How fast a short program gets going, against another build: each run a fresh `snapvm run PROGRAM`
// process, so each pays V8's whole tier-up of the interpreter loop (`VM.loop`: its first unoptimized
// stretch, TurboFan's compiles of it, each deoptimization and the slow stretch after it).
//   node bench/warmup-ab.js OTHER_REPO_DIR [N] [CASE…]
// Cases: `grain` (bench/warmup/grain.js: one 110 K-step pixel loop timed 6 times in one program),
// the kernels of bench/programs/ (each benchRun() once: a few hundred ms), Octane richards (one
// iteration; when OCTANE_DIR has it) and `canvas-filter` (the page app of bench/offload/apps run
// locally with data-passes="0": its client's own work, a grain loop, channel means and a checksum).
// Per case, medians of N (default 5) alternating runs of each build: process CPU (user + system, all
// threads: TurboFan compiles on a background thread) and wall time, and from V8's --trace-opt /
// --trace-deopt output (both builds run with them) the number of TurboFan compiles of `loop`, their
// summed time, and the number of its deoptimizations (bailouts and "marking dependent code"). Each build
// gets a new V8 code cache folder, filled by one untimed run of each case first (as startup-ab.js).
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { spawnSync } = require('node:child_process');
const { PROGRAMS, loadSources, driverSource } = require('./programs.js');
const { median, change, alternate } = require('./ab.js');

const [otherArg, nArg, ...names] = process.argv.slice(2);
if (!otherArg) {
  console.error('usage: node bench/warmup-ab.js OTHER_REPO_DIR [N] [CASE…]');
  process.exit(2);
}
const other = path.resolve(otherArg);
const mine = path.resolve(__dirname, '..');
if (!fs.existsSync(path.join(other, 'bin', 'snapvm.js'))) throw new Error(`warmup-ab: ${other} has no bin/snapvm.js (a built checkout is needed)`);
const n = Number(nArg ?? 5);
if (!Number.isInteger(n) || n < 1) throw new Error(`warmup-ab: N must be a positive integer, not ${nArg}`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-warmup-'));
// printed by the measured process itself as it exits: its whole CPU time
const probe = path.join(dir, 'cpu.js');
fs.writeFileSync(probe, "process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write(`\\ncpu-ms ${(u.user + u.system) / 1000}\\n`); });\n");

/** The cases: [name, file to `snapvm run`]. */
const cases = [['grain', path.join(__dirname, 'warmup', 'grain.js')]];
for (const p of PROGRAMS) {
  if (p.kind === 'kernel' || (p.name === 'richards' && p.files.every((f) => fs.existsSync(f)))) {
    const text =
      loadSources(p)
        .map((s) => s.text)
        .join('\n') + `\n${p.setup}\n${driverSource(1)}\nconsole.log(${p.check});\n`;
    const file = path.join(dir, `${p.name}.js`);
    fs.writeFileSync(file, text);
    cases.push([p.name, file]);
  }
}
{
  const app = path.join(__dirname, 'offload', 'apps', 'canvas-filter');
  const to = path.join(dir, 'canvas-filter');
  fs.mkdirSync(to);
  fs.copyFileSync(path.join(app, 'app.js'), path.join(to, 'app.js'));
  const html = fs.readFileSync(path.join(app, 'index.html'), 'utf8');
  if (!/data-passes="\d+"/.test(html)) throw new Error(`warmup-ab: ${app}/index.html has no data-passes attribute`);
  fs.writeFileSync(path.join(to, 'index.html'), html.replace(/data-passes="\d+"/, 'data-passes="0"'));
  cases.push(['canvas-filter', path.join(to, 'index.html')]);
}
const unknown = names.filter((x) => !cases.some(([c]) => c === x));
if (unknown.length) throw new Error(`warmup-ab: no case ${unknown.join(', ')} (cases: ${cases.map(([c]) => c).join(', ')})`);
const chosen = names.length ? cases.filter(([c]) => names.includes(c)) : cases;

/** V8's record of `loop` in --trace-opt/--trace-deopt output: TurboFan compiles, their ms, deoptimizations. */
function loopTrace(out) {
  let compiles = 0;
  let compileMs = 0;
  let deopts = 0;
  for (const line of out.split('\n')) {
    if (line.startsWith('[completed compiling') && line.includes('<JSFunction loop (sfi')) {
      compiles++;
      const m = /took ([\d.]+), ([\d.]+), ([\d.]+) ms/.exec(line);
      if (m) compileMs += Number(m[1]) + Number(m[2]) + Number(m[3]);
    } else if ((line.startsWith('[bailout') && line.includes('<JSFunction loop (sfi')) || (line.startsWith('[marking dependent code') && line.includes('<SharedFunctionInfo loop>'))) deopts++;
  }
  return { compiles, compileMs, deopts };
}

const cacheOf = new Map();
/** CPU and wall ms and the loop's trace of one `snapvm run FILE` process of the build at `repo`. */
function measure(repo, file) {
  if (!cacheOf.has(repo)) cacheOf.set(repo, fs.mkdtempSync(path.join(dir, 'code-cache-')));
  const env = { ...process.env, SNAPVM_CODE_CACHE: cacheOf.get(repo) };
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--trace-opt', '--trace-deopt', '--require', probe, path.join(repo, 'bin', 'snapvm.js'), 'run', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    env,
    maxBuffer: 256 * 1024 * 1024,
  });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const m = /cpu-ms ([\d.]+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${repo}: snapvm run ${file} failed (${r.status}): ${r.stderr.slice(0, 400)}`);
  return { cpu: Number(m[1]), wall, ...loopTrace(r.stdout) };
}

const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
console.log(`warmup-ab: ${n} alternating runs per build and case, load average ${load()} at start`);
console.log('(other → this; medians; compiles/deopts: of VM.loop, from --trace-opt/--trace-deopt)');
try {
  for (const [, file] of chosen) for (const repo of [other, mine]) measure(repo, file); // fills each build's code cache
  const sums = { other: { cpu: 0, wall: 0 }, mine: { cpu: 0, wall: 0 } };
  for (const [label, file] of chosen) {
    const a = [];
    const b = [];
    alternate(
      n,
      () => a.push(measure(other, file)),
      () => b.push(measure(mine, file)),
    );
    const med = (xs, k) => median(xs.map((x) => x[k]));
    const cells = [];
    for (const k of ['cpu', 'wall']) {
      const [ma, mb] = [med(a, k), med(b, k)];
      sums.other[k] += ma;
      sums.mine[k] += mb;
      cells.push(`${k === 'cpu' ? 'CPU' : 'wall'} ${ma.toFixed(0)} → ${mb.toFixed(0)} ms (${change(ma, mb)})`);
    }
    cells.push(`loop compiles ${med(a, 'compiles')} → ${med(b, 'compiles')} (${med(a, 'compileMs').toFixed(0)} → ${med(b, 'compileMs').toFixed(0)} ms)`);
    cells.push(`deopts ${med(a, 'deopts')} → ${med(b, 'deopts')}`);
    console.log(`${label.padEnd(14)} ${cells.join(', ')}`);
  }
  for (const k of ['cpu', 'wall']) {
    console.log(`${'sum of medians'.padEnd(14)} ${k === 'cpu' ? 'CPU' : 'wall'} ${sums.other[k].toFixed(0)} → ${sums.mine[k].toFixed(0)} ms (${change(sums.other[k], sums.mine[k])})`);
  }
  console.log(`load average ${load()} at end`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
