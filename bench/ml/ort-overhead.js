// The guest `ort` API against onnxruntime-node called directly, side by side (issue 5):
//  - per-call overhead on a one-op graph (Add of two [1, 4] tensors);
//  - ResNet-50 and MobileNet (real shapes, SEEDED RANDOM WEIGHTS) inference through each.
// Guest numbers include everything a guest pays: the interpreted loop, argument checks, the copy of
// the input into onnxruntime, the copy of the output into a guest Float32Array, guest promises.
// Each round alternates the two sides; the table gives the median over rounds of the mean per call.
//
//   npm run build && node bench/ml/ort-overhead.js [--rounds 7] [--tiny 2000] [--big 5]
const ml = require('../../dist/src/ml/index.js');
const { Engine } = require('../../dist/src/interpreter/index.js');
const ort = require('onnxruntime-node');

const args = process.argv.slice(2);
const opt = (name, fallback) => Number(args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const rounds = opt('--rounds', 7);
const tinyCalls = opt('--tiny', 2000);
const bigCalls = opt('--big', 5);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = () => Number(process.hrtime.bigint()) / 1e6;

/** Direct: an async loop of session.run on onnxruntime-node (what a Node program does). */
async function direct(bytes, name, dims, data, calls) {
  const session = await ort.InferenceSession.create(bytes);
  const tensor = () => new ort.Tensor('float32', data, dims);
  await session.run({ [name]: tensor() });
  return async () => {
    const t0 = now();
    for (let i = 0; i < calls; i++) await session.run({ [name]: tensor() });
    return (now() - t0) / calls;
  };
}

/** Guest: the same loop as a guest program under snapvm, through the `ort` service. */
async function guest(bytes, name, dims, data, calls) {
  const engine = new Engine({ services: [ml.ortService()] });
  const g = engine.realm.global;
  g.modelBytes = new g.Uint8Array(bytes);
  g.inputData = new g.Float32Array(data);
  g.inputDims = engine.evaluateScript(JSON.stringify(dims));
  engine.evaluateScript(`
    var session;
    ort.InferenceSession.create(modelBytes).then((s) => { session = s; return s.run({ ${JSON.stringify(name)}: new ort.Tensor('float32', inputData, inputDims) }); });
    async function loop(n) { for (let i = 0; i < n; i++) await session.run({ ${JSON.stringify(name)}: new ort.Tensor('float32', inputData, inputDims) }); }
  `, 'bench.js');
  await engine.runEventLoop();
  return async () => {
    const t0 = now();
    engine.evaluateScript(`loop(${calls})`, 'round.js');
    await engine.runEventLoop();
    return (now() - t0) / calls;
  };
}

async function compare(label, bytes, name, dims, calls, unit) {
  const data = ml.patternInput(dims).data;
  const d = await direct(bytes, name, dims, data, calls);
  const g = await guest(bytes, name, dims, data, calls);
  const ds = [], gs = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2) { gs.push(await g()); ds.push(await d()); } else { ds.push(await d()); gs.push(await g()); }
  }
  const dm = median(ds), gm = median(gs);
  const scale = unit === 'µs' ? 1000 : 1;
  return {
    case: label, calls: `${calls} × ${rounds} rounds`,
    [`direct ${unit}`]: (dm * scale).toFixed(unit === 'µs' ? 1 : 2), [`guest ort ${unit}`]: (gm * scale).toFixed(unit === 'µs' ? 1 : 2),
    [`overhead ${unit}`]: ((gm - dm) * scale).toFixed(unit === 'µs' ? 1 : 2), 'guest / direct': (gm / dm).toFixed(3),
  };
}

async function main() {
  const tiny = new ml.GraphBuilder('tiny');
  tiny.output(tiny.node('Add', [tiny.input('x', [1, 4]), tiny.weight('w', [1, 4], Float32Array.from([1, 2, 3, 4]))], {}, { outputs: ['y'] }));
  const rows = [await compare('one Add [1,4]', tiny.bytes(), 'x', [1, 4], tinyCalls, 'µs')];
  for (const name of ['mobilenet', 'resnet50']) {
    const m = await ml.zooModel(name);
    rows.push(await compare(`${name} (seeded random weights)`, ml.encodeModel(m.model), m.input.name, m.input.dims, bigCalls, 'ms'));
  }
  console.log(`onnxruntime-node ${require('onnxruntime-node/package.json').version} CPU, Node ${process.version}, ${require('node:os').cpus().length} cores; median over rounds of the mean per call`);
  for (const r of rows) console.log(JSON.stringify(r));
  console.table(rows);
}
main().catch((e) => { console.error(e); process.exit(1); });
