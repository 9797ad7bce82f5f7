// An embedder's own `await`s across the Engine API (src/index.ts), in a child Node process running the
// compiled dist/ as an embedder's script does (`npm test` builds first). Host awaits of host promises (a
// timer, fs.promises, an inspector Session.post, a fetch to a loopback server) continue around every call;
// a host `await` of a guest promise that evaluateScript returned continues too (it never did: the reaction
// sat in the engine's job queue, nothing drained it, and Node exited with the continuation unrun).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');

// guest code whose completion value the host awaits, and what the await gives (also in a restored engine)
const cases: { code: string; expected: string }[] = [
  { code: 'Promise.resolve(41)', expected: 'ok 41' },
  { code: '(async () => { await null; return n + 1; })()', expected: 'ok 2' },
  { code: 'Promise.reject(new Error("no"))', expected: 'rejected Error: no' },
  { code: 'new Promise((r) => queueMicrotask(() => r("q")))', expected: 'ok q' },
  { code: 'Promise.all([1, Promise.resolve(2)]).then((a) => a.join("+"))', expected: 'ok 1+2' },
  { code: '({ then(r) { r("thenable"); } })', expected: 'ok thenable' },
  { code: '7', expected: 'ok 7' },
];

const script = `
const { Engine } = require(process.argv[1] + '/dist/src/index.js');
const cases = JSON.parse(process.argv[2]);
const fs = require('node:fs');
const http = require('node:http');
const inspector = require('node:inspector');
const { setTimeout: sleep } = require('node:timers/promises');
const session = new inspector.Session();
session.connect();
const post = (m, p) => new Promise((res, rej) => session.post(m, p, (e, r) => (e ? rej(e) : res(r))));
const server = http.createServer((req, res) => res.end('pong'));
async function hostAwaits(tag) {
  await sleep(1);
  const text = await fs.promises.readFile(__filename === '[eval]' ? process.execPath : __filename).then(() => 'read');
  const r = await post('Runtime.evaluate', { expression: '6 * 7' });
  const body = await (await fetch('http://127.0.0.1:' + server.address().port + '/')).text();
  console.log('host', tag, text, r.result.value, body);
}
async function guestAwaits(e, tag) {
  for (const { code } of cases) {
    try { console.log(tag, 'ok', String(await e.evaluateScript(code))); }
    catch (err) { console.log(tag, 'rejected', String(err)); }
  }
}
(async () => {
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  await hostAwaits('start');
  const e = new Engine({ onConsole: (l, a) => console.log('guest', e.format(a)) });
  await hostAwaits('new');
  e.evaluateScript('var n = 0; setTimeout(() => { n++; console.log("timer", n); }, 1);');
  await hostAwaits('evaluateScript');
  await e.runEventLoop();
  await hostAwaits('runEventLoop');
  await guestAwaits(e, 'engine');
  const snap = e.snapshot();
  await hostAwaits('snapshot');
  const e2 = Engine.restore(snap.code, { onConsole: (l, a) => console.log('guest', e2.format(a)) });
  await hostAwaits('restore');
  await guestAwaits(e2, 'restored');
  await e2.runEventLoop();
  await hostAwaits('end');
  server.close();
  session.disconnect();
  console.log('done');
})();
process.on('exit', (code) => console.log('exit', code));
`;

const r = spawnSync(process.execPath, ['-e', script, root, JSON.stringify(cases)], { encoding: 'utf8', timeout: 20_000 });
t.equal(r.stderr, '', 'nothing on stderr');
const host = (tag: string) => `host ${tag} read 42 pong`;
const expected = [
  ...['start', 'new', 'evaluateScript'].map(host),
  'guest timer 1',
  host('runEventLoop'),
  ...cases.map((c) => `engine ${c.expected}`),
  ...['snapshot', 'restore'].map(host),
  ...cases.map((c) => `restored ${c.expected}`),
  host('end'),
  'done',
  'exit 0',
];
const lines = r.stdout.trim().split('\n');
for (const [i, line] of expected.entries()) t.equal(lines[i], line, `line ${i + 1}: ${line}`);
t.equal(lines.length, expected.length, 'no other output');

// a guest promise a guest timer settles continues the host's await once runEventLoop runs; an error a
// guest job throws in the host's drain is reported by the engine's next runJobs, not thrown at the host
const later = `const { Engine } = require(process.argv[1] + '/dist/src/index.js');
(async () => {
  const e = new Engine();
  const p = e.evaluateScript('new Promise((r) => setTimeout(() => r("timer"), 1))');
  const [v] = await Promise.all([p, e.runEventLoop()]);
  console.log('awaited', v);
  console.log('awaited', await e.evaluateScript('Promise.resolve().then(() => { throw new Error("boom"); }); Promise.resolve(5)'));
  try { e.runJobs(); console.log('not reported'); } catch (err) { console.log('reported', err.message); }
})();
process.on('exit', (code) => console.log('exit', code));`;
const r2 = spawnSync(process.execPath, ['-e', later, root], { encoding: 'utf8', timeout: 20_000 });
t.equal(r2.stderr, '', 'nothing on stderr');
t.same(r2.stdout.trim().split('\n'), ['awaited timer', 'awaited 5', 'reported Error: boom', 'exit 0'], 'a timer-settled guest promise, and an uncaught guest error in the host drain');

// A guest thenable the host awaits: V8 calls its `then` (a guest function) from a host microtask. It runs on
// the VM (the safe-point hook sees its loop, so a step budget stops it), its resolving functions are the
// guest realm's (no way to the host's Function), and the jobs it queues are drained for the host's await
// (they never were: the await hung and Node exited). Each case also runs in an engine restored from a
// snapshot taken after `setup`, and each ends with what the engine's next runJobs reports.
const thenables: { setup: string; code: string; expected: string }[] = [
  { setup: 'var T = { then(r) { r("sync"); } };', code: 'T', expected: 'ok sync' },
  { setup: 'var T = { then(r) { queueMicrotask(() => r("queued")); } };', code: 'T', expected: 'ok queued' },
  { setup: 'var T = { then(r) { Promise.resolve("chained").then(r); } };', code: 'T', expected: 'ok chained' },
  { setup: 'var P = Promise.resolve(1); P.then = function (r) { Promise.resolve(this === P).then((s) => r("replaced " + s)); };', code: 'P', expected: 'ok replaced true' },
  { setup: 'var T = { then(r, j) { queueMicrotask(() => j(new RangeError("late"))); } };', code: 'T', expected: 'rejected RangeError: late' },
  { setup: 'var T = { then() { throw new TypeError("thrown"); } };', code: 'T', expected: 'rejected TypeError: thrown' },
  { setup: 'var T = { then(r) { var k = 0; for (;;) k++; } };', code: 'T', expected: 'rejected Error: budget' },
  { setup: 'var T = { then(r) { try { r(typeof r.constructor("return process")()); } catch (e) { r(e.name); } } };', code: 'T', expected: 'ok ReferenceError' },
  { setup: 'var T = { then(r) { queueMicrotask(() => { throw new Error("job"); }); r(1); } };', code: 'T', expected: 'ok 1 reported Error: job' },
];
const awaitThenables = `const { Engine } = require(process.argv[1] + '/dist/src/index.js');
const cases = JSON.parse(process.argv[2]);
async function awaitOne(e, tag, code) {
  let steps = 0;
  e.setSafepointHook(() => { if (++steps > 10000) throw new Error('budget'); });
  let line;
  try { line = 'ok ' + String(await e.evaluateScript(code)); } catch (err) { line = 'rejected ' + String(err); }
  e.setSafepointHook(null);
  try { e.runJobs(); } catch (err) { line += ' reported ' + err.message; }
  console.log(tag, line);
}
(async () => {
  for (const { setup, code } of cases) {
    const e = new Engine({ warmUp: false });
    e.evaluateScript(setup);
    const snap = e.snapshot().code;
    await awaitOne(e, 'engine', code);
    await awaitOne(Engine.restore(snap, { warmUp: false }), 'restored', code);
  }
})();
process.on('exit', (code) => console.log('exit', code));`;
const r3 = spawnSync(process.execPath, ['-e', awaitThenables, root, JSON.stringify(thenables)], { encoding: 'utf8', timeout: 20_000 });
t.equal(r3.stderr, '', 'nothing on stderr');
t.same(r3.stdout.trim().split('\n'), [...thenables.flatMap((c) => [`engine ${c.expected}`, `restored ${c.expected}`]), 'exit 0'], 'host awaits of guest thenables');

// …but the engine's own calls of guest functions (its self-hosted built-ins at construction, a restore) drain
// nothing: jobs a script queued wait for runJobs (a drain they queued once ran an abandoned engine's jobs)
const untouched = `const { Engine } = require(process.argv[1] + '/dist/src/index.js');
(async () => {
  const e = new Engine({ onConsole: (l, a) => console.log('guest', e.format(a)) });
  e.evaluateScript('Promise.resolve().then(() => console.log("job"))');
  const r = Engine.restore(e.snapshot().code, { onConsole: (l, a) => console.log('restored', r.format(a)) });
  await new Promise((res) => setTimeout(res, 5));
  console.log('host');
  e.runJobs();
  r.runJobs();
})();`;
const r4 = spawnSync(process.execPath, ['-e', untouched, root], { encoding: 'utf8', timeout: 20_000 });
t.equal(r4.stderr, '', 'nothing on stderr');
t.same(r4.stdout.trim().split('\n'), ['host', 'guest job', 'restored job'], "the engine's own depth-0 calls drain no jobs");
