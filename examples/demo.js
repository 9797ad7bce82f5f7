// `npm start`: run a real app under snapvm, snapshot it mid-run (after event-loop turn 4) and stop,
// say what the snapshot holds, restore it in a fresh process, and check that the two halves print
// exactly what one uninterrupted run prints; then start a local edge server and offload the heavy
// part of an n-body simulation to it, checking that the result equals a local run.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const bin = path.join(__dirname, '..', 'bin', 'snapvm.js');
const app = path.join(__dirname, 'pipeline.js');
const snap = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-demo-')), 'pipeline.snap');
const snapvm = (...args) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`snapvm ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r;
};
const section = (title) => console.log(`\n== ${title}`);

section(`snapvm run examples/pipeline.js --snapshot-at turn:4 --out ${snap} --stop`);
const first = snapvm('run', app, '--snapshot-at', 'turn:4', '--out', snap, '--stop');
process.stdout.write(first.stdout + first.stderr);
section(`snapvm inspect ${path.basename(snap)}`);
process.stdout.write(snapvm('inspect', snap).stdout);
section(`snapvm restore ${path.basename(snap)}   (a fresh process continues the program)`);
const second = snapvm('restore', snap);
process.stdout.write(second.stdout);
section('check: run --stop + restore == one uninterrupted run');
const whole = snapvm('run', app).stdout;
const same = first.stdout + second.stdout === whole;
console.log(same ? 'identical output' : `DIFFERENT output; the uninterrupted run printed:\n${whole}`);
fs.rmSync(path.dirname(snap), { recursive: true, force: true });

async function offload() {
  const { spawn } = require('node:child_process');
  const nbody = path.join(__dirname, 'nbody.js');
  section('snapvm serve --port 0   (a local edge server; the app is not installed on it)');
  const server = spawn(process.execPath, [bin, 'serve', '--port', '0', '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (ws:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`snapvm serve exited (${code})`)));
  });
  console.log(`listening on ${url}`);
  try {
    section(`snapvm run examples/nbody.js 20000 --edge ${url} --edge-report`);
    const remote = spawnSync(process.execPath, [bin, 'run', nbody, '20000', '--edge', url, '--edge-report'], { encoding: 'utf8' });
    process.stdout.write(remote.stdout + remote.stderr);
    section('check: offloaded == local');
    const local = snapvm('run', nbody, '20000').stdout;
    const ok = remote.status === 0 && remote.stdout === local;
    console.log(ok ? 'identical output' : `DIFFERENT output; the local run printed:\n${local}`);
    return ok;
  } finally {
    server.kill();
  }
}

offload().then(
  (ok) => {
    process.exitCode = same && ok ? 0 : 1;
  },
  (e) => {
    console.error(`demo: ${e.message}`);
    process.exitCode = 1;
  },
);
