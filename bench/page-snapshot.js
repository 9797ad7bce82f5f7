// Page snapshots: size, capture time and restore time per app, and where a restore's time goes
// (a fresh page: bundle + window + birth record; rebuilding the document from its node tuples; the
// heap), next to what re-parsing the same document as HTML would cost. Each app is driven mid-use
// by steps in a fresh child process that captures; another fresh child restores (the first page of
// a process, as `snapvm restore` sees it). Median of --repeat runs. Then the browser form of the same
// state (src/dom/browser.ts: its size, the time to write it, and the time headless Chromium takes from
// opening it (file:) until the app's state is back; one browser for all, skipped without
// /usr/bin/chromium). Run after `npm run build`:
//   node bench/page-snapshot.js [--repeat 3]
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const repeat = Number(process.argv[process.argv.indexOf('--repeat') + 1]) || 3;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-bench-page-snapshot-'));

// a generated 100 KB page: 1000 list items, a script that keeps a reference to every item and adds a listener to each
const items = Array.from({ length: 1000 }, (_, i) => `<li class="item" data-i="${i}"><span>Item number ${i}</span> <a href="#${i}">link</a> lorem ipsum dolor</li>`).join('\n');
fs.writeFileSync(
  path.join(tmp, 'big.html'),
  `<!doctype html><html><body><ul>${items}</ul><script>var all = Array.from(document.querySelectorAll('li')); var clicks = 0; for (const li of all) li.addEventListener('click', () => clicks++); document.title = String(all.length);</script></body></html>`,
);

const apps = [
  [
    'TodoMVC, 3 items, timer pending',
    path.join(root, 'examples/todomvc/index.html'),
    [
      { wait: 10 },
      { type: ['.new-todo', 'one'] },
      { key: ['.new-todo', 'Enter'] },
      { type: ['.new-todo', 'two'] },
      { key: ['.new-todo', 'Enter'] },
      { type: ['.new-todo', 'three'] },
      { key: ['.new-todo', 'Enter'] },
    ],
  ],
  ['snake, game in progress (canvas)', path.join(root, 'examples/snake/index.html'), [{ wait: 650 }, { key: ['#board', 'ArrowDown'] }, { wait: 300 }]],
  [
    'preact + htm, 3 tasks, clock running',
    path.join(root, 'examples/preact/index.html'),
    [{ type: ['.draft', 'one'] }, { click: '.add' }, { type: ['.draft', 'two'] }, { click: '.add' }, { type: ['.draft', 'three'] }, { click: '.add' }, { wait: 1500 }],
  ],
  ['generated 100 KB list, 1000 listeners', path.join(tmp, 'big.html'), [{ wait: 1 }]],
];

const dom = JSON.stringify(path.join(root, 'dist/src/dom/index.js'));
const captureChild = `
const fs = require('fs');
const { Page, runSteps } = require(${dom});
const { prepareCapture } = require(${JSON.stringify(path.join(root, 'dist/src/snapshot/index.js'))});
(async () => {
  const page = new Page(process.argv[1], { onConsole: () => {} });
  prepareCapture(page.engine); // the fresh twin engine, made before the program runs (as snapvm run --snapshot-at does)
  page.load();
  await runSteps(page, JSON.parse(process.argv[2]), () => {});
  const t0 = performance.now();
  const snap = page.snapshot();
  const capture = performance.now() - t0;
  fs.writeFileSync(process.argv[3], snap.code);
  // the browser form of the same state (null: refused, with why)
  let form = null, formMs = 0, formBytes = 0, refused = null;
  try {
    const t1 = performance.now();
    form = page.browserForm();
    formMs = performance.now() - t1;
    formBytes = form.stats.bytes;
    fs.writeFileSync(process.argv[3] + '.html', form.html);
  } catch (e) {
    refused = e.message;
  }
  console.log(JSON.stringify({ formMs, formBytes, refused, capture, bytes: snap.stats.bytes, hostState: snap.stats.bytesByKind['host state'] || 0, objects: snap.stats.objects, load: page.timings.bundle + page.timings.window + page.timings.load, html: page.window.document.documentElement.outerHTML.length }));
})();`;

const restoreChild = `
const fs = require('fs');
const { Page } = require(${dom});
const code = fs.readFileSync(process.argv[1], 'utf8');
const page = Page.restore(code, { onConsole: () => {} });
const r = page.timings.restore;
// the alternative: the same document re-parsed from HTML in this page's realm and put in its place
const document = page.window.document;
const html = '<!doctype html>' + document.documentElement.outerHTML;
const t0 = performance.now();
const parsed = new page.window.DOMParser().parseFromString(html, 'text/html');
const root = parsed.documentElement;
parsed.removeChild(root);
document.removeChild(document.documentElement);
document.appendChild(root);
const reparse = performance.now() - t0;
console.log(JSON.stringify({ total: r.total, page: r.page, bundle: page.timings.bundle, document: r.document, heap: r.total - r.page - r.document, reparse }));`;

function run(code, args) {
  return JSON.parse(
    execFileSync(process.execPath, ['-e', code, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 26 })
      .trim()
      .split('\n')
      .pop(),
  );
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => x.toFixed(0);
const kb = (x) => `${(x / 1024).toFixed(1)} KB`;

const rows = [];
const forms = [];
for (const [name, file, steps] of apps) {
  const snap = path.join(tmp, `${rows.length}.snap`);
  const c = Array.from({ length: repeat }, () => run(captureChild, [file, JSON.stringify(steps), snap]));
  const r = Array.from({ length: repeat }, () => run(restoreChild, [snap]));
  const m = (xs, k) => median(xs.map((x) => x[k]));
  forms.push([name, snap + '.html', c[0].refused, m(c, 'formBytes'), m(c, 'formMs')]);
  rows.push([
    name,
    kb(m(c, 'html')),
    kb(m(c, 'bytes')),
    kb(m(c, 'hostState')),
    m(c, 'objects'),
    ms(m(c, 'load')),
    ms(m(c, 'capture')),
    ms(m(r, 'total')),
    ms(m(r, 'page')),
    ms(m(r, 'document')),
    ms(m(r, 'heap')),
    ms(m(r, 'reparse')),
  ]);
}
const head = [
  'app (state at the snapshot)',
  'DOM (outerHTML)',
  'snapshot',
  'of it: document + side table',
  'heap objects',
  'load (original)',
  'capture',
  'restore total',
  'fresh page (bundle, window, birth)',
  'document rebuild',
  'heap',
  'instead: HTML parse of the same DOM + insert',
];
console.log(
  `median of ${repeat} fresh processes, ms (Node ${process.version}, ${os.cpus().length} CPUs, load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')})\n`,
);
console.log(`| ${head.join(' | ')} |\n|${head.map((_, i) => (i < 1 ? '---' : '---:')).join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);

(async () => {
  let browser = null;
  if (fs.existsSync('/usr/bin/chromium')) {
    const { chromium } = require('playwright-core');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox'] });
  }
  const formHead = ['app', 'browser form', 'write it (snapvm)', 'open in Chromium until restored'];
  console.log(`\nbrowser form (snapvm run … {"snapshot": "X.html"} / snapvm export SNAP --html X.html), median of ${repeat}; Chromium ${browser ? browser.version() : 'absent: not opened'}\n`);
  console.log(`| ${formHead.join(' | ')} |\n|---|---:|---:|---:|`);
  for (const [name, html, refused, bytes, writeMs] of forms) {
    if (refused) {
      console.log(`| ${name} | refused: ${refused} | | |`);
      continue;
    }
    const opens = [];
    for (let i = 0; browser && i < repeat; i++) {
      const page = await browser.newPage();
      const t0 = performance.now();
      await page.goto('file://' + html);
      await page.waitForFunction(() => window[Symbol.for('snapvm.restore')] !== undefined, null, { polling: 10 });
      opens.push(performance.now() - t0);
      const outcome = await page.evaluate(() => window[Symbol.for('snapvm.restore')]);
      if (!outcome.ok) throw new Error(`${name}: the restore failed in Chromium: ${outcome.error}`);
      await page.close();
    }
    console.log(`| ${name} | ${kb(bytes)} | ${ms(writeMs)} | ${browser ? ms(median(opens)) : '–'} |`);
  }
  if (browser) await browser.close();
  fs.rmSync(tmp, { recursive: true, force: true });
})();
