'use strict';
// A page's trips to the edge against another build: `snapvm run PAGE --edge URL --edge-report`, each build's
// client with its own `snapvm serve` on loopback, N rounds alternating which build goes first. Per trip: bytes
// up and down (a delta's, or the whole snapshot's) beside the whole snapshot of the same state, and the
// client's wall-clock round trip, migration overhead (the trip less the edge's run) and total (medians).
// The load average is printed before and after: wall times on a loaded machine are noisy.
//   node bench/offload/page-trips-ab.js OTHER_REPO_DIR [N] [PAGE…]   (default: examples/filter)
const { serve, runClient: run } = require('./edge-procs.js');
const os = require('node:os');
const path = require('node:path');

const [otherDir, count, ...pages] = process.argv.slice(2);
if (!otherDir) throw new Error('usage: node bench/offload/page-trips-ab.js OTHER_REPO_DIR [N] [PAGE…]');
const here = path.resolve(__dirname, '..', '..');
const builds = [
  { name: 'other', bin: path.join(path.resolve(otherDir), 'bin', 'snapvm.js') },
  { name: 'this', bin: path.join(here, 'bin', 'snapvm.js') },
];
const n = Number(count ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Per trip of one run: bytes and times from its report lines. */
function trips(stderr) {
  const kb = (s) => Math.round(Number(s) * 1024);
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('snapvm: offload '))
    .map((line) => {
      const up = /: up ([\d.]+) KB(?: delta of ([\d.]+) KB)?/.exec(line);
      const down = /, down ([\d.]+) KB(?: delta of ([\d.]+) KB)?/.exec(line);
      const t = /round trip (\d+) ms, migration overhead (\d+) ms, total (\d+) ms/.exec(line);
      return {
        up: kb(up[1]),
        upWhole: kb(up[2] ?? up[1]),
        upDelta: !!up[2],
        down: kb(down[1]),
        downWhole: kb(down[2] ?? down[1]),
        downDelta: !!down[2],
        roundTrip: +t[1],
        overhead: +t[2],
        total: +t[3],
      };
    });
}

(async () => {
  const load = () =>
    os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ');
  console.log(`load average before: ${load()}; ${n} rounds per build, alternating`);
  for (const page of pages.length ? pages : [path.join(here, 'examples', 'filter', 'index.html')]) {
    const servers = await Promise.all(builds.map((b) => serve(b.bin)));
    const runs = builds.map(() => []);
    let expected = null;
    for (let i = 0; i < n; i++) {
      for (const k of i % 2 ? [1, 0] : [0, 1]) {
        const r = await run(builds[k].bin, page, servers[k].url);
        if (r.code !== 0) throw new Error(`${builds[k].name} build: exit ${r.code}\n${r.stderr}`);
        if (expected !== null && r.stdout !== expected) throw new Error(`${builds[k].name} build printed something else`);
        expected = r.stdout;
        runs[k].push(trips(r.stderr));
      }
    }
    for (const s of servers) s.kill();
    console.log(`\n${path.relative(here, page)}`);
    console.log('build  trip  up B (whole B)          down B (whole B)        round trip  overhead  total  (ms, medians)');
    builds.forEach((b, k) => {
      const tripsOf = runs[k][0].length;
      for (let j = 0; j < tripsOf; j++) {
        const col = (f) => median(runs[k].map((r) => f(r[j])));
        const bytes = (d, v, w) => `${d ? 'delta' : 'whole'} ${v} (${w})`.padEnd(24);
        console.log(
          `${b.name.padEnd(6)} ${String(j + 1).padEnd(5)} ${bytes(
            runs[k][0][j].upDelta,
            col((t) => t.up),
            col((t) => t.upWhole),
          )}${bytes(
            runs[k][0][j].downDelta,
            col((t) => t.down),
            col((t) => t.downWhole),
          )}${String(col((t) => t.roundTrip)).padStart(10)}  ${String(col((t) => t.overhead)).padStart(8)}  ${String(col((t) => t.total)).padStart(5)}`,
        );
      }
    });
  }
  console.log(`\nload average after: ${load()} (${os.cpus().length} CPUs)`);
})();
