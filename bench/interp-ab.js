'use strict';
// The interpreter's speed against another built checkout, in one process:
//   node bench/interp-ab.js OTHER_CHECKOUT [N] [PROGRAM…]
// For each program (default: all of bench/programs.js's that are present), N rounds (default 5); each
// round loads the program into a fresh engine of either build and times its driver (the row's
// iteration count) in CPU time, alternating which build goes first. Prints the median of each build
// and mine/other per program, then the geometric mean of the ratios. One process and alternation keep
// the two builds under the same load, which separate `run.js` processes on a shared machine do not.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { PROGRAMS, loadSources, driverSource } = require('./programs.js');
const { quiet, cpu, median, alternate } = require('./ab.js');

const [otherDir, nArg, ...names] = process.argv.slice(2);
if (!otherDir) {
  console.error('usage: node bench/interp-ab.js OTHER_CHECKOUT [N] [PROGRAM…]');
  process.exit(2);
}
const rounds = Number(nArg ?? 5);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`interp-ab: N must be a positive integer, not ${nArg}`);
const builds = {
  other: require(path.resolve(otherDir, 'dist', 'src', 'index.js')),
  mine: require(path.resolve(__dirname, '..', 'dist', 'src', 'index.js')),
};
const unknown = names.filter((n) => !PROGRAMS.some((p) => p.name === n));
if (unknown.length) throw new Error(`interp-ab: no program ${unknown.join(', ')} (bench/programs.js names them)`);
const programs = PROGRAMS.filter((p) => (names.length ? names.includes(p.name) : p.files.every((f) => fs.existsSync(f))));

/** CPU ms of one run of `program`'s driver in a fresh engine of `build` (its check must hold). */
function once(build, program, sources) {
  const e = new build.Engine(quiet);
  for (const { file, text } of sources) e.evaluateScript(text, file);
  e.evaluateScript(program.setup, 'setup.js');
  const [, ms] = cpu(() => e.evaluateScript(driverSource(program.iterations), 'driver.js'));
  e.runJobs();
  const got = String(e.evaluateScript(program.check, 'check.js'));
  if (program.expected !== null && got !== program.expected) throw new Error(`interp-ab: ${program.name} gave ${got}, not ${program.expected}`);
  return ms;
}

console.log(
  `interp-ab: ${rounds} rounds, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at start`,
);
console.log(`${'program'.padEnd(14)} ${'other ms'.padStart(9)} ${'mine ms'.padStart(9)}  mine/other`);
let logSum = 0;
for (const program of programs) {
  const sources = loadSources(program);
  const times = { other: [], mine: [] };
  alternate(
    rounds,
    () => times.other.push(once(builds.other, program, sources)),
    () => times.mine.push(once(builds.mine, program, sources)),
  );
  const a = median(times.other);
  const b = median(times.mine);
  logSum += Math.log(b / a);
  console.log(`${program.name.padEnd(14)} ${a.toFixed(1).padStart(9)} ${b.toFixed(1).padStart(9)}  ${(b / a).toFixed(3)}`);
}
console.log(`${'geomean'.padEnd(14)} ${''.padStart(9)} ${''.padStart(9)}  ${Math.exp(logSum / programs.length).toFixed(3)}`);
console.log(
  `load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')} at end`,
);
