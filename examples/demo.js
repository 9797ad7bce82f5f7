// `npm start`: run a real app under snapvm, snapshot it mid-run (after event-loop turn 4) and stop,
// say what the snapshot holds, restore it in a fresh process, and check that the two halves print
// exactly what one uninterrupted run prints. (Offloading to an edge server joins this demo when
// the offload room exists; see the README.)
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
process.exitCode = same ? 0 : 1;
