'use strict';
// Whole-process costs against another build, each run a fresh `snapvm` process (node's own start-up,
// loading the package, making the engine, and the work): `snapvm run` of a hello-world script, and
// `snapvm restore` of the Octane Box2D and EarleyBoyer snapshots (loaded and set up, made by this
// build). CPU time of the process (user + system, from /proc via process.cpuUsage at exit), median of
// N, alternating which build goes first.
//   node bench/startup-ab.js OTHER_REPO_DIR [N]
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { spawnSync } = require('node:child_process');
const { builds, loadApp, median, change, alternate } = require('./ab.js');

const other = path.resolve(process.argv[2]);
const n = Number(process.argv[3] ?? 9);
const mine = path.resolve(__dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-startup-'));
// printed by the measured process itself as it exits: its whole CPU time
const probe = path.join(dir, 'cpu.js');
fs.writeFileSync(probe, "process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write(`\\ncpu-ms ${(u.user + u.system) / 1000}\\n`); });\n");
const hello = path.join(dir, 'hello.js');
fs.writeFileSync(hello, 'console.log("hello, world");\n');

/** CPU ms of one `snapvm ARGS…` process of the build at `repo` (its stderr's last `cpu-ms` line). */
function measure(repo, args) {
  const r = spawnSync(process.execPath, ['--require', probe, path.join(repo, 'bin', 'snapvm.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const m = /cpu-ms ([\d.]+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${repo}: snapvm ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(0, 400)}`);
  return Number(m[1]);
}

const cases = [['hello-world run', ['run', hello]]];
const { mine: build } = builds(other);
for (const name of ['box2d', 'earley-boyer']) {
  const file = path.join(dir, `${name}.snap.js`);
  fs.writeFileSync(file, loadApp(build, name).snapshot().code);
  cases.push([`${name} restore`, ['restore', file]]);
}
try {
  for (const [label, args] of cases) {
    const a = [];
    const b = [];
    alternate(
      n,
      () => a.push(measure(other, args)),
      () => b.push(measure(mine, args)),
    );
    const [ma, mb] = [median(a), median(b)];
    console.log(`${label}: process CPU ms, median of ${n}: other ${ma.toFixed(0)}, this ${mb.toFixed(0)} (${change(ma, mb)})`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
