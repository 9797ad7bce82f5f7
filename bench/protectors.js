'use strict';
// Which of V8's isolate-wide iteration protectors an engine clears, and which single definition in a
// `node:vm` context clears each (the definitions src/interpreter/iterators.ts makes in the guest realm),
// each in a fresh process with --allow-natives-syntax (V8's %ArrayIteratorProtector() and its siblings):
//
//   node bench/protectors.js [REPO_DIR]
//
// A protector, once cleared, stays cleared for the process: V8's built-ins that iterate (spread,
// `Array.from`, `new Set(iterable)`, typed array constructors, `Promise.all`…) then step an iterator, in the
// host's code as in the guest's. Then, in one process, what that costs host code: CPU ms of 5000 of each
// operation over a 1000-element array, before and after an Engine is made. REPO_DIR (default this
// checkout) holds the built dist/ whose Engine is probed.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

const dir = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
const probe = `
const vm = require('node:vm');
const state = () => [%ArrayIteratorProtector(), %StringIteratorProtector(), %MapIteratorProtector(), %SetIteratorProtector()];
const c = vm.createContext({});
const run = (s) => vm.runInContext(s, c);
const f = run('(function () {})');
const define = (holder, key) => Object.defineProperty(run(holder), key, { value: f, writable: true, configurable: true });
const step = JSON.parse(process.argv[1]);
if (step.engine) new (require(step.engine).Engine)({ onConsole() {}, onPrint() {} });
else if (step.holder) define(step.holder, step.symbol ? Symbol[step.symbol] : step.key);
console.log(JSON.stringify(state()));
`;
const ITERATOR_PROTO = (make) => `Object.getPrototypeOf(${make})`;
const STEPS = [
  ['nothing (a fresh process)', {}],
  ['new Engine()', { engine: path.join(dir, 'dist', 'src', 'index.js') }],
  ['Array.prototype[Symbol.iterator]', { holder: 'Array.prototype', symbol: 'iterator' }],
  ['Array.prototype.values', { holder: 'Array.prototype', key: 'values' }],
  ['Array.prototype.keys / entries', { holder: 'Array.prototype', key: 'keys' }],
  ["an array's own [Symbol.iterator]", { holder: '[]', symbol: 'iterator' }],
  ['%ArrayIteratorPrototype%.next', { holder: ITERATOR_PROTO('[].values()'), key: 'next' }],
  ['%TypedArray%.prototype[Symbol.iterator]', { holder: 'Object.getPrototypeOf(Int8Array.prototype)', symbol: 'iterator' }],
  ['String.prototype[Symbol.iterator]', { holder: 'String.prototype', symbol: 'iterator' }],
  ['%StringIteratorPrototype%.next', { holder: ITERATOR_PROTO('""[Symbol.iterator]()'), key: 'next' }],
  ['Map.prototype[Symbol.iterator] / entries', { holder: 'Map.prototype', symbol: 'iterator' }],
  ['%MapIteratorPrototype%.next', { holder: ITERATOR_PROTO('new Map().entries()'), key: 'next' }],
  ['Set.prototype[Symbol.iterator]', { holder: 'Set.prototype', symbol: 'iterator' }],
  ['Set.prototype.entries', { holder: 'Set.prototype', key: 'entries' }],
  ['%SetIteratorPrototype%.next', { holder: ITERATOR_PROTO('new Set().values()'), key: 'next' }],
  ['RegExp.prototype[Symbol.matchAll]', { holder: 'RegExp.prototype', symbol: 'matchAll' }],
  ['%RegExpStringIteratorPrototype%.next', { holder: ITERATOR_PROTO('/a/g[Symbol.matchAll]("")'), key: 'next' }],
];

const names = ['array', 'string', 'map', 'set'];
console.log(`${'defined in a vm context'.padEnd(42)} ${names.map((n) => n.padStart(7)).join(' ')}   (intact protectors)`);
for (const [label, step] of STEPS) {
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '-e', probe, JSON.stringify(step)]).toString();
  const state = JSON.parse(out);
  console.log(`${label.padEnd(42)} ${state.map((s) => (s ? 'intact' : 'CLEAR').padStart(7)).join(' ')}`);
}

const cost = `
const a = Array.from({ length: 1000 }, (_, i) => i);
const ops = { 'new Int32Array(a)': () => new Int32Array(a), '[...a]': () => [...a], 'Array.from(a)': () => Array.from(a), 'new Set(a)': () => new Set(a) };
const time = () => Object.values(ops).map((f) => {
  for (let i = 0; i < 200; i++) f();
  const t = process.cpuUsage();
  for (let i = 0; i < 5000; i++) f();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
});
const before = time();
new (require(process.argv[1]).Engine)({ onConsole() {}, onPrint() {} });
const after = time();
console.log(JSON.stringify({ names: Object.keys(ops), before, after }));
`;
const { names: ops, before, after } = JSON.parse(execFileSync(process.execPath, ['-e', cost, STEPS[1][1].engine]).toString());
console.log(`\nhost code, CPU ms of 5000 × (1000 elements)   ${'before'.padStart(7)} ${'after'.padStart(7)}   (an Engine made between)`);
ops.forEach((op, i) => console.log(`${op.padEnd(42)} ${before[i].toFixed(0).padStart(7)} ${after[i].toFixed(0).padStart(7)}   ${(after[i] / before[i]).toFixed(1)}×`));
