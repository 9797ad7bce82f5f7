#!/usr/bin/env node
// What warming an edge worker (src/offload/warm.ts) saves on a session's first trip: in a fresh process,
// cold or after warmUp(), a whole snapshot of a loaded Octane app (made by this build, portable section
// left out, as a client sends it) is restored streamed in 64 KB chunks with the edge's engine options (its
// ML services), then a delta is captured back against it (and a second one, warm by then); CPU ms (the
// process's own, process.cpuUsage), median of N fresh processes per mode, alternating.
//   node bench/offload/warm.js [N] [earley-boyer|box2d]      (needs npm run build; OCTANE_DIR as bench/programs.js)
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');

const root = path.resolve(__dirname, '..', '..');
const dist = (p) => path.join(root, 'dist', 'src', p);
const { loadApp, cpu, median } = require(path.join(root, 'bench', 'ab.js'));

if (process.argv[2] === '--child') {
  const [, , , mode, file] = process.argv;
  const m = require(dist('index.js'));
  const { edgeMlServices } = require(dist('ml/services.js'));
  const { warmUp } = require(dist('offload/warm.js'));
  const options = { services: edgeMlServices(), onConsole: () => {} };
  const [, warmMs] = mode === 'warm' ? cpu(() => warmUp(options, ...(process.env.WARM_N ? [Number(process.env.WARM_N), Number(process.env.WARM_ROUNDS ?? 2)] : []))) : [null, 0];
  const code = fs.readFileSync(file, 'utf8');
  const [r, restoreMs] = cpu(() => {
    const s = new m.StreamingRestore(options, m.Engine);
    for (const c of m.chunkLines(code, 64 * 1024)) s.feed(c);
    return s.finish();
  });
  const [d, deltaMs] = cpu(() => m.captureDelta(r.engine, r.state, { portable: false }));
  if (d.kind !== 'delta') throw new Error(`a whole snapshot instead of a delta (${d.fallback})`);
  const [, againMs] = cpu(() => m.captureDelta(r.engine, d.state, { portable: false }));
  console.log(JSON.stringify({ warmMs, restoreMs, deltaMs, againMs }));
  process.exit(0);
}

const n = Number(process.argv[2] ?? 5);
const name = process.argv[3] ?? 'earley-boyer';
const file = path.join(os.tmpdir(), `snapvm-warm-${name}.snap`);
fs.writeFileSync(file, loadApp(require(dist('index.js')), name, true).snapshot({ portable: false }).code);
const runs = { cold: [], warm: [] };
for (let i = 0; i < n; i++) {
  for (const mode of i % 2 ? ['warm', 'cold'] : ['cold', 'warm']) {
    const r = spawnSync(process.execPath, [__filename, '--child', mode, file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
    runs[mode].push(JSON.parse(r.stdout.trim().split('\n').pop()));
  }
}
const col = (mode, k) => median(runs[mode].map((r) => r[k])).toFixed(0);
console.log(`${name}: snapshot ${(fs.statSync(file).size / 1024).toFixed(0)} KB; CPU ms, median of ${n} fresh processes each; load average ${os.loadavg()[0].toFixed(1)}`);
console.log('| worker | warm-up | streamed restore | first delta capture | second delta capture |');
console.log('|---|--:|--:|--:|--:|');
for (const mode of ['cold', 'warm'])
  console.log(`| ${mode === 'cold' ? 'cold (as before)' : 'after warmUp()'} | ${col(mode, 'warmMs')} | ${col(mode, 'restoreMs')} | ${col(mode, 'deltaMs')} | ${col(mode, 'againMs')} |`);
