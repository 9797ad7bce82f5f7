// Every zoo model split at every chain boundary reproduces the whole model (issue 5).
// For each boundary c: run layers [0, c) and [c, L) as two sessions and compare with the whole
// model's output; then all boundaries at once. Zoo CNNs have SEEDED RANDOM WEIGHTS (classifier
// calibrated so the softmax is not saturated); PP-OCR models are the real pretrained ones.
//
//   npm run build && node bench/ml/split-check.js [--models alexnet,resnet50,…] [--json FILE]
// --json writes the difference at every boundary of every model.
const ml = require('../../dist/src/ml/index.js');

const args = process.argv.slice(2);
const pick = args.includes('--models') ? args[args.indexOf('--models') + 1].split(',') : null;
const jsonFile = args.includes('--json') ? args[args.indexOf('--json') + 1] : null;

async function runPieces(pieces, feeds) {
  let current = feeds;
  let out;
  for (const p of pieces) {
    const { session } = await ml.createSession(p);
    const name = p.graph.output[0].name;
    out = (await session.run(current))[name];
    current = { [name]: out };
    await session.release();
  }
  return out;
}

async function main() {
  const cases = [
    ...ml.caffeZooNames.map((name) => ({
      name,
      weights: 'seeded random',
      load: async () => {
        const m = await ml.zooModel(name);
        return { model: m.model, feeds: { [m.input.name]: ml.patternInput(m.input.dims) } };
      },
    })),
    { name: 'ppocr-cls', weights: 'pretrained', load: async () => ({ model: ml.ocrModel('cls').model, feeds: { x: ml.patternInput([1, 3, 48, 192]) } }) },
    { name: 'ppocr-det', weights: 'pretrained', load: async () => ({ model: ml.ocrModel('det').model, feeds: { x: ml.patternInput([1, 3, 320, 320]) } }) },
    { name: 'ppocr-rec', weights: 'pretrained', load: async () => ({ model: ml.ocrModel('rec').model, feeds: { x: ml.patternInput([1, 3, 48, 320]) } }) },
  ].filter((c) => !pick || pick.includes(c.name));
  const rows = [];
  const detail = {};
  for (const c of cases) {
    const t0 = Date.now();
    const { model, feeds } = await c.load();
    const chain = ml.layerChain(model);
    const { session } = await ml.createSession(model);
    const whole = (await session.run(feeds))[model.graph.output[0].name];
    await session.release();
    const L = chain.layers.length;
    let worst = { relative: 0, maxAbs: 0, at: '-' };
    detail[c.name] = [];
    for (let cut = 1; cut < L; cut++) {
      const d = ml.compareOutputs(await runPieces(ml.splitModel(chain, [cut]), feeds), whole);
      detail[c.name].push({ boundary: cut, before: chain.layers[cut - 1].name, tensor: chain.layers[cut].inputs[0], ...d });
      if (d.relative > worst.relative || (worst.at === '-' && d.relative === 0)) worst = { ...d, at: `${cut}, after ${chain.layers[cut - 1].name}` };
    }
    const all = ml.compareOutputs(
      await runPieces(
        ml.splitModel(
          chain,
          Array.from({ length: L - 1 }, (_, k) => k + 1),
        ),
        feeds,
      ),
      whole,
    );
    rows.push({
      model: c.name,
      weights: c.weights,
      layers: L,
      boundaries: L - 1,
      'worst rel (1 cut)': worst.relative.toExponential(2),
      'worst abs': worst.maxAbs.toExponential(2),
      'at boundary': worst.at,
      'rel (all cuts)': all.relative.toExponential(2),
      ok: worst.relative <= 1e-5 && all.relative <= 1e-5 ? 'yes' : 'NO',
      s: ((Date.now() - t0) / 1000).toFixed(1),
    });
    console.error(`${c.name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  console.log(`onnxruntime-node ${require('onnxruntime-node/package.json').version}, CPU, default graph optimizations; relative = max |split − whole| / max |whole|`);
  console.table(rows);
  if (jsonFile) require('node:fs').writeFileSync(jsonFile, JSON.stringify(detail, null, 1) + '\n');
  if (rows.some((r) => r.ok !== 'yes')) process.exitCode = 1;
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
