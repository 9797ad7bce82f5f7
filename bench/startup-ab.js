'use strict';
// Whole-process costs against another build, each run a fresh `snapvm` process (node's own start-up,
// loading the package, making the engine, and the work): `snapvm run` of a hello-world script, and
// `snapvm restore` of the Octane Box2D and EarleyBoyer snapshots (loaded and set up; each build restores
// the snapshot it made of that state), and an offload client's whole process (`snapvm run examples/nbody.js 2000 --edge ws://…`
// against a `snapvm serve` of this build on loopback: start-up, the program's first turn, the
// migration there and back). CPU time of the process (user + system, all its threads, via
// process.cpuUsage at exit) and wall time (spawn to exit), medians of N, alternating which build goes
// first. Each build gets a code cache folder of its own, new for this run and filled by one untimed run
// of each case first, so both measure a cache written by the same work (a build's dist/.code-cache holds
// whatever its earlier users ran: a fuller one changed hello-world CPU by 20–30 ms);
// `SNAPVM_CODE_CACHE=off` runs both builds without V8's code cache.
//   node bench/startup-ab.js OTHER_REPO_DIR [N]
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { spawn, spawnSync } = require('node:child_process');
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

/** CPU and wall ms of one `snapvm ARGS…` process of the build at `repo` (CPU: its stderr's last `cpu-ms` line). */
const noCache = process.env.SNAPVM_CODE_CACHE === 'off';
const cacheOf = new Map();
function measure(repo, args) {
  if (!cacheOf.has(repo)) cacheOf.set(repo, noCache ? 'off' : fs.mkdtempSync(path.join(dir, 'code-cache-')));
  const env = { ...process.env, SNAPVM_CODE_CACHE: cacheOf.get(repo) };
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['--require', probe, path.join(repo, 'bin', 'snapvm.js'), ...args], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env });
  const wall = Number(process.hrtime.bigint() - start) / 1e6;
  const m = /cpu-ms ([\d.]+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${repo}: snapvm ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(0, 400)}`);
  return { cpu: Number(m[1]), wall };
}

/** A `snapvm serve` of this build on a free loopback port; resolves to its ws:// address and the process. */
function startServer() {
  const server = spawn(process.execPath, [path.join(mine, 'bin', 'snapvm.js'), 'serve', '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    server.on('exit', (code) => reject(new Error(`snapvm serve exited (${code}) before listening`)));
    server.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (ws:\/\/\S+)/.exec(out);
      if (m) resolve({ url: m[1], server });
    });
  });
}

// a case's arguments for either build: each restores the snapshot its own build made of the same state
const cases = [['hello-world run', () => ['run', hello]]];
const made = builds(other);
for (const name of ['box2d', 'earley-boyer']) {
  const files = {};
  for (const which of ['other', 'mine']) {
    files[which] = path.join(dir, `${name}.${which}.snap.js`);
    fs.writeFileSync(files[which], loadApp(made[which], name).snapshot().code);
  }
  cases.push([`${name} restore`, (repo) => ['restore', repo === mine ? files.mine : files.other]]);
}
(async () => {
  const { url, server } = await startServer();
  cases.push(['nbody offload client', () => ['run', path.join(mine, 'examples', 'nbody.js'), '2000', '--edge', url]]);
  try {
    for (const [, args] of cases) for (const repo of [other, mine]) measure(repo, args(repo)); // fills each build's code cache
    for (const [label, args] of cases) {
      const a = [];
      const b = [];
      alternate(
        n,
        () => a.push(measure(other, args(other))),
        () => b.push(measure(mine, args(mine))),
      );
      for (const k of ['cpu', 'wall']) {
        const [ma, mb] = [median(a.map((x) => x[k])), median(b.map((x) => x[k]))];
        console.log(`${label}: process ${k === 'cpu' ? 'CPU' : 'wall'} ms, median of ${n}: other ${ma.toFixed(0)}, this ${mb.toFixed(0)} (${change(ma, mb)})`);
      }
    }
    console.log(
      `load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    server.removeAllListeners('exit');
    server.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  }
})();
