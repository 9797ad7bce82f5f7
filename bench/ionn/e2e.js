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
//                                          [--planners local-only,ionn,…] [--tail 0.15] [--min-s 8] [--max-s 20] [--json e2e.json] [--cold]
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
// --max-s S: the window is at most S seconds (e2e and simulation alike: areas over the same [0, window]).
const MAX_S = Number(opt('max-s', 'Infinity'));
// --min-s S: the window is at least S seconds (a small model's predicted upload may take 2 s).
const MIN_S = Number(opt('min-s', '0'));
const JSON_OUT = opt('json', 'e2e.json');
// By default the server's first onnxruntime thread is started (and has made one session) before the
// client connects, as on an edge server that has been up a while; --cold measures a server just started.
const COLD = process.argv.includes('--cold');
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
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[xs.length >> 1] : undefined);

/**
 * The costs as this run measured them, per chain layer: the client's wall time of each local layer
 * (padding included: the emulated ODROID, or more where this machine was slower), the server's time
 * (each request's reported time ÷ the profile's for its layers, a factor averaged per layer; layers
 * never offloaded get the median factor), each group's session load time spread over its layers by
 * weight bytes (profile where never loaded).
 */
function measuredCosts(costs, runs, loads) {
  const n = costs.n;
  const local = Array.from({ length: n }, () => []);
  const factors = Array.from({ length: n }, () => []);
  const all = [];
  for (const r of runs) {
    r.localMs.forEach((ms, i) => ms !== undefined && local[i].push(ms));
    for (const q of r.remote) {
      const modelled = sum(costs.serverMs.slice(q.from, q.to));
      if (!(modelled > 0)) continue;
      const f = q.serverMs / modelled;
      all.push(f);
      for (let i = q.from; i < q.to; i++) factors[i].push(f);
    }
  }
  const mf = median(all) ?? 1;
  const loadMs = [...costs.loadMs];
  for (const l of loads) {
    const w = l.layers.map((i) => costs.weightBytes[i] + 1);
    l.layers.forEach((i, k) => (loadMs[i] = (l.loadMs * w[k]) / sum(w)));
  }
  return {
    ...costs,
    clientMs: costs.clientMs.map((ms, i) => (local[i].length ? sum(local[i]) / local[i].length : ms)),
    serverMs: costs.serverMs.map((ms, i) => ms * (factors[i].length ? sum(factors[i]) / factors[i].length : mf)),
    loadMs,
  };
}

/** Start the server's IONN side: a hello for a model it does not know, then wait until its spare onnxruntime thread is ready. */
async function warmServer(port) {
  const WebSocket = require('ws');
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ionn`);
  await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
  const hello = { type: 'hello', v: off.IONN_VERSION, model: '0'.repeat(64), parts: ['1'.repeat(64)] };
  const head = Buffer.from(JSON.stringify(hello));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length, 0);
  await new Promise((resolve) => (ws.once('message', resolve), ws.send(Buffer.concat([len, head]))));
  ws.close();
  for (let t = 0; t < 300; t++) {
    const st = await (await fetch(`http://127.0.0.1:${port}/`)).json();
    if (st.ionn?.spareReady) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the server's onnxruntime thread did not start within 30 s");
}

/** One planner's run: connect through the shaper and query until the window (plus its tail) is over. */
async function e2eRun(im, costs, key, mbps, window, inputName, inputs, refs) {
  const server = await startServer();
  if (!COLD) await warmServer(server.port);
  const shaper = await startShaper(server.port, mbps);
  const events = [];
  const client = await off.IonnClient.connect(im, {
    url: `ws://127.0.0.1:${shaper.port}`,
    costs,
    planner: ml.PLANNERS[key],
    replan: sim.REPLANNERS.has(ml.PLANNERS[key]),
    bandwidth: (mbps * 1e6) / 8,
    rttMs: RTT,
    emulate: costs.clientMs,
    onEvent: (e) => events.push(e),
  });
  const queries = [];
  const runs = [];
  let firstOffloaded;
  let worst = 0;
  let wrong = 0;
  let overrun = 0;
  const uploads = ml.PLANNERS[key].uploadOrder(costs, { bandwidth: (mbps * 1e6) / 8, rttMs: RTT }).length > 0;
  for (let q = 0; ; q++) {
    const t = client.now;
    // Past the window and its tail: stop once the upload ended; with --max-s, or at 3× the window, in any case (the table says so).
    if (t >= window * (1 + TAIL) && (!uploads || client.uploadEndMs !== undefined || Number.isFinite(MAX_S) || t >= window * 3)) break;
    const k = q % inputs.length;
    const r = await client.run({ [inputName]: inputs[k] });
    const out = Object.values(r.outputs)[0];
    const cmp = ml.compareOutputs(out, refs[k]);
    worst = Math.max(worst, cmp.relative);
    if (!(cmp.relative <= 1e-5) || argmax(out.data) !== argmax(refs[k].data)) wrong++;
    overrun += r.overrunMs;
    const offloaded = r.onServer.some(Boolean);
    queries.push({ start: r.startMs, latency: r.latencyMs, offloaded, waited: r.waitedMs });
    runs.push({ localMs: r.localMs, remote: r.remote });
    if (offloaded && !firstOffloaded) {
      firstOffloaded = {
        startMs: r.startMs,
        latencyMs: r.latencyMs,
        waitedMs: r.waitedMs,
        connectedMs: client.connectedMs,
        localLayers: r.localMs.flatMap((ms, i) => (ms === undefined ? [] : [i])),
        localMs: sum(r.localMs.filter((x) => x !== undefined)),
        remote: r.remote,
        loadedBefore: events.filter((e) => e.kind === 'loaded' && e.at <= r.startMs + r.latencyMs).map((e) => ({ at: e.at, layers: e.layers, loadMs: e.loadMs })),
      };
    }
  }
  const uploadEnd = client.uploadEndMs;
  const { serverLoad, bandwidth, rttMs, connectedMs, lastAckMs, bytesSent, queryUpBytes } = client;
  await client.close();
  shaper.proc.kill();
  server.proc.kill();
  let area = 0;
  for (const q of queries) area += q.latency * Math.max(0, Math.min(q.start + q.latency, window) - q.start);
  const firstOff = queries.find((q) => q.offloaded);
  const after = uploadEnd === undefined ? [] : queries.filter((q) => q.start >= uploadEnd);
  const steadyQs = after.length ? after : queries.slice(-3);
  const loads = events.filter((e) => e.kind === 'loaded');
  // The uplink's rate as the upload saw it: every byte sent (partitions and requests) over the time to the last acknowledgement.
  const wireMbps = bytesSent && lastAckMs > connectedMs ? ((bytesSent + queryUpBytes) * 8e-3) / (lastAckMs - connectedMs) : bandwidth * 8e-6;
  return {
    queries,
    runs,
    areaMsS: area / 1000,
    firstOffloadedDoneMs: firstOff ? firstOff.start + firstOff.latency : Infinity,
    firstOffloaded,
    steady: steadyQs.reduce((s, q) => s + q.latency, 0) / steadyQs.length,
    steadyAfterUpload: after.length > 0,
    uploadEnd: uploadEnd ?? Infinity,
    checked: queries.length,
    wrong,
    worst,
    overrunMs: overrun,
    replans: events.filter((e) => e.kind === 'replan').length,
    groupsWanted: events.filter((e) => e.kind === 'group-wanted').length,
    // The upload as it happened: the groups in the order they were sent (a re-planned order splits partitions).
    uploaded: events.filter((e) => e.kind === 'group-sent').map((e) => Array.from({ length: e.to - e.from }, (_, k) => e.from + k)),
    serverFactor: serverLoad,
    bandwidth,
    wireMbps,
    rttMs,
    connectedMs,
    loads: loads.map((e) => ({ layers: e.layers, loadMs: e.loadMs })),
    serverLoadS: loads.reduce((t, e) => t + e.loadMs, 0) / 1000,
  };
}

const rel = (a, b) => (a === b ? 0 : !Number.isFinite(a) || !Number.isFinite(b) ? NaN : (a - b) / b);
const pct = (x) => (Number.isNaN(x) ? '   -' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`);
const sec = (ms) => (Number.isFinite(ms) ? (ms / 1000).toFixed(2) : '-');
const strip = ({ queries, ...r }) => r;

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  console.log(
    `IONN end to end vs trace-driven simulation. Client: ODROID-XU4 (IONN profile), emulated by padding each local layer's real onnxruntime run to its ODROID time. Server: snapvm serve on this machine, onnxruntime-node CPU (no GPU), costs = profiled ort-cpu layer and load times; one session per group of consecutive layers. Link: shaper.js, shared wire per direction, RTT ${RTT} ms.`,
  );
  console.log(
    "Three columns per figure: e2e = measured end to end; sim = sim.js with the profiled costs, this link and the runtime's rules (groups, the uplink shared with requests, pipelined loads); meas = sim.js again with what this run measured (client layer wall times, server layer times, group load times, the uplink's rate, RTT, the time to connect), planning with the profile × the measured server factor as the client does.",
  );
  console.log(
    'first-off = completion of the first query with a layer on the server (s); area = ∫ latency dt over the window (ms·s); steady = mean latency after the upload ended (ms); up-end = upload end (s).',
  );
  console.log(
    `Machine: ${os.cpus().length} CPUs, load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} at start.\n`,
  );
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
    console.log(
      `== ${name}: ${costs.n} chain layers, ${mb.toFixed(1)} MB of partitions, ODROID local ${sum(costs.clientMs).toFixed(0)} ms, profiled server load time ${(sum(costs.loadMs) / 1000).toFixed(2)} s${note ? '; ' + note : ''}`,
    );
    const panels = [];
    for (const mbps of MBPS) {
      const bw = (mbps * 1e6) / 8;
      const env = { rtt: RTT, replan: true, wait: true, groups: true, share: true };
      const sims = Object.fromEntries(KEYS.map((k) => [k, sim.simulate(costs, ml.PLANNERS[k], bw, env)]));
      const horizon = Math.max(...Object.values(sims).map((s) => s.uploadEnd));
      const window = Math.max(MIN_S * 1000, Math.min(horizon, MAX_S * 1000));
      const simRes = Object.fromEntries(KEYS.map((k) => [k, sim.runQueries(costs, ml.PLANNERS[k], bw, sims[k], window, env)]));
      const e2e = {};
      const cal = {};
      for (const k of KEYS) {
        const e = (e2e[k] = await e2eRun(im, costs, k, mbps, window, zm.input.name, inputs, refs));
        const truth = measuredCosts(costs, e.runs, e.loads);
        const bw2 = (e.wireMbps * 1e6) / 8;
        const env2 = { ...env, rtt: e.rttMs, startMs: e.connectedMs, truth, serverLoad: e.serverFactor };
        // The planner with the upload order the run really followed (its re-plans included); what it did not send in the run follows in the planner's order.
        const asRun = {
          ...ml.PLANNERS[k],
          uploadOrder: (c, l) => {
            const sent = new Set(e.uploaded.flat());
            const rest = ml.PLANNERS[k]
              .uploadOrder(c, l)
              .map((p) => p.filter((i) => !sent.has(i)))
              .filter((p) => p.length);
            return [...e.uploaded, ...rest];
          },
        };
        cal[k] = sim.runQueries(costs, asRun, bw2, sim.simulate(costs, asRun, bw2, env2), window, { ...env2, replanner: sim.REPLANNERS.has(ml.PLANNERS[k]) });
        e.measured = { clientMs: truth.clientMs.map((x) => +x.toFixed(2)), serverMs: truth.serverMs.map((x) => +x.toFixed(2)), loadMs: truth.loadMs.map((x) => +x.toFixed(1)) };
        delete e.runs;
      }
      panels.push({ mbps, horizon: window, results: simRes, e2e });
      console.log(
        `-- ${mbps} Mbps, window ${(window / 1000).toFixed(2)} s${window !== horizon ? ` (--min-s/--max-s; the slowest predicted upload ends at ${(horizon / 1000).toFixed(2)} s)` : ' (predicted upload end of the slowest planner)'}; load average ${os.loadavg()[0].toFixed(2)}`,
      );
      console.log(
        '  planner                        first-off: e2e   sim  meas |    area: e2e     sim    meas  e2e/sim e2e/meas | steady: e2e    sim   meas | up-end: e2e   sim  meas | ok      | server× wire-Mbps RTT connect-s loads(s) groups-asked',
      );
      for (const k of KEYS) {
        const e = e2e[k],
          s = simRes[k],
          c = cal[k];
        const f3 = (a, b, c2, f) => `${f(a).padStart(6)}${f(b).padStart(6)}${f(c2).padStart(6)}`;
        console.log(
          `  ${ml.PLANNERS[k].name.padEnd(30)} ${f3(e.firstOffloadedDoneMs, s.firstOffloadedDoneMs, c.firstOffloadedDoneMs, sec)}      | ${e.areaMsS.toFixed(0).padStart(8)}${s.areaMsS.toFixed(0).padStart(8)}${c.areaMsS.toFixed(0).padStart(8)} ${pct(rel(e.areaMsS, s.areaMsS)).padStart(7)} ${pct(rel(e.areaMsS, c.areaMsS)).padStart(7)}  | ${e.steady.toFixed(0).padStart(9)}${e.steadyAfterUpload ? ' ' : '*'}${s.steady.toFixed(0).padStart(6)}${c.steady.toFixed(0).padStart(7)} | ${f3(e.uploadEnd, s.uploadEnd, c.uploadEnd, sec)}   | ${String(e.checked - e.wrong).padStart(3)}/${String(e.checked).padEnd(3)} | ${e.serverFactor.toFixed(2).padStart(6)} ${e.wireMbps.toFixed(1).padStart(7)} ${e.rttMs.toFixed(1).padStart(5)} ${(e.connectedMs / 1000).toFixed(2).padStart(6)} ${e.serverLoadS.toFixed(1).padStart(7)} ${String(e.groupsWanted).padStart(4)}`,
        );
        summary.push({
          model: name,
          mbps,
          planner: k,
          window,
          horizon,
          loadavg: os.loadavg()[0],
          e2e: strip(e),
          e2eQueries: e.queries.map((q) => [Math.round(q.start), Math.round(q.latency), q.offloaded ? 1 : 0]),
          sim: { firstOff: s.firstOffloadedDoneMs, area: s.areaMsS, steady: s.steady, uploadEnd: s.uploadEnd },
          simMeasured: { firstOff: c.firstOffloadedDoneMs, area: c.areaMsS, steady: c.steady, uploadEnd: c.uploadEnd },
        });
      }
      const fo = KEYS.map((k) => [k, e2e[k].firstOffloaded])
        .filter(([, f]) => f)
        .sort((a, b) => a[1].startMs + a[1].latencyMs - b[1].startMs - b[1].latencyMs)[0];
      if (fo) {
        const [k, f] = fo;
        const r = f.remote
          .map(
            (q) =>
              `layers ${q.from}–${q.to - 1}: ${q.ms.toFixed(0)} ms round trip (server: ${q.serverWallMs.toFixed(0)} ms from request to reply, of which ${q.loadWaitMs.toFixed(0)} waiting for the group's load and ${q.serverMs.toFixed(0)} onnxruntime; ${(q.upBytes / 1e3).toFixed(0)} KB up)`,
          )
          .join('; ');
        console.log(
          `  first offloaded query (${ml.PLANNERS[k].name}): connected at ${(f.connectedMs / 1000).toFixed(3)} s, started ${(f.startMs / 1000).toFixed(3)} s, waited ${f.waitedMs.toFixed(0)} ms for layers, ${f.localLayers.length} local layers ${f.localMs.toFixed(0)} ms, ${r}; done at ${((f.startMs + f.latencyMs) / 1000).toFixed(3)} s. Groups loaded by then: ${f.loadedBefore.map((l) => `[${l.layers[0]}–${l.layers[l.layers.length - 1]}] at ${(l.at / 1000).toFixed(2)} s (load ${l.loadMs.toFixed(0)} ms)`).join(', ')}`,
        );
      }
      console.log('  (* steady: the upload had not ended; mean of the last 3 queries)');
    }
    await im.release();
    const file = path.join(OUT, `${name}-e2e.svg`);
    fs.writeFileSync(file, sim.svg(name, panels, note, `${name}: query latency over time, end to end vs simulation (ODROID-XU4 client emulated, ort-cpu server; RTT ${RTT} ms)`));
    console.log(`  plot: ${path.relative(process.cwd(), file)}\n`);
  }
  fs.writeFileSync(path.resolve(OUT, JSON_OUT), JSON.stringify(summary)); // (an absolute --json path stays as given)
  const bad = summary.filter((r) => r.e2e.wrong > 0);
  console.log(
    bad.length
      ? `WRONG ANSWERS in ${bad.length} runs`
      : `every answer checked: same top class and within 1e-5 relative of the unsplit model (${summary.reduce((s, r) => s + r.e2e.checked, 0)} queries)`,
  );
  console.log(
    `load average at end: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  process.exitCode = bad.length ? 1 : 0;
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
