'use strict';
// A strict store to a global the storing unit does not declare (one script's `var g`, written by a
// strict script), against another built checkout, in one process:
//   node bench/global-store-ab.js OTHER_CHECKOUT [N]
// Each round times, in CPU ms and a fresh engine of either build, the strict script's loop of `g = g + 1`
// (at its top level and inside two nested functions; and a sloppy script's, the yardstick), alternating which build goes first; prints medians.
const os = require('node:os');
const { builds, cpu, median, alternate, change, quiet } = require('./ab.js');

const [otherDir, nArg] = process.argv.slice(2);
if (!otherDir) {
  console.error('usage: node bench/global-store-ab.js OTHER_CHECKOUT [N]');
  process.exit(2);
}
const rounds = Number(nArg ?? 5);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`global-store-ab: N must be a positive integer, not ${nArg}`);
const ITERATIONS = 3e6;
const PROGRAMS = {
  'top level': `'use strict'; for (let i = 0; i < ${ITERATIONS}; i++) g = g + 1;`,
  'nested fns': `'use strict'; (function () { let a = 1; return function () { let b = a; for (let i = 0; i < ${ITERATIONS}; i++) g = g + b; }; })()();`,
  // the same store in sloppy code (one SetGlobal in both builds): the yardstick
  sloppy: `for (let i = 0; i < ${ITERATIONS}; i++) g = g + 1;`,
};
const b = builds(otherDir);

function once(build, source) {
  const e = new build.Engine({ ...quiet, warmUp: false });
  e.evaluateScript('var g = 0;', 'a.js');
  const [, ms] = cpu(() => e.evaluateScript(source, 'b.js'));
  const g = e.evaluateScript('g', 'check.js');
  if (g !== ITERATIONS) throw new Error(`global-store-ab: g is ${g}, not ${ITERATIONS}`);
  return ms;
}

console.log(
  `global-store-ab: ${rounds} rounds of ${ITERATIONS} stores, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at start`,
);
console.log(`${'program'.padEnd(12)} ${'other ms'.padStart(9)} ${'mine ms'.padStart(9)}  change`);
for (const [name, source] of Object.entries(PROGRAMS)) {
  const times = { other: [], mine: [] };
  alternate(
    rounds,
    () => times.other.push(once(b.other, source)),
    () => times.mine.push(once(b.mine, source)),
  );
  const o = median(times.other);
  const m = median(times.mine);
  console.log(`${name.padEnd(12)} ${o.toFixed(1).padStart(9)} ${m.toFixed(1).padStart(9)}  ${change(o, m)}`);
}
console.log(
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at end`,
);
