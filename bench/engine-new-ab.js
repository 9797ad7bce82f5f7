'use strict';
// The cost of `new Engine()` against another build: each run a fresh Node process of either build (in
// turn, alternating which goes first) making K engines one after another. CPU ms (user + system, all
// threads, so V8's concurrent compiles count) of the first construction, of each later one, and of the
// whole process at exit (the compiles a construction set off may finish after it); medians of N runs.
//   node bench/engine-new-ab.js OTHER_REPO_DIR [N] [K]
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { median, change, alternate } = require('./ab.js');

const other = path.resolve(process.argv[2]);
const n = Number(process.argv[3] ?? 9);
const k = Number(process.argv[4] ?? 4);
const mine = path.resolve(__dirname, '..');
const child = `const { Engine } = require(process.argv[1] + '/dist/src/index.js');
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const each = [];
for (let i = 0; i < ${k}; i++) { const c = cpu(); new Engine({ warmUp: false }); each.push(cpu() - c); }
process.on('exit', () => console.log(JSON.stringify({ each, total: cpu() })));`;

function run(repo) {
  const r = spawnSync(process.execPath, ['-e', child, repo], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${repo}: ${r.stderr.slice(0, 400)}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const runs = { other: [], mine: [] };
alternate(
  n,
  () => runs.other.push(run(other)),
  () => runs.mine.push(run(mine)),
);
const row = (label, f) => {
  const a = median(runs.other.map(f)),
    b = median(runs.mine.map(f));
  console.log(`${label.padEnd(28)} ${a.toFixed(1).padStart(8)} ${b.toFixed(1).padStart(8)}  ${change(a, b)}`);
};
console.log(`${'CPU ms, median of ' + n}`.padEnd(28), '   other     this');
row('first new Engine()', (r) => r.each[0]);
for (let j = 1; j < k; j++) row(`new Engine() #${j + 1}`, (r) => r.each[j]);
row(`process total (${k} engines)`, (r) => r.total);
