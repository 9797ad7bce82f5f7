// Offloading end to end on loopback: a real `snapvm serve`, real `snapvm run --edge` clients. Every app
// must print exactly what it prints when it runs locally.
import t from 'tap';
import * as path from 'node:path';
import { EdgeServer, installHints, runWithEdge, unitSource } from '../src/offload/index';
import { Engine, GuestError } from '../src/index';
import { sameAsLocal, snapvm, suiteServer, root } from './offload-lib';

const suite = suiteServer(t, 'snapvm-offload-run-', ['--quiet']);
const { tmp } = suite;

const apps: Record<string, string> = {
  // the heavy part offloaded, with state before and after, and a timer left for the client
  'nbody.js': '',
  // the app moves by hand: timers, promises and a generator keep running on the edge and come back
  'migrate.js': `
const log = [];
function* counter() { let i = 0; for (;;) yield ++i; }
const ids = counter();
class Account { #balance = 0; deposit(n) { this.#balance += n; return this.#balance; } }
const acct = new Account();
console.log('start', ids.next().value, acct.deposit(5));
(async () => {
  await snapvm.migrate('edge');
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 5));
    log.push(ids.next().value);
    console.log('tick', i, acct.deposit(i));
  }
  console.warn('warning from wherever the app is');
  await snapvm.migrate('client');
  console.log('back', log, acct.deposit(100));
  setTimeout(() => console.log('last timer', ids.next().value), 5);
})();
`,
  // offload calls in a row and nested: fn's result or error comes back
  'calls.js': `
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
async function main() {
  console.log('fib', await snapvm.offload(fib, 20));
  try { await snapvm.offload(() => { throw new RangeError('from fn'); }); } catch (e) { console.log('caught', e.name, e.message); }
  const both = await Promise.all([snapvm.offload(fib, 15), snapvm.offload(async (x) => { await null; return x * 2; }, 21)]);
  console.log('both', both);
  console.log('inner', await snapvm.offload(async () => 1 + await snapvm.offload(fib, 10)));
}
main();
`,
};
apps['nbody.js'] = require('node:fs').readFileSync(path.join(root, 'examples', 'nbody.js'), 'utf8');

for (const [name, source] of Object.entries(apps)) {
  t.test(`${name}: the same output offloaded as locally`, async (t) => {
    const file = tmp.write(name, source);
    const args = name === 'nbody.js' ? ['2000'] : [];
    const { local, edge } = await sameAsLocal(t, file, suite.server.url, args);
    const report = edge.stderr.split('\n').filter((l) => l.startsWith('snapvm: offload'));
    t.ok(report.length >= 1, `one report line per offload:\n${edge.stderr}`);
    t.equal(
      edge.stderr
        .split('\n')
        .filter((l) => l && !l.startsWith('snapvm: offload'))
        .join('\n'),
      local.stderr.trim(),
      'the same stderr, less the report',
    );
  });
}

t.test("the app's source goes to the edge before it runs: the snapshot names it by hash, the same output", async (t) => {
  const file = tmp.write('nbody-units.js', apps['nbody.js']!);
  const { edge } = await sameAsLocal(t, file, suite.server.url, ['200']);
  const line = edge.stderr.split('\n').find((l) => l.startsWith('snapvm: offload 1'));
  const m = /up ([\d.]+) KB \[([\d.]+) KB sent: buffers and sources the other side holds\]/.exec(line ?? '');
  t.ok(m, `the first trip sent less than its snapshot:\n${edge.stderr}`);
  t.ok(m && Number(m[1]) - Number(m[2]) >= apps['nbody.js']!.length / 1024 - 0.2, 'by the size of the source');
});

t.test('the app runs on the edge in between (snapvm.where) and nowhere else without --edge', async (t) => {
  const file = tmp.write('where.js', "console.log('before', snapvm.where);\nsnapvm.offload(() => snapvm.where).then((w) => console.log('fn ran on', w, '; now on', snapvm.where));\n");
  const edge = await snapvm(['run', file, '--edge', suite.server.url]);
  t.equal(edge.stdout, 'before client\nfn ran on edge ; now on client\n');
  const local = await snapvm(['run', file]);
  t.equal(local.stdout, 'before client\nfn ran on client ; now on client\n');
});

t.test('an uncaught error on the edge is reported as locally (exit 1, guest stack)', async (t) => {
  const file = tmp.write('fails.js', "console.log('one');\nsnapvm.offload(() => {\n  console.log('two');\n  null.x;\n});\n");
  const [local, edge] = await Promise.all([snapvm(['run', file]), snapvm(['run', file, '--edge', suite.server.url])]);
  t.equal(local.code, 1);
  t.equal(edge.code, 1);
  t.equal(edge.stdout, local.stdout);
  t.equal(edge.stderr, local.stderr);
});

t.test('an edge that is not there: one line, then the app runs locally', async (t) => {
  const file = tmp.write('alone.js', "snapvm.offload((a, b) => a + b, 2, 3).then((v) => console.log('sum', v));\n");
  const r = await snapvm(['run', file, '--edge', 'ws://127.0.0.1:9']);
  t.equal(r.code, 0);
  t.equal(r.stdout, 'sum 5\n');
  t.match(r.stderr, /^snapvm: edge ws:\/\/127\.0\.0\.1:9 unreachable \(.+\); running locally\n$/);
});

t.test('usage errors: a module, --snapshot-at, a bad address', async (t) => {
  const mjs = tmp.write('m.mjs', 'console.log(1);\n');
  const js = tmp.write('s.js', 'console.log(1);\n');
  t.match((await snapvm(['run', mjs, '--edge', suite.server.url])).stderr, /offloading needs a script/);
  t.match((await snapvm(['run', js, '--edge', suite.server.url, '--snapshot-at', 'turn:1', '--out', tmp.dir + '/x.snap'])).stderr, /cannot be used together/);
  const bad = await snapvm(['run', js, '--edge', 'http://x']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /--edge takes ws:\/\/host:port/);
});

t.test('the API: EdgeServer and runWithEdge in one process', async (t) => {
  const edge = new EdgeServer({ port: 0, log: () => {} });
  const { port } = await edge.listen();
  t.teardown(() => edge.close());
  const out: string[] = [];
  const engine = new Engine({ onConsole: (_level, values) => out.push(engine.format(values)) });
  installHints(engine, { edge: true });
  engine.evaluateScript("let n = 0;\nsnapvm.offload(() => { console.log('on', snapvm.where); return ++n; }).then((v) => console.log('n', v, n, snapvm.where));\n", 'api.js');
  const reports: number[] = [];
  let stdout = '';
  const final = await runWithEdge(engine, { edge: `ws://127.0.0.1:${port}`, engineOptions: {}, stdout: (s) => (stdout += s), stderr: (s) => t.fail(s), onMigration: (r) => reports.push(r.bytesUp) });
  t.equal(stdout, 'on edge\n', 'output made on the edge is forwarded');
  t.equal(reports.length, 1);
  t.equal(final, engine, 'the state that came back (a delta) was applied in place on the engine the client kept');
  t.same(out, ['n 1 1 client'], 'the kept engine printed what ran after the move back');
  t.equal(final.evaluateScript('n'), 1);
  t.ok(GuestError);
});

t.test('a worker taken at hello and not used is given back; the client says hello again before it offloads', async (t) => {
  const log: string[] = [];
  const edge = new EdgeServer({ port: 0, helloIdleMs: 200, log: (line) => log.push(line) });
  const { port } = await edge.listen();
  t.teardown(() => edge.close());
  const source = `${'// padding\n'.repeat(500)}setTimeout(() => snapvm.offload((x) => x * 2, 21).then((v) => console.log('got', v, snapvm.where)), 1500);\n`;
  const out: string[] = [];
  const engine = new Engine({ onConsole: (_level, values) => out.push(engine.format(values)) });
  installHints(engine, { edge: true });
  engine.evaluateScript(source, 'idle.js');
  const reports: { up: number; wire: number }[] = [];
  await runWithEdge(engine, {
    edge: `ws://127.0.0.1:${port}`,
    engineOptions: {},
    link: { units: [unitSource(source, 'idle.js')] },
    stdout: (s) => t.fail(s),
    stderr: (s) => t.fail(s),
    onMigration: (r) => reports.push({ up: r.bytesUp, wire: r.wireUp }),
  });
  t.same(out, ['got 42 client']);
  t.equal(reports.length, 1, 'one offload');
  t.ok(reports[0]!.up - reports[0]!.wire >= source.length, 'the source went as a reference: the server still holds it');
  const taken = log.filter((l) => /hello: a worker taken/.test(l));
  t.equal(taken.length, 2, `a worker taken at each hello:\n${log.join('\n')}`);
  t.match(taken[0], /0 of 1 units to parse now/, 'the first hello: the source is sent after the welcome');
  t.match(taken[1], /1 of 1 units to parse now/, 'the second: the server holds it');
  t.ok(
    log.some((l) => /worker given back \(no offload 200 ms after hello\)/.test(l)),
    'the idle worker was given back',
  );
  t.equal(log.filter((l) => /unit .* kept/.test(l)).length, 1, 'the source was sent once');
});

t.test('automatic decisions: a measured timer handler is offloaded for one turn, same output', async (t) => {
  const { OffloadPolicy } = await import('../src/offload/index');
  const edge = new EdgeServer({ port: 0, log: () => {} });
  const { port } = await edge.listen();
  t.teardown(() => edge.close());
  const source = `let frames = [];
function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
function frame() { frames.push(fib(16 + frames.length)); console.log('frame', frames.length, frames[frames.length - 1]); if (frames.length < 4) setTimeout(frame, 1); }
setTimeout(frame, 1);
snapvm.autoOffload(false); // (before any frame: the first one could move from inside its turn)
`;
  const run = async (edgeUrl: string | null, auto: boolean) => {
    let stdout = '';
    const engine = new Engine({ onConsole: (_l, v) => (stdout += engine.format(v) + '\n') });
    installHints(engine, { edge: edgeUrl !== null });
    engine.evaluateScript(source, 'frames.js');
    const reports: { auto?: unknown }[] = [];
    // a client 100 times slower than the server and free migrations: every measured handler goes
    await runWithEdge(engine, {
      edge: edgeUrl,
      engineOptions: {},
      stdout: (s) => (stdout += s),
      stderr: (s) => t.fail(s),
      auto,
      policy: new OffloadPolicy(100, 0),
      onMigration: (r) => reports.push(r),
    });
    return { stdout, reports };
  };
  const local = await run(null, false);
  const url = `ws://127.0.0.1:${port}`;
  const forbidden = await run(url, true);
  t.equal(forbidden.stdout, local.stdout);
  t.equal(forbidden.reports.length, 0, 'snapvm.autoOffload(false) keeps the app home');
  const autoSource = source.replace('snapvm.autoOffload(false)', 'void 0');
  const again = await (async () => {
    let stdout = '';
    const engine = new Engine({ onConsole: (_l, v) => (stdout += engine.format(v) + '\n') });
    installHints(engine, { edge: true });
    engine.evaluateScript(autoSource, 'frames.js');
    const reports: { auto?: unknown; midTurn?: unknown }[] = [];
    await runWithEdge(engine, {
      edge: url,
      engineOptions: {},
      stdout: (s) => (stdout += s),
      stderr: (s) => t.fail(s),
      auto: true,
      policy: new OffloadPolicy(100, 0),
      onMigration: (r) => reports.push(r),
    });
    return { stdout, reports };
  })();
  t.equal(again.stdout, local.stdout, 'the same frames, offloaded');
  // the first decision believes the 100× and free migration; after that the measured remote time and
  // migration cost decide (light frames stay home once a migration is known to cost more than them)
  t.ok(again.reports.length >= 1, `a frame after the first was offloaded (${again.reports.length})`);
  // (the first frame, with no history, may move from inside its turn: offload-midturn.test.ts)
  t.ok(
    again.reports.every((r) => r.auto || r.midTurn),
    'each was an automatic decision',
  );
});

t.test('a state that cannot be written out: one line, and the work runs locally', async (t) => {
  // an Intl.Segmenter held on the client (V8 hides its state): the client cannot snapshot; one made on the edge: the edge cannot
  const here = tmp.write('hidden-here.js', "const seg = new Intl.Segmenter();\nsnapvm.offload((x) => x * 3, 14).then((v) => console.log('v', v));\n");
  const r1 = await snapvm(['run', here, '--edge', suite.server.url]);
  t.equal(r1.code, 0);
  t.equal(r1.stdout, 'v 42\n');
  t.match(r1.stderr, /^snapvm: cannot offload after turn 1: .*Intl\.Segmenter.*; running locally\n$/);
  const there = tmp.write('hidden-there.js', "let keep;\nsnapvm.offload(() => { keep = new Intl.Segmenter(); console.log('made'); return 1; }).then((v) => console.log('v', v));\n");
  const r2 = await snapvm(['run', there, '--edge', suite.server.url]);
  t.equal(r2.code, 0);
  t.equal(r2.stdout, 'made\nv 1\n', 'the edge run printed nothing: its output was dropped with its state');
  t.match(r2.stderr, /failed mid-offload \(the server said cannot-snapshot: .*\); continuing locally/);
});
