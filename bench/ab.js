'use strict';
// What the A/B benches (restore-ab.js, capture-ab.js, edge-ab.js) share: this build and another built checkout
// (OTHER_REPO_DIR holds its dist/src/index.js, e.g. `git archive REV | tar -x -C DIR` and `npx tsc -p
// tsconfig.json` there), an Octane app loaded into an engine of either, CPU time per call (process.cpuUsage,
// less sensitive to a loaded machine than wall time), and runs that alternate which build goes first.
const path = require('node:path');
const fs = require('node:fs');
const { PROGRAMS, octaneDir, driverSource } = require('./programs.js');

const quiet = { onConsole: () => {}, onPrint: () => {} };
const setup = PROGRAMS.find((p) => p.name === 'richards').setup;

/** The other build's package door and this one's. */
function builds(otherDir) {
  return {
    other: require(path.resolve(otherDir, 'dist', 'src', 'index.js')),
    mine: require(path.resolve(__dirname, '..', 'dist', 'src', 'index.js')),
  };
}

/** An engine of `build` with Octane's base.js and the app loaded and set up (and its driver run once with `ran`). */
function loadApp(build, name, ran = false) {
  const e = new build.Engine(quiet);
  for (const f of ['base.js', `${name}.js`].map((f) => path.join(octaneDir(), f))) e.evaluateScript(fs.readFileSync(f, 'utf8'), f);
  e.evaluateScript(setup, 'setup.js');
  if (ran) e.evaluateScript(driverSource(1), 'driver.js');
  e.runJobs();
  return e;
}

/** `[result, CPU ms]` of `f()`. */
function cpu(f) {
  const a = process.cpuUsage();
  const r = f();
  const d = process.cpuUsage(a);
  return [r, (d.user + d.system) / 1000];
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const change = (a, b) => `${b >= a ? '+' : ''}${((b / a - 1) * 100).toFixed(1)}%`;

/** `n` rounds of `a()` and `b()`, alternating which goes first (neither always runs after the other's garbage). */
function alternate(n, a, b) {
  for (let i = 0; i < n; i++) {
    if (i % 2) b();
    a();
    if (i % 2 === 0) b();
  }
}

module.exports = { quiet, builds, loadApp, cpu, median, change, alternate };
