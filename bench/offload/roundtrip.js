#!/usr/bin/env node
// The 200 KB-source app's round trip piece by piece, in CPU time: what each side's processor spends on it,
// which a loaded machine (this one's load average is printed) stretches in wall time and an idle one does not.
// The client is this process (an engine as `snapvm run --edge` makes it: built-ins copied before the program,
// the hint API, the Octane app driven once); the edge is a child process warmed as a spare worker is
// (src/offload/warm.ts, with the edge's ML services), which makes the engine for the first snapshot when the
// client says hello, as a session's worker does. Trip 1 sends a whole snapshot (streamed to the edge in
// 64 K-character chunks), trip 2 a delta; the state comes back as a delta both times. Each CPU figure is
// the process's own (process.cpuUsage) for that step; the link is modelled: bytes at `--mbps`, plus the
// RTT per trip (the server restores chunks while later ones are on the wire, so on trip 1 only the restore
// left after the last chunk is added to the transfer). Median of N fresh client+edge pairs.
// The client's hello carries its source, as `snapvm run --edge` sends it before its program runs (units.ts):
// the edge parses it then (its CPU is printed, off the critical path) and the snapshot names it by hash
// on the link; --no-units leaves that out (the source travels in the snapshot and is parsed at restore).
//   node bench/offload/roundtrip.js [--octane earley-boyer] [--n 3] [--mbps 40] [--rtt 20] [--no-units]
// (bench/offload/run.js measures the same trips in wall time through a shaped proxy.)
'use strict';
const path = require('node:path');
const os = require('node:os');
const { fork } = require('node:child_process');

const root = path.resolve(__dirname, '..', '..');
const dist = (p) => path.join(root, 'dist', 'src', p);
const m = require(dist('index.js'));
const { installHints, completeMove } = require(dist('offload/hints.js'));
const { cpu, median } = require(path.join(root, 'bench', 'ab.js'));

/** The edge: warmed, then restore / apply, complete the move, capture back. */
function edgeSide() {
  const { edgeMlServices } = require(dist('ml/services.js'));
  const { warmUp } = require(dist('offload/warm.js'));
  const options = { services: edgeMlServices(), onConsole: () => {} };
  warmUp(options);
  let kept = null;
  let ahead = null; // the engine made when the client said hello (as the server's worker makes it)
  process.on('message', (msg) => {
    if (msg.hello) {
      ahead = new m.Engine(options);
      // the sources named in hello, parsed while the client runs its program
      const [, prepare] = cpu(() => msg.units.forEach((u) => m.prepareUnit(u.text, u.file, 'script')));
      return void process.send({ prepare });
    }
    const t = {};
    if (msg.chunks) {
      const made = ahead;
      ahead = null;
      const s = new m.StreamingRestore(options, m.Engine, (o) => (made && o.argv === undefined ? made : null));
      const each = msg.chunks.map((c) => cpu(() => s.feed(c))[1]);
      const [r, last] = cpu(() => s.finish());
      kept = r;
      t.restore = each.reduce((a, b) => a + b, 0) + last;
      t.afterLast = each[each.length - 1] + last;
    } else [kept.state, t.restore] = cpu(() => m.applyDelta(kept.engine, kept.state, msg.delta));
    completeMove(kept.engine, 'edge');
    kept.engine.runJobs();
    const [back, tc] = cpu(() => m.captureDelta(kept.engine, kept.state, { portable: false }));
    kept.state = back.state;
    t.capture = tc;
    process.send({ text: back.text, kind: back.kind, t });
  });
  process.send({ ready: true });
}

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const name = option('octane', 'earley-boyer');
const n = Number(option('n', '3'));
const mbps = Number(option('mbps', '40'));
const rtt = Number(option('rtt', '20'));
const wire = (chars) => (Buffer.byteLength(chars) * 8) / (mbps * 1000);
const units = !process.argv.includes('--no-units');
const { compactUnits, unitHash } = require(dist('offload/units.js'));

function appSource() {
  const { loadSources, driverSource, PROGRAMS, octaneDir } = require(path.join(root, 'bench', 'programs.js'));
  const setup = PROGRAMS.find((p) => p.name === 'richards').setup;
  const sources = loadSources({ files: ['base.js', `${name}.js`].map((f) => path.join(octaneDir(), f)) });
  return [...sources.map((s) => s.text), setup, driverSource(1)].join('\n');
}

async function pair(source) {
  const edge = fork(__filename, ['--edge'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise((resolve) => edge.once('message', resolve));
  await next(); // warmed up
  const file = `${name}-app.js`;
  // as the client's hello does, before its program runs
  edge.send({ hello: true, units: units ? [{ text: source, file }] : [] });
  const prepared = next();
  const e = new m.Engine({ onConsole: () => {}, warmUp: false });
  m.prepareCapture(e, { fresh: true });
  installHints(e, { edge: true });
  e.evaluateScript(source, file);
  e.evaluateScript(`(async () => { for (;;) await snapvm.offload(() => __benchResult); })();\n`, 'driver.js');
  e.runJobs();
  const { prepare } = await prepared;
  const held = new Map(units ? [[unitHash(source), source]] : []);
  const trips = [];
  let agreed = null;
  for (let trip = 1; trip <= 2; trip++) {
    const [up, capture] = cpu(() => m.captureDelta(e, agreed, { portable: false }));
    edge.send(up.kind === 'full' ? { chunks: m.chunkLines(up.text, 65_536) } : { delta: up.text });
    // a whole snapshot's state (its owners' hashes) is made while it is on its way, as runWithEdge does
    const [, hashes] = cpu(() => up.state);
    const reply = await next();
    if (reply.kind !== 'delta') throw new Error('the edge sent a whole snapshot back');
    const [state, apply] = cpu(() => m.applyDelta(e, up.state, reply.text));
    agreed = state;
    completeMove(e, 'client');
    e.runJobs();
    const r = reply.t;
    // the link: up (a streamed whole snapshot overlaps its restore but for the part after the last chunk), down
    const upWire = compactUnits(up.text, held);
    const linkUp = wire(upWire) + rtt / 2;
    const linkDown = wire(reply.text) + rtt / 2;
    const edgeUp = up.kind === 'full' ? Math.max(r.restore - r.afterLast, 0) : 0;
    const restoreCritical = up.kind === 'full' ? r.afterLast + Math.max(0, edgeUp - linkUp) : r.restore;
    const total = capture + linkUp + restoreCritical + r.capture + linkDown + apply;
    trips.push({
      trip,
      kind: up.kind,
      prepare: trip === 1 ? prepare : 0,
      hashes,
      upKB: up.text.length / 1024,
      upWireKB: upWire.length / 1024,
      downKB: reply.text.length / 1024,
      capture,
      linkUp,
      restore: r.restore,
      restoreCritical,
      edgeCapture: r.capture,
      linkDown,
      apply,
      total,
    });
  }
  edge.kill();
  return trips;
}

if (process.argv[2] === '--edge') edgeSide();
else
  (async () => {
    const source = appSource();
    const runs = [];
    for (let i = 0; i < n; i++) runs.push(await pair(source));
    console.log(
      `${name} (${(Buffer.byteLength(source) / 1024).toFixed(0)} KB of source): round trips, CPU ms per step (median of ${n} fresh client+edge pairs), link modelled at ${mbps} Mbps / ${rtt} ms RTT; ${units ? 'source sent and parsed on the edge at hello' : 'source in the snapshot (--no-units)'}; load average ${os.loadavg()[0].toFixed(1)}`,
    );
    const rows = [
      ['edge: parse the source at hello (off the critical path)', 'prepare'],
      ['up (KB)', 'upKB'],
      ['  on the link (sources the edge holds by hash)', 'upWireKB'],
      ['client capture', 'capture'],
      ['client: its state for the next delta (while on the way)', 'hashes'],
      ['link up (bytes at the rate + RTT/2)', 'linkUp'],
      ['edge restore / apply (all of it)', 'restore'],
      ['  of it on the critical path', 'restoreCritical'],
      ['edge delta capture', 'edgeCapture'],
      ['down (KB)', 'downKB'],
      ['link down', 'linkDown'],
      ['client apply', 'apply'],
      ['round trip (critical path)', 'total'],
    ];
    // the client is this one process: only the first pair's client runs the snapshot room's code cold, as a
    // `snapvm run --edge` client always does (each pair's edge is a fresh, warmed child)
    console.log('| step | trip 1 (whole up) | trip 1, first pair (client cold) | trip 2 (delta up) |');
    console.log('|---|--:|--:|--:|');
    const fmt = (k, x) => x.toFixed(k.endsWith('KB') ? 1 : 0);
    for (const [label, k] of rows) console.log(`| ${label} | ${fmt(k, median(runs.map((r) => r[0][k])))} | ${fmt(k, runs[0][0][k])} | ${fmt(k, median(runs.map((r) => r[1][k])))} |`);
  })();
