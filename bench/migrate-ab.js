'use strict';
// The migration of issue 3's aim (capture with `{ portable: false }` + warm restore of Octane Box2D and
// EarleyBoyer after setup, as bench/migrate-time.js measures it) against another build, in one process:
// each build loads the apps, captures its own engine and restores its own snapshot, the two builds
// alternating capture by capture and restore by restore. CPU ms per operation as min, 25th percentile and
// median of N: on a loaded machine the low figures move least, and both builds meet the same load.
//   node bench/migrate-ab.js OTHER_REPO_DIR [N] [PROGRAM...]
// Needs `npm run build` here, a built OTHER_REPO_DIR (see restore-ab.js) and Octane (see bench/README.md).
const { quiet, builds, loadApp, cpu } = require('./ab.js');

const [otherDir, count, ...names] = process.argv.slice(2);
const { other, mine } = builds(otherDir);
const n = Number(count ?? 25);
if (!(n >= 1)) throw new Error(`N must be a count >= 1, not ${count}`);
const WARMUP = 4;

const pick = (xs, q) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)];
const fig = (xs) => [0, 0.25, 0.5].map((q) => pick(xs, q));
const ms = (xs) => xs.map((x) => x.toFixed(1)).join(' / ');

console.log(`CPU ms, min / p25 / median of ${n}`);
for (const name of names.length ? names : ['earley-boyer', 'box2d']) {
  const sides = [other, mine].map((build) => {
    const e = loadApp(build, name);
    return { build, e, code: e.snapshot({ portable: false }).code, capture: [], restore: [] };
  });
  for (let i = 0; i < n + WARMUP; i++) {
    for (const s of i % 2 ? sides : [...sides].reverse()) {
      const c = cpu(() => s.e.snapshot({ portable: false }))[1];
      const r = cpu(() => s.build.Engine.restore(s.code, quiet))[1];
      if (i >= WARMUP) s.capture.push(c), s.restore.push(r);
    }
  }
  for (const [label, s] of [
    ['other', sides[0]],
    ['this', sides[1]],
  ]) {
    const c = fig(s.capture);
    const r = fig(s.restore);
    console.log(`${name} ${label}: capture ${ms(c)}; restore (warm) ${ms(r)}; capture + restore ${ms(c.map((x, i) => x + r[i]))}`);
  }
}
