// The mid-turn decision (client.ts, midTurnHook): a timer handler seen for the first time has no history
// for the turn-boundary decision, so a turn that has run longer than the predicted migration cost moves
// at a safe point inside it; the edge runs the rest of the turn and the state comes back as a delta
// applied in place. Same output as a local run; a fault continues from the snapshot taken there.
import t from 'tap';
import { WebSocketServer } from 'ws';
import { Engine } from '../src/index';
import { EdgeServer, OffloadPolicy, installHints, runWithEdge, type MigrationReport } from '../src/offload/index';

// one heavy handler, first of its kind: output before the safe point (printed here), a microtask queued
// before it (it must run after the turn, on the edge), output after it, and a later turn back home
const source = `const log = [];
function heavy(n) { let s = 0; for (let i = 0; i < n; i++) s = (s * 31 + i) % 1000003; return s; }
setTimeout(function frame() {
  console.log('start');
  Promise.resolve().then(() => console.log('microtask after the turn', log.length));
  const a = heavy(3e5);
  log.push(a);
  console.log('heavy', a);
}, 1);
setTimeout(() => console.log('next turn', log.join(',')), 5);
`;

async function run(edge: string | null, auto: boolean): Promise<{ stdout: string; stderr: string; reports: MigrationReport[] }> {
  let stdout = '';
  let stderr = '';
  const engine = new Engine({ onConsole: (_l, v) => (stdout += engine.format(v) + '\n') });
  installHints(engine, { edge: edge !== null });
  engine.evaluateScript(source, 'heavy.js');
  const reports: MigrationReport[] = [];
  // a client 100× slower than the edge, a migration predicted at 20 ms: the heavy turn moves after ~20 ms
  const final = await runWithEdge(engine, {
    edge,
    engineOptions: {},
    stdout: (s) => (stdout += s),
    stderr: (s) => (stderr += s),
    auto,
    policy: new OffloadPolicy(100, 20),
    onMigration: (r) => reports.push(r),
  });
  final.evaluateScript('if (log.length !== 1) throw new Error("the state that came back lost the log")', 'check.js');
  return { stdout, stderr, reports };
}

t.test('a first-of-its-kind heavy turn moves at a safe point inside it: same output, one trip', async (t) => {
  const edge = new EdgeServer({ port: 0, log: () => {} });
  const { port } = await edge.listen();
  t.teardown(() => edge.close());
  const local = await run(null, false);
  t.match(local.stdout, /^start\nheavy \d+\nmicrotask after the turn 1\nnext turn \d+\n$/);
  const moved = await run(`ws://127.0.0.1:${port}`, true);
  t.equal(moved.stderr, '');
  t.equal(moved.stdout, local.stdout, 'the same lines in the same order: the microtask ran after the rest of the turn');
  t.equal(moved.reports.length, 1, 'one trip');
  const r = moved.reports[0]!;
  t.ok(r.midTurn, 'a mid-turn move');
  t.notOk(r.auto, 'not a turn-boundary decision');
  t.ok(r.midTurn!.afterMs >= 20, `after the threshold (${r.midTurn!.afterMs.toFixed(0)} ms here ≥ 20 ms)`);
  t.equal(r.deltaUp, false, 'a whole snapshot up');
  t.equal(r.deltaDown, true, 'a delta back, applied in place');
  t.ok(r.server.turns >= 1, 'the edge finished the turn');
});

t.test('the edge fails after a mid-turn move: the client continues from the state it kept, once', async (t) => {
  // an edge that says hello, then drops the connection when the snapshot arrives
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  t.teardown(() => new Promise<void>((r) => wss.close(() => r())));
  wss.on('connection', (ws) =>
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type === 'hello') ws.send(JSON.stringify({ type: 'welcome', v: m.v, session: 1, limits: { offloadMs: 10_000, memoryMb: 64, maxBytes: 1e7 } }));
      else if (m.type === 'offload') ws.terminate();
    }),
  );
  const local = await run(null, false);
  const port = (wss.address() as { port: number }).port;
  const r = await run(`ws://127.0.0.1:${port}`, true);
  t.equal(r.stdout, local.stdout, 'no line lost, none printed twice');
  t.match(r.stderr, /^snapvm: edge ws:\/\/127\.0\.0\.1:\d+ failed mid-offload \(.+\); continuing locally from the state kept in turn \d+, at a safe point\n$/);
  t.equal(r.reports.length, 0);
});
