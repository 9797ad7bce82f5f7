// The conformance runner: test262 (or the own tests in conformance/tests) against snapvm or the
// native stand-in, in parallel worker processes, checked against the expected-failure list.
// `node dist/conformance/runner.js --help` for usage; conformance/README.md for the lists.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EngineName } from './engine';
import { parseFrontmatter, type TestMetadata } from './frontmatter';
import type { Job, Status, Variant } from './job';
import { entryKey, findSkip, readExpectedFailures, readSkipList, skippedByPrefix, writeExpectedFailures, type SkipRule } from './lists';
import { runJobs, WorkerStartError } from './pool';

const HELP = `Usage: npm run test262 -- [options] [filters…]

Runs test262 (--test262 DIR) or snapvm's own conformance tests (--own) and compares the
results with the checked-in expected-failure list. Exits 1 on an unexpected failure or an
unexpected pass, 2 on a usage or start-up error.

  --test262 DIR     a test262 checkout (its test/ and harness/ folders)
  --own             run conformance/tests/ instead, with conformance/harness/ (or DIR/harness
                    when --test262 DIR is given too), against own-expected-failures.txt
  filters…          path substrings relative to test/ (e.g. built-ins/Array language/statements/class)
  --list FILE       run exactly these tests: one path per line, relative to the suite root
                    (test/language/….js, or tests/….js for --own); '#' starts a comment
  --engine NAME     snapvm (default) or native: Node's own V8 through node:vm, a stand-in and
                    baseline that is NOT snapvm (conformance/native-engine.ts)
  --mode M          plain (default), snapshot, or both. snapshot runs each test in snapshot-
                    transparency mode: after every event-loop turn the state is snapshotted and
                    the test goes on in a fresh engine restored from it (snapshot-sloppy,
                    snapshot-strict, snapshot-module)
  --jobs N          worker processes (default: the number of CPUs)
  --timeout MS      per test and mode (default 30000)
  --sample N        run N tests chosen at random (after filters and skips) …
  --seed S          … with this seed (default 1), so a sample is repeatable
  --json FILE       write one JSON line per test and mode: {"test","mode","status","message"}
  --expected FILE   the expected-failure list to compare with and --update (default:
                    conformance/expected-failures.txt, own-expected-failures.txt for --own;
                    with --engine native the .native.txt sibling)
  --update          rewrite the expected-failure list from this run: failures added, passes
                    removed; entries for tests (and modes) not run this time are kept
  --verbose         print every failure, not only the unexpected ones
  -h, --help        this text

Modes in results and lists: sloppy, strict, module (plain runs) and snapshot-sloppy,
snapshot-strict, snapshot-module. A test runs sloppy and strict unless its flags say otherwise
(onlyStrict, noStrict, raw: sloppy only, module: module only).
`;

interface Options {
  test262?: string;
  own: boolean;
  filters: string[];
  list?: string;
  engine: EngineName;
  mode: 'plain' | 'snapshot' | 'both';
  jobs: number;
  timeout: number;
  sample?: number;
  seed: number;
  json?: string;
  expected?: string;
  update: boolean;
  verbose: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Options | 'help' {
  const o: Options = {
    own: false,
    filters: [],
    engine: 'snapvm',
    mode: 'plain',
    jobs: Math.max(1, os.availableParallelism?.() ?? os.cpus().length),
    timeout: 30000,
    seed: 1,
    update: false,
    verbose: false,
  };
  const value = (i: number, name: string): string => {
    const v = argv[i];
    if (v === undefined || v.startsWith('--')) throw new UsageError(`${name} needs a value`);
    return v;
  };
  const int = (i: number, name: string): number => {
    const v = Number(value(i, name));
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`${name} needs a positive integer`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    switch (arg) {
      case '-h':
      case '--help':
        return 'help';
      case '--test262':
        o.test262 = value(++i, arg);
        break;
      case '--own':
        o.own = true;
        break;
      case '--list':
        o.list = value(++i, arg);
        break;
      case '--engine': {
        const v = value(++i, arg);
        if (v !== 'snapvm' && v !== 'native') throw new UsageError(`--engine is snapvm or native, not ${v}`);
        o.engine = v;
        break;
      }
      case '--mode': {
        const v = value(++i, arg);
        if (v !== 'plain' && v !== 'snapshot' && v !== 'both') throw new UsageError(`--mode is plain, snapshot or both, not ${v}`);
        o.mode = v;
        break;
      }
      case '--jobs':
        o.jobs = int(++i, arg);
        break;
      case '--timeout':
        o.timeout = int(++i, arg);
        break;
      case '--sample':
        o.sample = int(++i, arg);
        break;
      case '--seed':
        o.seed = Number(value(++i, arg));
        if (!Number.isFinite(o.seed)) throw new UsageError('--seed needs a number');
        break;
      case '--json':
        o.json = value(++i, arg);
        break;
      case '--expected':
        o.expected = value(++i, arg);
        break;
      case '--update':
        o.update = true;
        break;
      case '--verbose':
        o.verbose = true;
        break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg} (see --help)`);
        o.filters.push(arg.replace(/^\.\//, '').replace(/^test\//, ''));
    }
  }
  if (!o.own && !o.test262) throw new UsageError('give --test262 DIR (a test262 checkout) or --own');
  return o;
}

/** The checkout this file belongs to: conformance/ sits beside package.json. */
function findRepoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'conformance', 'skip.txt'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`cannot find the snapvm checkout above ${__dirname}`);
  }
}

/** Where the tests, harness and lists of one run live. */
interface Suite {
  /** Test paths in lists and results are relative to this folder. */
  root: string;
  /** The folder the tests are found in (and directory names in the report are relative to). */
  testDir: string;
  harnessDir: string;
  skipRules: SkipRule[];
  expectedFile: string;
}

function describeSuite(o: Options, repo: string): Suite {
  const conformance = path.join(repo, 'conformance');
  const native = o.engine === 'native' ? '.native' : '';
  if (o.test262 && !fs.existsSync(path.join(o.test262, 'harness', 'assert.js'))) {
    throw new UsageError(`${o.test262} is not a test262 checkout (no harness/assert.js)`);
  }
  if (o.own) {
    return {
      root: conformance,
      testDir: path.join(conformance, 'tests'),
      harnessDir: o.test262 ? path.join(o.test262, 'harness') : path.join(conformance, 'harness'),
      skipRules: [],
      expectedFile: o.expected ?? path.join(conformance, `own-expected-failures${native}.txt`),
    };
  }
  const root = path.resolve(o.test262!);
  return {
    root,
    testDir: path.join(root, 'test'),
    harnessDir: path.join(root, 'harness'),
    skipRules: readSkipList(path.join(conformance, 'skip.txt')),
    expectedFile: o.expected ?? path.join(conformance, `expected-failures${native}.txt`),
  };
}

interface TestCase {
  /** Relative to the suite root, with '/' separators: the name in lists and results. */
  name: string;
  file: string;
  meta?: TestMetadata;
  skip?: string;
  /** A reason the test cannot even be planned (bad frontmatter, missing harness file). */
  broken?: string;
}

const isTestFile = (name: string): boolean => name.endsWith('.js') && !name.includes('_FIXTURE');

function walk(dir: string, out: string[]): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (isTestFile(entry.name)) out.push(full);
  }
}

function collectTests(o: Options, suite: Suite): TestCase[] {
  const toName = (file: string): string => path.relative(suite.root, file).split(path.sep).join('/');
  let files: string[];
  if (o.list) {
    files = fs
      .readFileSync(o.list, 'utf8')
      .split(/\r?\n/)
      .map((l) => l.replace(/#.*/, '').trim())
      .filter((l) => l !== '')
      .map((l) => path.resolve(suite.root, l));
  } else {
    files = [];
    walk(suite.testDir, files);
  }
  const relToTestDir = (file: string): string => path.relative(suite.testDir, file).split(path.sep).join('/');
  if (o.filters.length > 0) files = files.filter((f) => o.filters.some((flt) => relToTestDir(f).includes(flt)));

  return files.map((file): TestCase => {
    const name = toName(file);
    const prefixRule = skippedByPrefix(suite.skipRules, name);
    if (prefixRule) return { name, file, skip: prefixRule.reason || prefixRule.value };
    let source: string;
    try {
      source = fs.readFileSync(file, 'utf8');
    } catch {
      return { name, file, broken: `cannot read ${file}` };
    }
    let meta: TestMetadata;
    try {
      meta = parseFrontmatter(source, name);
    } catch (e) {
      return { name, file, broken: (e as Error).message };
    }
    const rule = findSkip(suite.skipRules, name, meta, source);
    if (rule) return { name, file, meta, skip: rule.reason || rule.value };
    return { name, file, meta };
  });
}

/** mulberry32: a small seeded generator, so `--sample N --seed S` picks the same tests everywhere. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sample<T>(items: T[], n: number, seed: number): T[] {
  const a = items.slice();
  const random = seededRandom(seed);
  const k = Math.min(n, a.length);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(random() * (a.length - i));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
}

function variantsOf(meta: TestMetadata): Variant[] {
  const f = meta.flags;
  if (f.has('module')) return ['module'];
  if (f.has('raw') || f.has('noStrict')) return ['sloppy'];
  if (f.has('onlyStrict')) return ['strict'];
  return ['sloppy', 'strict'];
}

function harnessOf(meta: TestMetadata, harnessDir: string): string[] {
  if (meta.flags.has('raw')) return [];
  const names = ['assert.js', 'sta.js', ...(meta.flags.has('async') ? ['doneprintHandle.js'] : []), ...meta.includes];
  return [...new Set(names)].map((n) => path.join(harnessDir, n));
}

interface Outcome {
  test: string;
  mode: string;
  status: Status;
  message: string;
}

/** The directory a result is counted under: the first two levels below test/ (or tests/). */
function groupOf(test: string, suite: Suite): string {
  const rel = path.relative(suite.testDir, path.join(suite.root, test)).split(path.sep);
  return rel.length > 2 ? `${rel[0]}/${rel[1]}` : rel.length === 2 ? rel[0]! : '(top)';
}

function printReport(outcomes: Outcome[], suite: Suite): void {
  const groups = new Map<string, Record<Status, number>>();
  const total: Record<Status, number> = { pass: 0, fail: 0, timeout: 0, skip: 0 };
  for (const o of outcomes) {
    const g = groupOf(o.test, suite);
    let counts = groups.get(g);
    if (!counts) groups.set(g, (counts = { pass: 0, fail: 0, timeout: 0, skip: 0 }));
    counts[o.status]++;
    total[o.status]++;
  }
  const rate = (c: Record<Status, number>): string => {
    const run = c.pass + c.fail + c.timeout;
    return run === 0 ? '     -' : `${((100 * c.pass) / run).toFixed(1).padStart(5)}%`;
  };
  const width = Math.max(20, ...[...groups.keys()].map((g) => g.length));
  const row = (name: string, c: Record<Status, number>): string =>
    `${name.padEnd(width)} ${rate(c)}  ${String(c.pass).padStart(6)} pass ${String(c.fail).padStart(6)} fail ${String(c.timeout).padStart(4)} timeout ${String(c.skip).padStart(6)} skip`;
  console.log(`${'directory'.padEnd(width)}   rate`);
  for (const g of [...groups.keys()].sort()) console.log(row(g, groups.get(g)!));
  console.log('-'.repeat(width + 60));
  console.log(row('total', total));
}

async function main(): Promise<number> {
  let o: Options | 'help';
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`test262 runner: ${e.message}`);
      return 2;
    }
    throw e;
  }
  if (o === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const opts = o;
  const repo = findRepoRoot();
  let suite: Suite;
  try {
    suite = describeSuite(opts, repo);
  } catch (e) {
    console.error(`test262 runner: ${(e as Error).message}`);
    return 2;
  }

  let tests = collectTests(opts, suite);
  const skippedCount = tests.filter((t) => t.skip).length;
  if (opts.sample !== undefined) {
    const runnable = tests.filter((t) => !t.skip);
    tests = sample(runnable, opts.sample, opts.seed).sort((a, b) => (a.name < b.name ? -1 : 1));
    console.log(`sampled ${tests.length} of ${runnable.length} runnable tests (seed ${opts.seed}; ${skippedCount} skipped by skip.txt not sampled)`);
  }

  // Plan: one job per test and variant, in plain and/or snapshot-transparency mode.
  const outcomes: Outcome[] = [];
  const jobs: Job[] = [];
  const jobNames = new Map<number, { test: string; mode: string }>();
  const plain = opts.mode !== 'snapshot';
  const snapshot = opts.mode !== 'plain';
  for (const t of tests) {
    if (t.broken) {
      outcomes.push({ test: t.name, mode: 'sloppy', status: 'fail', message: t.broken });
      continue;
    }
    const meta = t.meta;
    const variants = meta ? variantsOf(meta) : ['sloppy' as const];
    const modes = [...(plain ? variants : []), ...(snapshot ? variants.map((v) => `snapshot-${v}`) : [])];
    if (t.skip || !meta) {
      for (const mode of modes) outcomes.push({ test: t.name, mode, status: 'skip', message: t.skip ?? '' });
      continue;
    }
    const harness = harnessOf(meta, suite.harnessDir);
    const missing = harness.find((h) => !fs.existsSync(h));
    for (const mode of modes) {
      if (missing) {
        outcomes.push({ test: t.name, mode, status: 'fail', message: `missing harness file ${missing}` });
      } else {
        const id = jobs.length;
        jobs.push({
          id,
          file: t.file,
          variant: mode.replace('snapshot-', '') as Variant,
          snapshot: mode.startsWith('snapshot-'),
          raw: meta.flags.has('raw'),
          async: meta.flags.has('async'),
          negative: meta.negative,
          harness,
          tailCalls: meta.features.includes('tail-call-optimization'),
        });
        jobNames.set(id, { test: t.name, mode });
      }
    }
  }

  console.log(`running ${jobs.length} runs of ${tests.length} tests on ${opts.engine} with ${opts.jobs} workers`);
  const started = Date.now();
  let done = 0;
  let lastProgress = started;
  try {
    await runJobs(jobs, { size: opts.jobs, engine: opts.engine, timeoutMs: opts.timeout, recycleAfter: 500 }, (job, r) => {
      const { test, mode } = jobNames.get(job.id)!;
      outcomes.push({ test, mode, status: r.status, message: r.message });
      done++;
      const now = Date.now();
      if (now - lastProgress > 10000) {
        lastProgress = now;
        console.error(`  … ${done}/${jobs.length} runs, ${Math.round((now - started) / 1000)} s`);
      }
    });
  } catch (e) {
    if (e instanceof WorkerStartError) {
      console.error(`test262 runner: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  outcomes.sort((a, b) => (a.test < b.test ? -1 : a.test > b.test ? 1 : a.mode < b.mode ? -1 : a.mode > b.mode ? 1 : 0));

  if (opts.json) {
    fs.writeFileSync(opts.json, outcomes.map((r) => JSON.stringify({ test: r.test, mode: r.mode, status: r.status, message: r.message })).join('\n') + '\n');
  }

  printReport(outcomes, suite);
  console.log(`${seconds} s`);

  const expected = readExpectedFailures(suite.expectedFile);
  const failed = (r: Outcome): boolean => r.status === 'fail' || r.status === 'timeout';
  // A test the plain mode is expected to fail is expected to fail in snapshot mode too; snapshot
  // mode's own entries are the documented exceptions of snapshot transparency.
  const plainOf = (mode: string) => mode.replace('snapshot-', '');
  const isExpected = (r: Outcome): boolean => expected.has(entryKey(r.test, r.mode)) || (r.mode.startsWith('snapshot-') && expected.has(entryKey(r.test, plainOf(r.mode))));
  const unexpectedFailures = outcomes.filter((r) => failed(r) && !isExpected(r));
  const unexpectedPasses = outcomes.filter((r) => r.status === 'pass' && expected.has(entryKey(r.test, r.mode)));
  const shown = 200;
  const list = (title: string, rows: Outcome[]): void => {
    if (rows.length === 0) return;
    console.log(`\n${title} (${rows.length}):`);
    for (const r of rows.slice(0, opts.verbose ? rows.length : shown)) {
      console.log(`  ${r.test} ${r.mode}${r.message ? `\n      ${r.message.split('\n')[0]!.slice(0, 300)}` : ''}`);
    }
    if (!opts.verbose && rows.length > shown) console.log(`  … and ${rows.length - shown} more (--verbose or --json for all)`);
  };
  if (opts.verbose) list('failures', outcomes.filter(failed));
  list('UNEXPECTED FAILURES', unexpectedFailures);
  list(`UNEXPECTED PASSES (remove them from ${path.relative(process.cwd(), suite.expectedFile)})`, unexpectedPasses);

  if (opts.update) {
    // plain modes first: a snapshot run whose plain run fails too needs no entry of its own
    for (const r of [...outcomes].sort((a, b) => Number(a.mode.startsWith('snapshot-')) - Number(b.mode.startsWith('snapshot-')))) {
      const key = entryKey(r.test, r.mode);
      if (failed(r) && !isExpected(r)) expected.set(key, '');
      else if (r.status === 'pass') expected.delete(key);
    }
    const header =
      `# Expected failures for ${opts.own ? 'the own conformance tests' : 'test262'} on the ${opts.engine} engine: "<test path> <mode>".\n` +
      `# Maintained with \`npm run test262 -- … --update\` (entries of tests not run are kept); see conformance/README.md.\n`;
    writeExpectedFailures(suite.expectedFile, expected, header);
    console.log(`\nupdated ${path.relative(process.cwd(), suite.expectedFile)} (${expected.size} entries)`);
    return 0;
  }

  const ok = unexpectedFailures.length === 0 && unexpectedPasses.length === 0;
  console.log(ok ? '\nOK: results match the expected-failure list' : `\nFAILED: ${unexpectedFailures.length} unexpected failures, ${unexpectedPasses.length} unexpected passes`);
  return ok ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    console.error(e);
    process.exitCode = 2;
  },
);
