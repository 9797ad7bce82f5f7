// A page's first trip streamed while it is captured (issue 6, dom/stream.ts): the head (the page's file
// and URL) leaves at once and the edge makes the page from it while the client still walks its heap; the
// DOM and the objects follow, restored chunk by chunk as they arrive. Real `snapvm serve` on loopback;
// the streamed page ends as the unstreamed one and as the local one; faults leave the client running
// locally, once.
import t from 'tap';
import { createHash } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { Server, helloSession, root, snapvm, suiteServer } from './offload-lib';
import { Page, capturePage, capturePageStreamed } from '../src/dom/index';
import { installHints } from '../src/offload/index';
import * as fs from 'node:fs';
import * as path from 'node:path';

const suite = suiteServer(t, 'snapvm-offload-page-stream-', ['--quiet']);
const { tmp } = suite;
const filter = path.join(root, 'examples', 'filter', 'index.html');

/** A page with a canvas, a detached node, a listener and `rows` objects; its DOM work runs on the edge. */
const pageSource = (rows: number, keep = '') => `<!DOCTYPE html><html><body><canvas id="c" width="64" height="64"></canvas><ul id="list"></ul><script>
const c = document.getElementById('c');
const g = c.getContext('2d');
g.fillStyle = '#f80';
g.fillRect(4, 4, 40, 20);
const spare = document.createElement('div');
spare.textContent = 'detached';
const rows = [];
for (let i = 0; i < ${rows}; i++) rows.push({ i, name: 'row ' + i });
${keep}
document.getElementById('list').addEventListener('click', () => console.log('clicked'));
console.log('before', rows.length);
snapvm.migrate('edge').then(() => {
  for (let i = 0; i < 5; i++) {
    const li = document.createElement('li');
    li.textContent = 'item ' + i + ' ' + rows[i * 100].name;
    document.getElementById('list').appendChild(li);
  }
  g.fillStyle = '#08f';
  g.fillRect(10, 30, 20, 20);
  spare.textContent += ' on the edge';
  return snapvm.migrate('client');
}).then(() => {
  document.getElementById('list').click();
  console.log(snapvm.where, spare.textContent, createHashOf(c.toDataURL()), document.getElementById('list').outerHTML);
});
function createHashOf(s) { let h = 0; for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0; return s.length + ':' + h; }
</script></body></html>`;
const small = tmp.write('small.html', pageSource(3000));
const big = tmp.write('big.html', pageSource(12000));
// holds a DOM object a page snapshot cannot carry: the capture fails in the walk, after the head left
const failing = tmp.write('failing.html', pageSource(3000, 'window.keep = { range: document.createRange() };'));

const CHUNK = { SNAPVM_EDGE_CHUNK: '8192' };
const run = (file: string, args: string[], env: Record<string, string> = {}) => snapvm(['run', file, ...args], 120_000, env);
/** The page run here (the hint API installed, no edge to reach: it all runs locally), once per file. */
const locals = new Map<string, Promise<Awaited<ReturnType<typeof run>>>>();
const locally = (file: string) => locals.get(file) ?? locals.set(file, run(file, ['--edge', 'ws://127.0.0.1:9'])).get(file)!;
const FAULT = /^snapvm: edge ws:\/\/127\.0\.0\.1:\d+ failed mid-offload \((.+)\); continuing locally from the state kept after turn 1\n$/;
const STREAMED =
  /^snapvm: offload 1 after turn \d+: up [\d.]+ KB .*\(restore ([\d.]+) ms streamed in (\d+) chunks, ([\d.]+) ms after the last, .*; streamed while captured: 1 chunks, ([\d.]+) KB of ([\d.]+) KB left during the capture/m;

t.test('streamed while captured == captured, then streamed == one message == local: output, DOM, canvas; later trips are deltas', async (t) => {
  for (const file of [small, filter]) {
    const local = await locally(file);
    t.equal(local.code, 0, local.stderr);
    const streamed = await run(file, ['--edge', suite.server.url, '--edge-report'], CHUNK);
    t.equal(streamed.code, 0, streamed.stderr);
    t.equal(streamed.stdout, local.stdout, `${path.basename(file)}: streamed, the local output`);
    const m = STREAMED.exec(streamed.stderr);
    t.ok(m, streamed.stderr);
    t.ok(Number(m![2]) >= 2, `the edge restored it in ${m![2]} chunks`);
    t.ok(Number(m![4]) < Number(m![5]), 'the head left during the capture, the rest after the walk');
    t.ok(Number(m![1]) > Number(m![3]), `the edge restored ${(Number(m![1]) - Number(m![3])).toFixed(1)} ms of ${m![1]} ms before the last chunk came`);
    // later trips go as deltas against the state the stream left agreed on both sides
    t.notMatch(streamed.stderr, /failed|cannot/);
    if (file === filter) t.match(streamed.stderr, /^snapvm: offload 2 after turn \d+: up [\d.]+ KB delta of/m);
    if (file === filter) continue; // (the other two forms on the small page only: each run is a few seconds on this machine)
    const off = await run(file, ['--edge', suite.server.url, '--edge-report'], { ...CHUNK, SNAPVM_EDGE_PIPELINE: '0' });
    t.equal(off.stdout, local.stdout, `${path.basename(file)}: captured, then streamed`);
    t.notMatch(off.stderr, /streamed while captured/);
    const whole = await run(file, ['--edge', suite.server.url, '--edge-report'], { SNAPVM_EDGE_CHUNK: '0' });
    t.equal(whole.stdout, local.stdout, `${path.basename(file)}: one message`);
    t.notMatch(whole.stderr, /streamed/);
  }
});

t.test('the same text as capturePage but for where the stats line stands; the head alone first', async (t) => {
  const page = new Page(small, {});
  installHints(page.engine, { edge: true });
  page.load();
  const chunks: [string, boolean][] = [];
  const s = capturePageStreamed(page, 4096, (c, w) => chunks.push([c, w]));
  const whole = capturePage(page, null);
  t.equal(noStats(s.capture.text), noStats(whole.text));
  t.equal(chunks.map((c) => c[0]).join(''), s.capture.text);
  t.same(chunks.map((c) => c[1]).slice(0, 2), [true, false], 'the head during the walk, the rest after it');
  t.match(
    chunks[0]![0],
    /^\/\/ snapvm snapshot\n\/\/ format \d+ .*"host":\{"page":\{"file":.*\n\/\/ stats at the end\nif \(typeof \$ !== "undefined"\) \{\n\$\.format\(.*\nvar \$o = \[\];\nvar \$S = .*\n(var .*\n)+$/,
  );
  t.notMatch(chunks[0]![0], /\$\.hostState|\$\.host\(/, 'no DOM state or object in the head');
  t.same(s.capture.state.host !== undefined, true, 'its agreed state carries the DOM side');
});

t.test("a page's scripts' sources leave during the walk, after the head and before the DOM's state; the text is capturePage's", async (t) => {
  // (each script's source is a compile unit, written before the DOM's state; 40 KB of them here)
  const big = (n: number) => `<script>function part${n}() { return [${Array.from({ length: 1500 }, (_, i) => i * n).join(', ')}]; }</script>`;
  const file = tmp.write(
    'units.html',
    `<!DOCTYPE html><html><body><p id="p">p</p>${big(1)}${big(2)}${big(3)}<script>const parts = [part1, part2, part3]; document.getElementById('p').textContent = parts.length;</script></body></html>`,
  );
  const page = new Page(file, { onConsole: () => {} });
  page.load();
  const chunks: [string, boolean][] = [];
  const s = capturePageStreamed(page, 4096, (c, w) => chunks.push([c, w]));
  t.equal(noStats(s.capture.text), noStats(capturePage(page, null).text), "the text is capturePage's but for the stats line");
  t.equal(chunks.map((c) => c[0]).join(''), s.capture.text);
  const during = chunks.filter((c) => c[1]).map((c) => c[0]);
  t.ok(during.length >= 4, `${during.length} chunks during the walk: the head, then the sources`);
  t.notMatch(during[0], /\$\.unit\(/, 'the head alone first');
  t.ok(
    during.slice(1).every((c) => /^\$\.unit\(/.test(c)),
    'then only the sources',
  );
  t.ok(during.join('').length > 20_000, `${during.join('').length} characters left during the walk`);
  t.notMatch(during.join(''), /\$\.hostState|\$\.host\(/, 'no DOM state or object during the walk');
  t.same(
    chunks.map((c) => c[1]),
    chunks.map((_, i) => i < during.length),
    'the rest after the walk',
  );
  // and the edge restores it so
  const s2 = await helloSession(suite.server.url);
  t.teardown(() => s2.close());
  const hash = createHash('sha256').update(s.capture.text).digest('hex');
  s2.send({ type: 'offload', id: 1, snapshot: chunks[0]![0], more: true });
  for (let i = 1; i < chunks.length; i++) s2.send({ type: 'more', id: 1, data: chunks[i]![0], last: false });
  s2.send({ type: 'more', id: 1, data: '', last: true, sha256: hash });
  t.match(await s2.next(), { type: 'state', id: 1 }, 'restored on the edge from its chunks');
});

/** A fake edge that records each message of offload 1 with its arrival time and does `after(ws, messages)` on each. */
async function fakeEdge(after: (ws: WebSocket, seen: any[]) => void): Promise<{ url: string; seen: any[]; at: number[]; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1 << 30 });
  await new Promise((r) => wss.once('listening', r));
  const seen: any[] = [];
  const at: number[] = [];
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'hello') return ws.send(JSON.stringify({ type: 'welcome', v: m.v, session: 1, limits: { offloadMs: 5000, memoryMb: 64, maxBytes: 1e8 } }));
      if (m.type === 'blobs?') return ws.send(JSON.stringify({ type: 'blobs', have: [] }));
      seen.push(m);
      at.push(performance.now());
      after(ws, seen);
    });
  });
  const port = (wss.address() as { port: number }).port;
  return { url: `ws://127.0.0.1:${port}`, seen, at, close: () => new Promise((r) => wss.close(() => r())) };
}

t.test('on the wire: the head arrives while the client still captures, the rest after, the hash of the whole last', async (t) => {
  const edge = await fakeEdge((ws, seen) => {
    const m = seen[seen.length - 1];
    if (m.type === 'more' && m.last) ws.send(JSON.stringify({ type: 'error', id: m.id, code: 'internal', message: 'checked' }));
  });
  t.teardown(edge.close);
  const r = await run(big, ['--edge', edge.url, '--edge-report'], CHUNK);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /the server said internal: checked/);
  const [first, ...more] = edge.seen;
  t.match(first, { type: 'offload', more: true, sha256: undefined });
  t.match(first.snapshot, /"host":\{"page":\{"file":".*big\.html","url":"file:.*big\.html"\}\}/, 'the head names the page');
  t.notMatch(first.snapshot, /\$\.hostState/);
  t.ok(more.length >= 5, `${more.length} more chunks`);
  const last = more[more.length - 1];
  t.match(last, { type: 'more', last: true, data: '' });
  const text = [first.snapshot, ...more.map((m) => m.data)].join('');
  t.equal(createHash('sha256').update(text).digest('hex'), last.sha256, 'the hash is of the whole');
  // the rest leaves only after the walk and the DOM's state: the head came that much earlier
  const gap = edge.at[1]! - edge.at[0]!;
  t.ok(gap > 30, `the head arrived ${gap.toFixed(0)} ms before the next chunk (the client was still capturing)`);
});

t.test('a capture that fails half-way after the head left: the edge drops the partial page, the client runs locally, one line', async (t) => {
  const server = await Server.start();
  t.teardown(() => server.kill());
  // (it prints what the small page prints: what it keeps is never printed)
  const [local, r] = await Promise.all([locally(small), run(failing, ['--edge', server.url], CHUNK)]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, local.stdout);
  t.match(r.stdout, /^before 3000\nclicked\nclient detached on the edge/);
  t.match(r.stderr, /^snapvm: cannot offload after turn 1: .*Range.*; running locally\n$/);
  await server.waitFor(/offload 1 aborted by the client mid-stream \(.*Range.*\): its partial restore dropped/);
  t.ok(server.alive, 'the server lives on');
});

t.test('the link drops mid-stream: the client continues locally, once', async (t) => {
  const edge = await fakeEdge((ws, seen) => seen.length === 3 && ws.terminate());
  t.teardown(edge.close);
  const r = await run(small, ['--edge', edge.url], CHUNK);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, (await locally(small)).stdout, 'no line lost, none printed twice');
  t.match(r.stderr, FAULT);
  t.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
});

t.test('the server is killed while the page is restored from its stream: the client finishes locally', async (t) => {
  const server = await Server.start();
  t.teardown(() => server.kill());
  const client = run(big, ['--edge', server.url], CHUNK);
  void locally(big);
  await server.waitFor(/offload 1 received/);
  await server.kill('SIGKILL');
  const r = await client;
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, (await locally(big)).stdout);
  t.match(r.stderr, FAULT, r.stderr);
});

t.test('damaged and forged page streams: refused, the partial page dropped, the session goes on', async (t) => {
  const page = new Page(small, {});
  installHints(page.engine, { edge: true });
  page.load();
  const chunks: string[] = [];
  const text = capturePageStreamed(page, 4096, (c) => chunks.push(c)).capture.text;
  t.ok(chunks.length > 3);
  const sha = (x: string) => createHash('sha256').update(x).digest('hex');
  const s = await helloSession(suite.server.url);
  const stream = (id: number, list: string[], hash: string) => {
    s.send({ type: 'offload', id, snapshot: list[0], more: true });
    for (const c of list.slice(1)) s.send({ type: 'more', id, data: c, last: false });
    s.send({ type: 'more', id, data: '', last: true, sha256: hash });
  };
  // damaged on the way: one character of a chunk changed, the hash the sender took
  const damaged = chunks.map((c, i) => (i === 2 ? c.replace(/\d(?=\D*$)/, (d) => (d === '1' ? '2' : '1')) : c));
  t.not(damaged.join(''), text);
  stream(1, damaged, sha(text));
  t.match(await s.next(), { type: 'error', id: 1, code: 'bad-snapshot', message: /does not match its sha256/ });
  // forged, its hash matching: a node the document does not have
  const at = chunks.findIndex((c) => c.includes('$.host("{\\"n\\":'));
  t.ok(at > 0, 'a chunk names a DOM node');
  const forged = chunks.map((c, i) => (i === at ? c.replace(/\$\.host\("\{\\"n\\":\d+\}"\)/, '$.host("{\\"n\\":99999}")') : c));
  t.not(forged.join(''), text, 'the forgery changed a node reference');
  stream(2, forged, sha(forged.join('')));
  t.match(await s.next(), { type: 'error', id: 2, code: 'bad-snapshot', message: /no node 99999/ });
  // a page stream cut short (its trailer never comes)
  const cut = chunks.slice(0, -1);
  stream(3, cut, sha(cut.join('')));
  t.match(await s.next(), { type: 'error', id: 3, code: 'bad-snapshot', message: /cut short/ });
  // the good stream: the page restored from its chunks runs and comes back as a page delta
  stream(4, chunks, sha(text));
  const reply = await s.next();
  t.match(reply, { type: 'state', id: 4, stats: { chunksIn: chunks.length } });
  t.match(reply.snapshot, /^\/\/ snapvm delta/, 'the page comes back as a delta against the state the stream agreed');
  s.close();
});

// A page that comes back whole (no delta can carry the edge's change) streams back too: the edge sends it
// in chunks of whole lines and the client restores each as it arrives, committing it only once the whole
// matched its hash. Here the program deletes window.tmp on the edge, before the non-configurable global
// `z`: the window cannot be emptied and refilled in place, so the trip down is whole.
/** A snapshot's text without its stats line (where it stands differs between streamed and one-message texts). */
const noStats = (x: string) => x.replace(/^\/\/ stats .*\n/gm, '');
const wholeBack = () => fs.readFileSync(path.join(root, 'bench', 'offload', 'pages', 'whole-back', 'index.html'), 'utf8');
const WHOLE_DOWN = /, down ([\d.]+) KB, whole: .*?the window, whose non-configurable property z .*? \(restore ([\d.]+) ms(?: streamed in (\d+) chunks, ([\d.]+) ms after the last)?\)/;

t.test('a page that comes back whole streams back: restored as its chunks arrive, the same output as in one message and as locally', async (t) => {
  const file = tmp.write('whole-back.html', wholeBack());
  const [chunked, single] = await Promise.all([Server.start(['--quiet'], CHUNK), Server.start(['--quiet'], { SNAPVM_EDGE_CHUNK: '0' })]);
  t.teardown(() => Promise.all([chunked.kill(), single.kill()]));
  const local = await locally(file);
  t.equal(local.code, 0, local.stderr);
  const a = await run(file, ['--edge', chunked.url, '--edge-report'], CHUNK);
  const b = await run(file, ['--edge', single.url, '--edge-report'], CHUNK);
  t.equal(a.code, 0, a.stderr);
  t.equal(a.stdout, local.stdout, 'streamed back: the local output');
  t.equal(b.stdout, local.stdout, 'in one message: the local output');
  const m = WHOLE_DOWN.exec(a.stderr);
  t.ok(m, a.stderr);
  t.ok(Number(m?.[3]) >= 3, `${m?.[3]} chunks of ${m?.[1]} KB, restored as they came`);
  t.ok(Number(m?.[2]) > Number(m?.[4]), `the client restored ${(Number(m?.[2]) - Number(m?.[4])).toFixed(0)} ms of ${m?.[2]} ms before the last chunk came`);
  const one = WHOLE_DOWN.exec(b.stderr);
  t.ok(one && one[3] === undefined, `in one message: ${b.stderr}`);
  t.notMatch(a.stderr + b.stderr, /failed|cannot/);
});

t.test('streamed back == one message: the chunks joined are the text, its hash the one the first chunk names', async (t) => {
  const file = tmp.write('whole-back-raw.html', wholeBack().replace("await hint.migrate('edge');", 'await new Promise((resolve) => setTimeout(resolve, 0));'));
  const [chunked, single] = await Promise.all([Server.start(['--quiet'], CHUNK), Server.start(['--quiet'], { SNAPVM_EDGE_CHUNK: '0' })]);
  t.teardown(() => Promise.all([chunked.kill(), single.kill()]));
  const page = new Page(file, { onConsole: () => {} });
  installHints(page.engine, { edge: true });
  page.load();
  // (the program's next step, a timer's, which deletes window.tmp, runs on the edge: its state goes back whole)
  const text = capturePage(page, null).text;
  const sha = createHash('sha256').update(text).digest('hex');
  const texts: string[] = [];
  for (const server of [chunked, single]) {
    const s = await helloSession(server.url);
    s.send({ type: 'offload', id: 1, snapshot: text, sha256: sha });
    let m = await s.next();
    while (m.type === 'console') m = await s.next();
    t.match(m, { type: 'state', id: 1 });
    const parts = [m.snapshot];
    if (m.more) {
      for (;;) {
        const c = await s.next();
        t.match(c, { type: 'state-more', id: 1 });
        parts.push(c.data);
        if (c.last) break;
      }
    }
    t.equal(createHash('sha256').update(parts.join('')).digest('hex'), m.sha256, 'the hash of the chunks joined');
    t.equal(server === chunked ? parts.length >= 3 : parts.length === 1, true, `${parts.length} message(s)`);
    t.ok(
      parts.every((p) => p.endsWith('\n')),
      'whole lines',
    );
    texts.push(parts.join(''));
    s.close();
  }
  t.notMatch(texts[0]!, /^\/\/ snapvm delta/, 'a whole snapshot');
  // (but for the stats line: each edge timed its own capture)
  t.equal(noStats(texts[0]!), noStats(texts[1]!), 'the same text streamed as in one message');
});

t.test('a stream back that is cut, or damaged: the client drops the partial page and continues locally, once', async (t) => {
  const file = tmp.write('whole-back-cut.html', wholeBack());
  const local = await locally(file);
  // the edge answers with the page's own text (a real page's head and lines), cut short or with a wrong hash
  for (const how of ['cut', 'damaged'] as const) {
    const edge = await fakeEdge((ws, seen) => {
      const last = seen[seen.length - 1];
      if (!((last.type === 'more' && last.last) || (last.type === 'offload' && !last.more))) return;
      const text = seen.map((x) => (x.type === 'offload' ? x.snapshot : x.data)).join('');
      const parts = text.match(/(?:.*\n){1,40}/g)!;
      const stats = { bytesIn: 0, bytesOut: 0, restoreMs: 0, runMs: 0, captureMs: 0, turns: 1 };
      ws.send(JSON.stringify({ type: 'state', id: last.id, snapshot: parts[0], sha256: '0'.repeat(64), stats, more: true }));
      ws.send(JSON.stringify({ type: 'state-more', id: last.id, data: parts[1], last: false }));
      if (how === 'cut') ws.terminate();
      else ws.send(JSON.stringify({ type: 'state-more', id: last.id, data: parts.slice(2).join(''), last: true }));
    });
    const r = await run(file, ['--edge', edge.url], CHUNK);
    await edge.close();
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout, local.stdout, `${how}: no line lost, none printed twice`);
    t.match(r.stderr, FAULT, `${how}: ${r.stderr}`);
    if (how === 'damaged') t.match(r.stderr, /a damaged reply \(the snapshot does not match its sha256\)/);
    t.equal(r.stderr.split('\n').length, 2, `${how}: one line: ${r.stderr}`);
  }
});
