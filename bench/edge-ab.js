'use strict';
// An edge's CPU work per offload against another build: the same whole snapshot of a loaded Octane app (made by
// the other build; portable section left out, as a client sends it) restored for deltas (Engine.restoreForDeltas:
// restore plus the owners' hashes), then a delta captured back (captureDelta against that state), alternately by
// the other build and by this one; CPU ms (process.cpuUsage), median of N. The counterpart of restore-ab.js.
//   node bench/edge-ab.js OTHER_REPO_DIR [N] [PROGRAM…]   (programs: box2d, earley-boyer; default earley-boyer)
const path = require('node:path');
const fs = require('node:fs');
const [otherDir, count, ...names] = process.argv.slice(2);
const other = require(path.resolve(otherDir, 'dist', 'src', 'index.js'));
const mine = require(path.resolve(__dirname, '..', 'dist', 'src', 'index.js'));
const { PROGRAMS, octaneDir, driverSource } = require('./programs.js');
const n = Number(count ?? 9);
const setup = PROGRAMS.find((p) => p.name === 'richards').setup;
const quiet = { onConsole: () => {}, onPrint: () => {} };
const cpu = (f) => {
  const a = process.cpuUsage();
  const r = f();
  const d = process.cpuUsage(a);
  return [r, (d.user + d.system) / 1000];
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (a, b) => `${b >= a ? '+' : ''}${((b / a - 1) * 100).toFixed(1)}%`;
for (const name of names.length ? names : ['earley-boyer']) {
  const e = new other.Engine(quiet);
  for (const f of ['base.js', `${name}.js`].map((f) => path.join(octaneDir(), f))) e.evaluateScript(fs.readFileSync(f, 'utf8'), f);
  e.evaluateScript(setup, 'setup.js');
  e.evaluateScript(driverSource(1), 'driver.js');
  e.runJobs();
  const code = e.snapshot({ portable: false }).code;
  const t = { other: { restore: [], delta: [] }, this: { restore: [], delta: [] } };
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    // (the order alternates, so that neither build always runs after the other's garbage)
    for (const [label, build] of i % 2 ? [['this', mine], ['other', other]] : [['other', other], ['this', mine]]) {
      const [r, tr] = cpu(() => build.Engine.restoreForDeltas(code, quiet));
      build.prepareCapture(r.engine);
      const [d, td] = cpu(() => build.captureDelta(r.engine, r.state, { portable: false }));
      if (d.kind !== 'delta') throw new Error(`${label}: a whole snapshot instead of a delta (${d.fallback})`);
      bytes = d.text.length;
      t[label].restore.push(tr);
      t[label].delta.push(td);
    }
  }
  const m = (l, k) => median(t[l][k]);
  console.log(
    `${name}: snapshot ${(code.length / 1024).toFixed(0)} KB, delta back ${bytes} B; CPU ms, median of ${n}: ` +
      `restore for deltas other ${m('other', 'restore').toFixed(1)}, this ${m('this', 'restore').toFixed(1)} (${pct(m('other', 'restore'), m('this', 'restore'))}); ` +
      `delta capture other ${m('other', 'delta').toFixed(1)}, this ${m('this', 'delta').toFixed(1)} (${pct(m('other', 'delta'), m('this', 'delta'))})`,
  );
}
