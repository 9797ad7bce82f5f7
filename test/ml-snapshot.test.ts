// Tensors, sessions and WebNN graphs in snapshots: a program that loaded a model and computed a
// tensor is written out, restored in a fresh engine (and, through the CLI, a fresh process), and
// computes the same; a model's bytes are written once however many sessions and references hold it.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Engine, SnapshotError } from '../src/index';
import { ortService, webnnService, GraphBuilder } from '../src/ml/index';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-ml-snap-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

/** y = relu(x + w), x [n, 4]. */
function smallModel(): Uint8Array {
  const g = new GraphBuilder('small');
  const x = g.input('x', ['n', 4]);
  g.output(g.node('Relu', [g.node('Add', [x, g.weight('w', [1, 4], Float32Array.from([1, -2, 3, -4]))])], {}, { outputs: ['y'] }));
  return g.bytes();
}
const model = smallModel();
fs.writeFileSync(path.join(dir, 'small.onnx'), model);
const modelBase64 = Buffer.from(model).toString('base64');
const occurrences = (text: string, s: string) => text.split(s).length - 1;

const services = () => [ortService({ modelRoot: dir }), webnnService()];

/** Loads the model twice (two sessions, three references), computes, builds a WebNN graph, fills an MLTensor. */
const LOAD = `
  var s1, s2, refs, input, first, ctx, graph, mt;
  (async () => {
    s1 = await ort.InferenceSession.create('small.onnx');
    s2 = await ort.InferenceSession.create('small.onnx');
    refs = [s1, s1, s2];
    input = new ort.Tensor('float32', new Float32Array([1, 1, 1, 1, -5, 5, 0, 10]), [2, 4]);
    first = (await s1.run({ x: input })).y;
    ctx = await navigator.ml.createContext();
    const b = new MLGraphBuilder(ctx);
    const x = b.input('x', { dataType: 'float32', shape: [2, 4] });
    graph = await b.build({ y: b.relu(b.mul(x, b.constant({ dataType: 'float32', shape: [4] }, new Float32Array([1, 2, 3, 4])))) });
    mt = await ctx.createTensor({ dataType: 'float32', shape: [2, 4], readable: true, writable: true });
    ctx.writeTensor(mt, input.data);
  })();`;
/** Computes everything again and prints it. */
const AFTER = `
  (async () => {
    const again = (await refs[2].run({ x: input })).y;
    const y = new Float32Array(8);
    await ctx.compute(graph, { x: input.data }, { y });
    const ty = await ctx.createTensor({ dataType: 'float32', shape: [2, 4], readable: true });
    ctx.dispatch(graph, { x: mt }, { y: ty });
    console.log([Array.from(first.data), Array.from(again.data), again.dims, Array.from(y), Array.from(new Float32Array(await ctx.readTensor(ty))),
      refs[0] === refs[1], refs[1] === s1, first instanceof ort.Tensor, graph instanceof MLGraph].join(' | '));
  })();`;
const EXPECTED = '2,0,4,0,0,3,3,6 | 2,0,4,0,0,3,3,6 | 2,4 | 1,2,3,4,0,10,0,40 | 1,2,3,4,0,10,0,40 | true | true | true | true';

async function settle(engine: Engine, code: string): Promise<string[]> {
  const lines: string[] = [];
  (engine as any).options.onConsole = (_level: string, args: unknown[]) => lines.push(engine.format(args));
  engine.evaluateScript(code, 'step.js');
  await engine.runEventLoop();
  return lines;
}

t.test('engine.snapshot() after a model is loaded restores and computes the same; the model is written once', async (t) => {
  const engine = new Engine({ services: services(), onConsole: () => {} });
  await settle(engine, LOAD);
  const snap = engine.snapshot();
  t.equal(occurrences(snap.code, modelBase64), 1, 'two sessions and three references: the bytes once');
  t.match(snap.stats.byKind, { 'ort.InferenceSession': 2, 'ort.Tensor': 2, 'webnn.MLGraph': 1, 'webnn.MLTensor': 1, 'webnn.MLContext': 1 });
  t.same(await settle(Engine.restore(snap.code, { services: services(), onConsole: () => {} }), AFTER), [EXPECTED], 'restored');
  t.same(await settle(engine, AFTER), [EXPECTED], 'the original computes the same');

  // a restored engine writes the model once again, and that snapshot restores too
  const restored = Engine.restore(snap.code, { services: services(), onConsole: () => {} });
  const again = restored.snapshot();
  t.equal(occurrences(again.code, modelBase64), 1);
  t.same(await settle(Engine.restore(again.code, { services: services(), onConsole: () => {} }), AFTER), [EXPECTED], 'restored twice');
});

t.test('a WebNN builder snapshotted half-way builds and computes after the restore', async (t) => {
  const engine = new Engine({ services: services(), onConsole: () => {} });
  await settle(
    engine,
    `var ctx, b, x, h;
    navigator.ml.createContext().then((c) => {
      ctx = c; b = new MLGraphBuilder(ctx);
      x = b.input('x', { dataType: 'float32', shape: [1, 1, 2, 2] });
      h = b.conv2d(x, b.constant({ dataType: 'float32', shape: [1, 1, 1, 1] }, new Float32Array([3])), { bias: b.constant({ dataType: 'float32', shape: [1] }, new Float32Array([1])) });
    });`,
  );
  const restored = Engine.restore(engine.snapshot().code, { services: services(), onConsole: () => {} });
  t.same(
    await settle(
      restored,
      `(async () => {
    const g = await b.build({ y: b.resample2d(b.relu(h), { scales: [1, 2] }) });
    const y = new Float32Array(8);
    await ctx.compute(g, { x: new Float32Array([1, -1, 2, 0]) }, { y });
    console.log(h.shape.join('x') + ' ' + y.join(' '));
  })();`,
    ),
    ['1x1x2x2 4 4 0 0 7 7 1 1'],
  );
});

t.test('a released session stays released; a snapshot while a model loads is refused', async (t) => {
  const engine = new Engine({ services: services(), onConsole: () => {} });
  await settle(engine, `var s; ort.InferenceSession.create('small.onnx').then(async (x) => { s = x; await s.release(); });`);
  const restored = Engine.restore(engine.snapshot().code, { services: services(), onConsole: () => {} });
  t.same(await settle(restored, `Promise.resolve().then(() => s.run({ x: new ort.Tensor(new Float32Array(4), [1, 4]) })).catch((e) => console.log(e.message));`), [
    'session.run: the session was released',
  ]);

  const loading = new Engine({ services: services(), onConsole: () => {} });
  loading.evaluateScript(`ort.InferenceSession.create('small.onnx');`);
  t.throws(() => loading.snapshot(), new SnapshotError('cannot snapshot while host work is in flight (1 operation, e.g. a model loading or an inference); snapshot after it settles'));
  await loading.runEventLoop();
});

t.test('damaged model bytes in a snapshot are refused, naming the session', async (t) => {
  const engine = new Engine({ services: services(), onConsole: () => {} });
  await settle(engine, `var s; ort.InferenceSession.create('small.onnx').then((x) => { s = x; });`);
  const code = engine.snapshot().code;
  const damaged = code.replace(modelBase64, Buffer.from(model.map((b, i) => (i === 40 ? b ^ 1 : b))).toString('base64'));
  t.not(damaged, code);
  t.throws(() => Engine.restore(damaged, { services: services() }), /damaged snapshot: ort\.InferenceSession: the model's bytes do not match their hash [0-9a-f]{64}/);
});

t.test('snapvm run --snapshot-at … --stop, then snapvm restore in a fresh process', async (t) => {
  const bin = path.join(__dirname, '..', 'bin', 'snapvm.js');
  const app = path.join(dir, 'app.js');
  // the second part runs from a timer, after the snapshot
  fs.writeFileSync(app, `${LOAD.replace('ctx.writeTensor(mt, input.data);', "ctx.writeTensor(mt, input.data); console.log('loaded'); setTimeout(() => {" + AFTER + '}, 20);')}\n`);
  const snap = path.join(dir, 'app.snap.js');
  const full = spawnSync(process.execPath, [bin, 'run', app], { encoding: 'utf8', timeout: 60_000 });
  t.equal(full.stdout, `loaded\n${EXPECTED}\n`, full.stderr);
  // turn 1 is the program; each settled model load, inference and build is a turn of its own
  let turn = 0;
  let run: ReturnType<typeof spawnSync> | undefined;
  for (turn = 2; turn < 12; turn++) {
    run = spawnSync(process.execPath, [bin, 'run', app, '--snapshot-at', `turn:${turn}`, '--out', snap, '--stop'], { encoding: 'utf8', timeout: 60_000 });
    if (run.status === 0 && /written/.test(String(run.stderr))) break; // turns with a model loading in flight are refused
  }
  t.equal(run!.status, 0, String(run!.stderr));
  t.equal(run!.stdout, 'loaded\n', 'the snapshot is taken once the program has loaded');
  t.match(String(run!.stderr), `snapshot after turn ${turn} written`);
  t.equal(occurrences(fs.readFileSync(snap, 'utf8'), modelBase64), 1);
  const restored = spawnSync(process.execPath, [bin, 'restore', snap], { encoding: 'utf8', timeout: 60_000 });
  t.equal(restored.stderr, '');
  t.equal(restored.stdout, `${EXPECTED}\n`);
  t.equal(restored.status, 0);
});
