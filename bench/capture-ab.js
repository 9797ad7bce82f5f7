'use strict';
// Capture cost against another build: each build loads the same Octane apps (Box2D, EarleyBoyer: base.js, the
// benchmark, its setup and one run), then the two capture alternately, CPU time per capture (process.cpuUsage),
// median of N; the engine section only unless --portable. The counterpart of restore-ab.js.
//   node bench/capture-ab.js OTHER_REPO_DIR [N] [--portable]
const path = require('node:path');
const fs = require('node:fs');
const args = process.argv.slice(2);
const portable = args.includes('--portable');
const [otherDir, count] = args.filter((a) => a !== '--portable');
const other = require(path.resolve(otherDir, 'dist', 'src', 'index.js'));
const mine = require(path.resolve(__dirname, '..', 'dist', 'src', 'index.js'));
const { PROGRAMS, octaneDir, driverSource } = require('./programs.js');
const n = Number(count ?? 9);
const setup = PROGRAMS.find((p) => p.name === 'richards').setup;
const quiet = { onConsole: () => {}, onPrint: () => {} };
const cpu = (f) => {
  const a = process.cpuUsage();
  f();
  const d = process.cpuUsage(a);
  return (d.user + d.system) / 1000;
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = (build, name) => {
  const e = new build.Engine(quiet);
  for (const f of ['base.js', `${name}.js`].map((f) => path.join(octaneDir(), f))) e.evaluateScript(fs.readFileSync(f, 'utf8'), f);
  e.evaluateScript(setup, 'setup.js');
  e.evaluateScript(driverSource(1), 'driver.js');
  e.runJobs();
  build.prepareCapture(e);
  return e;
};
for (const name of ['box2d', 'earley-boyer']) {
  const ea = load(other, name);
  const eb = load(mine, name);
  const a = [];
  const b = [];
  let sizes = [0, 0];
  for (let i = 0; i < n; i++) {
    a.push(cpu(() => (sizes[0] = ea.snapshot({ portable }).code.length)));
    b.push(cpu(() => (sizes[1] = eb.snapshot({ portable }).code.length)));
  }
  const [ma, mb] = [median(a), median(b)];
  console.log(`${name}: snapshot ${(sizes[0] / 1024).toFixed(0)} KB / ${(sizes[1] / 1024).toFixed(0)} KB; capture${portable ? ' (with the portable section)' : ''} CPU ms, median of ${n}: other ${ma.toFixed(1)}, this ${mb.toFixed(1)} (${mb >= ma ? '+' : ''}${((mb / ma - 1) * 100).toFixed(1)}%)`);
}
