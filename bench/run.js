#!/usr/bin/env node
'use strict';
// Runs the same CPU-bound programs under snapvm and its peers and prints a table:
// rows programs, columns engines, cells `ms (×native)`, then a geometric-mean row.
// Each engine × program × repetition runs in a fresh child process (bench/worker.js).
//
//   node bench/run.js [--engines a,b] [--programs x,y] [--iterations N] [--repeat K]
//                     [--timeout S] [--json FILE] [--octane DIR] [--full] [--clock cpu|wall]
//   node bench/run.js --report FILE [--clock cpu|wall]      (print the tables of a --json file)
//
// Time is the worker's CPU time during the run by default: this 2-core machine is shared, and
// under load wall-clock times swing by 2-5x while CPU times barely move. --clock wall for the other.

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { PROGRAMS, octaneDir, howToGetOctane } = require('./programs.js');

// Column order. The slow peers run less by default, to keep `npm run bench` near 10 minutes
// on a 2-core machine (see README): `skip` lists programs left out, and `reduced` means "only
// these programs, at these iteration counts" (with native Node rerun at the same counts, so the
// ratio compares equal work). `--full` runs everything at the normal counts; an explicit
// `--programs` list drops the skips.
const ENGINES = [
  { name: 'native', label: 'native' },
  { name: 'snapvm', label: 'snapvm' },
  // --no-liftoff: QuickJS's wasm is compiled by TurboFan up front (counted in init, not in the
  // run) instead of starting on V8's baseline wasm compiler: QuickJS at its best.
  { name: 'quickjs', label: 'quickjs-wasm', nodeArgs: ['--no-liftoff'] },
  { name: 'sval', label: 'sval' },
  { name: 'js-interpreter', label: 'js-interp', skip: ['crypto', 'loop', 'bubble'] },
  { name: 'engine262', label: 'engine262', reduced: { richards: 1, deltablue: 1 } },
];

// A run that takes longer than this is not repeated: best-of-K matters for short runs, and
// repeating the long ones would blow the time budget.
const REPEAT_ONLY_BELOW_MS = 4000;

function parseArgs(argv) {
  const opts = { repeat: 3, timeout: 240, full: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) fail(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--engines':
        opts.engines = value().split(',');
        break;
      case '--programs':
        opts.programs = value().split(',');
        break;
      case '--iterations':
        opts.iterations = positive(arg, value());
        break;
      case '--repeat':
        opts.repeat = positive(arg, value());
        break;
      case '--timeout':
        opts.timeout = positive(arg, value());
        break;
      case '--json':
        opts.json = value();
        break;
      case '--report':
        opts.report = value();
        break;
      case '--octane':
        process.env.OCTANE_DIR = path.resolve(value());
        break;
      case '--full':
        opts.full = true;
        break;
      case '--clock':
        opts.clock = value();
        if (opts.clock !== 'wall' && opts.clock !== 'cpu') fail('--clock is wall or cpu');
        break;
      case '-h':
      case '--help':
        usage();
        process.exit(0);
        break;
      default:
        fail(`unknown option ${arg} (--help lists them)`);
    }
  }
  return opts;
}

function positive(name, text) {
  const n = Number(text);
  if (!(n > 0) || !Number.isInteger(n)) fail(`${name} wants a positive integer, got ${JSON.stringify(text)}`);
  return n;
}

function usage() {
  console.log(`usage: node bench/run.js [options]
  --engines a,b      ${ENGINES.map((e) => e.name).join(', ')} (default: all)
  --programs x,y     ${PROGRAMS.map((p) => p.name).join(', ')} (default: all)
  --iterations N     benchRun() calls per run, for every program and engine (default: per program)
  --repeat K         best of K fresh-process runs (default 3; runs over ${REPEAT_ONLY_BELOW_MS / 1000} s run once)
  --timeout S        per-run wall-clock limit in seconds (default 240)
  --clock cpu|wall   rank and print the worker's CPU time during the run (default) or wall-clock time
  --json FILE        write every run and the summary as JSON
  --report FILE      print the tables of an earlier --json FILE instead of running
  --octane DIR       Octane checkout (default: $OCTANE_DIR or ${octaneDir()})
  --full             run the slow peers on everything, at the normal iteration counts`);
}

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

// Which programs an engine runs, and how many iterations.
function selection(opts) {
  const mainIterations = (program) => opts.iterations || program.iterations;
  const included = (engine, program) => {
    if (opts.full || opts.programs) return true;
    if (engine.reduced) return program.name in engine.reduced;
    return !(engine.skip || []).includes(program.name);
  };
  const iterationsFor = (engine, program) => (!opts.iterations && !opts.full && engine.reduced && program.name in engine.reduced ? engine.reduced[program.name] : mainIterations(program));
  return { mainIterations, included, iterationsFor };
}

// One worker process; resolves to its BENCH-RESULT record (or an error record).
function runWorker(engine, program, iterations, timeoutS) {
  return new Promise((resolve) => {
    const args = [...(engine.nodeArgs || []), path.join(__dirname, 'worker.js'), engine.name, program.name, String(iterations)];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const base = { engine: engine.name, program: program.name, iterations };
      if (timedOut) return resolve({ ...base, timeout: true, error: `timeout after ${timeoutS} s` });
      const line = stdout.split('\n').find((l) => l.startsWith('BENCH-RESULT '));
      if (!line) {
        const tail = stderr.trim().split('\n').slice(-5).join('\n');
        return resolve({ ...base, error: `worker exited (${signal || code}) without a result: ${tail}` });
      }
      resolve(JSON.parse(line.slice('BENCH-RESULT '.length)));
    });
  });
}

async function measure(opts, engines, programs) {
  const { mainIterations, included, iterationsFor } = selection(opts);
  if (programs.some((p) => p.kind === 'octane') && !fs.existsSync(path.join(octaneDir(), 'base.js'))) {
    console.error(`bench: Octane is missing, so its programs will fail. ${howToGetOctane()}`);
  }
  // Program by program; native first, once for every iteration count another engine uses.
  const plan = [];
  for (const program of programs) {
    const others = engines.filter((e) => e.name !== 'native' && included(e, program));
    if (engines.some((e) => e.name === 'native')) {
      const counts = new Set([mainIterations(program), ...others.map((e) => iterationsFor(e, program))]);
      for (const n of counts) plan.push([ENGINES[0], n, program]);
    }
    for (const e of others) plan.push([e, iterationsFor(e, program), program]);
  }
  const runs = [];
  for (const [engine, n, program] of plan) {
    for (let k = 0; k < opts.repeat; k++) {
      const record = await runWorker(engine, program, n, opts.timeout);
      runs.push(record);
      const shown = record.error ? record.error.split('\n')[0] : `${fmtMs(record.runMs)} ms wall, ${fmtMs(record.runCpuMs)} ms CPU (setup ${fmtMs(record.setupMs)} ms)`;
      console.error(`  ${program.name}@${n} × ${engine.name} #${k + 1}: ${shown}`);
      if (record.error || Math.min(record.runMs, record.runCpuMs) > REPEAT_ONLY_BELOW_MS) break;
    }
  }
  return runs;
}

const geomean = (xs) => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);

function fmtMs(ms) {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  return ms.toFixed(2);
}

function fmtRatio(r) {
  if (r >= 100) return `×${r.toFixed(0)}`;
  if (r >= 10) return `×${r.toFixed(1)}`;
  return `×${r.toFixed(2)}`;
}

function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}

// Picks each engine × program × iterations's best run by the chosen clock, checks results, and
// prints the tables. Returns the summary (geomeans and target ratios).
function report(opts, engines, programs, runs, meta) {
  const { mainIterations, included, iterationsFor } = selection(opts);
  const clock = opts.clock || 'cpu';
  const timeOf = (r) => (clock === 'cpu' ? r.runCpuMs : r.runMs);
  const key = (engine, program, n) => `${engine}/${program}/${n}`;

  const best = new Map();
  for (const run of runs) {
    const k = key(run.engine, run.program, run.iterations);
    const held = best.get(k);
    if (!held || (held.error && !run.error) || (!run.error && timeOf(run) < held.ms)) {
      best.set(k, run.error ? { ...run } : { ...run, ms: timeOf(run) });
    }
  }
  // Every result is checked: against the program's expected value, or else against native
  // Node's result for the same iteration count.
  for (const record of best.values()) {
    if (record.error) continue;
    const program = PROGRAMS.find((p) => p.name === record.program);
    const native = best.get(key('native', record.program, record.iterations));
    const expected = program.expected !== null ? program.expected : native && !native.error ? native.result : undefined;
    if (expected === undefined) record.unchecked = true;
    else if (record.result !== expected) {
      record.error = `wrong result: got ${JSON.stringify(record.result)}, expected ${JSON.stringify(expected)}`;
      record.wrong = true;
    }
  }

  const ran = (r) => r && !r.error;
  const resultOf = (engine, program) => (included(engine, program) ? best.get(key(engine.name, program.name, iterationsFor(engine, program))) : undefined);
  const nativeFor = (r) => {
    const n = best.get(key('native', r.program, r.iterations));
    return ran(n) ? n.ms : undefined;
  };

  console.log('');
  console.log(
    `snapvm bench — Node ${meta.node}, ${meta.cpus} × ${meta.cpuModel.trim()}, load average ${meta.load}; ` +
      `best of ${opts.repeat} fresh processes (runs over ${REPEAT_ONLY_BELOW_MS / 1000} s once); ` +
      `${clock === 'cpu' ? 'CPU' : 'wall-clock'} time of the run only (engine start, parse and setup excluded)`,
  );
  console.log('');
  const rows = programs.map((program) => [
    `${program.name} (${mainIterations(program)})`,
    ...engines.map((engine) => {
      if (!included(engine, program)) return 'skipped';
      const r = resultOf(engine, program);
      if (!r) return '-';
      if (r.timeout) return 'timeout';
      if (r.wrong) return 'WRONG';
      if (r.error) return 'error';
      const base = nativeFor(r);
      const at = r.iterations !== mainIterations(program) ? ` @${r.iterations}` : '';
      return `${fmtMs(r.ms)}${r.unchecked ? '?' : ''} (${base ? fmtRatio(r.ms / base) : '-'})${at}`;
    }),
  ]);
  const summary = { clock };
  const geoRow = ['geomean'];
  for (const engine of engines) {
    const ok = programs.map((p) => resultOf(engine, p)).filter(ran);
    if (ok.length === 0) {
      geoRow.push('-');
      continue;
    }
    const withBase = ok.filter(nativeFor);
    const gMs = geomean(ok.map((r) => r.ms));
    const gRatio = withBase.length ? geomean(withBase.map((r) => r.ms / nativeFor(r))) : undefined;
    summary[engine.name] = {
      programs: ok.map((r) => `${r.program}@${r.iterations}`),
      geomeanMs: gMs,
      geomeanRatioToNative: gRatio,
    };
    const partial = ok.length < programs.length ? ` [${ok.length}/${programs.length}]` : '';
    geoRow.push(`${fmtMs(gMs)} (${gRatio ? fmtRatio(gRatio) : '-'})${partial}`);
  }
  rows.push(geoRow);
  printTable(['program (iterations)', ...engines.map((e) => e.label)], rows);
  console.log(
    "cells: ms (× native Node's time for the same program and iteration count); " +
      "@n: ran n iterations instead of the row's count (native reran at n); " +
      '?: nothing to check the result against; geomean over the programs the engine ran [n/total]',
  );

  // The project's targets: snapvm's geomean at most 1/5 of sval's and faster than sval on every
  // program; stretch: faster than QuickJS-wasm.
  const pairs = [
    ['snapvm', 'sval'],
    ['snapvm', 'quickjs'],
  ].filter(([a, b]) => [a, b].every((n) => engines.some((e) => e.name === n)));
  if (pairs.length) {
    const ratioOf = (a, b, program) => {
      const ra = resultOf(
        ENGINES.find((e) => e.name === a),
        program,
      );
      const rb = resultOf(
        ENGINES.find((e) => e.name === b),
        program,
      );
      return ran(ra) && ran(rb) && ra.iterations === rb.iterations ? ra.ms / rb.ms : undefined;
    };
    const ratioRows = programs.map((program) => [
      program.name,
      ...pairs.map(([a, b]) => {
        const r = ratioOf(a, b, program);
        return r === undefined ? '-' : r.toFixed(3);
      }),
    ]);
    const gRow = ['geomean'];
    for (const [a, b] of pairs) {
      const rs = programs.map((p) => ratioOf(a, b, p)).filter((r) => r !== undefined);
      gRow.push(rs.length ? `${geomean(rs).toFixed(3)}${rs.length < programs.length ? ` [${rs.length}/${programs.length}]` : ''}` : '-');
      summary[`${a}/${b}`] = rs.length ? geomean(rs) : null;
    }
    ratioRows.push(gRow);
    console.log('');
    printTable(['run-time ratio', ...pairs.map(([a, b]) => `${a}/${b}`)], ratioRows);
    console.log('targets: snapvm/sval geomean ≤ 0.200 and below 1 on every program; stretch: snapvm/quickjs below 1');
  }

  // Engine creation and the program's definitions (parse + top level), left out of the table.
  console.log('');
  printTable(
    ['wall ms: engine start + definitions', ...engines.map((e) => e.label)],
    programs.map((program) => [
      program.name,
      ...engines.map((engine) => {
        const r = resultOf(engine, program);
        return ran(r) ? `${fmtMs(r.initMs)} + ${fmtMs(r.setupMs)}` : '-';
      }),
    ]),
  );

  const versions = [...new Set(runs.filter((r) => r.version).map((r) => r.version))];
  if (versions.length) {
    console.log('');
    console.log(`engines: ${versions.join(', ')}`);
  }

  const problems = [...best.values()].filter((r) => r.error);
  if (problems.length) {
    console.log('');
    console.log('errors:');
    for (const r of problems) console.log(`  ${r.engine} × ${r.program}@${r.iterations}: ${r.error.replace(/\n/g, '\n      ')}`);
  }
  const left = engines
    .map((e) => [e, programs.filter((p) => !included(e, p)).map((p) => p.name)])
    .filter(([, names]) => names.length)
    .map(([e, names]) => `${e.name}: ${names.join(', ')}`);
  if (left.length) {
    console.log('');
    console.log(`skipped to keep the run bounded (--full or --programs runs them): ${left.join('; ')}`);
  }
  return { summary, best };
}

function machine() {
  return {
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0].model,
    load: os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' '),
  };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.report) {
    const doc = JSON.parse(fs.readFileSync(opts.report, 'utf8'));
    const saved = { ...doc.options, clock: opts.clock || doc.options.clock };
    const engines = doc.engines.map((n) => ENGINES.find((e) => e.name === n));
    const programs = doc.programs.map((p) => PROGRAMS.find((q) => q.name === p.name));
    report(saved, engines, programs, doc.runs, doc.machine);
    return;
  }
  const engines = opts.engines ? opts.engines.map((n) => ENGINES.find((e) => e.name === n) || fail(`unknown engine ${n}`)) : ENGINES;
  const programs = opts.programs ? opts.programs.map((n) => PROGRAMS.find((p) => p.name === n) || fail(`unknown program ${n}`)) : PROGRAMS;

  const started = Date.now();
  const before = machine();
  if (os.loadavg()[0] > os.cpus().length * 0.75) {
    console.error(
      `bench: the machine is busy (load average ${before.load} on ${before.cpus} cores): times will be ` + `noisy${opts.clock === 'wall' ? ', wall-clock ones most (--clock cpu suffers less)' : ''}.`,
    );
  }
  const runs = await measure(opts, engines, programs);
  const meta = { ...before, load: `${before.load} at start, ${machine().load} at end` };
  const { summary, best } = report(opts, engines, programs, runs, meta);
  console.log(`\ntotal wall time ${((Date.now() - started) / 1000).toFixed(0)} s`);

  if (opts.json) {
    const doc = {
      date: new Date().toISOString(),
      machine: meta,
      options: opts,
      octaneDir: octaneDir(),
      engines: engines.map((e) => e.name),
      programs: programs.map(({ name, kind, iterations, expected, note }) => ({ name, kind, iterations, expected, note })),
      summary,
      best: Object.fromEntries(best),
      runs,
    };
    fs.writeFileSync(opts.json, JSON.stringify(doc, null, 2) + '\n');
    console.log(`wrote ${opts.json}`);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
