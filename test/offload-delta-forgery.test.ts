// Forged deltas (issue 6): an edge takes deltas from clients, applied in place on the state it keeps for
// the session. A delta refills records in place, and a refilled record may stand where the delta never
// names it (a promise state whose promise the delta leaves alone, an iterator record in the register of
// a frame it leaves alone…), so applyDelta checks the whole state it made as a whole restore would
// (snapshot/delta-check.ts). Each row takes a genuine delta and refills one record of the agreed state
// the way an attacker would (the escapes of snapshot-forgery.test.ts, as deltas): refused in process
// with a DeltaRefused naming the position, and by a real `snapvm serve` on loopback, whose state stays
// as it was (the genuine delta still applies after every refusal) and whose program never prints `reached`.
import t from 'tap';
import { DeltaRefused, Engine, applyDelta, captureDelta, type DeltaState } from '../src/index';
import { Frame, getBuiltinClosureRecord, getPromiseRecord } from '../src/interpreter/state';
import { completeMove, installHints } from '../src/offload/index';
import { sha256 } from '../src/offload/protocol';
import { helloSession, Server } from './offload-lib';

// `p` never settles and `idle` never resumes: their records stay as they are across trips, so a
// genuine delta never names them. Each trip runs a function on the edge that reads `p`.
const APP = `'use strict';
function* g() { yield 1; yield 2; yield 3; }
var o = { n: 0 };
var p = new Promise((r) => { globalThis.res = r; });
var never = new Promise(() => {});
var gen = (function* () { yield 'a'; yield 'b'; })(); gen.next();
async function idle() { for (const k of [10, 20]) await never; }
idle();
async function outer() {
  for (const v of g()) {
    const r = await snapvm.offload((v) => {
      p.then((x) => console.log('reached:', x.constructor.constructor('return typeof process')()));
      return v + o.n;
    }, v);
    o.n += r;
    console.log('round', v, o.n);
  }
}
outer();
`;

/** The client's program, run until it asks to move, and its first (whole) snapshot. */
function client(): { a: Engine; first: ReturnType<typeof captureDelta> } {
  const a = new Engine({ onConsole: () => {} });
  installHints(a, { edge: true });
  a.evaluateScript(APP, 'app.js');
  a.runJobs();
  return { a, first: captureDelta(a, null, { portable: false }) };
}

/** The client's side after the first trip (`down` came back): the agreed state, a genuine delta up, record ids. */
function afterFirstTrip({ a, first }: ReturnType<typeof client>, down: string): { agreed: DeltaState; genuine: string; sent: DeltaState; ids: Record<string, number> } {
  const agreed = applyDelta(a, first.state, down);
  completeMove(a, 'client');
  a.runJobs(); // round 1 ends on the client, round 2 asks to move
  const genuine = captureDelta(a, agreed, { portable: false });
  if (genuine.kind !== 'delta') throw new Error(`no delta: ${genuine.fallback}`);
  // record ids of the agreed state (the same on both sides)
  const recs = agreed.table.recs;
  const id = (r: unknown, what: string) => {
    const i = recs.indexOf(r);
    if (i < 0) throw new Error(`no record for ${what}`);
    return i;
  };
  const idleFrame = recs.find((r) => r instanceof Frame && r.code.name === 'idle') as Frame;
  const promise = getPromiseRecord(a.evaluateScript('p'))!;
  const ids = {
    idleFrame: id(idleFrame, 'the frame of idle'),
    iterator: id(
      idleFrame.stack.find((v) => typeof v === 'object' && v !== null && 'iterator' in v),
      'the iterator record of idle',
    ),
    args: id(idleFrame.args, 'the arguments of idle'),
    cap: id(idleFrame.asyncCap, 'the capability of idle'),
    promise: id(promise, 'the promise state of p'),
    reaction: id(promise.fulfillReactions![0], 'a reaction of p'),
    flag: id((getBuiltinClosureRecord(a.evaluateScript('res')) as { alreadyResolved: object }).alreadyResolved, 'the flag of res'),
    gen: id(a.vm.generators.get(a.evaluateScript('gen')), 'the state of gen'),
  };
  return { agreed, genuine: genuine.text, sent: genuine.state, ids };
}

/** Refill records: statements inserted before `$.link()` of a genuine delta. */
const refill = (delta: string, stmts: string) => delta.replace('\n$.link();\n', `\n${stmts}\n$.link();\n`);

/**
 * The rows: the forged statements, the position the refusal must name, and (false) when it is refused
 * before the delta touches the engine (delta-precheck.ts: a record refilled as another kind).
 */
function rows(ids: Record<string, number>): [string, string, RegExp, boolean?][] {
  const { idleFrame: f, iterator, args, cap, promise, reaction, flag, gen } = ids;
  return [
    [
      "a pending promise's state refilled as fulfilled with a frame (guest code would read it through then)",
      `$.clearRec(${promise}); $.rec(${promise}, "object", ["state", "fulfilled", "result", $.ref(${f}), "fulfillReactions", void 0, "rejectReactions", void 0, "isHandled", true]);`,
      /\$o\[\d+\]: a promise state: promise state field 'result': a frame where the engine holds a guest value/,
    ],
    [
      'a promise result that is an engine list',
      `$.clearRec(${promise}); $.rec(${promise}, "object", ["state", "fulfilled", "result", $.ref(${args}), "fulfillReactions", void 0, "rejectReactions", void 0, "isHandled", true]);`,
      /promise state field 'result': an engine list where the engine holds a guest value/,
    ],
    [
      "a reaction's handler refilled with an engine list",
      `$.clearRec(${reaction}); $.rec(${reaction}, "object", ["capability", void 0, "type", "fulfill", "handler", $.ref(${args})]);`,
      /promise reaction field 'handler': an engine list where the engine holds a guest value/,
    ],
    [
      "an iterator record in an unchanged frame's register refilled with a frame",
      `$.clearRec(${iterator}); $.rec(${iterator}, "object", ["iterator", $.ref(${f}), "next", void 0, "done", false, "index", 1]);`,
      /frame \d+ \(idle at app\.js:\d+:\d+\) register \d+: an engine record where the code holds an iterator record/,
    ],
    ['an iterator record emptied and never refilled', `$.clearRec(${iterator});`, /frame \d+ \(idle.*register \d+: an engine record where the code holds an iterator record/],
    [
      "an unchanged frame's arguments refilled with a record",
      `$.clearRec(${args}); $.rec(${args}, "list", [$.ref(${iterator})]);`,
      /frame \d+ \(idle.*arguments: item 0: an engine record .*where the engine holds a guest value/,
    ],
    [
      "a resolving function's flag refilled with a frame",
      `$.clearRec(${flag}); $.rec(${flag}, "object", ["value", $.ref(${f})]);`,
      /the state of a promise function: resolving function state field 'alreadyResolved': flag field 'value': a frame where the engine holds a boolean/,
    ],
    [
      "a suspended generator's state refilled as not yet started",
      `$.clearRec(${gen}); $.rec(${gen}, "object", ["frame", null, "state", "suspendedStart", "async", false, "queue", $.ref(9001)]); $.rec(9001, "list", []);`,
      /generator: a generator suspendedStart without a frame/,
    ],
    [
      'a host capability refilled as an object record',
      `$.clearRec(${cap}); $.rec(${cap}, "object", ["promise", $o[0], "resolve", $o[0], "reject", $o[0]]);`,
      /record \d+ given as a object record, which it is not/,
      false,
    ],
    ['a new record in a global binding', `$.rec(${9000}, "object", []); $.lexical("leak", $.ref(9000), false);`, /reference to record 9000|global binding 'leak': an engine record/],
  ];
}

t.test('in process: every forged delta is refused, naming the position; the genuine one applies', async (t) => {
  // the "edge": restores the whole snapshot, runs the offload and sends a delta back
  const edgeOf = (whole: string) => {
    const r = Engine.restoreForDeltas(whole, { onConsole: () => {} });
    completeMove(r.engine, 'edge');
    r.engine.runJobs();
    const back = captureDelta(r.engine, r.state!, { portable: false });
    return { engine: r.engine, state: back.state, down: back.text };
  };
  const c = client();
  const { genuine, ids } = afterFirstTrip(c, edgeOf(c.first.text).down);
  for (const [what, stmts, message, touched = true] of rows(ids)) {
    // a fresh edge for each row (a refused delta may have begun changing its engine)
    const e = edgeOf(c.first.text);
    let err: unknown = null;
    try {
      applyDelta(e.engine, e.state, refill(genuine, stmts));
    } catch (x) {
      err = x;
    }
    t.ok(err instanceof DeltaRefused, `${what}: refused`);
    t.match(String((err as Error)?.message), message, `${what}: the error names the position`);
    if (touched) t.ok((err as DeltaRefused)?.touched, `${what}: refused after the delta began (the receiver continues from a whole snapshot)`);
    else t.equal((err as DeltaRefused)?.touched, false, `${what}: refused before the delta began`);
  }
  const e = edgeOf(c.first.text);
  // refusals before anything changes: another state, a damaged envelope
  const before = e.engine.evaluateScript('JSON.stringify(o)');
  for (const bad of [genuine.replace(/\$\.delta\("[0-9a-f]{4}/, '$.delta("0000'), genuine.slice(0, -30)]) {
    const err = (() => {
      try {
        applyDelta(e.engine, e.state, bad);
      } catch (x) {
        return x;
      }
      return undefined;
    })();
    t.ok(err instanceof DeltaRefused && !err.touched, 'refused untouched');
  }
  t.equal(e.engine.evaluateScript('JSON.stringify(o)'), before);
  applyDelta(e.engine, e.state, genuine);
  t.equal(e.engine.evaluateScript('o.n'), 1, 'the genuine delta applies');
});

/**
 * Everything a delta can reach in an engine holding `state`, shallowly: each kept record's and object's
 * own keys and values (descriptors), each object's prototype and extensibility, the job queue, timers
 * and pending rejections. Equal before and after: the engine was not touched (not merely put back).
 */
function reachable(engine: Engine, state: DeltaState): unknown[] {
  const out: unknown[] = [];
  const own = (o: object) => {
    for (const k of Reflect.ownKeys(o)) {
      const d = Reflect.getOwnPropertyDescriptor(o, k)!;
      out.push(k, d.value, d.get, d.set, d.writable, d.enumerable, d.configurable);
    }
  };
  state.table.recs.forEach((r, id) => (out.push('r', id, r), typeof r === 'object' && r !== null && own(r)));
  state.table.objs.forEach((o, id) => {
    out.push('o', id, o);
    if ((typeof o === 'object' && o !== null) || typeof o === 'function') own(o), out.push(Object.getPrototypeOf(o), Object.isExtensible(o));
  });
  out.push('jobs', ...engine.queue.jobs, 'timers');
  for (const [id, timer] of engine.timers.timers) out.push(id, timer, ...Object.values(timer));
  out.push('rejections', ...engine.rejections.pending);
  return out;
}

t.test('in process: a delta naming records the state and the delta lack is refused before it touches the engine', async (t) => {
  const c = client();
  const r = Engine.restoreForDeltas(c.first.text, { onConsole: () => {} });
  completeMove(r.engine, 'edge');
  r.engine.runJobs();
  const back = captureDelta(r.engine, r.state!, { portable: false });
  const { genuine, ids } = afterFirstTrip(c, back.text);
  const e = { engine: r.engine, state: back.state };
  const before = reachable(e.engine, e.state);
  const forged: [string, string, RegExp][] = [
    [
      'a record refilled as another kind',
      `$.clearRec(${ids.cap}); $.rec(${ids.cap}, "object", ["promise", $o[0], "resolve", $o[0], "reject", $o[0]]);`,
      /record \d+ given as a object record, which it is not/,
    ],
    ['a record emptied that the state lacks', '$.clearRec(9999);', /clear of record 9999, which this state lacks/],
    ['a reference to a record nobody made', '$.lexical("leak", $.ref(9000), false);', /reference to record 9000, which the snapshot never made/],
    ['a new record made twice', '$.rec(9000, "list", []); $.rec(9000, "list", []);', /record 9000 made twice/],
    ['a drop of a record the state lacks', '$.drop([], [9999]);', /a drop of record 9999, which this state lacks/],
  ];
  // every statement of the genuine delta (emptying known objects and records, refilling them…) comes first
  for (const [what, stmts, message] of forged) {
    const err = (() => {
      try {
        applyDelta(e.engine, e.state, refill(genuine, stmts));
      } catch (x) {
        return x;
      }
      return undefined;
    })();
    t.ok(err instanceof DeltaRefused, `${what}: refused`);
    t.match(String((err as Error)?.message), message, `${what}: the error says why`);
    t.equal((err as DeltaRefused)?.touched, false, `${what}: before the delta began`);
    const after = reachable(e.engine, e.state);
    t.ok(after.length === before.length && after.every((v, i) => Object.is(v, before[i])), `${what}: every record and object of the state, the queues and timers are as they were`);
  }
  // the same engine, never rolled back, takes the genuine delta
  applyDelta(e.engine, e.state, genuine);
  t.equal(e.engine.evaluateScript('o.n'), 1, 'the genuine delta applies on the engine the forged ones were refused by');
});

t.test('a real edge: forged deltas refused, its state as it was after each, nothing prints reached', async (t) => {
  const server = await Server.start(['--quiet']);
  t.teardown(() => server.kill());
  const s = await helloSession(server.url);
  t.teardown(() => s.close());
  const output: string[] = [];
  /** The reply to an offload (console lines collected). */
  const reply = async () => {
    for (;;) {
      const m = await s.next();
      if (m.type !== 'console') return m;
      output.push(m.text);
    }
  };
  let id = 0;
  const offload = (text: string) => (s.send({ type: 'offload', id: ++id, snapshot: text, sha256: sha256(text) }), reply());
  const c = client();
  const first = await offload(c.first.text);
  t.equal(first.type, 'state', 'the whole snapshot goes up and the state comes back');
  t.match(first.snapshot, /^\/\/ snapvm delta\n/);
  const { genuine, sent, ids } = afterFirstTrip(c, first.snapshot);
  for (const [what, stmts] of rows(ids)) {
    const m = await offload(refill(genuine, stmts));
    t.equal(m.code, 'bad-snapshot', `${what}: refused`);
    t.match(m.message, /the delta was refused \(.*\); this session's state is as it was/, `${what}: said so`);
  }
  const m = await offload(genuine);
  t.equal(m.type, 'state', `the genuine delta applies on the state kept: ${m.message ?? ''}`);
  t.ok(m.stats.deltaIn, 'it went up as a delta');
  // the edge ran round 2 from the client's state (o.n was 1): fn returned 2 + 1, and the client adds it
  applyDelta(c.a, sent, m.snapshot);
  completeMove(c.a, 'client');
  c.a.runJobs();
  t.equal(c.a.evaluateScript('o.n'), 4, "the edge's state after the refusals was the agreed one");
  t.notOk(
    output.some((l) => l.includes('reached')),
    'no forged value reached guest code',
  );
});
