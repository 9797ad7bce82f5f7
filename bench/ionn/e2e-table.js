#!/usr/bin/env node
// The e2e grid as one markdown table: per model, rate and planner, e2e / simulation (profiled costs) /
// simulation with the run's measurements, for the first offloaded query, the area and the steady
// latency. Reads the JSON files e2e.js wrote (--json).
//
//   node bench/ionn/e2e-table.js bench/ionn/out/e2e-alexnet.json bench/ionn/out/e2e-googlenet.json …
'use strict';
const fs = require('node:fs');

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: node bench/ionn/e2e-table.js OUT.json…  (files written by e2e.js --json)');
  process.exit(2);
}
const NAMES = { 'local-only': 'local-only', 'upload-all': 'upload-all', neurosurgeon: 'Neurosurgeon', ionn: 'IONN K=0.8', efficiency: 'greedy', exact: 'exact' };
const s = (ms) => (ms === null || ms === undefined || !Number.isFinite(ms) ? '–' : (ms / 1000).toFixed(2));
const n0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '–');
const rel = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b ? `${a >= b ? '+' : ''}${(((a - b) / b) * 100).toFixed(0)} %` : '–');
console.log(
  '| model | Mbps | window s | planner | first-off s e2e / sim / meas | area ms·s e2e / sim / meas | e2e vs sim, vs meas | steady ms e2e / sim / meas | upload end s e2e / sim | answers ok | server× | wire Mbps | load avg |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const f of files) {
  for (const r of JSON.parse(fs.readFileSync(f, 'utf8'))) {
    const e = r.e2e;
    // JSON has no Infinity: a missing first-off or upload end reads as null.
    console.log(
      `| ${r.model} | ${r.mbps} | ${(r.window / 1000).toFixed(1)} | ${NAMES[r.planner] ?? r.planner} | ${s(e.firstOffloadedDoneMs)} / ${s(r.sim.firstOff)} / ${s(r.simMeasured.firstOff)} | ${n0(e.areaMsS)} / ${n0(r.sim.area)} / ${n0(r.simMeasured.area)} | ${rel(e.areaMsS, r.sim.area)}, ${rel(e.areaMsS, r.simMeasured.area)} | ${n0(e.steady)}${e.steadyAfterUpload ? '' : '*'} / ${n0(r.sim.steady)} / ${n0(r.simMeasured.steady)} | ${s(e.uploadEnd)} / ${s(r.sim.uploadEnd)} | ${e.checked - e.wrong}/${e.checked} | ${e.serverFactor.toFixed(1)} | ${e.wireMbps.toFixed(1)} | ${r.loadavg.toFixed(1)} |`,
    );
  }
}
console.log('\n(* the upload had not ended inside the run: the mean latency of its last three queries)');
