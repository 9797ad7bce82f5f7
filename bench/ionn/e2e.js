#!/usr/bin/env node
// IONN end to end (issue 7): a real client process (this one) and a real `snapvm serve` process,
// the client's two WebSocket channels (background upload of partitions, queries) through a shaping
// proxy process (bench/ionn/shaper.js: one shared wire per direction, bytes serialized at --mbps,
// +rtt/2 each way), onnxruntime-node sessions on both sides (one per chain layer, from partition.ts).
// Queries run back to back from the moment the client connects; every answer is checked against the
// unsplit model on the same provider (same top class, outputs within 1e-5 relative).
//
// Device model, stated in every table: the CLIENT is the ODROID-XU4 of the IONN authors' profile,
// emulated by padding each local layer (a real onnxruntime run here, one thread) to that layer's
// ODROID time (waiting, not spinning); the SERVER is this machine's onnxruntime CPU, unpadded (no GPU
// here), modelled in the planners by its profiled `ort-cpu` times and load times (bench/ml/profiles)
// and corrected live from the times it reports. The simulation (sim.js) is run with exactly these
// costs, link and planners, and printed beside the measurement.
//
//   npm run build && node bench/ionn/e2e.js [--models alexnet,mobilenet] [--mbps 10,40,80] [--rtt 1]
//                                          [--planners local-only,ionn,…] [--tail 0.15]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

let ml, off;
try {
  ml = require('../../dist/src/ml/index.js');
  off = require('../../dist/src/offload/ionn.js');
} catch (e) {
  console.error('bench/ionn/e2e.js needs the build: run `npm run build` first.\n' + e.message);
  process.exit(1);
}
const sim = require('./sim.js');

const { opt } = sim; // the same command-line options
const MODELS = opt('models', 'alexnet,mobilenet').split(',');
const MBPS = opt('mbps', '10,40,80').split(',').map(Number);
const RTT = Number(opt('rtt', '1'));
const KEYS = opt('planners', sim.PLANNER_KEYS.join(',')).split(',');
// Queries go on past the window (the last planner's predicted upload end) by this fraction, as in sim.js.
const TAIL = Number(opt('tail', '0.15'));
const REPLANNERS = new Set(['ionn', 'efficiency', 'exact']);
const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(__dirname, 'out');
const SERVER_DEVICE = 'ort-cpu';

/** A child process, resolved with the first stdout match of `re`. */
function child(argv, re, what) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
      const m = re.exec(out);
      if (m) resolve({ proc: p, port: Number(m[1]), stderr: () => err });
    });
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready: ${err}`)));
  });
}

const startServer = () => child([path.join(ROOT, 'bin', 'snapvm.js'), 'serve', '--port', '0', '--quiet'], /listening on ws:\/\/127\.0\.0\.1:(\d+)/, 'snapvm serve');
const startShaper = (target, mbps) => child([path.join(__dirname, 'shaper.js'), '--target', String(target), '--mbps', String(mbps), '--rtt', String(RTT)], /shaper listening on (\d+)/, 'shaper');

const argmax = (a) => a.reduce((best, v, i) => (v > a[best] ? i : best), 0);

/** One planner's run: connect through the shaper and query until the window (plus its tail) is over. */
async function e2eRun(im, costs, key, mbps, horizon, inputName, inputs, refs) {
  const server = await startServer();
  const shaper = await startShaper(server.port, mbps);
  const events = [];
  const client = await off.IonnClient.connect(im, {
    url: `ws://127.0.0.1:${shaper.port}`, costs, planner: ml.PLANNERS[key], replan: REPLANNERS.has(key),
    bandwidth: (mbps * 1e6) / 8, rttMs: RTT, emulate: costs.clientMs, onEvent: (e) => events.push(e),
  });
  const queries = [];
  let worst = 0;
  let wrong = 0;
  let overrun = 0;
  const uploads = ml.PLANNERS[key].uploadOrder(costs, { bandwidth: (mbps * 1e6) / 8, rttMs: RTT }).length > 0;
  for (let q = 0; ; q++) {
    const t = client.now;
    if (t >= horizon * (1 + TAIL) && (!uploads || client.uploadEndMs !== undefined)) break;
    if (t >= horizon * 3) break; // the upload is far behind its prediction: stop, the table says so
    const k = q % inputs.length;
    const r = await client.run({ [inputName]: inputs[k] });
    const out = Object.values(r.outputs)[0];
    const cmp = ml.compareOutputs(out, refs[k]);
    worst = Math.max(worst, cmp.relative);
    if (!(cmp.relative <= 1e-5) || argmax(out.data) !== argmax(refs[k].data)) wrong++;
    overrun += r.overrunMs;
    queries.push({ start: r.startMs, latency: r.latencyMs, offloaded: r.onServer.some(Boolean), waited: r.waitedMs });
  }
  const uploadEnd = client.uploadEndMs;
  const { serverLoad, bandwidth, rttMs } = client;
  await client.close();
  shaper.proc.kill();
  server.proc.kill();
  let area = 0;
  for (const q of queries) area += q.latency * Math.max(0, Math.min(q.start + q.latency, horizon) - q.start);
  const firstOff = queries.find((q) => q.offloaded);
  const after = uploadEnd === undefined ? [] : queries.filter((q) => q.start >= uploadEnd);
  const steadyQs = after.length ? after : queries.slice(-3);
  return {
    queries, areaMsS: area / 1000, firstOffloadedDoneMs: firstOff ? firstOff.start + firstOff.latency : Infinity,
    steady: steadyQs.reduce((s, q) => s + q.latency, 0) / steadyQs.length, uploadEnd: uploadEnd ?? Infinity,
    checked: queries.length, wrong, worst, overrunMs: overrun, replans: events.filter((e) => e.kind === 'replan').length,
    serverFactor: serverLoad, bandwidth, rttMs,
    // Session creation on the server (onnxruntime-node loads synchronously on its JS thread: no acks, no queries meanwhile).
    serverLoadS: events.filter((e) => e.kind === 'loaded').reduce((t, e) => t + e.loadMs, 0) / 1000,
  };
}

const rel = (a, b) => (a === b ? 0 : !Number.isFinite(a) || !Number.isFinite(b) ? NaN : (a - b) / b);
const pct = (x) => (Number.isNaN(x) ? '   -' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`);
const sec = (ms) => (Number.isFinite(ms) ? (ms / 1000).toFixed(3) : '-');

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  console.log(`IONN end to end vs trace-driven simulation. Client: ODROID-XU4 (IONN profile), emulated by padding each local layer's real onnxruntime run to its ODROID time. Server: snapvm serve on this machine, onnxruntime-node CPU (no GPU), costs = profiled ort-cpu layer and load times. Link: shaper.js, shared wire per direction, RTT ${RTT} ms.`);
  console.log('Columns: first-off = completion of the first query with a layer on the server; area = ∫ latency dt over the window (ms·s); steady = mean latency after the upload ended; relative difference e2e vs sim. Measured (the client\'s live estimates at the end of the run): server× = the server\'s reported layer times ÷ the cost model\'s; client-overrun/q = ms per query by which local layers here exceeded their ODROID times (CPU contention); Mbps and RTT as measured from upload acks and pings; server-loads = total time the server spent creating the partitions\' sessions (sim: the profile\'s load times, counted only in each partition\'s arrival). "sim with measured" = the simulation rerun with those measurements (server times × server×, upload rate = bytes ÷ measured upload time, measured RTT), and e2e relative to it.');
  console.log(`Machine: ${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')} at start.\n`);
  const summary = [];
  for (const name of MODELS) {
    const zm = await ml.zooModel(name);
    const { profile, note } = sim.withServerTimes(sim.loadProfile(name));
    const costs = ml.planCosts(profile, 'odroid-xu4', SERVER_DEVICE, SERVER_DEVICE);
    const im = await off.IonnModel.load(zm.model);
    if (im.n !== costs.n || im.chain.layers.some((l, i) => l.name !== costs.names[i])) throw new Error(`${name}: the profile's layers are not the model's chain`);
    const whole = (await ml.createSession(zm.model)).session;
    const inputs = [0, 1, 2].map((k) => ml.patternInput(zm.input.dims, k));
    const refs = [];
    for (const x of inputs) refs.push(Object.values(await whole.run({ [zm.input.name]: x }))[0]);
    await whole.release();
    await im.runLocally({ [zm.input.name]: inputs[0] }); // warm the client's sessions up
    const mb = im.parts.reduce((s, p) => s + p.length, 0) / 1e6;
    console.log(`== ${name}: ${costs.n} chain layers, ${mb.toFixed(1)} MB of partitions, ODROID local ${costs.clientMs.reduce((s, x) => s + x, 0).toFixed(0)} ms, profiled server load time ${(costs.loadMs.reduce((s, x) => s + x, 0) / 1000).toFixed(2)} s${note ? '; ' + note : ''}`);
    const panels = [];
    for (const mbps of MBPS) {
      const bw = (mbps * 1e6) / 8;
      const env = { rtt: RTT, replan: true, wait: true };
      const sims = Object.fromEntries(KEYS.map((k) => [k, sim.simulate(costs, ml.PLANNERS[k], bw, env)]));
      const horizon = Math.max(...Object.values(sims).map((s) => s.uploadEnd));
      const simRes = Object.fromEntries(KEYS.map((k) => [k, sim.runQueries(costs, ml.PLANNERS[k], bw, sims[k], horizon, env)]));
      const e2e = {};
      const cal = {};
      const totalBytes = im.parts.reduce((t, p) => t + p.length, 0);
      for (const k of KEYS) {
        const e = (e2e[k] = await e2eRun(im, costs, k, mbps, horizon, zm.input.name, inputs, refs));
        // The simulation again with what the run measured: server times × server×, the upload's
        // effective rate (bytes ÷ upload time), the measured RTT. What it leaves is the gap no estimate explains.
        const c2 = { ...costs, serverMs: costs.serverMs.map((x) => x * e.serverFactor) };
        const bw2 = Number.isFinite(e.uploadEnd) ? (totalBytes / e.uploadEnd) * 1000 : e.bandwidth;
        const env2 = { rtt: e.rttMs, replan: true, wait: true };
        cal[k] = sim.runQueries(c2, ml.PLANNERS[k], bw2, sim.simulate(c2, ml.PLANNERS[k], bw2, env2), horizon, env2);
      }
      panels.push({ mbps, horizon, results: simRes, e2e });
      console.log(`-- ${mbps} Mbps, window ${(horizon / 1000).toFixed(2)} s (predicted upload end of the slowest planner); load average ${os.loadavg()[0].toFixed(2)}`);
      console.log('  planner                        first-off e2e / sim (s)        area e2e / sim (ms·s)      steady e2e / sim (ms)    upload-end e2e/sim (s)  answers ok  max rel  | measured: server× client-overrun/q  Mbps  RTT  server-loads(s) | sim with measured: first-off  area');
      for (const k of KEYS) {
        const e = e2e[k], s = simRes[k];
        console.log(`  ${ml.PLANNERS[k].name.padEnd(30)} ${sec(e.firstOffloadedDoneMs).padStart(7)} ${sec(s.firstOffloadedDoneMs).padStart(7)} ${pct(rel(e.firstOffloadedDoneMs, s.firstOffloadedDoneMs)).padStart(7)}   ${e.areaMsS.toFixed(0).padStart(7)} ${s.areaMsS.toFixed(0).padStart(7)} ${pct(rel(e.areaMsS, s.areaMsS)).padStart(7)}   ${e.steady.toFixed(1).padStart(7)} ${s.steady.toFixed(1).padStart(7)} ${pct(rel(e.steady, s.steady)).padStart(7)}   ${sec(e.uploadEnd).padStart(7)} ${sec(sims[k].uploadEnd).padStart(7)}   ${String(e.checked - e.wrong).padStart(4)}/${String(e.checked).padEnd(4)} ${e.worst.toExponential(1)}  | ${e.serverFactor.toFixed(2).padStart(7)} ${(e.overrunMs / e.checked).toFixed(0).padStart(8)} ms ${(e.bandwidth * 8e-6).toFixed(1).padStart(6)} ${e.rttMs.toFixed(1).padStart(5)} ${e.serverLoadS.toFixed(1).padStart(8)} | ${sec(cal[k].firstOffloadedDoneMs).padStart(7)} ${pct(rel(e.firstOffloadedDoneMs, cal[k].firstOffloadedDoneMs)).padStart(7)} ${cal[k].areaMsS.toFixed(0).padStart(7)} ${pct(rel(e.areaMsS, cal[k].areaMsS)).padStart(7)}`);
        summary.push({ model: name, mbps, planner: k, e2e: { firstOff: e.firstOffloadedDoneMs, area: e.areaMsS, steady: e.steady, uploadEnd: e.uploadEnd, checked: e.checked, wrong: e.wrong, worst: e.worst, overrunMs: e.overrunMs, replans: e.replans, serverFactor: e.serverFactor, mbps: e.bandwidth * 8e-6, rttMs: e.rttMs, serverLoadS: e.serverLoadS, queries: e.queries }, sim: { firstOff: s.firstOffloadedDoneMs, area: s.areaMsS, steady: s.steady, uploadEnd: sims[k].uploadEnd }, simMeasured: { firstOff: cal[k].firstOffloadedDoneMs, area: cal[k].areaMsS, steady: cal[k].steady } });
      }
    }
    await im.release();
    const file = path.join(OUT, `${name}-e2e.svg`);
    fs.writeFileSync(file, sim.svg(name, panels, note, `${name}: query latency over time, end to end vs simulation (ODROID-XU4 client emulated, ort-cpu server; RTT ${RTT} ms)`));
    console.log(`  plot: ${path.relative(process.cwd(), file)}\n`);
  }
  fs.writeFileSync(path.join(OUT, 'e2e.json'), JSON.stringify(summary, null, 1));
  const bad = summary.filter((r) => r.e2e.wrong > 0);
  console.log(bad.length ? `WRONG ANSWERS in ${bad.length} runs` : `every answer checked: same top class and within 1e-5 relative of the unsplit model (${summary.reduce((s, r) => s + r.e2e.checked, 0)} queries)`);
  console.log(`load average at end: ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  process.exitCode = bad.length ? 1 : 0;
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
