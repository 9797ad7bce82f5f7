#!/usr/bin/env node
// Delta size against whole-snapshot size, both directions, and the CPU time of each step of a round
// trip, in one process (no link, no slowdown): for each app, the client engine runs to its first
// offload, captures (whole), the "edge" engine restores it and runs the offloaded work, captures a
// delta back, the client applies it in place, runs to its next offload and captures a delta up.
// CPU times (process.cpuUsage) do not grow with the machine's load as wall times do.
//   node bench/offload/deltas.js [--json FILE]      (needs npm run build; Octane apps need bench-cache)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const root = path.resolve(__dirname, '..', '..');
const { Engine, captureDelta, applyDelta } = require(path.join(root, 'dist', 'src', 'index.js'));
const { installHints, pendingMove, completeMove } = require(path.join(root, 'dist', 'src', 'offload', 'index.js'));
const { loadSources, driverSource, PROGRAMS, octaneDir } = require(path.join(root, 'bench', 'programs.js'));

const octane = (name) => {
  const sources = loadSources({ files: ['base.js', `${name}.js`].map((f) => path.join(octaneDir(), f)) });
  const setup = PROGRAMS.find((p) => p.name === 'richards').setup;
  return [...sources.map((s) => s.text), setup, driverSource(1), '(async () => { for (let i = 1; i <= 2; i++) await snapvm.offload(() => benchRun()); })();'].join('\n');
};
const APPS = [
  { name: 'n-body', file: 'examples/nbody.js', args: ['2000'] },
  { name: 'edge detection', file: 'bench/offload/apps/edges.js', args: ['160', '4'] },
  { name: 'rounds (test app)', source: () => fs.readFileSync(path.join(root, 'test', 'offload-delta.test.ts'), 'utf8').match(/const ROUNDS = `([\s\S]*?)`;\n/)[1] },
  { name: 'earley-boyer (Octane, 195 KB)', source: () => octane('earley-boyer') },
  { name: 'box2d (Octane, 229 KB)', source: () => octane('box2d') },
];

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
function timed(f) {
  const c = cpu();
  const t = performance.now();
  const r = f();
  return [r, cpu() - c, performance.now() - t];
}
const quiet = { onConsole: () => {}, onPrint: () => {} };

async function toNextMove(e) {
  e.runJobs();
  if (pendingMove(e) === null) await e.runEventLoop(() => pendingMove(e) !== null);
}

async function trip(app) {
  const file = app.file ? path.join(root, app.file) : `${app.name}.js`;
  const source = app.source ? app.source() : fs.readFileSync(file, 'utf8');
  const client = new Engine({ ...quiet, argv: [file, ...(app.args ?? [])] });
  installHints(client, { edge: true });
  client.evaluateScript(source, file);
  await toNextMove(client);
  const [up, upCpu] = timed(() => captureDelta(client, null));
  const [{ engine: edge, state }, restoreCpu] = timed(() => Engine.restoreForDeltas(up.text, quiet));
  completeMove(edge, 'edge');
  await toNextMove(edge);
  const [down, downCpu] = timed(() => captureDelta(edge, state));
  const [agreed, applyCpu] = timed(() => applyDelta(client, up.state, down.text));
  completeMove(client, 'client');
  await toNextMove(client);
  const row = {
    app: app.name,
    upWhole: up.text.length,
    downDelta: down.text.length,
    downWhole: down.full.code.length,
    captureCpu: upCpu,
    edgeRestoreCpu: restoreCpu,
    edgeDeltaCpu: downCpu,
    clientApplyCpu: applyCpu,
  };
  if (pendingMove(client) === 'edge') {
    const [up2, up2Cpu] = timed(() => captureDelta(client, agreed));
    const [, edgeApplyCpu] = timed(() => applyDelta(edge, down.state, up2.text));
    Object.assign(row, { upDelta: up2.text.length, upWhole2: up2.full.code.length, clientDeltaCpu: up2Cpu, edgeApplyCpu });
  }
  return row;
}

(async () => {
  const kb = (n) => (n === undefined ? '—' : (n / 1024).toFixed(1));
  const ms = (n) => (n === undefined ? '—' : n.toFixed(0));
  console.log(`in one process, CPU ms (process.cpuUsage); load average ${require('node:os').loadavg()[0].toFixed(1)}`);
  console.log(
    '| app | up: whole KB | down: delta / whole KB | 2nd up: delta / whole KB | client capture | edge restore | edge delta capture | client apply | 2nd up: client delta capture | edge apply |',
  );
  console.log('|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
  const rows = [];
  for (const app of APPS) {
    let r;
    try {
      r = await trip(app);
    } catch (e) {
      console.log(`| ${app.name} | failed: ${e.message.split('\n')[0]} |`);
      continue;
    }
    rows.push(r);
    console.log(
      `| ${r.app} | ${kb(r.upWhole)} | ${kb(r.downDelta)} / ${kb(r.downWhole)} | ${kb(r.upDelta)} / ${kb(r.upWhole2)} | ${ms(r.captureCpu)} | ${ms(r.edgeRestoreCpu)} | ${ms(r.edgeDeltaCpu)} | ${ms(r.clientApplyCpu)} | ${ms(r.clientDeltaCpu)} | ${ms(r.edgeApplyCpu)} |`,
    );
  }
  const i = process.argv.indexOf('--json');
  if (i > 0) fs.writeFileSync(process.argv[i + 1], JSON.stringify(rows, null, 1) + '\n');
})();
