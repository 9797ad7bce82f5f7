// Hostile and malformed requests to the edge server: each gets an error reply (or a closed socket),
// never a crash, never the host. After all of them the server still serves a normal client.
import t from 'tap';
import * as http from 'node:http';
import * as net from 'node:net';
import { Engine } from '../src/index';
import { EdgeServer } from '../src/offload/index';
import { helloSession, rawSession, snapvm, suiteServer } from './offload-lib';
import { PROTOCOL_VERSION, sha256 as sha } from '../src/offload/protocol';
import { BLOB_MIN, blobHash } from '../src/offload/blobs';
import { UNIT_MIN, unitHash } from '../src/offload/units';

const suite = suiteServer(t, 'snapvm-offload-hostile-', ['--memory-mb', '64', '--offload-ms', '4000']);
const { tmp } = suite;

/** A real snapshot of an empty program with `code` run first thing when it is restored. */
function snapshotWith(code: string): string {
  const snap = new Engine({ onConsole: () => {} }).snapshot().code;
  return snap.replace('var $o = [];', `var $o = []; ${code}`);
}

const hello = async () => ({ s: await helloSession(suite.server.url) });

t.test('malformed messages get a bad-message error and the session goes on', async (t) => {
  const s = await rawSession(suite.server.url);
  for (const [what, data] of [
    ['not JSON', '{nope'],
    ['an array', '[1,2]'],
    ['an unknown type', '{"type":"rm -rf"}'],
    ['a hello without a version', '{"type":"hello"}'],
    ['a hello whose argv is not a list of strings', `{"type":"hello","v":${PROTOCOL_VERSION},"argv":[1]}`],
    ['a hello whose argv is too long', JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, argv: ['x'.repeat(20_000)] })],
    ['an offload with a string id', '{"type":"offload","id":"1","snapshot":"","sha256":""}'],
  ] as const) {
    s.sendRaw(data);
    const r = await s.next();
    t.match(r, { type: 'error', code: 'bad-message' }, what);
  }
  s.sendRaw(Buffer.from([1, 2, 3]), true);
  t.match(await s.next(), { type: 'error', code: 'bad-message', message: /binary/ });
  s.send({ type: 'offload', id: 1, snapshot: 'x', sha256: sha('x') });
  t.match(await s.next(), { type: 'error', id: 1, code: 'bad-message', message: /hello first/ });
  s.send({ type: 'hello', v: 99 });
  t.match(await s.next(), { type: 'error', code: 'bad-version' });
  s.send({ type: 'hello', v: PROTOCOL_VERSION - 1 }); // an older client's hello
  t.match(await s.next(), { type: 'error', code: 'bad-version', message: new RegExp(`speaks protocol ${PROTOCOL_VERSION}, not ${PROTOCOL_VERSION - 1}`) });
  s.send({ type: 'hello', v: PROTOCOL_VERSION });
  t.match(await s.next(), { type: 'welcome', v: PROTOCOL_VERSION });
  s.close();
});

t.test('damaged and foreign snapshots get bad-snapshot', async (t) => {
  const { s } = await hello();
  s.send({ type: 'offload', id: 1, snapshot: 'console.log(1)', sha256: sha('something else') });
  t.match(await s.next(), { type: 'error', id: 1, code: 'bad-snapshot', message: /sha256/ });
  s.send({ type: 'offload', id: 2, snapshot: 'console.log(1)', sha256: sha('console.log(1)') });
  t.match(await s.next(), { type: 'error', id: 2, code: 'bad-snapshot', message: /not a snapvm snapshot/ });
  const cut = snapshotWith('').slice(0, 300);
  s.send({ type: 'offload', id: 3, snapshot: cut, sha256: sha(cut) });
  t.match(await s.next(), { type: 'error', id: 3, code: 'bad-snapshot', message: /cut short/ });
  const throws = snapshotWith('throw new Error("boom");');
  s.send({ type: 'offload', id: 4, snapshot: throws, sha256: sha(throws) });
  t.match(await s.next(), { type: 'error', id: 4, code: 'bad-snapshot', message: /boom/ });
  s.close();
});

t.test('blobs: bytes that do not match their hash, and a snapshot naming a blob the server lacks, are refused', async (t) => {
  const { s } = await hello();
  const b64 = Buffer.alloc(BLOB_MIN, 7).toString('base64');
  s.send({ type: 'blob', sha256: blobHash(b64).replace(/^./, (c) => (c === '0' ? '1' : '0')), data: b64 });
  t.match(await s.next(), { type: 'error', code: 'bad-message', message: /a blob whose bytes do not match their sha256/ });
  s.send({ type: 'blob', sha256: blobHash('AAAA'), data: 'AAAA' });
  t.match(await s.next(), { type: 'error', code: 'bad-message', message: /not a big base64 literal/ });
  s.send({ type: 'blobs?', hashes: ['x'] });
  t.match(await s.next(), { type: 'error', code: 'bad-message', message: /blobs\? without a list of SHA-256 hashes/ });
  // a snapshot naming a blob nobody sent
  const text = snapshotWith('').replace('var $o = [];', `var $o = []; $.arrayBuffer("\0snapvm-blob:${'ab'.repeat(32)}\0");`);
  s.send({ type: 'offload', id: 1, snapshot: text, sha256: sha(text) });
  t.match(await s.next(), { type: 'error', id: 1, code: 'bad-snapshot', message: /refers to a buffer abababababab… this side does not hold/ });
  // a good blob is kept and said to be held
  s.send({ type: 'blob', sha256: blobHash(b64), data: b64 });
  s.send({ type: 'blobs?', hashes: [blobHash(b64), 'cd'.repeat(32)] });
  t.same(await s.next(), { type: 'blobs', have: [blobHash(b64)] });
  s.close();
});

t.test('units: ill-formed hellos, sources not named or not matching their hash, and a snapshot naming a source the session did not name, are refused', async (t) => {
  const raw = await rawSession(suite.server.url);
  const ref = (text: string, file = 'app.js') => ({ sha256: unitHash(text), file, kind: 'script' });
  for (const [what, units] of [
    ['not a list', { a: 1 }],
    ['too many', Array.from({ length: 65 }, (_, i) => ref(`u${i}`))],
    ['a bad hash', [{ sha256: 'x', file: 'a.js', kind: 'script' }]],
    ['a file name too long', [ref('x', 'f'.repeat(5000))]],
    ['an unknown kind', [{ ...ref('x'), kind: 'wasm' }]],
  ] as const) {
    raw.send({ type: 'hello', v: PROTOCOL_VERSION, units });
    t.match(await raw.next(), { type: 'error', code: 'bad-message', message: /hello with units that are not a list/ }, what);
  }
  raw.close();
  const source = `var big = ${JSON.stringify('s'.repeat(UNIT_MIN))};\n`;
  const s = await rawSession(suite.server.url);
  s.send({ type: 'hello', v: PROTOCOL_VERSION, units: [ref(source)] });
  t.match(await s.next(), { type: 'welcome', want: [unitHash(source)] }, 'the server asks for the source it lacks');
  s.send({ type: 'unit', ...ref('other'), text: 'other' });
  t.match(await s.next(), { type: 'error', code: 'bad-message', message: /that this session's hello did not name/ });
  s.send({ type: 'unit', ...ref(source), text: source + ' ' });
  t.match(await s.next(), { type: 'error', code: 'bad-message', message: /a unit whose source does not match its sha256/ });
  s.send({ type: 'unit', ...ref(source), text: 7 });
  t.match(await s.next(), { type: 'error', code: 'bad-message', message: /unit without a sha256 hash/ });
  s.send({ type: 'unit', ...ref(source), text: source });
  // a snapshot naming a source by hash that this session never named (another session's, or none)
  const text = snapshotWith('').replace('var $o = [];', `var $o = []; $.unit(9, "x.js", "script", false, false, 0, false, "\0snapvm-unit:${'ab'.repeat(32)}\0");`);
  s.send({ type: 'offload', id: 1, snapshot: text, sha256: sha(text) });
  t.match(await s.next(), { type: 'error', id: 1, code: 'bad-snapshot', message: /refers to a compile unit abababababab… this side does not hold/ });
  s.close();
  // kept for later sessions: a second session naming it is not asked for it
  const again = await rawSession(suite.server.url);
  again.send({ type: 'hello', v: PROTOCOL_VERSION, units: [ref(source)] });
  const welcome = await again.next();
  t.match(welcome, { type: 'welcome' });
  t.notOk(welcome.want, 'a source the server holds is not asked for again');
  again.close();
});

t.test('a snapshot that tries to reach the host finds only the guest realm', async (t) => {
  const { s } = await hello();
  const evil = snapshotWith(`
    var tries = [];
    function attempt(name, f) { try { tries.push(name + ': ' + typeof f()); } catch (e) { tries.push(name + ': blocked ' + (e && e.name)); } }
    attempt('Function', () => $.builtin.constructor('return process')());
    attempt('Function2', () => Function('return process')());
    attempt('this', () => Function('return this')().process);
    attempt('require', () => require);
    attempt('stack', () => { const e = new Error(); return e.stack.constructor.constructor('return process')(); });
    globalThis.tries = tries.join('; ');
  `);
  s.send({ type: 'offload', id: 1, snapshot: evil, sha256: sha(evil) });
  const r = await s.next();
  t.equal(r.type, 'state');
  const m = /globalThis, "tries", \{ value: ("[^"]*")|"tries"[^\n]*?("(?:Function: [^"]*)")/.exec(r.snapshot);
  const tries = m ? JSON.parse(m[1] ?? m[2]) : r.snapshot.match(/Function: [^"]*/)?.[0];
  t.ok(tries, 'the result travelled back in the state');
  t.comment(String(tries));
  t.notMatch(String(tries), /: object|: function/, `no host object reached: ${tries}`);
  s.close();
});

t.test('a snapshot that never ends is cut at the budget; the session goes on', async (t) => {
  const { s } = await hello();
  const loop = snapshotWith('for (;;) {}');
  s.send({ type: 'offload', id: 1, snapshot: loop, sha256: sha(loop) });
  s.send({ type: 'offload', id: 2, snapshot: loop, sha256: sha(loop) });
  t.match(await s.next(), { type: 'error', id: 2, code: 'busy' }, 'one offload at a time per session');
  t.match(await s.next(), { type: 'error', id: 1, code: 'budget' }); // (the budget's clock starts once the worker is ready: seconds on a loaded machine)
  const ok = snapshotWith('');
  s.send({ type: 'offload', id: 3, snapshot: ok, sha256: sha(ok) });
  t.match(await s.next(), { type: 'state', id: 3 }, 'a fresh worker serves the next offload');
  s.close();
});

t.test('a snapshot that eats memory hits the heap budget, not the server', async (t) => {
  const { s } = await hello();
  const bomb = snapshotWith('var hog = []; for (;;) hog.push(new Array(100000).fill(Math.random()));');
  s.send({ type: 'offload', id: 1, snapshot: bomb, sha256: sha(bomb) });
  const r = await s.next(20_000);
  t.match(r, { type: 'error', id: 1 });
  t.ok(r.code === 'memory' || r.code === 'budget', `memory or budget, got ${r.code}: ${r.message}`);
  t.comment(`${r.code}: ${r.message}`);
  t.ok(suite.server.alive);
  s.close();
});

t.test('HTTP: status, 404s, garbage on the socket', async (t) => {
  const get = (p: string, method = 'GET') =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: suite.server.port, path: p, method }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.end(method === 'POST' ? 'x'.repeat(10000) : undefined);
    });
  const status = await get('/');
  t.equal(status.status, 200);
  t.match(JSON.parse(status.body), { server: 'snapvm edge', protocol: PROTOCOL_VERSION });
  t.equal((await get('/../../etc/passwd')).status, 404);
  t.equal((await get('/', 'POST')).status, 404);
  await new Promise<void>((resolve) => {
    const sock = net.connect(suite.server.port, '127.0.0.1', () => sock.write('\x00\xff garbage \r\n\r\n\r\n'));
    sock.on('error', () => resolve());
    sock.on('close', () => resolve());
  });
  t.ok(suite.server.alive);
});

t.test('limits of the in-process server: message size and sessions', async (t) => {
  const edge = new EdgeServer({ port: 0, maxBytes: 1000, maxSessions: 1, log: () => {} });
  const { port } = await edge.listen();
  t.teardown(() => edge.close());
  const url = `ws://127.0.0.1:${port}`;
  const one = await rawSession(url);
  const two = await rawSession(url);
  t.match(await two.next(), { type: 'error', code: 'busy' }, 'the second session is refused');
  t.equal(await two.closed, 1013);
  one.sendRaw('x'.repeat(5000));
  t.equal(await one.closed, 1009, 'a message over the limit closes the socket (1009 message too big)');
});

t.test('limits of the in-process server: the sources one session may hold', async (t) => {
  const edge = new EdgeServer({ port: 0, unitBytes: 5000, log: () => {} });
  const { port } = await edge.listen();
  t.teardown(() => edge.close());
  const s = await rawSession(`ws://127.0.0.1:${port}`);
  const [a, b] = ['a', 'b'].map((c) => `var ${c} = '${c.repeat(3000)}';\n`);
  const unit = (text: string, file: string) => ({ sha256: unitHash(text), file, kind: 'script' });
  s.send({ type: 'hello', v: PROTOCOL_VERSION, units: [unit(a!, 'a.js'), unit(b!, 'b.js')] });
  t.match(await s.next(), { type: 'welcome', want: [unitHash(a!), unitHash(b!)] });
  s.send({ type: 'unit', ...unit(a!, 'a.js'), text: a });
  s.send({ type: 'unit', ...unit(b!, 'b.js'), text: b });
  t.match(await s.next(), { type: 'error', code: 'bad-message', message: /a unit past the 5000 characters of source a session may hold/ }, 'the first fits, the second does not');
  s.close();
});

t.test('after all that, the server serves a normal client', async (t) => {
  const file = tmp.write('ok.js', 'snapvm.offload((x) => x + 1, 41).then((v) => console.log(v, snapvm.where));\n');
  const r = await snapvm(['run', file, '--edge', suite.server.url]);
  t.equal(r.stdout, '42 client\n');
  t.equal(r.stderr, '');
  t.ok(suite.server.alive);
});
