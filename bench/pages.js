// Page load beside its peer: where a page's load time goes in snapvm (happy-dom bundle evaluated in the
// guest realm, window, HTML parse + scripts) next to happy-dom loaded the usual way in the host
// parsing the same HTML. Each measurement runs in a fresh child process (first page of a process, as
// `snapvm run` sees it) and is repeated; the table shows the median. Run after `npm run build`:
//   node bench/pages.js [--repeat 5]
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const repeat = Number(process.argv[process.argv.indexOf('--repeat') + 1]) || 5;

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
const { Page } = require(${JSON.stringify(path.join(root, 'dist/src/dom/index.js'))});
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

function run(code, file) {
  return JSON.parse(execFileSync(process.execPath, ['-e', code, file], { cwd: root, encoding: 'utf8' }).trim().split('\n').pop());
}
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => `${x.toFixed(0)}`;

const rows = [];
for (const [name, file] of pages) {
  const s = Array.from({ length: repeat }, () => run(snapvmChild, file));
  const h = Array.from({ length: repeat }, () => run(hostChild, file));
  rows.push([name, `${(fs.statSync(file).size / 1024).toFixed(1)} KB`, ms(median(s.map((r) => r.total))), ms(median(s.map((r) => r.bundle))), ms(median(s.map((r) => r.window))), ms(median(s.map((r) => r.load))), ms(median(h.map((r) => r.setup))), ms(median(h.map((r) => r.parse)))]);
}
const head = ['page', 'html', 'snapvm total', 'bundle', 'window', 'parse+scripts', 'host happy-dom load+window', 'host DOMParser'];
console.log(`median of ${repeat} fresh processes, ms (Node ${process.version}, ${os.cpus().length} CPUs)\n`);
console.log(`| ${head.join(' | ')} |\n|${head.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`);
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
fs.rmSync(tmp, { recursive: true, force: true });
