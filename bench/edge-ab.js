'use strict';
// An edge's CPU work per offload against another build: the same whole snapshot of a loaded Octane app (made by
// the other build; portable section left out, as a client sends it) restored for deltas (Engine.restoreForDeltas:
// restore plus the owners' hashes), then a delta captured back (captureDelta against that state), alternately by
// the other build and by this one; CPU ms, median of N. The counterpart of restore-ab.js (ab.js: what they share).
//   node bench/edge-ab.js OTHER_REPO_DIR [N] [PROGRAM…]   (programs: box2d, earley-boyer; default earley-boyer)
const { quiet, builds, loadApp, cpu, median, change, alternate } = require('./ab.js');

const [otherDir, count, ...names] = process.argv.slice(2);
const { other, mine } = builds(otherDir);
const n = Number(count ?? 9);
for (const name of names.length ? names : ['earley-boyer']) {
  const code = loadApp(other, name, true).snapshot({ portable: false }).code;
  const t = [
    { restore: [], delta: [] },
    { restore: [], delta: [] },
  ];
  let bytes = 0;
  const edge = (k, build) => () => {
    const [r, tr] = cpu(() => build.Engine.restoreForDeltas(code, quiet));
    build.prepareCapture(r.engine);
    const [d, td] = cpu(() => build.captureDelta(r.engine, r.state, { portable: false }));
    if (d.kind !== 'delta') throw new Error(`a whole snapshot instead of a delta (${d.fallback})`);
    bytes = d.text.length;
    t[k].restore.push(tr);
    t[k].delta.push(td);
  };
  alternate(n, edge(0, other), edge(1, mine));
  const [ra, rb] = t.map((x) => median(x.restore));
  const [da, db] = t.map((x) => median(x.delta));
  console.log(
    `${name}: snapshot ${(code.length / 1024).toFixed(0)} KB, delta back ${bytes} B; CPU ms, median of ${n}: ` +
      `restore for deltas other ${ra.toFixed(1)}, this ${rb.toFixed(1)} (${change(ra, rb)}); delta capture other ${da.toFixed(1)}, this ${db.toFixed(1)} (${change(da, db)})`,
  );
}
