// Per-layer profiles of the zoo models for the IONN planner: for every chain layer, weight bytes,
// input/output feature bytes, onnxruntime-node CPU time measured here (median of --runs runs, one
// layer per session), and the IONN authors' ODROID-XU4 client and GPU server times summed onto the
// same chain layers. Zoo weights are SEEDED RANDOM (shapes real), which does not change the times.
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
  for (const name of models) {
    const m = await ml.zooModel(name);
    const chain = ml.layerChain(m.model);
    const profile = await ml.profileChain(chain, {
      model: name, weights: `seeded random weights (seed ${m.seed}), real layer shapes from ${ml.CAFFE_ZOO[name]}.deploy.prototxt`,
      feeds: { [m.input.name]: ml.patternInput(m.input.dims) }, runs,
    });
    profile.devices['ort-cpu'] += `; ${os.cpus().length} cores (${os.cpus()[0].model})`;
    const { unmatched } = ml.addIonnDeviceProfiles(profile, name);
    fs.writeFileSync(path.join(out, `${name}.json`), JSON.stringify(profile, null, 1) + '\n');
    const sum = (d) => profile.layers.reduce((s, l) => s + (l.ms[d] ?? 0), 0);
    rows.push({
      model: name, 'chain layers': profile.layers.length, 'weights MB': (profile.layers.reduce((s, l) => s + l.weightBytes, 0) / 1e6).toFixed(1),
      'ort-cpu whole ms': profile.wholeMs['ort-cpu'].toFixed(1), 'ort-cpu Σ layers ms': sum('ort-cpu').toFixed(1),
      'odroid-xu4 ms': sum('odroid-xu4').toFixed(0), 'gpu-server ms': profile.wholeMs['gpu-server'] ? sum('gpu-server').toFixed(2) : '-',
      unmatched: unmatched.length,
    });
  }
  console.log(`profiles written to ${out}; onnxruntime-node CPU, median of ${runs} runs per layer`);
  console.table(rows);
}
main().catch((e) => { console.error(e); process.exit(1); });
