// The GPU path: ask for the GPU (CUDA where the installed onnxruntime-node has its CUDA libraries,
// else the bundled WebGPU provider) and print the one line saying which provider runs and why; then
// compare outputs and timing with CPU for MobileNet and ResNet-50 (SEEDED RANDOM WEIGHTS).
// On a machine without a usable GPU it prints the fall-back line and CPU figures on both sides.
//
//   npm run build && node bench/ml/gpu-check.js [--runs 10]
const ml = require('../../dist/src/ml/index.js');

const args = process.argv.slice(2);
const runs = Number(args.includes('--runs') ? args[args.indexOf('--runs') + 1] : 10);

async function main() {
  console.log('backends:', JSON.stringify(ml.ort.listSupportedBackends()));
  const rows = [];
  for (const name of ['mobilenet', 'resnet50']) {
    const m = await ml.zooModel(name);
    const feeds = { [m.input.name]: ml.patternInput(m.input.dims) };
    const cpu = await ml.createSession(m.model, 'cpu');
    const gpu = await ml.createSession(m.model, 'gpu');
    console.log(`${name}: ${gpu.note}`);
    const a = (await cpu.session.run(feeds))[m.output.name];
    const b = (await gpu.session.run(feeds))[m.output.name];
    rows.push({
      model: name, provider: gpu.provider, 'cpu ms': (await ml.timeRuns(cpu.session, feeds, runs)).toFixed(2),
      'gpu-asked ms': (await ml.timeRuns(gpu.session, feeds, runs)).toFixed(2), 'relative difference': ml.compareOutputs(b, a).relative.toExponential(2),
    });
  }
  console.table(rows);
}
main().catch((e) => { console.error(e); process.exit(1); });
