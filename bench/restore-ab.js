'use strict';
// Restore cost against another build: the same snapshots (Octane Box2D and EarleyBoyer, loaded and set
// up, made by the other build) restored alternately by the other build and by this one, CPU time per
// restore (process.cpuUsage, less sensitive to a loaded machine than wall time), median of N.
//   node bench/restore-ab.js OTHER_REPO_DIR [N]
// OTHER_REPO_DIR holds a built checkout (its dist/src/index.js), e.g. `git archive REV | tar -x -C DIR`
// and `npx tsc -p tsconfig.json` there. Needs `npm run build` here and Octane (see bench/README.md).
const path = require('node:path');
const fs = require('node:fs');
const other = require(path.resolve(process.argv[2], 'dist', 'src', 'index.js'));
const mine = require(path.resolve(__dirname, '..', 'dist', 'src', 'index.js'));
const { PROGRAMS, octaneDir } = require('./programs.js');
const n = Number(process.argv[3] ?? 9);
const setup = PROGRAMS.find((p) => p.name === 'richards').setup;
const quiet = { onConsole: () => {}, onPrint: () => {} };
const cpu = (f) => {
  const a = process.cpuUsage();
  f();
  const d = process.cpuUsage(a);
  return (d.user + d.system) / 1000;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const name of ['box2d', 'earley-boyer']) {
  const e = new other.Engine(quiet);
  for (const f of ['base.js', `${name}.js`].map((f) => path.join(octaneDir(), f))) e.evaluateScript(fs.readFileSync(f, 'utf8'), f);
  e.evaluateScript(setup, 'setup.js');
  e.runJobs();
  const code = e.snapshot().code;
  const a = [];
  const b = [];
  for (let i = 0; i < n; i++) {
    // (the order alternates, so that neither build always runs after the other's garbage)
    if (i % 2) b.push(cpu(() => mine.Engine.restore(code, quiet)));
    a.push(cpu(() => other.Engine.restore(code, quiet)));
    if (i % 2 === 0) b.push(cpu(() => mine.Engine.restore(code, quiet)));
  }
  const [ma, mb] = [median(a), median(b)];
  console.log(`${name}: snapshot ${(code.length / 1024).toFixed(0)} KB; restore CPU ms, median of ${n}: other ${ma.toFixed(1)}, this ${mb.toFixed(1)} (${mb >= ma ? '+' : ''}${((mb / ma - 1) * 100).toFixed(1)}%)`);
}
