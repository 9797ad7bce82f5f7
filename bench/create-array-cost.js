'use strict';
// CreateArrayFromList-heavy guest code (rest parameters, array spread, Promise.all's result), CPU ms,
// median of 5 in one process, for this build or another built checkout:
//
//   node bench/create-array-cost.js [REPO_DIR]
const path = require('node:path');
const { quiet, cpu, median } = require('./ab.js');
const dir = path.resolve(process.argv[2] ?? path.join(__dirname, '..'));
const { Engine } = require(path.join(dir, 'dist', 'src', 'index.js'));
const e = new Engine(quiet);
e.evaluateScript('var a3 = [1, 2, 3]; var big = []; for (let i = 0; i < 1000; i++) big.push(i); function rest(...r) { return r.length; }', 's.js');
const ops0 = {
  'rest(1,2,3)': 'let s = 0; for (let i = 0; i < 200000; i++) s += rest(1, 2, 3);',
  '[...a3]': 'let s = 0; for (let i = 0; i < 200000; i++) s += [...a3].length;',
  '[0, ...big]': 'let s = 0; for (let i = 0; i < 2000; i++) s += [0, ...big].length;',
  'Promise.all': 'for (let i = 0; i < 20000; i++) Promise.all([1, 2, 3]);',
};
const ops = Object.fromEntries(Object.entries(ops0).map(([k, v]) => [k, '{ ' + v + ' }']));
const out = {};
for (let r = 0; r < 5; r++)
  for (const [k, v] of Object.entries(ops))
    (out[k] ??= []).push(
      cpu(() => {
        e.evaluateScript(v, 'op.js');
        e.runEventLoop?.();
      })[1],
    );
console.log(
  Object.entries(out)
    .map(([k, v]) => `${k}\t${median(v).toFixed(0)} ms`)
    .join('\n'),
);
