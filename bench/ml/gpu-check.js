// The GPU path: ask for the GPU (CUDA where the installed onnxruntime-node has its CUDA libraries,
// else the bundled WebGPU provider) and print the one line saying which provider runs and why; then
// compare outputs and timing with CPU for MobileNet and ResNet-50 (SEEDED RANDOM WEIGHTS).
// Then the same through guest WebNN: `navigator.ml.createContext({ deviceType: 'gpu' })` prints its
// one line, and a small conv graph computes the same on the 'gpu' and the 'cpu' context.
// On a machine without a usable GPU it prints the fall-back line and CPU figures on both sides.
//
//   npm run build && node bench/ml/gpu-check.js [--runs 10]
const ml = require('../../dist/src/ml/index.js');
const { Engine } = require('../../dist/src/interpreter/index.js');

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
      model: name,
      provider: gpu.provider,
      'cpu ms': (await ml.timeRuns(cpu.session, feeds, runs)).toFixed(2),
      'gpu-asked ms': (await ml.timeRuns(gpu.session, feeds, runs)).toFixed(2),
      'relative difference': ml.compareOutputs(b, a).relative.toExponential(2),
    });
  }
  console.table(rows);

  const engine = new Engine({ services: [ml.webnnService({ onNote: (line) => console.log(line) })] });
  engine.evaluateScript(
    `
    (async () => {
      const x = Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => Math.sin(i * 0.37));
      const w = Float32Array.from({ length: 16 * 3 * 3 * 3 }, (_, i) => Math.cos(i * 0.11));
      const out = {};
      for (const deviceType of ['cpu', 'gpu']) {
        const ctx = await navigator.ml.createContext({ deviceType });
        const b = new MLGraphBuilder(ctx);
        const y = b.relu(b.conv2d(b.input('x', { dataType: 'float32', shape: [1, 3, 64, 64] }), b.constant({ dataType: 'float32', shape: [16, 3, 3, 3] }, w), { padding: [1, 1, 1, 1] }));
        const graph = await b.build({ y });
        out[deviceType] = new Float32Array(16 * 64 * 64);
        await ctx.compute(graph, { x }, { y: out[deviceType] });
      }
      let d = 0;
      for (let i = 0; i < out.cpu.length; i++) d = Math.max(d, Math.abs(out.cpu[i] - out.gpu[i]));
      console.log('WebNN conv2d, gpu context against cpu context: largest difference ' + d);
    })();`,
    'gpu-check-webnn.js',
  );
  await engine.runEventLoop();
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
