'use strict';
// What the engine's wrap of V8's iterator makers and `next` (src/interpreter/iterators.ts) costs the
// operations it can slow: V8 built-ins that iterate arrays, Sets and strings take their generic path
// once the realm's Array.prototype[Symbol.iterator] / %ArrayIteratorPrototype%.next are replaced
// (V8's array-iteration protector is isolate-wide). Each operation runs in a fresh process under
// native Node (the ceiling), this build, and optionally another built checkout; CPU ms, median.
//
//   node bench/iterator-cost.js [OTHER_REPO_DIR] [--runs N]
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 3;
const other = args[0];

// 2000 times over a 1000-element array (a Set of 1000, a 1000-character string)
const setup = 'var a = []; for (let i = 0; i < 1000; i++) a.push(i); var st = new Set(a); var str = "x".repeat(1000);';
const OPS = {
  'Array.from(a)': 'let s = 0; for (let i = 0; i < 2000; i++) s += Array.from(a).length;',
  'new Float64Array(a)': 'let s = 0; for (let i = 0; i < 2000; i++) s += new Float64Array(a).length;',
  'new Set(a)': 'let s = 0; for (let i = 0; i < 2000; i++) s += new Set(a).size;',
  '[...a]': 'let s = 0; for (let i = 0; i < 2000; i++) s += [...a].length;',
  'for (x of a)': 'let s = 0; for (let i = 0; i < 200; i++) for (const x of a) s += x;',
  '[...set]': 'let s = 0; for (let i = 0; i < 2000; i++) s += [...st].length;',
  'Array.from(str)': 'let s = 0; for (let i = 0; i < 2000; i++) s += Array.from(str).length;',
};

const cpu = 'const t = process.cpuUsage(); RUN; const d = process.cpuUsage(t); console.log(((d.user + d.system) / 1000).toFixed(1));';
function script(build, body) {
  if (build === null) return cpu.replace('RUN', `(0, eval)(${JSON.stringify(setup)}); (0, eval)(${JSON.stringify(body)})`);
  const door = JSON.stringify(path.resolve(build, 'dist', 'src', 'index.js'));
  return `const { Engine } = require(${door}); const e = new Engine({ onConsole() {}, onPrint() {} });
e.evaluateScript(${JSON.stringify(setup)}, 'setup.js');
${cpu.replace('RUN', `e.evaluateScript(${JSON.stringify(body)}, 'op.js')`)}`;
}

const builds = [['native', null], ['this', path.join(__dirname, '..')], ...(other ? [['other', other]] : [])];
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
console.log(['operation', ...builds.map(([n]) => n), 'this/native', ...(other ? ['this/other'] : [])].join('\t'));
for (const [name, body] of Object.entries(OPS)) {
  const ms = builds.map(() => []);
  for (let r = 0; r < runs; r++) {
    // alternate which build goes first
    const order = builds.map((_, i) => i);
    if (r % 2) order.reverse();
    for (const i of order) ms[i].push(Number(execFileSync(process.execPath, ['-e', script(builds[i][1], body)]).toString()));
  }
  const m = ms.map(median);
  console.log([name, ...m.map((x) => x.toFixed(0)), (m[1] / m[0]).toFixed(1) + '×', ...(other ? [(m[1] / m[2]).toFixed(2) + '×'] : [])].join('\t'));
}
