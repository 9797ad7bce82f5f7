// Pages offloaded end to end on loopback: a real `snapvm serve`, real `snapvm run PAGE --edge` clients.
// The whole page (engine and DOM) goes to the edge, runs there, and comes back; the page must print
// exactly what it prints locally and end with the same document.
import t from 'tap';
import * as path from 'node:path';
import { OffloadPolicy, installHints, runWithEdge, type EdgeHost, type MigrationReport } from '../src/offload/index';
import { Page } from '../src/dom/index';
import { createHash } from 'node:crypto';
import { Server, consoleGate, helloSession, root, snapvm, suiteServer } from './offload-lib';

const suite = suiteServer(t, 'snapvm-offload-page-', ['--quiet']);
const { tmp } = suite;
const filter = path.join(root, 'examples', 'filter', 'index.html');
// (the first trip goes up whole; after it, each direction is a page delta: test/offload-page-delta.test.ts)
const FIRST = /^snapvm: offload 1 after turn \d+: up [\d.]+ KB \(capture .*, down [\d.]+ KB delta of [\d.]+ KB \(apply/;
const LATER = /^snapvm: offload \d after turn \d+: up [\d.]+ KB delta of [\d.]+ KB \(capture .*, down [\d.]+ KB delta of [\d.]+ KB \(apply/;

t.test('examples/filter: the heavy handler and the DOM work run on the edge, the same output and DOM as locally', async (t) => {
  const [local, edge] = await Promise.all([snapvm(['run', filter]), snapvm(['run', filter, '--edge', suite.server.url, '--edge-report'])]);
  t.equal(local.code, 0, local.stderr);
  t.equal(edge.code, 0, edge.stderr);
  // (the app prints its final document: nodes made, changed and removed on the edge are in it)
  t.match(local.stdout, /<table id="histogram"><tbody><tr><td>/);
  t.equal(edge.stdout, local.stdout, 'the same output offloaded as locally');
  const reports = edge.stderr.split('\n').filter(Boolean);
  t.equal(reports.length, 2, `two trips (snapvm.offload, then snapvm.migrate), one line each:\n${edge.stderr}`);
  t.match(reports[0], FIRST);
  t.match(reports[1], LATER);
});

t.test('the page on the edge reads no file of the app (fetch, import()); locally it does', async (t) => {
  tmp.write('data.txt', 'hello from the app folder');
  tmp.write('mod.mjs', 'export const x = 42;');
  const file = tmp.write(
    'files.html',
    `<!DOCTYPE html><html><body><script>
snapvm.offload(async () => {
  const text = await fetch('data.txt').then((r) => (r.ok ? r.text() : 'status ' + r.status), (e) => 'refused');
  const mod = await import('./mod.mjs').then((m) => m.x, (e) => 'refused');
  return [snapvm.where, text, mod];
}).then((r) => console.log(JSON.stringify(r)));
</script></body></html>`,
  );
  const edge = await snapvm(['run', file, '--edge', suite.server.url]);
  t.equal(edge.code, 0, edge.stderr);
  t.equal(edge.stdout, '["edge","status 404","refused"]\n');
  // the same page runs the function locally (the edge unreachable): it reads both
  const local = await snapvm(['run', file, '--edge', 'ws://127.0.0.1:9']);
  t.equal(local.stdout, '["client","hello from the app folder",42]\n');
  t.match(local.stderr, /^snapvm: edge ws:\/\/127\.0\.0\.1:9 unreachable \(.+\); running locally\n$/);
});

t.test('an uncaught error in a listener on the edge: the page goes on there and comes back', async (t) => {
  const file = tmp.write(
    'errors.html',
    `<!DOCTYPE html><html><body><p id="p">start</p><script>
snapvm.migrate('edge').then(() => {
  setTimeout(() => { document.getElementById('p').textContent = 'changed'; null.x; }, 1);
  setTimeout(() => snapvm.migrate('client').then(() => console.log(snapvm.where, document.getElementById('p').textContent)), 5);
});
</script></body></html>`,
  );
  const edge = await snapvm(['run', file, '--edge', suite.server.url]);
  t.equal(edge.stdout, 'client changed\n');
  t.equal(edge.code, 1, 'exit 1, as locally after an uncaught error');
  t.match(edge.stderr, /TypeError: Cannot read properties of null \(reading 'x'\)/);
});

/** A decision model that offloads every handler it has measured (the test is of the page's trips, not of the model's figures). */
class AlwaysOffload extends OffloadPolicy {
  override decide(key: string) {
    const d = super.decide(key);
    return d && { ...d, offload: true };
  }
}

t.test('--edge-auto (through the API, with a policy that always offloads): handlers run on the edge, the same document', async (t) => {
  const file = tmp.write(
    'auto.html',
    `<!DOCTYPE html><html><body><p id="out">0</p><script>
function work(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + i * i) % 1000003; return s; }
let round = 0;
function tick() {
  const p = document.createElement('p');
  p.textContent = 'round ' + round + ': ' + work(20000);
  document.body.appendChild(p);
  document.getElementById('out').textContent = String(++round);
  if (round === 2) document.body.removeChild(document.body.querySelector('p + p'));
  if (round < 4) setTimeout(tick, 10);
}
setTimeout(tick, 10);
</script></body></html>`,
  );
  const run = async (edge: string | null) => {
    let out = '';
    const reports: MigrationReport[] = [];
    let page = new Page(file, { onConsole: () => {} });
    installHints(page.engine, { edge: edge !== null });
    page.load();
    const host: EdgeHost = { wholeBecause: 'a page', capture: () => page.snapshot(), restore: (code) => (page = Page.restore(code, { onConsole: () => {} })).engine };
    await runWithEdge(page.engine, {
      edge,
      engineOptions: {},
      stdout: (s) => (out += s),
      stderr: (s) => t.fail(s),
      auto: true,
      policy: new AlwaysOffload(100, 0),
      onMigration: (r) => reports.push(r),
      host,
    });
    return { html: (page.window as { document: { documentElement: { outerHTML: string } } }).document.documentElement.outerHTML, reports, out };
  };
  const local = await run(null);
  const edge = await run(suite.server.url);
  t.equal(local.reports.length, 0);
  t.ok(edge.reports.length >= 2, `offloaded on its own: ${edge.reports.length} trips`);
  for (const r of edge.reports) t.ok(r.auto?.offload && !r.deltaUp && !r.deltaDown && r.fallback === 'a page', 'an automatic trip, whole both ways');
  t.match(local.html, /round 3: \d+/);
  t.equal(edge.html, local.html, 'the same final document');
});

t.test('the server is killed mid-offload: the page finishes locally, once, with the same output', async (t) => {
  const server = await Server.start(['--quiet']);
  t.teardown(() => server.kill());
  const gate = await consoleGate(server.port);
  t.teardown(gate.close);
  const file = tmp.write(
    'killed.html',
    `<!DOCTYPE html><html><body><ul id="l"></ul><script>
function work(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + i * i) % 1000003; return s; }
snapvm.offload(() => {
  console.log('heavy work starts');
  const li = document.createElement('li');
  li.textContent = String(work(3e7));
  document.getElementById('l').appendChild(li);
  return document.getElementById('l').children.length;
}).then((n) => console.log('items', n, document.getElementById('l').outerHTML));
</script></body></html>`,
  );
  const client = snapvm(['run', file, '--edge', gate.url]);
  await gate.passedConsole;
  await server.kill('SIGKILL');
  const r = await client;
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'heavy work starts\nitems 1 <ul id="l"><li>752938</li></ul>\n', "each line once: the edge's output was dropped, the work ran here");
  t.match(r.stderr, /^snapvm: edge ws:\/\/127\.0\.0\.1:\d+ failed mid-offload \(.+\); continuing locally from the state kept after turn 1\n$/);
});

t.test('page snapshots over the raw protocol: a damaged one gets bad-snapshot; a streamed one and a whole one are restored there and come back (whole: not written for deltas)', async (t) => {
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const file = tmp.write('plain.html', '<!DOCTYPE html><html><body><p>x</p><script>setTimeout(() => (document.body.dataset.t = "ran"), 1);</script></body></html>');
  const page = new Page(file, { onConsole: () => {} });
  page.load();
  const good = page.snapshot().code;
  const s = await helloSession(suite.server.url);
  t.teardown(() => s.close());
  const cut = good.slice(0, Math.floor(good.length / 2));
  s.send({ type: 'offload', id: 1, snapshot: cut, sha256: sha(cut) });
  t.match(await s.next(), { type: 'error', id: 1, code: 'bad-snapshot' }, 'cut short');
  const half = good.indexOf('\n', good.length >> 1) + 1;
  s.send({ type: 'offload', id: 2, snapshot: good.slice(0, half), more: true });
  s.send({ type: 'more', id: 2, data: good.slice(half), last: true, sha256: sha(good) });
  // streamed, the page is restored as its chunks come (dom/stream.ts); whole, at once: the page restored
  // there, run until idle, comes back whole with the timer's change either way
  for (const id of [2, 3]) {
    if (id === 3) s.send({ type: 'offload', id: 3, snapshot: good, sha256: sha(good) });
    const back = await s.next();
    t.match(back, { type: 'state', id, stats: { chunksIn: id === 2 ? 2 : undefined } });
    const restored = Page.restore(back.snapshot, { onConsole: () => {} });
    t.equal((restored.window as { document: { body: { dataset: { t?: string } } } }).document.body.dataset.t, 'ran');
  }
});

t.test('usage: a page with --edge takes no --snapshot-at, and --edge-auto needs --edge (--steps: offload-page-steps.test.ts)', async (t) => {
  const file = tmp.write('usage.html', '<!DOCTYPE html><html><body></body></html>');
  for (const [args, why] of [
    [['--edge', suite.server.url, '--snapshot-at', 'turn:1', '--out', path.join(tmp.dir, 'x.snap')], /--edge and --snapshot-at cannot be used together/],
    [['--edge-auto'], /--edge-auto needs --edge/],
    [['--edge', 'http://x'], /--edge takes ws:\/\/host:port/],
  ] as const) {
    const r = await snapvm(['run', file, ...args]);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, why);
  }
});
