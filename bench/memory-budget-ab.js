'use strict';
// What the memory budget (EngineOptions.memoryBudget, an edge session's) costs a typed-array kernel:
//   node bench/memory-budget-ab.js OTHER_CHECKOUT [N]
// A kernel that works on typed arrays (a 1-D stencil over Float64Array, with slice/subarray/new per step)
// in a fresh engine of the other build, of this build, and of this build with a budget (large enough never
// to refuse), N rounds (default 5) alternating which goes first; CPU ms medians. Without a budget the
// engine runs V8's own constructors, so mine/other is the interpreter's hot path; budget/mine is what an
// edge session pays for counting.
const os = require('node:os');
const { quiet, cpu, median, builds } = require('./ab.js');

const [otherDir, nArg] = process.argv.slice(2);
if (!otherDir) {
  console.error('usage: node bench/memory-budget-ab.js OTHER_CHECKOUT [N]');
  process.exit(2);
}
const rounds = Number(nArg ?? 5);
const { other, mine } = builds(otherDir);
const KERNELS = {
  // long loops over few arrays: the interpreter's element access
  stencil: `var a = new Float64Array(4096), b = new Float64Array(4096); for (var i = 0; i < 4096; i++) a[i] = i % 17;
    for (var s = 0; s < 60; s++) { for (var i = 1; i < 4095; i++) b[i] = (a[i - 1] + a[i] + a[i + 1]) / 3; var t = a; a = b; b = t; }
    var sum = 0; for (var i = 0; i < 4096; i++) sum += a[i]; sum`,
  // many small arrays: the constructors, species (slice, map), subarray
  allocs: `var sum = 0; for (var s = 0; s < 20000; s++) { var a = new Float64Array(64); a[3] = s; var c = a.slice(1, 9); var d = a.subarray(2, 6); var e = new Uint8Array(a.buffer, 8, 8); sum += c[2] + d[1] + e.length + Uint8Array.from([1, 2]).length; }
    sum`,
};
const budget = (build) => ({ ...quiet, memoryBudget: new build.MemoryBudget(1024 * 1024 * 1024) });
function once(build, options, src) {
  const e = new build.Engine(options);
  const [r, ms] = cpu(() => e.evaluateScript(src, 'kernel.js'));
  return [String(r), ms];
}
console.log(
  `memory-budget-ab: ${rounds} rounds, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at start`,
);
console.log(`${'kernel'.padEnd(9)} ${'other ms'.padStart(9)} ${'mine ms'.padStart(9)} ${'budget ms'.padStart(10)}  mine/other  budget/mine`);
for (const [name, src] of Object.entries(KERNELS)) {
  const runs = [
    ['other', () => once(other, quiet, src)],
    ['mine', () => once(mine, quiet, src)],
    ['budget', () => once(mine, budget(mine), src)],
  ];
  const times = { other: [], mine: [], budget: [] };
  const results = new Set();
  for (let i = 0; i < rounds; i++) {
    const order = i % 3 === 0 ? runs : i % 3 === 1 ? [runs[1], runs[2], runs[0]] : [runs[2], runs[0], runs[1]];
    for (const [k, f] of order) {
      const [r, ms] = f();
      results.add(r);
      times[k].push(ms);
    }
  }
  if (results.size !== 1) throw new Error(`memory-budget-ab: ${name} gave ${[...results].join(' / ')}`);
  const [o, m, b] = [median(times.other), median(times.mine), median(times.budget)];
  console.log(`${name.padEnd(9)} ${o.toFixed(1).padStart(9)} ${m.toFixed(1).padStart(9)} ${b.toFixed(1).padStart(10)}  ${(m / o).toFixed(3).padStart(10)}  ${(b / m).toFixed(3).padStart(11)}`);
}
console.log(
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at end`,
);
