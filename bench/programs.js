'use strict';
// The benchmark programs: Octane suites (fetched, never committed) and our own kernels
// (bench/programs/*.js). Every engine gets the same source text and the same driver.
//
// A program is evaluated in three steps so that only the run is timed:
//   1. definitions: its source files, then its setup snippet (timed separately as "setup")
//   2. driver: calls benchRun() ITERS times (the timed part)
//   3. check: an expression whose string value is compared with the expected one
// All of it is ES5, because JS-Interpreter only knows ES5.

const fs = require('node:fs');
const path = require('node:path');

const REPO = path.resolve(__dirname, '..');
const DEFAULT_OCTANE_DIR = path.resolve(REPO, '..', 'bench-cache', 'octane');

function octaneDir() {
  return path.resolve(process.env.OCTANE_DIR || DEFAULT_OCTANE_DIR);
}

// Runs every benchmark of every registered suite once per call, as Octane's own harness does
// (benchmark.run()), after Octane's deterministic Math.random reset and each benchmark's Setup.
const OCTANE_SETUP = `
var __benchResult;
BenchmarkSuite.ResetRNG();
var __benchmarks = [];
(function () {
  for (var s = 0; s < BenchmarkSuite.suites.length; s++) {
    var list = BenchmarkSuite.suites[s].benchmarks;
    for (var b = 0; b < list.length; b++) {
      list[b].Setup();
      __benchmarks.push(list[b]);
    }
  }
})();
function benchRun() {
  for (var i = 0; i < __benchmarks.length; i++) __benchmarks[i].run();
  return 'ok';
}
`;

// TearDown is where some suites verify their result (navier-stokes); the others throw from run().
const OCTANE_CHECK = `(function () {
  for (var i = 0; i < __benchmarks.length; i++) __benchmarks[i].TearDown();
  return String(__benchResult);
})()`;

// navier-stokes verifies itself only at frame 15, which the slow engines do not reach; its
// check is a checksum of the density field instead, compared with native Node's at the same count.
const NAVIER_STOKES_CHECK = `(function () {
  var dens = solver.getDens(), sum = 0;
  for (var i = 0; i < dens.length; i++) sum += dens[i];
  for (var b = 0; b < __benchmarks.length; b++) __benchmarks[b].TearDown();
  return __benchResult + ' ' + sum.toFixed(9);
})()`;

// expected: the check's value, or null for "whatever native Node gives for the same iterations".
function octane(name, file, iterations, note, check = OCTANE_CHECK, expected = 'ok') {
  return {
    name,
    kind: 'octane',
    files: ['base.js', file].map((f) => path.join(octaneDir(), f)),
    setup: OCTANE_SETUP,
    check,
    expected,
    iterations,
    note,
  };
}

function kernel(name, iterations, expected, note) {
  return {
    name,
    kind: 'kernel',
    files: [path.join(__dirname, 'programs', `${name}.js`)],
    setup: 'var __benchResult;',
    check: 'String(__benchResult)',
    expected,
    iterations,
    note,
  };
}

// Iteration counts are the same for every engine that runs a program; they are sized so that
// native Node spends a few to a few tens of ms and the slow peers stay within the time budget.
const PROGRAMS = [
  octane('richards', 'richards.js', 20, 'Octane Richards: OS task scheduler simulation'),
  octane('deltablue', 'deltablue.js', 10, 'Octane DeltaBlue: one-way constraint solver'),
  octane('crypto', 'crypto.js', 1, 'Octane Crypto: RSA encrypt + decrypt (bignum arithmetic)'),
  octane('raytrace', 'raytrace.js', 2, 'Octane RayTrace: small ray tracer, object-heavy'),
  octane('navier-stokes', 'navier-stokes.js', 2, 'Octane NavierStokes: 2D fluid solver on number arrays', NAVIER_STOKES_CHECK, null),
  kernel('fib', 1, '196418', 'fib(27), recursive calls'),
  kernel('loop', 1, '1912481568', '5 M-step counting loop'),
  kernel('linked', 1, '143881200', 'linked-object traversal, 3 M node visits'),
  kernel('bubble', 1, '32,48960,99936', 'bubble sort of 3000 numbers'),
  kernel('strings', 1, '-379171396', 'string building, split and join'),
  kernel('closures', 1, '54750000', 'closures, composition, map/filter/reduce callbacks'),
];

function findProgram(name) {
  return PROGRAMS.find((p) => p.name === name);
}

// Reads a program's definition sources; throws a message that says how to get Octane if absent.
function loadSources(program) {
  return program.files.map((file) => {
    if (!fs.existsSync(file)) {
      if (program.kind === 'octane') {
        throw new Error(`Octane source ${file} not found. ${howToGetOctane()}`);
      }
      throw new Error(`benchmark source ${file} not found`);
    }
    return { file, text: fs.readFileSync(file, 'utf8') };
  });
}

function howToGetOctane() {
  return (
    `Put github.com/chromium/octane at ${DEFAULT_OCTANE_DIR} ` + `(git clone https://github.com/chromium/octane ${DEFAULT_OCTANE_DIR}) ` + 'or point OCTANE_DIR at a checkout; see bench/README.md.'
  );
}

function driverSource(iterations) {
  return `(function () { var r; for (var i = 0; i < ${iterations | 0}; i++) r = benchRun(); ` + '__benchResult = r; })();';
}

module.exports = {
  PROGRAMS,
  findProgram,
  loadSources,
  driverSource,
  octaneDir,
  howToGetOctane,
  DEFAULT_OCTANE_DIR,
};
