#!/usr/bin/env node
// Trace-driven simulation of incremental offloading (IONN, SoCC'18) with the IONN authors' device
// profiles: ODROID-XU4 client and GPU edge server, per chain layer (bench/ml/profiles/*.json).
// From the moment the client connects, partitions are uploaded back to back in each planner's order
// while queries run back to back; every query uses its planner's best plan over the layers already
// on the server. Prints a table per model and bandwidth; writes bench/ionn/out/<model>.svg.
//
//   npm run build && node bench/ionn/sim.js [--models alexnet,resnet50] [--mbps 10,40,80] [--rtt 1]
//
// Not modelled: the query's feature transfers sharing the link with the background upload, server
// load time of a partition (the GPU profiles have none; 0 here), bandwidth changes during the run.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

let ml;
try {
  ml = require('../../dist/src/ml/index.js');
} catch (e) {
  console.error('bench/ionn/sim.js needs the build: run `npm run build` first.\n' + e.message);
  process.exit(1);
}
const { planCosts, PLANNERS, ionnPlan, exactPlan, exactPlanFrom, neurosurgeonPlan, ionnUploadOrder, efficiencyUploadOrder } = ml;

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const MODELS = opt('models', 'alexnet,googlenet,resnet50,mobilenet').split(',');
const MBPS = opt('mbps', '10,40,80').split(',').map(Number);
const RTT = Number(opt('rtt', '1'));
// --no-replan: each query keeps the plan it started with (IONN's per-query planning); by default the
// planners whose plan is the best over what is uploaded (IONN, greedy, exact) re-plan mid-query when
// a partition arrives.
const REPLAN = !args.includes('--no-replan');
// --no-wait: a query never waits for a partition about to arrive (with re-planning only).
const WAIT = !args.includes('--no-wait');
// --no-groups: the server may start a run at any layer (one session per layer, as IONN's model has it);
// by default it holds one session per run of consecutive layers of a partition, as the runtime does.
const GROUPS = !args.includes('--no-groups');
// --no-share: queries' requests do not delay the upload (IONN's simulation); by default they share the uplink.
const SHARE = !args.includes('--no-share');
// --no-pipeline: a query that waited for a partition sends its request once the partition has loaded
// (the runtime before protocol 3); by default right behind its last byte, the server waiting for the load.
const PIPELINE = !args.includes('--no-pipeline');
const OUT = path.join(__dirname, 'out');
const REPLANNERS = new Set(['ionn', 'efficiency', 'exact'].map((k) => ml.PLANNERS[k]));
const PLANNER_KEYS = ['local-only', 'upload-all', 'neurosurgeon', 'ionn', 'efficiency', 'exact'];
const COLORS = { 'local-only': '#888888', 'upload-all': '#000000', neurosurgeon: '#1f77b4', ionn: '#d62728', efficiency: '#2ca02c', exact: '#9467bd' };

const profilesDir = path.join(__dirname, '..', 'ml', 'profiles');
const loadProfile = (name) => JSON.parse(fs.readFileSync(path.join(profilesDir, `${name}.json`), 'utf8'));

/**
 * The IONN authors have no GPU-server file for MobileNet: its server times are estimated as the
 * onnxruntime-CPU times here × the mean GPU-server / onnxruntime-CPU ratio of the three other models.
 */
function withServerTimes(profile) {
  if (profile.layers.every((l) => l.ms['gpu-server'] !== undefined)) return { profile, note: '' };
  const ratios = ['alexnet', 'googlenet', 'resnet50'].map((m) => {
    const p = loadProfile(m);
    return p.wholeMs['gpu-server'] / p.wholeMs['ort-cpu'];
  });
  const r = ratios.reduce((s, x) => s + x, 0) / ratios.length;
  for (const l of profile.layers) l.ms['gpu-server'] = l.ms['ort-cpu'] * r;
  return { profile, note: `gpu-server times ESTIMATED: ort-cpu × ${r.toFixed(3)} (no IONN server file for this model)` };
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);

/**
 * The upload as the runtime (src/offload/ionn-client.ts) does it: from `env.startMs` (the client
 * connected), the planner's partitions go back to back over the uplink (weight bytes / bandwidth);
 * the server loads each maximal run of consecutive layers of a partition as one session while the
 * next bytes go out; a partition is usable RTT/2 after its last byte plus its layers' load times.
 * `sendEnds` and `arrivals` move later when queries' requests share the uplink (runQueries). The
 * order is the planner's over `costs`; load times are `env.truth`'s when given.
 */
function simulate(costs, planner, bandwidth, env = { rtt: RTT }) {
  const rtt = env.rtt;
  const order = planner.uploadOrder(costs, { bandwidth, rttMs: rtt });
  const sendEnds = [];
  let t = env.startMs ?? 0;
  for (const part of order) sendEnds.push((t += (sum(part.map((i) => costs.weightBytes[i])) / bandwidth) * 1000));
  const loadMs = (env.truth ?? costs).loadMs;
  const arrivals = order.map((part, k) => sendEnds[k] + rtt / 2 + sum(part.map((i) => loadMs[i])));
  return { order, sendEnds, arrivals, uploadEnd: Math.max(env.startMs ?? 0, ...arrivals) };
}

/**
 * Queries back to back from `env.startMs` until the window's end plus 15 %, as the runtime runs them:
 * each plans over the partitions arrived (`notUploaded: 'forbid'`), may wait for one about to arrive
 * when that ends it sooner (`env.wait`), re-plans the rest at a layer boundary when partitions or
 * groups arrived (`env.replan`; IONN, greedy, exact), and runs on the server only where the server's
 * sessions (groups: each partition's runs of consecutive layers, and the groups plans asked for) can
 * (`env.groups`, alignToGroups); a group asked for is there after its layers' load time.
 * `env.share`: a request's input crosses the uplink before the upload's next bytes (it delays them).
 * `env.truth`: the costs things really take (e.g. as measured end to end); plans use `costs` with
 * `env.serverLoad` (the runtime's planners see the profile corrected by one measured factor).
 * `env.replanner`: whether this planner re-plans mid-query (default: IONN, greedy, exact by identity).
 */
function runQueries(costs, planner, bandwidth, sim, horizon, env = { rtt: RTT, replan: REPLAN, wait: WAIT, groups: GROUPS, share: SHARE, pipeline: PIPELINE }) {
  const { rtt: RTT, replan: REPLAN, wait: WAIT } = env;
  const T = env.truth ?? costs;
  const up = 1000 / bandwidth;
  const sendEnds = [...sim.sendEnds];
  const arrivals = [...sim.arrivals];
  const uploadedAfter = (k) => new Set(sim.order.slice(0, k).flat());
  const linkOf = (uploaded) => ({ bandwidth, rttMs: RTT, uploaded, serverLoad: env.serverLoad ?? 1 });
  const plans = new Map(); // partitions arrived → the planner's plan
  const planFor = (k) => {
    if (!plans.has(k)) plans.set(k, planner.plan(costs, linkOf(uploadedAfter(k)), { notUploaded: 'forbid' }));
    return plans.get(k);
  };
  const asked = new Map(); // first layer → { to, at }: groups plans asked for
  // The partition the current query's request follows (its groups count as there: the server waits for them).
  let early = -1;
  const groupsAt = (time) => {
    const g = [];
    for (let j = 0; j < sim.order.length; j++) if (arrivals[j] <= time || j === early) g.push(...ml.layerRuns(sim.order[j]));
    for (const [from, a] of asked) if (a.at <= time) g.push([from, a.to]);
    return g;
  };
  // The plan as the server's groups run it; a run started inside a group asks for one from there.
  const runnable = (onServer, time) => {
    if (!env.groups) return onServer;
    const a = ml.alignToGroups(onServer, groupsAt(time));
    for (const [from, to] of a.wanted) if (!asked.has(from)) asked.set(from, { to, at: time + sum(T.loadMs.slice(from, to)) });
    return a.onServer;
  };
  // The uplink is one wire: bytes a request sends at `time` push the upload's unsent bytes later.
  const share = (time, bytes) => {
    if (!env.share) return;
    for (let j = 0; j < sendEnds.length; j++) {
      if (sendEnds[j] <= time) continue;
      sendEnds[j] += bytes * up;
      arrivals[j] += bytes * up;
    }
  };
  const arrived = (time) => {
    let j = 0;
    while (j < arrivals.length && arrivals[j] <= time) j++;
    return j;
  };
  const queries = [];
  let t = env.startMs ?? 0;
  // Queries run on 15 % past the window so the plots show the steady state; the area stops at the window.
  while (t < horizon * 1.15) {
    let k = arrived(t);
    const replans = REPLAN && (env.replanner ?? REPLANNERS.has(planner));
    // Waiting for a partition about to arrive can finish the query sooner than starting now; the
    // wait counts in its latency (latency = completion − the time the query was issued).
    let begin = t;
    // A query that waited for partition j starts when j's last byte is sent, not when it has loaded:
    // its request follows the partition on the connection and its first server layer starts on the
    // server no sooner than `readyAt`, j's arrival (as the runtime does; --no-pipeline: it starts at the arrival).
    let readyAt = -Infinity;
    early = -1;
    if (replans && WAIT) {
      let bestEnd = t + planFor(k).latencyMs;
      let chosen = -1;
      for (let j = k; j < arrivals.length && arrivals[j] < bestEnd; j++) {
        const end = arrivals[j] + planFor(j + 1).latencyMs;
        if (end < bestEnd) {
          bestEnd = end;
          chosen = j;
        }
      }
      if (chosen >= 0 && env.pipeline !== false) {
        begin = Math.max(t, sendEnds[chosen]);
        readyAt = arrivals[chosen];
        k = chosen + 1;
        early = chosen;
      } else if (chosen >= 0) {
        begin = arrivals[chosen];
        k = arrived(begin);
      }
    }
    // Layer by layer: when partitions or groups arrive during the query, re-plan the rest from where it is.
    let onServer = runnable(planFor(k).onServer, begin);
    let known = groupsAt(begin).length;
    let now = begin;
    let side = false;
    let offloaded = false;
    for (let i = 0; i < costs.n; i++) {
      if (replans && !side && groupsAt(now).length !== known) {
        known = groupsAt(now).length;
        k = Math.max(arrived(now), early + 1);
        onServer = runnable(exactPlanFrom(costs, linkOf(uploadedAfter(k)), i, false, { notUploaded: 'forbid' }).onServer, now);
      }
      const s = onServer[i];
      if (s && !side) share(now, T.inputBytes[i]);
      if (s !== side) now += T.inputBytes[i] * up + RTT / 2;
      if (s) now = Math.max(now, readyAt);
      now += s ? T.serverMs[i] : T.clientMs[i];
      offloaded ||= s;
      side = s;
    }
    if (side) now += T.outputBytes[costs.n - 1] * up + RTT / 2;
    queries.push({ start: t, latency: now - t, offloaded });
    t = now;
  }
  const all = arrivals.length;
  const steadyPlan = runnable(planFor(all).onServer, Infinity);
  const steady = ml.planLatency(T, steadyPlan, { bandwidth, rttMs: RTT, uploaded: uploadedAfter(all) });
  // Area under latency(t) over [0, horizon]: each query's latency held for its duration, clipped.
  let area = 0;
  for (const q of queries) area += q.latency * Math.max(0, Math.min(q.start + q.latency, horizon) - q.start);
  const firstOff = queries.find((q) => q.offloaded);
  return {
    queries,
    steady,
    inWindow: queries.filter((q) => q.start < horizon).length,
    areaMsS: area / 1000,
    meanMs: area / horizon,
    firstOffloadedDoneMs: firstOff ? firstOff.start + firstOff.latency : Infinity,
    partitions: sim.order.length,
    uploadEnd: Math.max(sim.uploadEnd, ...arrivals),
  };
}

/**
 * One SVG per model, a panel per bandwidth. With `panel.e2e` (bench/ionn/e2e.js), the end-to-end
 * queries are drawn solid and the simulation's thin and dashed over them.
 */
function svg(model, panels, note, title = `${model}: latency of each query over time from connecting (ODROID-XU4 client, GPU server; RTT ${RTT} ms)`) {
  const W = 900,
    PH = 260,
    M = { l: 70, r: 220, t: 40, b: 40 };
  const H = M.t + panels.length * (PH + M.b) + 10;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${M.l}" y="18" font-size="14">${title}</text>`,
    `<text x="${M.l}" y="32" fill="#555">${panels.some((p) => p.e2e) ? 'solid: end to end (client and server processes, shaped link); thin dashed: trace-driven simulation' : 'trace-driven simulation'}; seeded random weights, real layer shapes${note ? '; ' + note : ''}</text>`,
  ];
  panels.forEach((panel, pi) => {
    const y0 = M.t + pi * (PH + M.b) + 10;
    const pw = W - M.l - M.r;
    const xmax = (panel.horizon * 1.15) / 1000;
    const all = [panel.results, panel.e2e ?? {}].flatMap((rs) => Object.values(rs));
    const ymax = Math.max(...all.flatMap((r) => r.queries.map((q) => q.latency))) * 1.05;
    const X = (s) => M.l + (s / xmax) * pw;
    const Y = (ms) => y0 + PH - (ms / ymax) * PH;
    out.push(`<rect x="${M.l}" y="${y0}" width="${pw}" height="${PH}" fill="none" stroke="#ccc"/>`);
    out.push(`<text x="${M.l + 5}" y="${y0 + PH - 6}" font-weight="bold">${panel.mbps} Mbps</text>`);
    out.push(`<line x1="${X(panel.horizon / 1000)}" x2="${X(panel.horizon / 1000)}" y1="${y0}" y2="${y0 + PH}" stroke="#bbb" stroke-dasharray="2,3"/>`);
    for (let k = 0; k <= 4; k++) {
      const ms = (ymax * k) / 4,
        s = (xmax * k) / 4;
      out.push(`<text x="${M.l - 5}" y="${Y(ms) + 4}" text-anchor="end">${ms.toFixed(0)}</text>`);
      out.push(`<text x="${X(s)}" y="${y0 + PH + 14}" text-anchor="middle">${s.toFixed(1)} s</text>`);
    }
    out.push(`<text x="15" y="${y0 + PH / 2}" transform="rotate(-90 15 ${y0 + PH / 2})" text-anchor="middle">latency (ms)</text>`);
    const line = (r, key, style) => {
      const pts = [];
      for (const q of r.queries) {
        const end = Math.min(q.start + q.latency, panel.horizon * 1.15);
        pts.push(`${X(q.start / 1000).toFixed(1)},${Y(q.latency).toFixed(1)}`, `${X(end / 1000).toFixed(1)},${Y(q.latency).toFixed(1)}`);
      }
      out.push(`<polyline fill="none" stroke="${COLORS[key]}" ${style} points="${pts.join(' ')}"/>`);
    };
    PLANNER_KEYS.filter((key) => panel.results[key]).forEach((key, li) => {
      if (panel.e2e?.[key]) line(panel.e2e[key], key, 'stroke-width="1.5"');
      const dash = panel.e2e ? ' stroke-dasharray="3,3"' : key === 'ionn' || key === 'upload-all' ? ' stroke-dasharray="6,4"' : '';
      line(panel.results[key], key, `stroke-width="${panel.e2e ? 0.8 : 1.5}"${dash}`);
      const ly = y0 + 15 + li * 16;
      out.push(`<line x1="${W - M.r + 10}" x2="${W - M.r + 30}" y1="${ly}" y2="${ly}" stroke="${COLORS[key]}" stroke-width="2"/>`);
      out.push(`<text x="${W - M.r + 35}" y="${ly + 4}">${PLANNERS[key].name}</text>`);
    });
  });
  out.push('</svg>');
  return out.join('\n');
}

/** A zoo model's Caffe layer DAG with the IONN client/server times per layer and tensor bytes from the real shapes; `costs(link)` everything uploaded. */
const zooDag = (name) => {
  const cm = ml.caffeZooModel(name);
  const graph = ml.layerGraph(cm.model);
  const bytes = new Map(cm.layers.map((l) => [l.output, l.dims.reduce((a, b) => a * b, 1) * 4]));
  bytes.set(cm.input.name, cm.input.dims.reduce((a, b) => a * b, 1) * 4);
  const read = (side) => new Map(ml.readIonnProfile(fs.readFileSync(path.join(ml.ionnProfilesDir(), `${ml.CAFFE_ZOO[name]}.${side}.txt`), 'utf8')).map((e) => [e.name, e.ms]));
  const client = read('client'),
    server = read('server');
  const tensorBytes = (t) => {
    const b = bytes.get(t);
    if (b === undefined) throw new Error(`${name}: no shape for tensor ${t}`);
    return b;
  };
  const everything = new Set(graph.layers.map((_, i) => i));
  return {
    graph,
    costs: (link) =>
      ml.dagCostsOf(
        graph,
        tensorBytes,
        (k) => client.get(k),
        (k) => server.get(k),
        { uploaded: everything, ...link },
      ),
  };
};

const dags = {};

/** The median ms of `reps` calls after 5 warm-up calls: on a shared machine a mean is mostly the moments this process was descheduled. */
function time(f, reps) {
  for (let i = 0; i < 5; i++) f();
  const ms = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    f();
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return ms.sort((a, b) => a - b)[reps >> 1];
}

function timePlanning() {
  const c = planCosts(loadProfile('resnet50'), 'odroid-xu4', 'gpu-server');
  const link = { bandwidth: 40e6 / 8, rttMs: RTT, uploaded: new Set([20, 21, 22, 30, 31]) };
  return {
    'IONN Dijkstra plan': time(() => ionnPlan(c, link), 200),
    'exact chain DP plan': time(() => exactPlan(c, link), 200),
    'Neurosurgeon split': time(() => neurosurgeonPlan(c, link), 200),
    'IONN K=0.8 upload order (all levels)': time(() => ionnUploadOrder(c, link, 0.8), 20),
    'efficiency greedy upload order (whole model)': time(() => efficiencyUploadOrder(c, link), 50),
    ...(dags.resnet50
      ? {
          'DAG min-cut, 228-layer Caffe DAG (costs + cut)': time(() => ml.dagMinCutPlan(dags.resnet50.costs({ bandwidth: 40e6 / 8, rttMs: RTT })), 20),
          '  of which the costs (dagCostsOf)': time(() => dags.resnet50.costs({ bandwidth: 40e6 / 8, rttMs: RTT }), 20),
        }
      : {}),
  };
}

module.exports = { simulate, runQueries, withServerTimes, loadProfile, svg, opt, zooDag, time, PLANNER_KEYS, COLORS, REPLANNERS };
if (require.main === module) main();

function main() {
  fs.mkdirSync(OUT, { recursive: true });
  console.log('IONN trace-driven simulation: ODROID-XU4 client / GPU edge server profiles (IONN authors), RTT', RTT, 'ms.');
  console.log('Model weights are seeded random (weight BYTES only matter here); layer shapes, feature sizes and device times are the real ones.');
  console.log(
    REPLAN
      ? `Mid-query re-planning ON for IONN, the efficiency greedy and exact (--no-replan: off); waiting for a partition about to arrive when that finishes sooner: ${WAIT ? 'ON (--no-wait: off)' : 'OFF'}.`
      : 'Mid-query re-planning OFF; each query keeps the plan it started with.',
  );
  console.log("area = ∫ latency(t) dt over [0, the last planner's upload end] (ms·s); mean = area / window; first-off = completion of the first query with any layer on the server.\n");
  const summary = [];
  for (const model of MODELS) {
    const { profile, note } = withServerTimes(loadProfile(model));
    const costs = planCosts(profile, 'odroid-xu4', 'gpu-server');
    const mb = costs.weightBytes.reduce((s, x) => s + x, 0) / 1e6;
    console.log(`== ${model}: ${costs.n} chain layers, ${mb.toFixed(1)} MB of weights, local ${costs.clientMs.reduce((s, x) => s + x, 0).toFixed(1)} ms${note ? '; ' + note : ''}`);
    const panels = [];
    for (const mbps of MBPS) {
      const bw = (mbps * 1e6) / 8;
      const sims = Object.fromEntries(PLANNER_KEYS.map((k) => [k, simulate(costs, PLANNERS[k], bw)]));
      const horizon = Math.max(...Object.values(sims).map((s) => s.uploadEnd));
      const results = Object.fromEntries(PLANNER_KEYS.map((k) => [k, runQueries(costs, PLANNERS[k], bw, sims[k], horizon)]));
      panels.push({ mbps, horizon, results });
      console.log(`-- ${mbps} Mbps, window ${(horizon / 1000).toFixed(2)} s`);
      console.log('  planner                          parts  upload-end(s)  first-off(s)  area(ms·s)  mean(ms)  steady(ms)  queries');
      for (const k of PLANNER_KEYS) {
        const r = results[k];
        console.log(
          `  ${PLANNERS[k].name.padEnd(32)} ${String(r.partitions).padStart(5)}  ${(r.uploadEnd / 1000).toFixed(2).padStart(13)}  ${(r.firstOffloadedDoneMs === Infinity ? '-' : (r.firstOffloadedDoneMs / 1000).toFixed(3)).padStart(12)}  ${r.areaMsS.toFixed(0).padStart(10)}  ${r.meanMs.toFixed(1).padStart(8)}  ${r.steady.toFixed(1).padStart(10)}  ${String(r.inWindow).padStart(7)}`,
        );
      }
      const best = PLANNER_KEYS.filter((k) => k !== 'ionn').reduce((a, b) => (results[a].areaMsS <= results[b].areaMsS ? a : b));
      const gain = 1 - results[best].areaMsS / results.ionn.areaMsS;
      console.log(`  best area other than IONN: ${PLANNERS[best].name}, ${(gain * 100).toFixed(1)} % below IONN K=0.8`);
      summary.push({ model, mbps, best, gainPct: gain * 100 });
    }
    const file = path.join(OUT, `${model}.svg`);
    fs.writeFileSync(file, svg(model, panels, note));
    console.log(`  plot: ${path.relative(process.cwd(), file)}\n`);
  }
  // The final plan over the full DAG (branches kept, DADS min-cut) vs the chain DP, everything uploaded.
  console.log('Final plan, everything uploaded: DAG min-cut over the Caffe layer graph (branches kept) vs the chain DP:');
  for (const model of MODELS.filter((m) => m !== 'mobilenet')) {
    dags[model] = zooDag(model);
    const chain = planCosts(loadProfile(model), 'odroid-xu4', 'gpu-server');
    for (const mbps of MBPS) {
      const link = { bandwidth: (mbps * 1e6) / 8, rttMs: RTT };
      const cut = ml.dagMinCutPlan(dags[model].costs(link));
      const ex = exactPlan(chain, { ...link, uploaded: new Set(chain.names.map((_, i) => i)) });
      console.log(
        `  ${model.padEnd(10)} ${String(mbps).padStart(3)} Mbps: min-cut ${cut.latencyMs.toFixed(2)} ms (${cut.onServer.filter(Boolean).length}/${cut.onServer.length} DAG layers on the server), chain DP ${ex.latencyMs.toFixed(2)} ms (${ex.onServer.filter(Boolean).length}/${chain.n} chain layers)`,
      );
    }
  }
  console.log('  (Caffe split layers, ≈0.01 ms, have no DAG node: hence the hundredths between the two.)\n');

  console.log(`Planning ResNet-50 (40 chain layers), median ms per call on this machine (load average ${require('node:os').loadavg()[0].toFixed(2)}):`);
  for (const [k, v] of Object.entries(timePlanning())) console.log(`  ${k.padEnd(46)} ${v.toFixed(3)}`);
}
