'use strict';
// A page's first trip streamed while it is captured (dom/stream.ts) against the same trip captured first,
// over an emulated link (bench/ionn/shaper.js: a TCP proxy, 40 Mbps / 20 ms RTT unless given). Variants, each
// with its own `snapvm serve` behind its own shaper, run in alternating order for N rounds:
//   streamed   this build as it is (the head leaves at once, the edge makes the page from it; the rest after the walk)
//   captured   this build, SNAPVM_EDGE_PIPELINE=0 (captured whole, then streamed in chunks)
//   one-msg    this build, SNAPVM_EDGE_CHUNK=0 (captured whole, one message: what a page's first trip was before)
//   base       another build (--base DIR), as it is
// Round 0 is a warm-up (not counted); 5 s pass after each run, so that the server that served it has
// warmed its next spare worker before the next run (on any server) starts.
// Per variant (medians of trip 1): the time from the client's decision to the page restored on the edge
// ("edge restored … after the decision"), the client's capture, the edge's restore and how much of it came
// after the last chunk, the trip's migration overhead (its total less the edge's run). The load average is
// printed before and after: wall times on a loaded machine are noisy.
//   node bench/offload/page-stream-ab.js [N] [--base DIR] [--mbps 40] [--rtt 20] [PAGE…]
//   (default pages: examples/filter, bench/offload/apps/canvas-filter)
const { createHash } = require('node:crypto');
const os = require('node:os');
const path = require('node:path');
const { startShaper } = require('../ionn/shaper.js');
const { serve, runClient } = require('./edge-procs.js');

const args = process.argv.slice(2);
const option = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const [v] = args.splice(i, 2).slice(1);
  return v;
};
const baseDir = option('base', null);
const mbps = Number(option('mbps', '40'));
const rtt = Number(option('rtt', '20'));
const n = Number(args[0] && /^\d+$/.test(args[0]) ? args.shift() : 3);
const here = path.resolve(__dirname, '..', '..');
const pages = args.length ? args.map((p) => path.resolve(p)) : [path.join(here, 'examples', 'filter', 'index.html'), path.join(here, 'bench', 'offload', 'apps', 'canvas-filter', 'index.html')];
const thisBin = path.join(here, 'bin', 'snapvm.js');
const variants = [
  { name: 'streamed', bin: thisBin, env: {} },
  { name: 'captured', bin: thisBin, env: { SNAPVM_EDGE_PIPELINE: '0' } },
  { name: 'one-msg', bin: thisBin, env: { SNAPVM_EDGE_CHUNK: '0' } },
  ...(baseDir ? [{ name: 'base', bin: path.join(path.resolve(baseDir), 'bin', 'snapvm.js'), env: {} }] : []),
];
const median = (xs) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/** Trip 1's figures from its report line. */
function firstTrip(stderr) {
  const line = stderr.split('\n').find((l) => l.startsWith('snapvm: offload 1 '));
  if (!line) return null;
  const num = (re) => {
    const m = re.exec(line);
    return m ? Number(m[1]) : NaN;
  };
  return {
    line,
    restoredAfterDecision: num(/edge restored (\d+) ms after the decision/),
    capture: num(/\(capture (\d+) ms\)/),
    restore: num(/\((?:restore|apply) (\d+) ms/),
    afterLast: num(/, ([\d.]+) ms after the last/),
    chunks: num(/streamed in (\d+) chunks/),
    edgeRun: num(/edge ran (\d+) ms/),
    overhead: num(/migration overhead (\d+) ms/),
    up: num(/: up ([\d.]+) KB/),
  };
}

(async () => {
  console.log(
    `load average before: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}; link ${mbps} Mbps / ${rtt} ms RTT (bench/ionn/shaper.js); ${n} rounds, alternating order`,
  );
  const edges = [];
  for (const v of variants) {
    const server = await serve(v.bin);
    const shaper = await startShaper({ target: server.port, mbps, rtt });
    edges.push({ url: `ws://127.0.0.1:${shaper.port}`, close: () => (server.kill(), shaper.close()) });
  }
  await pause(8000); // (each server's spare worker warms up)
  try {
    for (const page of pages) {
      const results = variants.map(() => []);
      const outputs = new Set();
      // round 0 warms each server up on this page (not counted)
      for (let round = 0; round <= n; round++) {
        const order = variants.map((_, i) => i);
        if (round % 2) order.reverse();
        for (const i of order) {
          const r = await runClient(variants[i].bin, page, edges[i].url, variants[i].env);
          const trip = firstTrip(r.stderr);
          if (r.code !== 0 || !trip || /failed|cannot/.test(r.stderr)) throw new Error(`${variants[i].name} on ${page}: exit ${r.code}\n${r.stderr}`);
          outputs.add(createHash('sha256').update(r.stdout).digest('hex'));
          if (round > 0) results[i].push(trip);
          // (the server that served it warms its next spare worker while idle: not during the next run)
          await pause(5000);
        }
      }
      console.log(`\n${path.relative(here, page)}: ${outputs.size === 1 ? 'the same output in every run' : `OUTPUTS DIFFER (${outputs.size})`}; trip 1, medians of ${n}`);
      console.log('variant    up KB   chunks  client capture ms  edge restore ms (after last)  decision→restored on the edge ms  trip overhead ms');
      variants.forEach((v, i) => {
        const m = (k) => median(results[i].map((x) => x[k]));
        const fmt = (x, w) => String(Number.isNaN(x) ? '-' : Math.round(x)).padStart(w);
        console.log(
          `${v.name.padEnd(9)} ${fmt(m('up'), 6)} ${fmt(m('chunks'), 8)} ${fmt(m('capture'), 18)} ${fmt(m('restore'), 16)} (${fmt(m('afterLast'), 5)})        ${fmt(m('restoredAfterDecision'), 20)} ${fmt(m('overhead'), 21)}`,
        );
      });
    }
  } finally {
    for (const e of edges) e.close();
    console.log(
      `\nload average after: ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}`,
    );
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
