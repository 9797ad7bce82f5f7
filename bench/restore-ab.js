'use strict';
// Restore cost against another build: snapshots of the same state (Octane Box2D and EarleyBoyer, loaded
// and set up, each build's made by that build: a format change between them is then no obstacle)
// restored alternately by the other build and by this one, CPU time per
// restore (process.cpuUsage, less sensitive to a loaded machine than wall time), median of N.
//   node bench/restore-ab.js OTHER_REPO_DIR [N]
// OTHER_REPO_DIR holds a built checkout (its dist/src/index.js), e.g. `git archive REV | tar -x -C DIR`
// and `npx tsc -p tsconfig.json` there. Needs `npm run build` here and Octane (see bench/README.md).
const { quiet, builds, loadApp, cpu, median, change, alternate } = require('./ab.js');

const { other, mine } = builds(process.argv[2]);
const n = Number(process.argv[3] ?? 9);
for (const name of ['box2d', 'earley-boyer']) {
  const code = loadApp(other, name).snapshot().code;
  const mineCode = loadApp(mine, name).snapshot().code;
  const a = [];
  const b = [];
  alternate(
    n,
    () => a.push(cpu(() => other.Engine.restore(code, quiet))[1]),
    () => b.push(cpu(() => mine.Engine.restore(mineCode, quiet))[1]),
  );
  const [ma, mb] = [median(a), median(b)];
  console.log(
    `${name}: snapshot ${(code.length / 1024).toFixed(0)} KB / ${(mineCode.length / 1024).toFixed(0)} KB; restore CPU ms, median of ${n}: other ${ma.toFixed(1)}, this ${mb.toFixed(1)} (${change(ma, mb)})`,
  );
}
