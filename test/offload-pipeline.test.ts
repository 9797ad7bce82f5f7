// Pipelined transfer (issue 6): the first trip's whole snapshot leaves in chunks WHILE it is captured
// (snapshot/capture-stream.ts, client.ts `offloadCapturing`), and the edge restores them as they come.
// Real servers on loopback; faults mid-stream leave the client continuing locally, once.
import t from 'tap';
import { createHash } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import { Server, helloSession, snapvm, tempDir } from './offload-lib';
import { Engine, captureStreamed } from '../src/index';

const tmp = tempDir('snapvm-offload-pipeline-');
t.teardown(() => tmp.remove());

// ~200 KB of state, made by a short source (under units.ts's UNIT_MIN, so it travels as it is)
const DATA = `var rows = []; for (var i = 0; i < 3000; i++) rows.push({ i: i, name: 'row ' + i, tags: [i % 3, i % 7] });\n`;
const WORK = `function work(n) { var s = 0; for (var j = 0; j < n; j++) s = (s + rows[j % rows.length].i * 7) % 1000003; return s; }\n`;
const app = tmp.write(
  'app.js',
  `${DATA}${WORK}console.log('before', rows.length);\nsnapvm.offload((n) => { console.log('on the edge', rows[2999].name); return work(n); }, 2e5).then((v) => console.log('after', v, rows[1].tags.join()));\n`,
);
const failing = tmp.write(
  'failing.js',
  `${DATA}var zz = { caches: [{ cursor: new Intl.Collator('en') }] };\nconsole.log('before');\nsnapvm.offload(() => rows.length).then((v) => console.log('after', v));\n`,
);
const slow = tmp.write('slow.js', `${DATA}${WORK}console.log('before');\nsnapvm.offload((n) => work(n), 1e7).then((v) => console.log('after', v));\n`);

const CHUNK = { SNAPVM_EDGE_CHUNK: '8192' };
const run = (file: string, args: string[], env: Record<string, string> = {}) => snapvm(['run', file, ...args], 120_000, env);
const FAULT = /^snapvm: edge ws:\/\/127\.0\.0\.1:\d+ failed mid-offload \((.+)\); continuing locally from the state kept after turn 1\n$/;

t.test('streamed while captured: chunks leave during the capture, the edge restores them, the output is the local one', async (t) => {
  const server = await Server.start();
  t.teardown(() => server.kill());
  const local = await run(app, []);
  t.equal(local.code, 0, local.stderr);
  const r = await run(app, ['--edge', server.url, '--edge-report'], CHUNK);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, local.stdout, 'the same output');
  const m = /streamed while captured: (\d+) chunks, ([\d.]+) KB of ([\d.]+) KB left during the capture/.exec(r.stderr);
  t.ok(m, r.stderr);
  t.ok(Number(m![1]) >= 5, `${m![1]} chunks left during the capture`);
  t.ok(Number(m![2]) > 0.15 * Number(m![3]), `${m![2]} KB of ${m![3]} KB left early`);
  t.match(r.stderr, /streamed in \d+ chunks/, 'the edge restored it chunk by chunk');
  t.match(r.stderr, /edge restored \d+ ms after the decision/);
  // the same build, switched off: captured whole, then streamed
  const off = await run(app, ['--edge', server.url, '--edge-report'], { ...CHUNK, SNAPVM_EDGE_PIPELINE: '0' });
  t.equal(off.stdout, local.stdout);
  t.notMatch(off.stderr, /streamed while captured/);
  t.match(off.stderr, /streamed in \d+ chunks/);
});

t.test('a capture that fails half-way after chunks left: the edge drops its partial restore, the client runs locally, one line', async (t) => {
  const server = await Server.start();
  t.teardown(() => server.kill());
  const r = await run(failing, ['--edge', server.url], CHUNK);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'before\nafter 3000\n');
  t.match(r.stderr, /^snapvm: cannot offload after turn 1: cannot write out .*Intl\.Collator.*reached at globalThis\.zz\.caches\[0\]\.cursor; running locally\n$/);
  await server.waitFor(/offload 1 aborted by the client mid-stream \(cannot write out .*\): its partial restore dropped/);
  t.notMatch(server.log, /offload 1 done/);
  t.ok(server.alive, 'the server lives on');
});

t.test('the server is killed while the stream is restored: the client finishes locally with the same output', async (t) => {
  const server = await Server.start();
  t.teardown(() => server.kill());
  const client = run(slow, ['--edge', server.url], CHUNK);
  await server.waitFor(/offload 1 received/);
  await server.kill('SIGKILL');
  const r = await client;
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, (await run(slow, [])).stdout, 'no line lost, none printed twice');
  t.match(r.stderr, FAULT, r.stderr);
});

/** A fake edge that records each message of offload 1 and does `after(ws, messages)` on each. */
async function fakeEdge(after: (ws: WebSocket, seen: any[]) => void): Promise<{ url: string; seen: any[]; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 1 << 30 });
  await new Promise((r) => wss.once('listening', r));
  const seen: any[] = [];
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'hello') return ws.send(JSON.stringify({ type: 'welcome', v: m.v, session: 1, limits: { offloadMs: 5000, memoryMb: 64, maxBytes: 1e8 } }));
      seen.push(m);
      after(ws, seen);
    });
  });
  const port = (wss.address() as { port: number }).port;
  return { url: `ws://127.0.0.1:${port}`, seen, close: () => new Promise((r) => wss.close(() => r())) };
}

t.test('on the wire: an offload without a hash, chunks of whole lines, the hash of the whole with the last', async (t) => {
  const edge = await fakeEdge((ws, seen) => {
    const m = seen[seen.length - 1];
    if (m.type === 'more' && m.last) ws.send(JSON.stringify({ type: 'error', id: m.id, code: 'internal', message: 'checked' }));
  });
  t.teardown(edge.close);
  const r = await run(app, ['--edge', edge.url], CHUNK);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, /the server said internal: checked/);
  const [first, ...more] = edge.seen;
  t.equal(first.type, 'offload');
  t.equal(first.more, true);
  t.equal(first.sha256, undefined, 'no hash before the whole exists');
  t.ok(more.length >= 5, `${more.length} more chunks`);
  const last = more[more.length - 1];
  t.equal(last.last, true);
  t.equal(last.data, '', 'the last chunk only closes the stream');
  t.ok(more.slice(0, -1).every((m) => m.type === 'more' && m.last === false && m.id === first.id && m.sha256 === undefined));
  const text = [first.snapshot, ...more.map((m) => m.data)].join('');
  t.ok(
    [first.snapshot, ...more.slice(0, -1).map((m) => m.data)].every((c: string) => c.endsWith('\n')),
    'whole lines',
  );
  t.equal(createHash('sha256').update(text).digest('hex'), last.sha256, 'the hash is of the whole');
  t.match(text, /^\/\/ snapvm snapshot\n\/\/ format \d+ .*\n\/\/ stats at the end\n/);
  t.match(text, /\n\/\/ stats \{.*\}\n\/\/ end of snapvm snapshot\n$/);
});

t.test('the link drops after some chunks: the client continues locally, once', async (t) => {
  const edge = await fakeEdge((ws, seen) => seen.length === 3 && ws.terminate());
  t.teardown(edge.close);
  const r = await run(app, ['--edge', edge.url], CHUNK);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'before 3000\non the edge row 2999\nafter ' + /after (\d+)/.exec(r.stdout)![1] + ' 1,1\n');
  t.equal(r.stdout, (await run(app, [])).stdout);
  t.match(r.stderr, FAULT);
  t.match(r.stderr, /the connection closed|cannot send: write (EPIPE|ECONNRESET)/);
  t.equal(r.stderr.split('\n').length, 2, `one line: ${r.stderr}`);
});

t.test('hostile streams: no hash, a wrong hash, a hash before the end, an abort of nothing', async (t) => {
  const server = await Server.start();
  t.teardown(() => server.kill());
  const e = new Engine({ onConsole: () => {} });
  e.evaluateScript(`${DATA}var total = rows.length;`);
  const chunks: string[] = [];
  const text = captureStreamed(e, 8192, (c) => chunks.push(c), { portable: false }).capture.text;
  t.ok(chunks.length > 3);
  const good = createHash('sha256').update(text).digest('hex');
  const s = await helloSession(server.url);
  const stream = (id: number, lastSha: string | undefined) => {
    s.send({ type: 'offload', id, snapshot: chunks[0], more: true });
    for (const c of chunks.slice(1)) s.send({ type: 'more', id, data: c, last: false });
    s.send({ type: 'more', id, data: '', last: true, ...(lastSha ? { sha256: lastSha } : {}) });
  };
  stream(1, undefined);
  t.match(await s.next(), { type: 'error', id: 1, code: 'bad-snapshot', message: /without its sha256/ });
  stream(
    2,
    good.replace(/^./, (c) => (c === '0' ? '1' : '0')),
  );
  t.match(await s.next(), { type: 'error', id: 2, code: 'bad-snapshot', message: /does not match its sha256/ });
  s.send({ type: 'more', id: 3, data: 'x\n', last: false, sha256: good });
  t.match(await s.next(), { type: 'error', code: 'bad-message', message: /sha256 .*on the last chunk/ });
  s.send({ type: 'abort', id: 99, reason: 'nothing streams under this id' });
  t.match(await s.next(), { type: 'error', id: 99, code: 'bad-message', message: /abort of offload 99, which this session never started/ });
  s.send({ type: 'abort', id: 2, reason: 'late: offload 2 was refused already' });
  s.send({ type: 'offload', id: 4, snapshot: chunks[0] }); // neither streamed nor hashed
  t.match(await s.next(), { type: 'error', code: 'bad-message', message: /offload without a sha256/ });
  // a middle chunk naming a source the server never had is refused, and ends its stream (the rest is refused too)
  s.send({ type: 'offload', id: 6, snapshot: chunks[0], more: true });
  s.send({ type: 'more', id: 6, data: `"\0snapvm-unit:${'ab'.repeat(32)}\0"\n`, last: false });
  t.match(await s.next(), { type: 'error', id: 6, code: 'bad-snapshot' });
  s.send({ type: 'more', id: 6, data: chunks[1]!, last: false });
  t.match(await s.next(), { type: 'error', id: 6, code: 'bad-message', message: /not being streamed/ });
  stream(5, good);
  t.match(await s.next(), { type: 'state', id: 5 }, 'a whole stream with its hash at the end is restored and comes back');
  t.ok(server.alive);
  s.close();
});
