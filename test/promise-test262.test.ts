// test262's built-ins/Promise, run by V8 in a realm whose global Promise is the engine's: the test
// code is native, the Promise under test is ours (the VM is not needed). Skipped without test262
// (TEST262_DIR, default ../test262 beside the repository). An unexpected pass fails, so the list stays true.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { Realm } from '../src/interpreter/realm';
import { JobQueue } from '../src/interpreter/jobs';
import { installPromise } from '../src/interpreter/promise';

const TEST262 = process.env.TEST262_DIR ?? path.resolve(__dirname, '../../test262');

function listTests(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listTests(p));
    else if (entry.name.endsWith('.js') && !entry.name.includes('_FIXTURE')) out.push(p);
  }
  return out.sort();
}

interface Meta {
  includes: string[];
  flags: string[];
  features: string[];
  negative?: { phase: string; type: string };
}

function parseMeta(src: string): Meta {
  const m = /\/\*---([\s\S]*?)---\*\//.exec(src);
  const yaml = m ? m[1]! : '';
  const list = (key: string): string[] => {
    const inline = new RegExp(`^${key}:\\s*\\[([^\\]]*)\\]`, 'm').exec(yaml);
    if (inline)
      return inline[1]!
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    const block = new RegExp(`^${key}:\\s*\\n((?:\\s+-.*\\n?)+)`, 'm').exec(yaml);
    return block
      ? block[1]!
          .split('\n')
          .map((s) => s.replace(/^\s*-\s*/, '').trim())
          .filter(Boolean)
      : [];
  };
  const neg = /^negative:\s*\n\s+phase:\s*(\w+)\s*\n\s+type:\s*(\w+)/m.exec(yaml);
  return { includes: list('includes'), flags: list('flags'), features: list('features'), negative: neg ? { phase: neg[1]!, type: neg[2]! } : undefined };
}

const harnessCache = new Map<string, string>();
function harness(name: string): string {
  let s = harnessCache.get(name);
  if (s === undefined) harnessCache.set(name, (s = fs.readFileSync(path.join(TEST262, 'harness', name), 'utf8')));
  return s;
}

/** Features this runner cannot provide (proposals, other realms). */
const unsupportedFeatures = new Set(['await-dictionary', 'cross-realm']);

type Outcome = { status: 'pass' } | { status: 'fail'; message: string } | { status: 'skip'; message: string };

async function runOnce(file: string, src: string, meta: Meta, strict: boolean): Promise<Outcome> {
  const realm = new Realm();
  const uncaught: unknown[] = [];
  const queue = new JobQueue({ onUncaught: (e) => void uncaught.push(e) });
  const promises = installPromise(realm, queue, {});
  let done: { error: unknown } | undefined;
  const setup = realm.realmEval<(P: unknown, done: unknown, print: unknown) => void>(
    `(function (P, done, print) { Object.defineProperty(globalThis, 'Promise', { value: P, writable: true, enumerable: false, configurable: true }); globalThis.$DONE = done; globalThis.print = print;
      globalThis.$262 = { global: globalThis, createRealm() { throw new Error('createRealm: not supported'); }, detachArrayBuffer() { throw new Error('no'); }, agent: {} }; })`,
  );
  setup(
    promises.Promise,
    realm.native('$DONE', 1, (_t, args) => {
      done ??= { error: args[0] };
    }),
    realm.native('print', 1, () => undefined),
  );
  if (realm.realmEval('Promise') !== promises.Promise) throw new Error('runner: the realm does not see the Promise under test');
  const describe = (e: unknown): string => {
    try {
      if (typeof e === 'object' && e !== null) return `${(e as Error).name ?? (e as Error).constructor?.name}: ${(e as Error).message}`;
      return String(e);
    } catch {
      return '(unprintable error)';
    }
  };
  let code = harness('assert.js') + '\n' + harness('sta.js') + '\n';
  for (const inc of meta.includes) code += harness(inc) + '\n';
  code = (strict ? '"use strict";\n' : '') + code + src;
  try {
    vm.runInContext(code, realm.context, { filename: file });
  } catch (e) {
    if (meta.negative && meta.negative.phase === 'runtime' && (e as Error)?.name === meta.negative.type) return { status: 'pass' };
    return { status: 'fail', message: describe(e) };
  }
  if (meta.negative) return { status: 'fail', message: `expected ${meta.negative.type}` };
  const isAsync = meta.flags.includes('async');
  // Our queue and V8's (native async functions in harness code) take turns until both are quiet.
  for (let i = 0; i < 200 && (queue.size > 0 || (isAsync && !done) || i < 2); i++) {
    queue.runJobs();
    await new Promise((r) => setImmediate(r));
  }
  if (uncaught.length) return { status: 'fail', message: 'uncaught in job: ' + describe(uncaught[0]) };
  if (isAsync) {
    if (!done) return { status: 'fail', message: '$DONE was never called' };
    if (done.error) return { status: 'fail', message: describe(done.error) };
  }
  return { status: 'pass' };
}

async function runTest262File(file: string): Promise<Outcome> {
  const src = fs.readFileSync(file, 'utf8');
  const meta = parseMeta(src);
  const missing = meta.features.filter((f) => unsupportedFeatures.has(f));
  if (missing.length) return { status: 'skip', message: `feature ${missing.join(', ')}` };
  if (meta.flags.includes('module')) return { status: 'skip', message: 'module' };
  const modes = meta.flags.includes('raw') || meta.flags.includes('noStrict') ? [false] : meta.flags.includes('onlyStrict') ? [true] : [false, true];
  for (const strict of modes) {
    const r = await runOnce(file, src, meta, strict);
    if (r.status !== 'pass') return r.status === 'fail' ? { status: 'fail', message: `${strict ? '[strict] ' : ''}${r.message}` } : r;
  }
  return { status: 'pass' };
}

/** Tests expected to fail, relative to test262/test, with why. */
const expectedFailures = new Map<string, string>([]);

const root = path.join(TEST262, 'test/built-ins/Promise');
if (!fs.existsSync(root)) {
  t.pass(`skipped: test262 not found at ${TEST262} (set TEST262_DIR)`);
} else {
  t.test('test262 built-ins/Promise', async (t) => {
    const counts = { pass: 0, fail: 0, skip: 0 };
    for (const file of listTests(root)) {
      const name = path.relative(path.join(TEST262, 'test'), file);
      const r = await runTest262File(file);
      counts[r.status]++;
      const expected = expectedFailures.get(name);
      if (r.status === 'fail' && expected === undefined) t.fail(`${name}: ${r.message}`);
      if (r.status === 'pass' && expected !== undefined) t.fail(`${name} passes now: remove it from expectedFailures`);
    }
    t.comment(`pass ${counts.pass}, fail ${counts.fail} (expected ${expectedFailures.size}), skip ${counts.skip}`);
    t.ok(counts.pass > 600, 'most of the directory ran');
  });
}
