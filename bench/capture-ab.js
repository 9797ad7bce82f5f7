'use strict';
// Capture cost against another build: each build loads the same Octane apps (Box2D, EarleyBoyer: base.js, the
// benchmark, its setup and one run), then the two capture alternately, CPU time per capture, median of N; the
// engine section only unless --portable. The counterpart of restore-ab.js (and ab.js says what they share).
//   node bench/capture-ab.js OTHER_REPO_DIR [N] [--portable]
const { builds, loadApp, cpu, median, change, alternate } = require('./ab.js');

const args = process.argv.slice(2);
const portable = args.includes('--portable');
const [otherDir, count] = args.filter((a) => a !== '--portable');
const { other, mine } = builds(otherDir);
const n = Number(count ?? 9);
for (const name of ['box2d', 'earley-boyer']) {
  const engines = [other, mine].map((build) => {
    const e = loadApp(build, name, true);
    build.prepareCapture(e);
    return e;
  });
  const times = [[], []];
  const sizes = [0, 0];
  const take = (k) => () => {
    const [code, ms] = cpu(() => engines[k].snapshot({ portable }).code);
    sizes[k] = code.length;
    times[k].push(ms);
  };
  alternate(n, take(0), take(1));
  const [ma, mb] = times.map(median);
  console.log(
    `${name}: snapshot ${(sizes[0] / 1024).toFixed(0)} KB / ${(sizes[1] / 1024).toFixed(0)} KB; capture${portable ? ' (with the portable section)' : ''} CPU ms, median of ${n}: other ${ma.toFixed(1)}, this ${mb.toFixed(1)} (${change(ma, mb)})`,
  );
}
