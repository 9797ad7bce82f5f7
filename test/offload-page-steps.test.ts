// A page's steps (STEPS.json) driving it while it offloads: `snapvm run PAGE --edge URL --steps STEPS.json`
// against a real `snapvm serve` on loopback. Each click, type or key is a turn of the page's loop
// (dom/steps.ts StepInput); the page must print exactly what a local run of the same steps prints and end
// with the same document. The automatic decision (EUC'15) learns a heavy click handler and moves its
// later dispatches; a light one stays; the server killed on a step's trip loses and repeats nothing.
import t from 'tap';
import * as path from 'node:path';
import { OffloadPolicy } from '../src/offload/index';
import { runPage, type Streams } from '../src/cli/main';
import { Server, consoleGate, helloSession, root, snapvm, suiteServer } from './offload-lib';
const { startShaper } = require('../bench/ionn/shaper.js') as { startShaper(o: { target: number; mbps: number; rtt: number }): Promise<{ port: number; close(): Promise<void> }> };

const suite = suiteServer(t, 'snapvm-offload-steps-', ['--quiet']);
const { tmp } = suite;
const clicks = path.join(root, 'bench', 'offload', 'pages', 'clicks');

/** The example's steps, lighter: 200 iterations per render (each still far longer here than a migration is predicted to cost, 200 ms; a light handler far shorter). */
const exampleSteps = tmp.write(
  'clicks.json',
  JSON.stringify([
    { type: ['#iterations', '200'] },
    { key: ['#iterations', 'Enter'] },
    { click: '#count' },
    { click: '#render' },
    { wait: 10 },
    { click: '#count' },
    { click: '#render' },
    { print: '#status' },
    { click: '#render' },
    { click: '#count' },
    { wait: 10 },
    { click: '#render' },
    { wait: 10 },
    { print: '#clicks' },
    { click: '#dump' },
  ]),
);

/** `runPage` in this process (the CLI's own path) with an edge, a given decision model and every trip reported. */
async function runWithPolicy(file: string, steps: string, edge: string, policy: OffloadPolicy): Promise<{ code: number; stdout: string; stderr: string; reports: string[]; others: string }> {
  let stdout = '';
  let stderr = '';
  const io: Streams = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) };
  const code = await runPage(file, ['--steps', steps], io, { edge, edgeAuto: true, edgeReport: true, edgePolicy: policy });
  const lines = stderr.split('\n').filter(Boolean);
  // (--edge-report's first line under --edge-auto says what the decisions start from)
  const policyLine = /^snapvm: automatic decisions: a model given by the embedder: the edge predicted 10\.00× as fast, a migration 200 ms until measured$/;
  if (!policyLine.test(lines[0] ?? '')) throw new Error(`no line on the decisions' start:\n${stderr}`);
  return {
    code,
    stdout,
    stderr,
    reports: lines.filter((l) => l.startsWith('snapvm: offload ')),
    others: lines
      .slice(1)
      .filter((l) => !l.startsWith('snapvm: offload '))
      .join('\n'),
  };
}

t.test("a listener that returns its offload's promise (an arrow's body) moves: happy-dom's rejection handler on it is a controller path", async (t) => {
  const file = tmp.write(
    'returns.html',
    `<!DOCTYPE html><html><body><button id="go">go</button><p id="out">-</p><script>
const hint = typeof snapvm === 'undefined' ? { offload: async (f, ...a) => f(...a) } : snapvm;
function work(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + i * i) % 1000003; return s; }
let runs = 0;
document.getElementById('go').addEventListener('click', () => hint.offload(work, 30000 * ++runs).then((v) => { document.getElementById('out').textContent = 'got ' + v; console.log('got', runs, v); }));
document.getElementById('go').onclick = () => hint.offload(() => { throw new Error('refused ' + runs); });
window.addEventListener('error', (e) => console.log('error event:', e.error && e.error.message));
</script></body></html>`,
  );
  const steps = tmp.write('returns.json', JSON.stringify([{ click: '#go' }, { wait: 5 }, { click: '#go' }, { wait: 5 }, { print: '#out' }]));
  const [local, edge] = await Promise.all([snapvm(['run', file, '--steps', steps]), snapvm(['run', file, '--steps', steps, '--edge', suite.server.url, '--edge-report'])]);
  t.equal(local.code, 1, 'locally: the rejection is a page error (exit 1)');
  t.match(local.stdout, /^got 1 \d+\nerror event: refused 1\n|^error event: refused 1\ngot 1 \d+\n/, 'locally: the result, and the rejected promise a listener returned reported as an error event');
  t.equal(edge.stdout, local.stdout, 'the same output offloaded');
  t.equal(edge.code, local.code, edge.stderr);
  const reports = edge.stderr.split('\n').filter((l) => l.startsWith('snapvm: offload '));
  t.ok(reports.length >= 2, `the listeners' offloads went to the edge: ${edge.stderr}`);
  t.notMatch(edge.stderr, /cannot write out|running locally/, 'no trip refused');
});

t.test('hints in listeners: steps drive the page on the edge and back, the same output and document as locally', async (t) => {
  const file = tmp.write(
    'hinted.html',
    `<!DOCTYPE html><html><body><input id="q"><button id="go">go</button><button id="away">away</button><p id="out">-</p><ul id="l"></ul><script>
const hint = typeof snapvm === 'undefined' ? { offload: async (f) => f(), migrate: async () => 'client', where: 'client' } : snapvm;
function work(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + i * i) % 1000003; return s; }
let runs = 0;
document.getElementById('go').addEventListener('click', () => {
  const n = ++runs;
  console.log('go', n, document.getElementById('q').value);
  hint.offload(() => {
    const li = document.createElement('li');
    li.textContent = n + ': ' + work(20000 * n);
    document.getElementById('l').appendChild(li);
    return document.getElementById('l').children.length;
  }).then((k) => { document.getElementById('out').textContent = 'items ' + k; console.log('done', n, k); });
});
// moves to the edge and stays: the timers it sets must still wait for the steps' waits
document.getElementById('away').addEventListener('click', () => {
  hint.migrate('edge').then(() => {
    document.getElementById('out').textContent = 'away';
    setTimeout(() => { document.getElementById('out').textContent = 'timer ran'; console.log('timer'); }, 5);
    setTimeout(() => hint.migrate('client').then(() => console.log('back', document.getElementById('l').children.length)), 20);
  });
});
document.getElementById('q').addEventListener('input', (e) => (document.getElementById('out').textContent = 'typed ' + e.target.value));
</script></body></html>`,
  );
  const steps = tmp.write(
    'hinted.json',
    JSON.stringify([
      { type: ['#q', 'ab'] },
      { print: '#out' },
      { click: '#go' },
      { print: '#out' },
      { click: '#go' },
      { click: '#away' },
      { print: '#out' },
      { wait: 10 },
      { print: '#out' },
      { click: '#go' },
      { wait: 30 },
      { print: '#l' },
      { print: 'body' },
    ]),
  );
  const [local, edge] = await Promise.all([snapvm(['run', file, '--steps', steps]), snapvm(['run', file, '--steps', steps, '--edge', suite.server.url, '--edge-report'])]);
  t.equal(local.code, 0, local.stderr);
  t.equal(edge.code, 0, edge.stderr);
  t.equal(local.stdout.split('\n').slice(0, 7).join('\n'), 'typed ab\ngo 1 ab\ndone 1 1\nitems 1\ngo 2 ab\ndone 2 2\naway', 'the local run as the steps say');
  t.match(local.stdout, /\ntimer\ntimer ran\ngo 3 ab\n/, 'the timer set on the edge ran in the wait, not before the print before it');
  t.equal(edge.stdout, local.stdout, 'the same output, in the same order, and the same final document (printed by the last step)');
  const reports = edge.stderr.split('\n').filter(Boolean);
  t.ok(
    reports.every((l) => l.startsWith('snapvm: offload ')),
    edge.stderr,
  );
  t.ok(reports.length >= 5, `each offload and the stay on the edge went there: ${reports.length} trips`);
  // after "away" the app stays on the edge: the turns of the next spans (the wait's timer, the next click) go there
  t.ok(reports.filter((l) => / in 1 turns /.test(l) && !/automatic/.test(l)).length >= 2, 'the spans after the app moved ran there, one turn each');
});

t.test('--edge-auto with steps (bench/offload/pages/clicks): the first render runs here and is timed, later ones run on the edge; the light handler stays', async (t) => {
  const local = await snapvm(['run', clicks, '--steps', exampleSteps]);
  t.equal(local.code, 0, local.stderr);
  t.match(local.stdout, /^render 1 starts \(200 iterations\)\nrender 1 shown: zoom 2: /);
  // a client 10 times slower than the edge, a migration first guessed at 200 ms (then measured)
  const edge = await runWithPolicy(clicks, exampleSteps, suite.server.url, new OffloadPolicy(10, 200));
  t.equal(edge.code, 0, edge.stderr);
  t.equal(edge.stdout, local.stdout, 'the same output and final document (the dump step prints the body)');
  t.ok(edge.reports.length >= 1, `offloaded on its own:\n${edge.stderr}`);
  for (const line of edge.reports)
    t.match(
      line,
      /^snapvm: offload \d+ after turn \d+ \(automatic, input click #render: predicted \d+ ms here > \d+ ms there \+ \d+ ms migration\): up [\d.]+ KB/,
      'only the render handler, on its own decision',
    );
  // turns: the load 1, type 2, key 3, count 4, the first render 5, its timer 6, count 7, the second render 8
  t.match(edge.reports[0], /^snapvm: offload 1 after turn 7 /, 'the first dispatch of the render handler ran here; the second went to the edge');
  t.notMatch(edge.stderr, /input click #count|input type|input key/, 'the light handlers stayed here');
  t.equal(edge.others, '', 'nothing else on stderr');
  // the command itself, calibrated against the server (both on this machine: whether it moves is the model's call)
  const cli = await snapvm(['run', clicks, '--steps', exampleSteps, '--edge', suite.server.url, '--edge-auto', '--edge-report']);
  t.equal(cli.code, 0, cli.stderr);
  t.equal(cli.stdout, local.stdout, 'the same output and document from the command');
  t.match(cli.stderr, /^snapvm: automatic decisions: the calibration program ran [\d.]+ ms here, [\d.]+ ms on the edge: the edge predicted [\d.]+× as fast, a migration 500 ms until measured\n/);
  for (const line of cli.stderr.split('\n').slice(1).filter(Boolean)) t.match(line, /^snapvm: offload \d+ after turn \d+ \(automatic, input click #render: /, 'only the render handler, if any');
});

t.test("the server killed on a step's trip: the page finishes here once, nothing lost or repeated", async (t) => {
  const server = await Server.start(['--quiet']);
  t.teardown(() => server.kill());
  const gate = await consoleGate(server.port);
  t.teardown(gate.close);
  const local = await snapvm(['run', clicks, '--steps', exampleSteps]);
  // the render handler's first console line on the edge passes the gate, then the server dies
  void gate.passedConsole.then(() => server.kill('SIGKILL'));
  const edge = await runWithPolicy(clicks, exampleSteps, gate.url, new OffloadPolicy(10, 200));
  t.equal(edge.code, 0, edge.stderr);
  t.equal(edge.stdout, local.stdout, "each line once, the same final document: the edge's output was dropped, the step ran here");
  t.match(edge.others, /^snapvm: edge ws:\/\/127\.0\.0\.1:\d+ failed mid-offload \(.+\); continuing locally from the state kept after turn 7$/);
  t.equal(edge.reports.length, 0, 'no trip completed');
});

t.test('a step that finds no element fails as locally; --edge with --steps is no longer refused', async (t) => {
  const file = tmp.write('missing.html', '<!DOCTYPE html><html><body><button id="b">b</button><script>document.getElementById("b").onclick = () => console.log("clicked");</script></body></html>');
  const steps = tmp.write('missing.json', JSON.stringify([{ click: '#b' }, { click: '#nope' }, { print: '#b' }]));
  const [local, edge] = await Promise.all([snapvm(['run', file, '--steps', steps]), snapvm(['run', file, '--steps', steps, '--edge', suite.server.url])]);
  t.equal(local.code, 1);
  t.equal(edge.code, 1);
  t.equal(edge.stdout, local.stdout);
  t.equal(edge.stdout, 'clicked\n');
  t.equal(edge.stderr, local.stderr);
  t.match(edge.stderr, /step 1 \(\{"click":"#nope"\}\): no element matches "#nope"/);
});

t.test('a page whose load runs longer than the connect deadline still offloads (the deadline counts only time the client could read the welcome)', async (t) => {
  const file = tmp.write(
    'slow-load.html',
    `<!DOCTYPE html><html><body><button id="b">b</button><script>
const end = Date.now() + 6500; // longer than the 5 s deadline: the welcome arrives while the load runs
while (Date.now() < end);
document.getElementById('b').addEventListener('click', () => {
  snapvm.offload(() => snapvm.where).then((w) => console.log('ran on the', w));
});
</script></body></html>`,
  );
  const steps = tmp.write('slow-load.json', JSON.stringify([{ click: '#b' }]));
  // a link with a 1 s round trip: the welcome comes after the 0.3 s the client waits for it before the load
  const shaper = await startShaper({ target: suite.server.port, mbps: 0, rtt: 1000 });
  t.teardown(() => shaper.close());
  const r = await snapvm(['run', file, '--steps', steps, '--edge', `ws://127.0.0.1:${shaper.port}`]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'ran on the edge\n');
  t.equal(r.stderr, '');
});

t.test('an offload bounded by until: refused when it is not a number of ms ≥ 0 (a streamed one carries it too)', async (t) => {
  const s = await helloSession(suite.server.url);
  t.teardown(() => s.close());
  for (const until of [-1, '5', Infinity]) {
    s.send({ type: 'offload', id: 1, snapshot: 'x', sha256: '0'.repeat(64), until });
    t.match(await s.next(), { type: 'error', code: 'bad-message', message: /until/ }, `until ${String(until)}`);
  }
});
