// The guest `ort` API against onnxruntime-node called directly, side by side (issue 5):
//  - per-call overhead on a one-op graph (Add of two [1, 4] tensors);
//  - ResNet-50 and MobileNet (real shapes, SEEDED RANDOM WEIGHTS) inference through each, and
//    through onnxruntime-web's WebAssembly backend in this Node (the browser's CPU path; its
//    default thread count unless --web-threads N).
// Guest numbers include everything a guest pays: the interpreted loop, argument checks, the copy of
// the input into onnxruntime, the copy of the output into a guest Float32Array, guest promises.
// "API cost outside ort" = (guest − time inside onnxruntime's run) − (direct − time inside its run),
// per call (medians): the guest API's own cost, which the load of a shared machine hardly moves.
// Both sides are warmed up first (the interpreter's JIT warm-up is not per-call overhead). Then each
// round runs a batch on one side and a batch on the other (order alternating), and the table gives
// the medians over rounds of the mean per call and of the per-round ratio guest/direct: pairing
// batches that ran back to back keeps a busy shared machine's load out of the ratio.
//
//   npm run build && node bench/ml/ort-overhead.js [--rounds 15] [--tiny 500] [--big 1] [--web-threads N] [--no-web]
const ml = require('../../dist/src/ml/index.js');
const { Engine } = require('../../dist/src/interpreter/index.js');
const ort = require('onnxruntime-node');

const args = process.argv.slice(2);
const opt = (name, fallback) => Number(args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const rounds = opt('--rounds', 15);
const tinyCalls = opt('--tiny', 500);
const bigCalls = opt('--big', 1);
const withWeb = !args.includes('--no-web');
const webThreads = args.includes('--web-threads') ? opt('--web-threads', 1) : undefined;

const { now, timed, median, pause } = require('./timing');

/** Direct: an async loop of session.run on onnxruntime-node (what a Node program does). */
async function direct(bytes, name, dims, data) {
  const session = await ort.InferenceSession.create(bytes);
  const tensor = () => new ort.Tensor('float32', data, dims);
  await session.run({ [name]: tensor() });
  return async (calls) => {
    const t0 = now();
    for (let i = 0; i < calls; i++) await session.run({ [name]: tensor() });
    return (now() - t0) / calls;
  };
}

/** onnxruntime-web's wasm backend, the same loop (what the app would run in a browser without a GPU). */
async function web(bytes, name, dims, data) {
  const ortWeb = require('onnxruntime-web');
  if (webThreads !== undefined) ortWeb.env.wasm.numThreads = webThreads;
  const session = await ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const tensor = () => new ortWeb.Tensor('float32', data, dims);
  await session.run({ [name]: tensor() });
  return async (calls) => {
    const t0 = now();
    for (let i = 0; i < calls; i++) await session.run({ [name]: tensor() });
    return (now() - t0) / calls;
  };
}

/** Guest: the same loop as a guest program under snapvm, through the `ort` service. */
async function guest(bytes, name, dims, data) {
  const engine = new Engine({ services: [ml.ortService()] });
  const g = engine.realm.global;
  g.modelBytes = new g.Uint8Array(bytes);
  g.inputData = new g.Float32Array(data);
  g.inputDims = engine.evaluateScript(JSON.stringify(dims));
  engine.evaluateScript(
    `
    var session;
    ort.InferenceSession.create(modelBytes).then((s) => { session = s; return s.run({ ${JSON.stringify(name)}: new ort.Tensor('float32', inputData, inputDims) }); });
    async function loop(n) { for (let i = 0; i < n; i++) await session.run({ ${JSON.stringify(name)}: new ort.Tensor('float32', inputData, inputDims) }); }
  `,
    'bench.js',
  );
  await engine.runEventLoop();
  const loop = g.loop; // called from the host: no script to compile per round
  return async (calls) => {
    const t0 = now();
    loop(calls);
    await engine.runEventLoop();
    return (now() - t0) / calls;
  };
}

async function compare(label, bytes, name, dims, calls, warmup, unit, includeWeb) {
  const data = ml.patternInput(dims).data;
  const d = await direct(bytes, name, dims, data);
  const g = await guest(bytes, name, dims, data);
  const w = includeWeb ? await web(bytes, name, dims, data) : null;
  await d(warmup);
  await g(warmup);
  if (w) await w(warmup);
  const ds = [],
    gs = [],
    ws = [],
    ratios = [],
    webRatios = [];
  // A pause before each batch: onnxruntime's idle worker threads spin for a while after a run, and
  // on 2 cores the other session's spinning threads would slow the next batch down.
  const batch = async (side) => {
    await pause();
    return timed(side, calls);
  };
  const dOut = [],
    gOut = [];
  for (let r = 0; r < rounds; r++) {
    let a, b;
    if (r % 2) {
      b = await batch(g);
      a = await batch(d);
    } else {
      a = await batch(d);
      b = await batch(g);
    }
    ds.push(a.perCall);
    gs.push(b.perCall);
    dOut.push(a.outside);
    gOut.push(b.outside);
    ratios.push(gs[r] / ds[r]);
    if (w) {
      ws.push((await batch(w)).perCall);
      webRatios.push(ws[r] / gs[r]);
    }
  }
  const dm = median(ds),
    gm = median(gs),
    ratio = median(ratios);
  const added = median(gOut) - median(dOut); // the guest API's own cost per call
  const ortTime = median(ds) - median(dOut);
  const scale = unit === 'µs' ? 1000 : 1;
  return {
    case: label,
    calls: `${calls} per round`,
    [`direct ${unit}`]: (dm * scale).toFixed(unit === 'µs' ? 1 : 2),
    [`guest ort ${unit}`]: (gm * scale).toFixed(unit === 'µs' ? 1 : 2),
    [`overhead ${unit}`]: ((gm - dm) * scale).toFixed(unit === 'µs' ? 1 : 2),
    'guest / direct (median of rounds)': ratio.toFixed(3),
    [`API cost outside ort ${unit}`]: (added * scale).toFixed(unit === 'µs' ? 1 : 3),
    'API cost / ort run': `${((added / ortTime) * 100).toFixed(2)} %`,
    ...(w ? { [`ort-web wasm ${unit}`]: (median(ws) * scale).toFixed(2), 'ort-web / guest (median of rounds)': median(webRatios).toFixed(2) } : {}),
  };
}

async function main() {
  const tiny = new ml.GraphBuilder('tiny');
  tiny.output(tiny.node('Add', [tiny.input('x', [1, 4]), tiny.weight('w', [1, 4], Float32Array.from([1, 2, 3, 4]))], {}, { outputs: ['y'] }));
  const rows = [await compare('one Add [1,4]', tiny.bytes(), 'x', [1, 4], tinyCalls, 5000, 'µs')];
  for (const name of ['mobilenet', 'resnet50']) {
    const m = await ml.zooModel(name);
    rows.push(await compare(`${name} (seeded random weights)`, ml.encodeModel(m.model), m.input.name, m.input.dims, bigCalls, 3, 'ms', withWeb));
  }
  console.log(
    `onnxruntime-node ${require('onnxruntime-node/package.json').version} CPU, Node ${process.version}, ${require('node:os').cpus().length} cores; median over ${rounds} rounds; load average ${require('node:os').loadavg()[0].toFixed(1)}`,
  );
  if (withWeb) console.log(`onnxruntime-web ${require('onnxruntime-web').env.versions.web} wasm, numThreads ${webThreads ?? 'default'}`);
  for (const r of rows) console.log(JSON.stringify(r));
  console.table(rows);
  process.exit(0); // onnxruntime-web's wasm worker threads would keep Node alive
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
