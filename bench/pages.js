// Page load beside its peer: where a page's load time goes in snapvm (happy-dom bundle evaluated in the
// guest realm, window, HTML parse + scripts) next to happy-dom loaded the usual way in the host
// parsing the same HTML. Each measurement runs in a fresh child process (first page of a process, as
// `snapvm run` sees it) and is repeated; the table shows the median. Then each example app is driven
// mid-use and snapshotted (capture ms, snapshot size) and restored in a fresh process (restore ms, and
// where it went: the fresh page — engine, happy-dom bundle, window, birth record —, the document rebuilt
// from node tuples, the rest: the heap), wall and CPU. `--dist DIR` measures another build's dist/ (an
// A/B against an older checkout) on this checkout's examples. Run after `npm run build`:
//   node bench/pages.js [--repeat 5] [--dist DIR] [--only snapshots]
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const arg = (name) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const repeat = Number(arg('--repeat')) || 5;
const dist = path.resolve(arg('--dist') ?? path.join(root, 'dist'));
const only = arg('--only');

// a generated 100 KB page: 1000 list items with links, one script at the end
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-bench-pages-'));
const items = Array.from({ length: 1000 }, (_, i) => `<li class="item" data-i="${i}"><span>Item number ${i}</span> <a href="#${i}">link</a> lorem ipsum dolor</li>`).join('\n');
fs.writeFileSync(path.join(tmp, 'big.html'), `<!doctype html><html><body><ul>${items}</ul><script>document.title = String(document.querySelectorAll('li').length)</script></body></html>`);

const pages = [
  ['TodoMVC (examples/todomvc)', path.join(root, 'examples/todomvc/index.html')],
  ['snake (examples/snake, canvas)', path.join(root, 'examples/snake/index.html')],
  ['generated 100 KB list', path.join(tmp, 'big.html')],
];

const snapvmChild = `
const { Page } = require(${JSON.stringify(path.join(dist, 'src/dom/index.js'))});
const t0 = performance.now();
const page = new Page(process.argv[1], { onConsole: () => {} });
page.load();
const total = performance.now() - t0;
console.log(JSON.stringify({ total, ...page.timings }));`;

const hostChild = `
const t0 = performance.now();
const { Window } = require('happy-dom');
const w = new Window({ url: 'file:///bench/' });
const t1 = performance.now();
const html = require('fs').readFileSync(process.argv[1], 'utf8');
new w.DOMParser().parseFromString(html, 'text/html');
const t2 = performance.now();
console.log(JSON.stringify({ setup: t1 - t0, parse: t2 - t1 }));
w.close();`;

function run(code, ...args) {
  return JSON.parse(
    execFileSync(process.execPath, ['-e', code, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 })
      .trim()
      .split('\n')
      .pop(),
  );
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)}`;

const rows = [];
for (const [name, file] of only === 'snapshots' ? [] : pages) {
  const s = Array.from({ length: repeat }, () => run(snapvmChild, file));
  const h = Array.from({ length: repeat }, () => run(hostChild, file));
  rows.push([
    name,
    `${(fs.statSync(file).size / 1024).toFixed(1)} KB`,
    ms(median(s.map((r) => r.total))),
    ms(median(s.map((r) => r.bundle))),
    ms(median(s.map((r) => r.window))),
    ms(median(s.map((r) => r.load))),
    ms(median(h.map((r) => r.setup))),
    ms(median(h.map((r) => r.parse))),
  ]);
}
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
if (rows.length) {
  const head = ['page', 'html', 'snapvm total', 'bundle', 'window', 'parse+scripts', 'host happy-dom load+window', 'host DOMParser'];
  console.log(`median of ${repeat} fresh processes, ms (Node ${process.version}, ${os.cpus().length} CPUs, load average ${load()}; ${dist})\n`);
  console.log(`| ${head.join(' | ')} |\n|${head.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

// ---- page snapshots of the example apps: capture, size, restore ----
const apps = [
  [
    'TodoMVC, 2 items, timer pending',
    path.join(root, 'examples/todomvc/index.html'),
    [{ wait: 10 }, { type: ['.new-todo', 'one'] }, { key: ['.new-todo', 'Enter'] }, { type: ['.new-todo', 'two'] }, { key: ['.new-todo', 'Enter'] }],
  ],
  [
    'preact + htm, 2 tasks, clock running',
    path.join(root, 'examples/preact/index.html'),
    [{ type: ['.draft', 'one'] }, { click: '.add' }, { type: ['.draft', 'two'] }, { click: '.add' }, { wait: 1500 }],
  ],
  ['snake, game in progress (canvas)', path.join(root, 'examples/snake/index.html'), [{ wait: 650 }, { key: ['#board', 'ArrowDown'] }, { wait: 300 }]],
];
const cpu = `const cpuMs = (c) => (c.user + c.system) / 1000;`;
const captureChild = `${cpu}
const { Page, runSteps } = require(${JSON.stringify(path.join(dist, 'src/dom/index.js'))});
(async () => {
  const page = new Page(process.argv[1], { onConsole: () => {} });
  page.load();
  await runSteps(page, JSON.parse(process.argv[2]), () => {});
  const t0 = performance.now(), c0 = process.cpuUsage();
  const snap = page.snapshot();
  const cpu = cpuMs(process.cpuUsage(c0)), wall = performance.now() - t0;
  require('fs').writeFileSync(process.argv[3], snap.code);
  console.log(JSON.stringify({ wall, cpu, bytes: Buffer.byteLength(snap.code) }));
})();`;
const restoreChild = `${cpu}
const code = require('fs').readFileSync(process.argv[1], 'utf8');
const { Page } = require(${JSON.stringify(path.join(dist, 'src/dom/index.js'))});
const c0 = process.cpuUsage();
const page = Page.restore(code, { onConsole: () => {} });
const cpu = cpuMs(process.cpuUsage(c0));
const r = page.timings.restore, t = page.timings;
console.log(JSON.stringify({ cpu, total: r.total, page: r.page, bundle: t.bundle, window: t.window, document: r.document, heap: r.total - r.page - r.document }));`;
const tmpSnaps = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-bench-pages-snap-'));
const snapRows = [];
for (const [name, file, steps] of apps) {
  const snap = path.join(tmpSnaps, `${snapRows.length}.snap`);
  const c = Array.from({ length: repeat }, () => run(captureChild, file, JSON.stringify(steps), snap));
  const r = Array.from({ length: repeat }, () => run(restoreChild, snap));
  const m = (xs, k) => ms(median(xs.map((x) => x[k])));
  snapRows.push([
    name,
    `${(median(c.map((x) => x.bytes)) / 1024).toFixed(1)} KB`,
    m(c, 'wall'),
    m(c, 'cpu'),
    m(r, 'total'),
    m(r, 'cpu'),
    m(r, 'page'),
    m(r, 'bundle'),
    m(r, 'window'),
    m(r, 'document'),
    m(r, 'heap'),
  ]);
}
fs.rmSync(tmpSnaps, { recursive: true, force: true });
const snapHead = [
  'app (state at the snapshot)',
  'snapshot',
  'capture',
  'capture CPU',
  'restore',
  'restore CPU',
  'fresh page',
  'of it: bundle',
  'of it: window + birth',
  'document rebuild',
  'heap (rest)',
];
console.log(`\npage snapshots: median of ${repeat} fresh processes each, ms (load average ${load()} at the end; ${dist})\n`);
console.log(`| ${snapHead.join(' | ')} |\n|${snapHead.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`);
for (const r of snapRows) console.log(`| ${r.join(' | ')} |`);
fs.rmSync(tmp, { recursive: true, force: true });
