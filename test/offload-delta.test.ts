// Deltas both ways (issue 6): after the first migration each direction carries only what changed, and
// the receiver applies it in place on the engine it kept. Apps that mutate, create and drop objects,
// closures, Map and Set entries, array elements, private fields, buffers, dates and timers across
// several round trips print exactly what they print locally; a delta for another state is refused.
import t from 'tap';
import { Engine, SnapshotError, applyDelta, captureDelta } from '../src/index';
import { completeMove, installHints, pendingMove } from '../src/offload/index';
import { helloSession, sameAsLocal, snapvm, suiteServer } from './offload-lib';
import { sha256 } from '../src/offload/protocol';

const suite = suiteServer(t, 'snapvm-offload-delta-', ['--quiet']);
const { tmp } = suite;

const ROUNDS = `'use strict';
const state = { list: [1, 2, 3], m: new Map([['a', 1]]), s: new Set([1]), log: [], fns: [], nested: { deep: { n: 0 } } };
let counter = 0;
function maker(k) { let c = k; return () => (c += k); }
class Acc { #total = 0; add(x) { this.#total += x; return this.#total; } get total() { return this.#total; } }
const acc = new Acc();
const buf = new Float64Array(4);
const weak = new WeakMap();
state.dropped = { big: new Array(40).fill(7) };
weak.set(state.nested, 'w0');
Object.defineProperty(state, 'hidden', { value: 1, writable: true, enumerable: false, configurable: true });
async function round(i) {
  const r = await snapvm.offload((i) => {
    counter += i;
    state.list.push(i * 10);
    state.list[0] = -i;
    if (i === 2) state.list.length = 2;
    state.m.set('k' + i, { i });
    state.m.delete('a');
    state.s.add(i);
    if (i === 3) state.s.delete(1);
    state.fns.push(maker(i));
    if (i === 1) delete state.dropped;
    if (i === 3) state.fns.shift();
    buf[i % 4] = i * 1.5;
    acc.add(i);
    state.when = new Date(1000 * i);
    state.nested.deep.n += i;
    state.hidden = i;
    weak.set(state.nested, 'w' + i);
    if (i === 2) Object.setPrototypeOf(state.nested, { inherited: 'yes' });
    setTimeout(() => console.log('timer set on the edge', i, counter), 1);
    console.log('round', i, 'runs');
    return { i, sum: state.list.reduce((a, b) => a + b, 0) };
  }, i);
  console.log('back', JSON.stringify(r), state.fns.map((f) => f()).join(','), [...state.m.keys()].join(','), [...state.s].join(','), String(buf), acc.total, counter,
    state.when.getTime(), 'dropped' in state, state.hidden, weak.get(state.nested), state.nested.inherited, Object.keys(state).join(','));
  state.log.push(r.i); // changed on the client between trips
  state.nested.deep.n *= 2;
}
(async () => {
  for (let i = 1; i <= 4; i++) await round(i);
  console.log('log', state.log.join(','), JSON.stringify(state.nested));
})();
`;

/** `source` run locally and with the edge (reporting each trip): both end well and print the same. */
const sameOutput = async (t: Tap.Test, file: string, source: string) => (await sameAsLocal(t, tmp.write(file, source), suite.server.url)).edge;

t.test('several round trips: the same output as a local run, the state coming back as deltas', async (t) => {
  const edge = await sameOutput(t, 'rounds.js', ROUNDS);
  const reports = edge.stderr.split('\n').filter((l) => l.startsWith('snapvm: offload'));
  t.equal(reports.length, 4);
  // the first trip up is a whole snapshot, later ones deltas against the state the edge keeps (checked
  // there as a whole restore is: offload-delta-forgery.test.ts); every trip down is a delta
  for (const [i, line] of reports.entries()) {
    if (i === 0) t.notMatch(line, /up [\d.]+ KB delta/, 'trip 1 up is whole');
    else {
      const up = /up ([\d.]+) KB delta of ([\d.]+) KB/.exec(line);
      t.ok(up && Number(up[1]) < Number(up[2]), `trip ${i + 1} up is a smaller delta: ${line}`);
    }
    const down = /down ([\d.]+) KB delta of ([\d.]+) KB/.exec(line);
    t.ok(down && Number(down[1]) < Number(down[2]), `trip ${i + 1} down is a smaller delta: ${line}`);
  }
});

t.test('the bundled n-body app: same output, and the state comes back as a delta', async (t) => {
  const app = tmp.write('nb.js', (await import('node:fs')).readFileSync(require.resolve('../examples/nbody.js'), 'utf8'));
  const local = await snapvm(['run', app, '400']);
  const edge = await snapvm(['run', app, '400', '--edge', suite.server.url, '--edge-report']);
  t.equal(edge.stdout, local.stdout);
  t.match(edge.stderr, /down [\d.]+ KB delta of [\d.]+ KB \(apply/);
});

/** An engine of the hint API with `source` run until it asks to move. */
function programAt(source: string): Engine {
  const e = new Engine({ onConsole: () => {} });
  installHints(e, { edge: true });
  e.evaluateScript(source, 'p.js');
  e.runJobs();
  return e;
}

t.test('in process: a delta applies in place; one for another state is refused before it changes anything', async (t) => {
  const a = programAt('var o = { n: 1, list: [] };\nsnapvm.migrate("edge").then(() => { o.n++; o.list.push({ x: o.n }); });\n');
  const first = captureDelta(a, null);
  t.equal(first.kind, 'full');
  const { engine: b, state } = Engine.restoreForDeltas(first.text, { onConsole: () => {} });
  t.ok(state, 'a canonical snapshot gives an agreed state');
  t.same([...state!.hashes].sort(), [...first.state.hashes].sort(), "the receiver reads from the text the owners' hashes the sender computed");
  completeMove(b, 'edge');
  b.runJobs();
  const down = captureDelta(b, state);
  t.equal(down.kind, 'delta');
  t.ok(down.text.length < down.full.code.length, `delta ${down.text.length} < whole ${down.full.code.length}`);
  // another state: the one after a further change on the edge
  b.evaluateScript('o.n = 100;', 'q.js');
  const later = captureDelta(b, down.state);
  const before = a.evaluateScript('JSON.stringify(o)');
  t.throws(() => applyDelta(a, first.state, later.text), /a delta against state [0-9a-f]{12}… cannot be applied to state [0-9a-f]{12}… \(the base differs\)/);
  t.equal(a.evaluateScript('JSON.stringify(o)'), before, 'the refused delta changed nothing');
  t.throws(() => applyDelta(a, first.state, down.text.replace('// end of snapvm delta\n', '')), SnapshotError);
  const agreed = applyDelta(a, first.state, down.text);
  t.equal(agreed.stateId, down.state.stateId, 'both sides name the new state alike');
  t.equal(a.evaluateScript('JSON.stringify(o)'), '{"n":2,"list":[{"x":2}]}');
  t.equal(pendingMove(a), null);
  // and on: the next delta (from the edge's later state) now applies
  applyDelta(a, agreed, later.text);
  t.equal(a.evaluateScript('o.n'), 100);
});

t.test("a buffer's changed bytes come back by its slots: an own byteLength the program gave it does not answer", async (t) => {
  const a = programAt('var buf = new ArrayBuffer(4); Object.defineProperty(buf, "byteLength", { value: 99 });\nsnapvm.migrate("edge").then(() => { new Uint8Array(buf)[0] = 7; });\n');
  const first = captureDelta(a, null);
  const { engine: b, state } = Engine.restoreForDeltas(first.text, { onConsole: () => {} });
  completeMove(b, 'edge');
  b.runJobs();
  const down = captureDelta(b, state);
  t.equal(down.kind, 'delta');
  applyDelta(a, first.state, down.text);
  t.equal(a.evaluateScript('new Uint8Array(buf)[0] + " " + buf.byteLength'), '7 99');
});

t.test('the server takes a delta against the state it keeps; one for another state, or before any state, is refused and changes nothing', async (t) => {
  const s = await helloSession(suite.server.url);
  t.teardown(() => s.close());
  const a = programAt('var o = { n: 1 };\nsnapvm.offload(() => ++o.n);\n');
  const first = captureDelta(a, null);
  // a delta first: the session holds no state yet
  const b = programAt('var o = { n: 1 };\nsnapvm.offload(() => ++o.n);\n');
  const other = captureDelta(b, first.state);
  s.send({ type: 'offload', id: 1, snapshot: other.text, sha256: sha256(other.text) });
  const none = await s.next();
  t.equal(none.code, 'bad-snapshot');
  t.match(none.message, /this session holds no state a delta could apply to \(send a whole snapshot\)/);
  // the whole snapshot is taken and the state comes back as a delta
  s.send({ type: 'offload', id: 2, snapshot: first.text, sha256: sha256(first.text) });
  const back = await s.next();
  t.equal(back.type, 'state');
  t.match(back.snapshot, /^\/\/ snapvm delta\n/);
  const agreed = applyDelta(a, first.state, back.snapshot);
  t.equal(a.evaluateScript('o.n'), 2);
  completeMove(a, 'client');
  a.runJobs();
  a.evaluateScript('o.n = 10; snapvm.offload(() => ++o.n);');
  // a delta against the state before the trip (not the one agreed since) is refused, untouched
  const stale = captureDelta(a, first.state);
  s.send({ type: 'offload', id: 3, snapshot: stale.text, sha256: sha256(stale.text) });
  const refused = await s.next();
  t.equal(refused.code, 'bad-snapshot');
  t.match(refused.message, /the delta was refused \(a delta against state [0-9a-f]{12}… cannot be applied to state [0-9a-f]{12}… \(the base differs\)\); this session's state is as it was/);
  // the delta against the agreed state applies: the edge runs from the client's state
  const up = captureDelta(a, agreed);
  t.equal(up.kind, 'delta');
  t.ok(up.text.length < up.full.code.length, `delta up ${up.text.length} < whole ${up.full.code.length}`);
  s.send({ type: 'offload', id: 4, snapshot: up.text, sha256: sha256(up.text) });
  const again = await s.next();
  t.equal(again.type, 'state', again.message);
  t.ok(again.stats.deltaIn, 'the edge says it took a delta');
  applyDelta(a, up.state, again.snapshot);
  t.equal(a.evaluateScript('o.n'), 11, 'the edge ran from the state the delta made');
});

t.test('pipelined transfer: a whole snapshot streamed in chunks gives the same output', async (t) => {
  const app = tmp.write('rounds-streamed.js', ROUNDS);
  const local = await snapvm(['run', app]);
  const { spawnSync } = await import('node:child_process');
  const { bin } = await import('./offload-lib');
  // small chunks: the 15 KB snapshot goes up in several messages, each restored as it arrives
  const r = spawnSync(process.execPath, [bin, 'run', app, '--edge', suite.server.url, '--edge-report'], { env: { ...process.env, SNAPVM_EDGE_CHUNK: '2000' }, encoding: 'utf8', timeout: 90_000 });
  t.equal(r.stdout, local.stdout);
  // restored into the engine the session's worker made when the client said hello (with its argv)
  t.match(
    r.stderr,
    /snapvm: offload 1 after turn 1: up [\d.]+ KB \(capture \d+ ms\), edge ran \d+ ms in \d+ turns \(restore \d+ ms streamed in (\d+) chunks into an engine made ahead, \d+ ms after the last/,
  );
});

t.test('a streamed snapshot whose chunks do not match its hash is refused', async (t) => {
  const s = await helloSession(suite.server.url);
  t.teardown(() => s.close());
  const text = captureDelta(programAt('var o = { n: 1 };\nsnapvm.offload(() => ++o.n);\n'), null).text;
  const cut = text.indexOf('\n', text.length >> 1) + 1;
  s.send({ type: 'offload', id: 1, snapshot: text.slice(0, cut), sha256: sha256(text), more: true });
  s.send({ type: 'more', id: 1, data: text.slice(cut).replace('"n"', '"N"'), last: true });
  const r = await s.next();
  t.equal(r.code, 'bad-snapshot');
  t.match(r.message, /does not match its sha256/);
  s.send({ type: 'more', id: 1, data: 'x', last: true });
  t.match((await s.next()).message, /a chunk for offload 1, which is not being streamed/);
});

/** `source` run until it moves, restored on an "edge" that runs its turn there, and what the edge sends back. */
function tripToEdge(source: string) {
  const a = programAt(source);
  const first = captureDelta(a, null);
  const { engine: b, state } = Engine.restoreForDeltas(first.text, { onConsole: () => {} });
  completeMove(b, 'edge');
  b.runJobs();
  return { a, first, down: captureDelta(b, state) };
}

t.test('in process: a delta naming a frame it left as it was (an async loop stopped at the same await again) applies, both ways', async (t) => {
  // nothing in the loop's frame changes from one trip to the next: each delta up names it, unchanged, from a
  // new await reaction (once refused on the edge: "a frame that was never linked")
  const client = programAt('var n = 0;\n(async () => { for (;;) await snapvm.offload(() => ++n); })();\n');
  const first = captureDelta(client, null, { portable: false });
  const edge = Engine.restoreForDeltas(first.text, { onConsole: () => {} });
  let [clientState, edgeState] = [first.state, edge.state!];
  for (let trip = 1; trip <= 3; trip++) {
    completeMove(edge.engine, 'edge');
    edge.engine.runJobs();
    const down = captureDelta(edge.engine, edgeState, { portable: false });
    t.equal(down.kind, 'delta', `trip ${trip} down is a delta`);
    clientState = applyDelta(client, clientState, down.text);
    edgeState = down.state;
    completeMove(client, 'client');
    client.runJobs();
    const up = captureDelta(client, clientState, { portable: false });
    t.equal(up.kind, 'delta', `trip ${trip + 1} up is a delta`);
    edgeState = applyDelta(edge.engine, edgeState, up.text);
    clientState = up.state;
  }
  t.equal(edge.engine.evaluateScript('n'), 3, 'the edge ran the offloaded function once per trip');
  t.equal(client.evaluateScript('n'), 3);
});

t.test('what cannot change in place exactly falls back to a whole snapshot, and still gives the same state', async (t) => {
  // a non-configurable property after a configurable one: emptying and refilling would reorder them
  const { down } = tripToEdge(
    "var o = { a: 1 };\nObject.defineProperty(o, 'fixed', { value: 2, writable: true, enumerable: true, configurable: false });\nsnapvm.migrate('edge').then(() => { o.a = 3; o.fixed = 4; });\n",
  );
  t.equal(down.kind, 'full');
  t.match(down.fallback, /has a non-configurable property after a configurable one/);
  const c = Engine.restore(down.text, { onConsole: () => {} });
  t.equal(c.evaluateScript('JSON.stringify(Object.keys(o)) + JSON.stringify(o)'), '["a","fixed"]{"a":3,"fixed":4}');
});

// Snapshot features deltas met in the merge with main: iterator records over V8 iterators (a for-of
// suspended in an async function, over a Map the edge changes: emptying it in place would send the
// iterator back to the start, so its record is written again), FinalizationRegistry registrations,
// mapped arguments objects, typed arrays. Each prints what it prints locally; what a delta cannot
// change in place falls back to a whole snapshot.
const FEATURES = `'use strict';
const m = new Map([['a', 1], ['b', 2], ['c', 3]]);
const reg = new FinalizationRegistry(() => {});
const target = { n: 0 };
reg.register(target, 'held');
const bytes = new Uint8Array(3);
const args = (function (x, y) { return arguments; })(1, 2);
(async () => {
  for (const [k, v] of m) {
    const r = await snapvm.offload((k, v) => { target.n += v; bytes[v - 1] = v * 2; m.set(k, v * 10); return k + v; }, k, v);
    console.log(r, target.n, String(bytes), [...m.values()].join(','));
  }
  console.log('done', target.n);
})();
`;

t.test("main's snapshot features across trips: iteration records, registrations, typed arrays give the local output", async (t) => {
  const edge = await sameOutput(t, 'features.js', FEATURES);
  t.match(edge.stderr, /down [\d.]+ KB delta of [\d.]+ KB/);
});

t.test('in process: a mapped arguments object and a known target of a registration fall back to a whole snapshot', async (t) => {
  const { down } = tripToEdge("function f(x) { return arguments; }\nvar args = f(1);\nsnapvm.migrate('edge').then(() => { args[0] = 5; });\n");
  t.equal(down.kind, 'full');
  t.match(down.fallback, /mapped arguments/);
  t.equal(Engine.restore(down.text, { onConsole: () => {} }).evaluateScript('args[0]'), 5);

  const { down: down2 } = tripToEdge("var reg = new FinalizationRegistry(() => {});\nvar o = { n: 1 };\nreg.register(o, 1, o);\nsnapvm.migrate('edge').then(() => { reg.unregister(o); o.n = 2; });\n");
  t.equal(down2.kind, 'full');
  t.match(down2.fallback, /finalization registrations/);
  // a new object's registration travels in a delta
  const {
    a: e,
    first: first3,
    down: down3,
  } = tripToEdge("var reg = new FinalizationRegistry(() => {});\nvar keep = [];\nsnapvm.migrate('edge').then(() => { var o = { n: 1 }; reg.register(o, 'h'); keep.push(o); });\n");
  t.equal(down3.kind, 'delta');
  t.match(down3.text, /FinalizationRegistry\.prototype\.register/);
  const agreed = applyDelta(e, first3.state, down3.text);
  t.equal(e.evaluateScript('keep[0].n'), 1);
  // the state the client now holds writes the registration once
  t.equal((captureDelta(e, null).text.match(/FinalizationRegistry\.prototype\.register/g) ?? []).length, 1);
  t.ok(agreed.stateId);
});

t.test('in process: V8 iterators held as values move in place in a delta (arrays, strings, Maps and Sets refilled)', async (t) => {
  const src = `var a = [1, 2, 3, 4, 5]; var ai = a.values(); ai.next();
var m = new Map([['a', 1], ['b', 2], ['c', 3], ['d', 4]]); var mi = m.keys(); mi.next();
var s = new Set([1, 2, 3]); var si = s.values(); si.next();
var st = 'xy\\u{1F600}z'[Symbol.iterator](); st.next();
var fin = [1].values();
snapvm.migrate('edge').then(() => { ai.next(); ai.next(); mi.next(); m.delete('a'); m.set('e', 5); st.next(); st.next(); fin.next(); fin.next(); s.add(4); });
`;
  const probe = 'JSON.stringify([[...ai], [...mi], [...si], [...st], fin.next(), a.length, m.size])';
  const { a, first, down } = tripToEdge(src);
  t.equal(down.kind, 'delta', String(down.fallback ?? ''));
  t.match(down.text, /\$\.iteratorAt\(\$o\[\d+\], 3, false\);/, 'the array iterator moves to 3');
  t.match(down.text, /\$\.iteratorAt\(\$o\[\d+\], 0, true\);/, 'the finished one finishes');
  // the same program run through on one engine
  const local = programAt(src);
  completeMove(local, 'edge');
  local.runJobs();
  const expected = local.evaluateScript(probe);
  t.equal(expected, '[[4,5],["c","d","e"],[2,3,4],["z"],{"done":true},5,4]');
  applyDelta(a, first.state, down.text);
  t.equal(a.evaluateScript(probe), expected, 'the client after the delta holds the same iterators');
});
