// Buffers and their views through capture → restore: a growable SharedArrayBuffer comes back growable
// with its maximum, a view on it that tracks its length still tracks it (and a fixed one stays fixed),
// a resizable ArrayBuffer keeps views out of bounds as they were. Each row's `check` must print
// `expected` in the engine that never stopped and in one restored from a snapshot taken after `setup`;
// then one program through the CLI and plain Node, deltas back from the edge (issue 6), and a forged
// maximum refused.
import t from 'tap';
import { Engine, SnapshotError, applyDelta, captureDelta } from '../src/index';
import { completeMove, installHints } from '../src/offload/index';
import { portableKit } from './portable-lib';
import { outputs } from './snapshot-lib';

const ROWS: { name: string; setup: string; check: string; expected: string }[] = [
  {
    name: 'an empty growable SharedArrayBuffer grows after restore',
    setup: 'var g = new SharedArrayBuffer(0, { maxByteLength: 8 });',
    check: 'g.grow(4); log(g.growable, g.maxByteLength, g.byteLength)',
    expected: 'true 8 4',
  },
  {
    name: 'views on a growable SharedArrayBuffer: tracking ones follow a grow, fixed ones keep their length',
    setup:
      'var g = new SharedArrayBuffer(4, { maxByteLength: 16 }); var tr = new Int32Array(g); var fx = new Int32Array(g, 0, 1); var off = new Uint8Array(g, 2); var dv = new DataView(g); var dvf = new DataView(g, 1, 2); tr[0] = 0x01020304;',
    check: 'g.grow(12); log(tr.length, fx.length, off.length, dv.byteLength, dvf.byteLength, tr[0], off[0], g.byteLength)',
    expected: '3 1 10 12 2 16909060 2 12',
  },
  {
    name: 'a tracking view on an empty growable SharedArrayBuffer (test262 Atomics retrieve-length-before-index-coercion)',
    setup: 'var g = new SharedArrayBuffer(0, { maxByteLength: 4 }); var ta = new Int32Array(g); var index = { valueOf() { g.grow(4); return 0; } };',
    check: 'var got; try { Atomics.wait(ta, index, 0, 0); got = "no error"; } catch (e) { got = e.constructor.name; } log(got, g.byteLength, ta.length)',
    expected: 'RangeError 4 1',
  },
  {
    name: 'a SharedArrayBuffer that is not growable stays fixed',
    setup: 'var s = new SharedArrayBuffer(4); new Uint8Array(s)[3] = 9;',
    check: 'var r; try { s.grow(8); r = "grew"; } catch (e) { r = e.constructor.name; } log(s.growable, s.maxByteLength, new Uint8Array(s)[3], r)',
    expected: 'false 4 9 TypeError',
  },
  {
    name: 'a resizable ArrayBuffer shrunk under a fixed view (out of bounds) and a tracking one',
    setup: 'var b = new ArrayBuffer(8, { maxByteLength: 16 }); var tr = new Uint8Array(b); var fx = new Uint8Array(b, 4, 4); fx[0] = 5; b.resize(2);',
    check: 'var before = [tr.length, fx.length].join(); b.resize(16); log(before, tr.length, fx.length, fx[0], b.maxByteLength)',
    expected: '2,0 16 4 0 16',
  },
];

for (const row of ROWS) {
  t.test(row.name, async (t) => {
    t.same(await outputs(row.setup, row.check, false), [row.expected], 'uninterrupted');
    t.same(await outputs(row.setup, row.check, true), [row.expected], 'restored');
  });
}

t.test('through the CLI and plain Node: a growable SharedArrayBuffer and its views after turn 1', async (t) => {
  const { write, continues } = portableKit(t);
  const source = `const g = new SharedArrayBuffer(4, { maxByteLength: 16 });
const tr = new Int32Array(g), fx = new Int32Array(g, 0, 1), s = new SharedArrayBuffer(2);
tr[0] = 7;
console.log(tr.length, fx.length, g.growable, s.growable);
setTimeout(() => {
  g.grow(12);
  console.log(g.growable, g.maxByteLength, tr.length, fx.length, tr[0], s.growable, s.byteLength);
}, 0);
`;
  continues(t, write('sab.js', source), [1]);
});

const FORGED = [
  {
    setup: 'var g = new SharedArrayBuffer(4, { maxByteLength: 16 });',
    real: '$.sharedArrayBuffer("AAAAAA==", 16)',
    forged: '$.sharedArrayBuffer("AAAAAA==", 2)',
    message: 'damaged snapshot: a growable SharedArrayBuffer whose maximum length is not an integer at least its length',
  },
  {
    setup: 'var g = new SharedArrayBuffer(4, { maxByteLength: 16 });',
    real: '$.sharedArrayBuffer("AAAAAA==", 16)',
    forged: '$.sharedArrayBuffer("AAAAAA==", "16")',
    message: 'damaged snapshot: a growable SharedArrayBuffer whose maximum length is not an integer at least its length',
  },
  {
    setup: 'var b = new ArrayBuffer(4, { maxByteLength: 16 });',
    real: '$.arrayBuffer("AAAAAA==", 16)',
    forged: '$.arrayBuffer("AAAAAA==", 2)',
    message: 'damaged snapshot: a resizable ArrayBuffer whose maximum length is not an integer at least its length',
  },
  {
    setup: 'var b = new ArrayBuffer(4, { maxByteLength: 16 });',
    real: '$.arrayBuffer("AAAAAA==", 16)',
    forged: '$.arrayBuffer("AAAAAA==", 9007199254740991)',
    message: 'damaged snapshot: a resizable ArrayBuffer whose maximum length 9007199254740991 cannot be allocated',
  },
  {
    setup: 'var g = new SharedArrayBuffer(4, { maxByteLength: 16 });',
    real: '$.sharedArrayBuffer("AAAAAA==", 16)',
    forged: '$.sharedArrayBuffer("AAAAAA==", 9007199254740991)',
    message: 'damaged snapshot: a growable SharedArrayBuffer whose maximum length 9007199254740991 cannot be allocated',
  },
];
for (const row of FORGED) {
  t.test(`a forged maximum is refused, naming it: ${row.forged}`, async (t) => {
    const e = new Engine({ onConsole: () => undefined });
    e.evaluateScript(row.setup, 'app.js');
    const code = e.snapshot().code;
    t.match(code, row.real);
    let err: unknown;
    try {
      Engine.restore(code.replace(row.real, row.forged), {});
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof SnapshotError, 'a SnapshotError');
    t.match((err as Error).message, row.message);
  });
}

// A delta back from the edge (in process, as test/offload-delta.test.ts): `change` runs on the edge after
// the move, `check` must print `expected` there and on the client once the delta is applied.
const DELTA_ROWS: { name: string; setup: string; change: string; check: string; expected: string; kind: string }[] = [
  {
    name: "a resizable ArrayBuffer's bytes changed, its length not (made at its maximum, resized at the end)",
    setup: 'var b = new ArrayBuffer(4, { maxByteLength: 8 }); var tr = new Uint8Array(b); var fx = new Uint8Array(b, 0, 2);',
    change: 'tr[1] = 7;',
    check: '[b.resizable, b.byteLength, tr.length, tr[1], fx.length].join()',
    expected: 'true,4,4,7,2',
    kind: 'delta',
  },
  {
    name: 'a resizable ArrayBuffer grown on the edge, a tracking view following it',
    setup: 'var b = new ArrayBuffer(4, { maxByteLength: 8 }); var tr = new Uint8Array(b);',
    change: 'b.resize(8); tr[5] = 7;',
    check: '[b.byteLength, tr.length, tr[5], b.maxByteLength].join()',
    expected: '8,8,7,8',
    kind: 'delta',
  },
  {
    name: 'a resizable ArrayBuffer shrunk under a fixed view on the edge',
    setup: 'var b = new ArrayBuffer(8, { maxByteLength: 8 }); var tr = new Uint8Array(b); var fx = new Uint8Array(b, 4, 2);',
    change: 'tr[1] = 7; b.resize(3);',
    check: '[b.byteLength, tr.length, tr[1], fx.length].join()',
    expected: '3,3,7,0',
    kind: 'delta',
  },
  {
    name: 'a growable SharedArrayBuffer grown on the edge comes back whole, growable',
    setup: 'var g = new SharedArrayBuffer(4, { maxByteLength: 8 }); var tr = new Uint8Array(g);',
    change: 'g.grow(8); tr[5] = 7;',
    check: '[g.growable, g.byteLength, tr.length, tr[5]].join()',
    expected: 'true,8,8,7',
    kind: 'full',
  },
];

for (const row of DELTA_ROWS) {
  t.test(`delta: ${row.name}`, async (t) => {
    const a = new Engine({ onConsole: () => {} });
    installHints(a, { edge: true });
    a.evaluateScript(`${row.setup}\nsnapvm.migrate("edge").then(() => { ${row.change} });\n`, 'p.js');
    a.runJobs();
    const first = captureDelta(a, null);
    const { engine: b, state } = Engine.restoreForDeltas(first.text, { onConsole: () => {} });
    completeMove(b, 'edge');
    b.runJobs();
    t.equal(b.evaluateScript(row.check), row.expected, 'on the edge');
    const down = captureDelta(b, state);
    t.equal(down.kind, row.kind);
    if (down.kind === 'delta') applyDelta(a, first.state, down.text);
    const client = down.kind === 'delta' ? a : Engine.restore(down.text, { onConsole: () => {} });
    t.equal(client.evaluateScript(row.check), row.expected, 'back on the client');
  });
}
