// ONNX building without Python: the graph builder's models run on onnxruntime-node (CPU) with the
// expected numbers; the prototxt reader; clear errors for bad models.
import t from 'tap';
import { GraphBuilder, float, floats, decodeModel, encodeModel, parsePrototxt, ort, DataType } from '../src/ml/index';

const run = async (bytes: Uint8Array, feeds: Record<string, ort.Tensor>) => (await ort.InferenceSession.create(bytes)).run(feeds);
const f32 = (data: number[], dims: number[]) => new ort.Tensor('float32', Float32Array.from(data), dims);

t.test('a graph of element-wise ops, Gemm and attributes runs with the expected values', async (t) => {
  const g = new GraphBuilder('small');
  const x = g.input('x', ['batch', 3]);
  const w = g.weight('w', [2, 3], Float32Array.from([1, 0, -1, 0.5, 0.5, 0.5]));
  const b = g.weight('b', [2], Float32Array.from([0.25, -10]));
  const y = g.node('Gemm', [x, w, b], { transB: 1, alpha: float(2) });
  const z = g.node('LeakyRelu', [y], { alpha: float(0.5) }, { outputs: ['z'] });
  g.output(z, ['batch', 2]);
  const bytes = g.bytes('test model');
  const model = decodeModel(bytes);
  t.equal(model.graph!.node!.length, 2);
  t.equal(model.docString, 'test model');
  const r = await run(bytes, { x: f32([1, 2, 3, 4, 5, 6], [2, 3]) });
  // row 1: 2*(1-3)+0.25 = -3.75 → -1.875; 2*(3)-10 = -4 → -2; row 2: 2*(4-6)+.25 = -3.75 → -1.875; 2*7.5-10 = 5
  t.same([...(r.z!.data as Float32Array)], [-1.875, -2, -1.875, 5]);
  t.same(r.z!.dims, [2, 2]);
});

t.test('int64 constants and FLOATS/INTS attributes', async (t) => {
  const g = new GraphBuilder('shapes');
  const x = g.input('x', [1, 2, 2, 2]);
  const flat = g.node('Reshape', [x, g.ints('shape', [1, -1])]);
  const pooled = g.node('MaxPool', [x], { kernel_shape: [2, 2], strides: [1, 1] });
  const resized = g.node('Resize', [pooled, '', g.weight('scales', [4], Float32Array.from([1, 1, 2, 2]))], { mode: 'nearest' });
  g.output(flat);
  g.output(resized);
  g.node('Constant', [], { value_floats: floats([1.5, 2.5]) }, { outputs: ['c'] });
  g.output('c');
  const r = await run(g.bytes(), { x: f32([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]) });
  t.same(r[flat]!.dims, [1, 8]);
  t.same([...(r[resized]!.data as Float32Array)], [4, 4, 4, 4, 8, 8, 8, 8]);
  t.same([...(r.c!.data as Float32Array)], [1.5, 2.5]);
});

t.test('builder errors', async (t) => {
  const g = new GraphBuilder('bad');
  g.input('x', [1]);
  t.throws(() => g.node('Relu', ['x'], {}, { outputs: ['x'] }), /tensor x is produced twice/);
  t.throws(() => g.weight('w', [2, 2], new Float32Array(3)), /3 values for dims \[2,2\]/);
  t.throws(() => new GraphBuilder('empty').build(), /no outputs/);
  t.throws(() => decodeModel(Uint8Array.from([0xff, 0xff, 0xff]), 'broken.onnx'), /broken.onnx: not an ONNX model/);
  t.throws(() => decodeModel(new Uint8Array(0), 'empty.onnx'), /empty.onnx: not an ONNX model \(no graph\)/);
  // a model with an unknown op fails in onnxruntime with the op named
  const u = new GraphBuilder('unknown');
  g.output('x');
  u.output(u.node('NoSuchOp', [u.input('x', [1])]));
  await t.rejects(ort.InferenceSession.create(u.bytes()), /NoSuchOp/);
  t.equal(decodeModel(encodeModel(g.build())).graph!.input![0]!.type!.tensorType!.elemType, DataType.FLOAT);
});

t.test('prototxt: nested messages, repeated fields, enums, comments, list shorthand', async (t) => {
  const m = parsePrototxt(`
    name: "Net"  # a comment
    input_dim: 1 input_dim: 3
    layer { name: 'a' type: "Pooling" pooling_param { pool: MAX global_pooling : true kernel_size: 3 } }
    layer < name: "b" bottom: "a" mean_value: [1.5, -2e-3] >
  `);
  t.same(m.name, ['Net']);
  t.same(m.input_dim, [1, 3]);
  t.equal(m.layer!.length, 2);
  t.same(m.layer![0], { name: ['a'], type: ['Pooling'], pooling_param: [{ pool: ['MAX'], global_pooling: [true], kernel_size: [3] }] });
  t.same((m.layer![1] as any).mean_value, [1.5, -0.002]);
  t.throws(() => parsePrototxt('layer {\n name: "x"\n', 'net.prototxt'), /net.prototxt:2: missing '}'/);
  t.throws(() => parsePrototxt('a: 1\n b: @', 'x.prototxt'), /x.prototxt:2: unexpected character '@'/);
});

t.test('sessions: CPU, and the GPU asked for with one line saying what runs and why', async (t) => {
  const { createSession, compareOutputs, patternInput } = await import('../src/ml/index');
  const g = new GraphBuilder('relu');
  g.output(g.node('Relu', [g.input('x', [1, 3])], {}, { outputs: ['y'] }));
  const cpu = await createSession(g.build());
  t.equal(cpu.provider, 'cpu');
  t.equal(cpu.note, 'onnxruntime-node: running on CPU');
  const gpu = await createSession(g.bytes(), 'gpu');
  if (gpu.provider === 'cpu') t.match(gpu.note, /^onnxruntime-node: GPU asked for but not usable \(cuda: .*; webgpu: .*\); running on CPU$/);
  else t.equal(gpu.note, `onnxruntime-node: running on ${gpu.provider}`);
  const x = { x: patternInput([1, 3]) };
  t.same(compareOutputs((await gpu.session.run(x)).y!, (await cpu.session.run(x)).y!), { maxAbs: 0, relative: 0 });
  t.same(compareOutputs(patternInput([1, 3]), patternInput([3, 1])), { maxAbs: Infinity, relative: Infinity });
});
