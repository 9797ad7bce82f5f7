// What the portable-output suites share: a scratch folder, plain Node and snapvm run as a user runs them,
// and the check of one program: run uninterrupted (snapvm and node print the same), then with
// `--snapshot-at turn:N --stop` followed by `node SNAP` and by `snapvm restore SNAP`: each pair of halves
// prints what the one run printed.
import type { Test } from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');
const bin = path.join(root, 'bin', 'snapvm.js');

export interface Program {
  name: string;
  turns: number[];
  source: string;
}

export function portableKit(t: Test) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-portable-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, source: string): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, source);
    return file;
  };
  // plain Node, as a user runs it: without the loader the test runner adds to child processes
  // (which refuses a file named .snap)
  const run = (...args: string[]): { code: number | null; stdout: string; stderr: string } => {
    const r = spawnSync('/usr/bin/env', ['-u', 'NODE_OPTIONS', process.execPath, ...args], { encoding: 'utf8', timeout: 60_000, cwd: dir });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const snapvm = (...args: string[]) => run(bin, ...args);
  /** `file` (a script or an entry module) continued after each turn in Node and in snapvm, against one run. */
  const continues = (t: Test, file: string, turns: number[]): void => {
    const whole = snapvm('run', file);
    t.equal(whole.code, 0, whole.stderr);
    t.equal(whole.stdout, run(file).stdout, 'snapvm prints what node prints');
    for (const n of turns) {
      const snap = file.replace(/\.m?js$/, `-${n}.snap`);
      const a = snapvm('run', file, '--snapshot-at', `turn:${n}`, '--out', snap, '--stop');
      t.equal(a.code, 0, `run to turn ${n}`);
      t.match(a.stderr, new RegExp(`snapshot after turn ${n} written .*; node runs it too\\)`));
      const b = run(snap);
      t.equal(b.stderr, '', `node SNAP after turn ${n}: nothing on stderr`);
      t.equal(b.code, 0, `node SNAP after turn ${n} exits 0`);
      t.equal(a.stdout + b.stdout, whole.stdout, `turn ${n}: run --stop, then node SNAP, prints what one run prints`);
      const c = snapvm('restore', snap);
      t.equal(c.code, 0, `snapvm restore after turn ${n}: ${c.stderr}`);
      t.equal(a.stdout + c.stdout, whole.stdout, `turn ${n}: the same file restored by snapvm prints the same`);
    }
  };
  return { dir, write, run, snapvm, continues };
}
