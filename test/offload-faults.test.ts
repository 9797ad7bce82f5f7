// Faults, nothing lost: whatever happens to the edge mid-offload, the client continues from the state
// it kept, once, and prints exactly what a local run prints, plus one stderr line saying so.
import t from 'tap';
import { PROTOCOL_VERSION } from '../src/offload/index';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { createHash } from 'node:crypto';
import { Server, consoleGate, snapvm, tempDir, root } from './offload-lib';

const tmp = tempDir('snapvm-offload-faults-');
t.teardown(() => tmp.remove());
const nbody = tmp.write('nbody.js', fs.readFileSync(path.join(root, 'examples', 'nbody.js'), 'utf8'));
const FAULT = /^snapvm: edge ws:\/\/127\.0\.0\.1:\d+ failed mid-offload \((.+)\); continuing locally from the state kept after turn 1\n$/;

let localRun: Promise<{ stdout: string; stderr: string; code: number | null }> | null = null;
const local = () => (localRun ??= snapvm(['run', nbody, '12000']));

t.test('the server is killed mid-offload: the client finishes locally with the same output', async (t) => {
  const server = await Server.start();
  t.teardown(() => server.kill());
  // The kill must come before the client has the reply. Killing a fixed time after "running" raced with
  // the server (it may have finished and sent its state by then, most likely under load): the gate
  // passes the server's frames up to its first console line of the offload and none after, so the
  // fault is surely mid-run, however fast the server is.
  const gate = await consoleGate(server.port);
  t.teardown(gate.close);
  const client = snapvm(['run', nbody, '12000', '--edge', gate.url]);
  await gate.passedConsole;
  await server.kill('SIGKILL');
  const r = await client;
  const l = await local();
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, l.stdout, 'no line lost, none printed twice');
  t.match(r.stderr, FAULT, r.stderr);
  t.equal(r.stderr.split('\n').length, 2, `exactly one line: ${r.stderr}`);
});

t.test('an offload past the server budget comes back as a fault; the client finishes locally', async (t) => {
  const server = await Server.start(['--offload-ms', '60']);
  t.teardown(() => server.kill());
  const r = await snapvm(['run', nbody, '12000', '--edge', server.url]);
  t.equal(r.code, 0);
  t.equal(r.stdout, (await local()).stdout);
  t.match(r.stderr, FAULT);
  t.match(r.stderr, /the server said budget: the offload ran past its 60 ms wall-time budget/);
  t.ok(server.alive, 'the server lives on');
});

/** A fake edge server that says hello, then answers each offload with `reply` (null: no answer). */
async function fakeEdge(reply: (ws: WebSocket, m: { id: number; snapshot: string }) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'hello') ws.send(JSON.stringify({ type: 'welcome', v: m.v, session: 1, limits: { offloadMs: 1000, memoryMb: 64, maxBytes: 1e6 } }));
      else reply(ws, m);
    });
  });
  const port = (wss.address() as { port: number }).port;
  return { url: `ws://127.0.0.1:${port}`, close: () => new Promise((r) => wss.close(() => r())) };
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const stats = { bytesIn: 1, bytesOut: 1, restoreMs: 1, runMs: 1, captureMs: 1, turns: 0 };
const app = tmp.write('small.js', "console.log('a');\nsnapvm.offload((x) => { console.log('on the way', x); return x * 2; }, 21).then((v) => console.log('b', v));\n");
const smallLocal = 'a\non the way 21\nb 42\n';

const damaged: [string, (ws: WebSocket, m: { id: number; snapshot: string }) => void, RegExp][] = [
  ['the link drops after the upload', (ws) => ws.terminate(), /the connection closed/],
  [
    'a reply whose hash does not match',
    (ws, m) => ws.send(JSON.stringify({ type: 'state', id: m.id, snapshot: m.snapshot.replace('on the way', 'ON THE WAY'), sha256: sha(m.snapshot), stats })),
    /a damaged reply \(the snapshot does not match its sha256\)/,
  ],
  ['a reply cut short', (ws, m) => ws.send(JSON.stringify({ type: 'state', id: m.id, snapshot: m.snapshot, sha256: sha(m.snapshot), stats }).slice(0, 200)), /a damaged reply \(not JSON\)/],
  [
    'a state that does not restore',
    (ws, m) => {
      const s = m.snapshot.slice(0, m.snapshot.length / 2);
      ws.send(JSON.stringify({ type: 'console', id: m.id, seq: 0, level: 'log', text: 'printed on a broken edge' }));
      ws.send(JSON.stringify({ type: 'state', id: m.id, snapshot: s, sha256: sha(s), stats }));
    },
    /the state it sent back cannot be restored: damaged snapshot: it is cut short/,
  ],
  ['console lines out of order', (ws, m) => ws.send(JSON.stringify({ type: 'console', id: m.id, seq: 3, level: 'log', text: 'x' })), /console line 3 out of order/],
  ['an error reply', (ws, m) => ws.send(JSON.stringify({ type: 'error', id: m.id, code: 'internal', message: 'oops' })), /the server said internal: oops/],
];
for (const [what, reply, reason] of damaged) {
  t.test(`${what}: the client continues locally, once`, async (t) => {
    const edge = await fakeEdge(reply);
    t.teardown(edge.close);
    const r = await snapvm(['run', app, '--edge', edge.url]);
    t.equal(r.code, 0);
    t.equal(r.stdout, smallLocal);
    t.match(r.stderr, FAULT);
    t.match(r.stderr, reason);
  });
}

t.test('a silent edge (no pongs) is given up', async (t) => {
  // a raw TCP server that completes the WebSocket handshake by hand, says welcome, then goes quiet
  const net = await import('node:net');
  const srv = net.createServer((sock) => {
    sock.once('data', (d) => {
      const key = /Sec-WebSocket-Key: (.+)\r\n/i.exec(String(d))![1]!.trim();
      const accept = createHash('sha1')
        .update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
        .digest('base64');
      sock.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      const welcome = Buffer.from(JSON.stringify({ type: 'welcome', v: PROTOCOL_VERSION, session: 1, limits: { offloadMs: 1, memoryMb: 1, maxBytes: 1 } }));
      sock.write(Buffer.concat([Buffer.from([0x81, welcome.length]), welcome]));
      sock.on('data', () => {}); // hear everything, answer nothing (not even pings)
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.teardown(() => srv.close());
  const r = await snapvm(['run', app, '--edge', `ws://127.0.0.1:${(srv.address() as { port: number }).port}`]);
  t.equal(r.stdout, smallLocal);
  t.match(r.stderr, /no answer to pings/);
});
