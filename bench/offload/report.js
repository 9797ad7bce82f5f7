#!/usr/bin/env node
// The table and the plot of offloading speed-ups: reads the JSON lines bench/offload/run.js --json wrote
// and writes a Markdown table (stdout) and an SVG bar chart of end-to-end speed-up (migration included)
// per app and workload, beside the papers' figures: EUC'15 7.2× and TWEB'20 1.7–9.0×. "local ÷ edge run":
// how much longer the emulated client took for the whole run than the edge for the same work (the
// emulation's slowdown seen on the app itself, the client's start-up included).
//   node bench/offload/report.js results.jsonl [more.jsonl…] [--svg bench/offload/speedup.svg]
'use strict';
const fs = require('node:fs');

const files = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--svg');
const si = process.argv.indexOf('--svg');
const svgFile = si > 0 ? process.argv[si + 1] : null;
const rows = files.flatMap((f) =>
  fs
    .readFileSync(f, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l)),
);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const label = (r) =>
  `${r.app.replace(/^.*\//, '').replace(/\.js$/, '')} ${r.args.join(' ')}${r.auto ? ' (auto)' : ''}${r.stream === false ? ' (no streaming)' : ''}${r.calibrated ? ' (calibrated)' : ''}`;

console.log(
  '| app, workload | client / link | local ms | offloaded ms | speed-up | local ÷ edge run | edge run ms | migration overhead ms (all trips) | up KB (first) | down KB (first: delta / whole) | trips | load avg |',
);
console.log('|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|');
for (const r of rows) {
  const eff = r.effective ? ` (probe: ${r.effective.toFixed(1)}×${r.fullRate !== undefined ? ', CPU budget' : r.calibrated ? ', calibrated duty' : ', duty cycle'})` : '';
  const link = `${r.slowdown > 1 ? `${r.slowdown}× slower${eff}` : 'full speed'} / ${r.mbps} Mbps ${r.rtt} ms`;
  console.log(
    `| ${label(r)} | ${link} | ${median(r.localMs).toFixed(0)} | ${median(r.offMs).toFixed(0)} | ${r.speedup.toFixed(2)}× | ${(median(r.localMs) / median(r.allEdgeRunMs)).toFixed(1)}× | ${median(r.allEdgeRunMs).toFixed(0)} | ${median(r.allOverheadMs).toFixed(0)} | ${median(r.upKB).toFixed(1)} | ${median(r.downKB).toFixed(1)} / ${median(r.downFullKB).toFixed(1)} | ${r.reports[0].length} | ${r.loadStart.toFixed(1)}–${r.loadEnd.toFixed(1)} |`,
  );
}

if (svgFile) {
  const heavy = rows.filter((r) => r.slowdown > 1 && !r.app.includes('octane'));
  const W = 900,
    rowH = 34,
    top = 60,
    left = 250,
    right = 40;
  const H = top + heavy.length * rowH + 70;
  const max = Math.max(10, ...heavy.map((r) => r.speedup));
  const x = (v) => left + ((W - left - right) * v) / max;
  const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">snapvm edge offloading: end-to-end speed-up, migration included</text>`,
    `<text x="${W / 2}" y="40" text-anchor="middle" fill="#555">client 10× slower (a CPU-time budget by SIGSTOP/SIGCONT; a probe measures what it got), 40 Mbps / 20 ms RTT; 2-core host, load as labelled</text>`,
    `<rect x="${x(1.7)}" y="${top - 6}" width="${x(9) - x(1.7)}" height="${heavy.length * rowH + 6}" fill="#e8f0ff"/>`,
    `<text x="${(x(1.7) + x(9)) / 2}" y="${top + heavy.length * rowH + 18}" text-anchor="middle" fill="#3060b0">TWEB'20: 1.7–9.0×</text>`,
    `<line x1="${x(7.2)}" x2="${x(7.2)}" y1="${top - 10}" y2="${top + heavy.length * rowH}" stroke="#c03030" stroke-dasharray="5,3"/>`,
    `<text x="${x(7.2)}" y="${top - 14}" text-anchor="middle" fill="#c03030">EUC'15: 7.2×</text>`,
    `<line x1="${x(5)}" x2="${x(5)}" y1="${top - 10}" y2="${top + heavy.length * rowH}" stroke="#208020" stroke-dasharray="2,2"/>`,
    `<text x="${x(5)}" y="${top + heavy.length * rowH + 34}" text-anchor="middle" fill="#208020">issue 6 target: 5×</text>`,
    `<line x1="${x(1)}" x2="${x(1)}" y1="${top - 6}" y2="${top + heavy.length * rowH}" stroke="#999"/>`,
  ];
  heavy.forEach((r, i) => {
    const y = top + i * rowH;
    parts.push(`<text x="${left - 8}" y="${y + 20}" text-anchor="end">${esc(label(r))}</text>`);
    parts.push(`<rect x="${left}" y="${y + 6}" width="${x(r.speedup) - left}" height="${rowH - 12}" fill="#5a8f5a"/>`);
    const probe = r.effective ? `client measured ${r.effective.toFixed(1)}× slower, ` : '';
    parts.push(`<text x="${x(r.speedup) + 4}" y="${y + 20}">${r.speedup.toFixed(2)}× (${probe}load ${r.loadStart.toFixed(0)})</text>`);
  });
  for (let v = 0; v <= max; v += 1) parts.push(`<text x="${x(v)}" y="${H - 8}" text-anchor="middle" fill="#555">${v}×</text>`);
  parts.push('</svg>');
  fs.writeFileSync(svgFile, parts.join('\n') + '\n');
  console.log(`\n(plot: ${svgFile})`);
}
