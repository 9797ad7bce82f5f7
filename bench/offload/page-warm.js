#!/usr/bin/env node
// What warming a spare edge worker with the DOM room saves on a session's first page trip, and what it
// costs a script session's first trip. In a fresh process warmed as a spare worker was before (warmUp, then
// warmSteps: `script`) or as it is now (warm.ts's warmPageSteps, then warmSteps: `page`), with the edge's engine
// options (its ML services): either a client's page snapshot (examples/filter loaded, made by this build)
// restored as the worker restores a page (Page.restore, files: false), or Octane's earley-boyer streamed
// restore and first delta capture (as bench/offload/warm.js). CPU ms (process.cpuUsage) and wall ms,
// median of N fresh processes per cell, alternating.
//   node bench/offload/page-warm.js [N]      (needs npm run build; OCTANE_DIR as bench/programs.js)
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');

const root = path.resolve(__dirname, '..', '..');
const dist = (p) => path.join(root, 'dist', 'src', p);
const { loadApp, cpu, median } = require(path.join(root, 'bench', 'ab.js'));

function timed(f) {
  const t = performance.now();
  const [r, ms] = cpu(f);
  return [r, ms, performance.now() - t];
}

if (process.argv[2] === '--child') {
  const [, , , mode, what, file] = process.argv;
  const m = require(dist('index.js'));
  const { edgeMlServices } = require(dist('ml/services.js'));
  const { warmUp, warmSteps, warmPageSteps } = require(dist('offload/warm.js'));
  const services = edgeMlServices();
  const options = { services, onConsole: () => {} };
  const [, warmMs] = cpu(() => {
    warmUp(options, 20, 1);
    // (the spare's order, worker.ts: a page's steps, then a script session's)
    if (mode === 'page') for (const _ of warmPageSteps(services));
    for (const _ of warmSteps(options));
  });
  const code = fs.readFileSync(file, 'utf8');
  if (what === 'page') {
    const { Page } = require(dist('dom/index.js'));
    const [page, restoreMs, restoreWall] = timed(() => Page.restore(code, { files: false, services, onConsole: () => {} }));
    const [, captureMs] = cpu(() => page.snapshot());
    console.log(JSON.stringify({ warmMs, restoreMs, restoreWall, captureMs }));
  } else {
    const [r, restoreMs, restoreWall] = timed(() => {
      const s = new m.StreamingRestore(options, m.Engine);
      for (const c of m.chunkLines(code, 64 * 1024)) s.feed(c);
      return s.finish();
    });
    const [, captureMs] = cpu(() => m.captureDelta(r.engine, r.state, { portable: false }));
    console.log(JSON.stringify({ warmMs, restoreMs, restoreWall, captureMs }));
  }
  process.exit(0);
}

const n = Number(process.argv[2] ?? 3);
const pageFile = path.join(os.tmpdir(), 'snapvm-page-warm-filter.snap');
{
  const { Page } = require(dist('dom/index.js'));
  const page = new Page(path.join(root, 'examples', 'filter', 'index.html'), { onConsole: () => {} });
  page.load();
  fs.writeFileSync(pageFile, page.snapshot().code);
}
const scriptFile = path.join(os.tmpdir(), 'snapvm-page-warm-earley-boyer.snap');
fs.writeFileSync(scriptFile, loadApp(require(dist('index.js')), 'earley-boyer', true).snapshot({ portable: false }).code);
const runs = {};
const load = [os.loadavg()[0]];
for (let i = 0; i < n; i++) {
  for (const what of ['page', 'script']) {
    for (const mode of i % 2 ? ['page', 'script'] : ['script', 'page']) {
      const r = spawnSync(process.execPath, [__filename, '--child', mode, what, what === 'page' ? pageFile : scriptFile], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(r.stderr);
      (runs[`${what}/${mode}`] ??= []).push(JSON.parse(r.stdout.trim().split('\n').pop()));
    }
  }
}
load.push(os.loadavg()[0]);
const col = (key, k) => median(runs[key].map((r) => r[k])).toFixed(0);
console.log(`CPU ms (wall ms for the restore too), median of ${n} fresh processes each; load average ${load.map((l) => l.toFixed(1)).join(' → ')}`);
console.log('| first trip | spare warmed | warm-up CPU | restore CPU | restore wall | capture CPU |');
console.log('|---|---|--:|--:|--:|--:|');
for (const what of ['page', 'script'])
  for (const mode of ['script', 'page'])
    console.log(
      `| ${what === 'page' ? 'page (examples/filter)' : 'script (earley-boyer)'} | ${mode === 'script' ? 'scripts only (before)' : 'scripts + a page (now)'} | ${col(`${what}/${mode}`, 'warmMs')} | ${col(`${what}/${mode}`, 'restoreMs')} | ${col(`${what}/${mode}`, 'restoreWall')} | ${col(`${what}/${mode}`, 'captureMs')} |`,
    );
