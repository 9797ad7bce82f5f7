// WebNN for guest code against onnxruntime-node called directly on the very model the WebNN graph
// became (read from the graph's record), side by side (issue 5):
//  - per-call overhead of a tiny graph (one add of two 4-element tensors), through the earlier
//    drafts' `context.compute` and through `writeTensor` + `dispatch` + `readTensor`;
//  - MobileNet and ResNet-50 (real shapes, SEEDED RANDOM WEIGHTS) built op by op through
//    MLGraphBuilder in guest code (the zoo's ONNX graph translated to builder calls), then compute.
// Guest numbers include everything a guest pays (interpreted loop, argument checks, copies in and
// out, guest promises). "API cost outside ort" = per call, (guest − time inside onnxruntime's run)
// − (direct − time inside its run): the API's own cost, which the load of a shared machine hardly
// moves. Rounds alternate the sides (a batch each, 50 ms pause before each batch); medians.
//
//   npm run build && node bench/ml/webnn-overhead.js [--rounds 15] [--tiny 500] [--big 1] [--no-big]
const ml = require('../../dist/src/ml/index.js');
const { Engine } = require('../../dist/src/interpreter/index.js');
const ort = require('onnxruntime-node');

const args = process.argv.slice(2);
const opt = (name, fallback) => Number(args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const rounds = opt('--rounds', 15);
const tinyCalls = opt('--tiny', 500);
const bigCalls = opt('--big', 1);

const { now, timed: measure, median, pause } = require('./timing');
const timed = async (side, calls) => {
  await pause();
  return measure(side, calls);
};

/**
 * A guest program that builds a graph (`build` is guest code defining `graph` from `builder`), then
 * loops; returns the side's runner and the model bytes the graph became.
 */
async function guest(setup, loopBody, globals = {}) {
  const engine = new Engine({ services: [ml.webnnService()] });
  const g = engine.realm.global;
  for (const [k, v] of Object.entries(globals)) g[k] = v instanceof Float32Array ? new g.Float32Array(v) : v;
  engine.evaluateScript(
    `
    var ctx, builder, graph;
    (async () => { ctx = await navigator.ml.createContext(); builder = new MLGraphBuilder(ctx); ${setup} })();
    async function loop(n) { for (let i = 0; i < n; i++) { ${loopBody} } }
  `,
    'bench.js',
  );
  await engine.runEventLoop();
  const graph = engine.evaluateScript('graph');
  const record = engine.vm.stampedKinds.get('webnn.MLGraph').stamp.get(graph);
  const loop = g.loop;
  const run = async (calls) => {
    const t0 = now();
    loop(calls);
    await engine.runEventLoop();
    return (now() - t0) / calls;
  };
  return { run, model: record.model, inputs: record.inputs };
}

async function direct(model, inputs, data) {
  const session = await ort.InferenceSession.create(model);
  const feeds = () => Object.fromEntries(inputs.map((p, i) => [p.onnx, new ort.Tensor('float32', data[i], p.shape)]));
  await session.run(feeds());
  return async (calls) => {
    const t0 = now();
    for (let i = 0; i < calls; i++) await session.run(feeds());
    return (now() - t0) / calls;
  };
}

async function compare(label, side, model, inputs, data, calls, warmup, unit) {
  const d = await direct(model, inputs, data);
  await d(warmup);
  await side(warmup);
  const ds = [],
    gs = [],
    ratios = [],
    dOut = [],
    gOut = [];
  for (let r = 0; r < rounds; r++) {
    let a, b;
    if (r % 2) {
      b = await timed(side, calls);
      a = await timed(d, calls);
    } else {
      a = await timed(d, calls);
      b = await timed(side, calls);
    }
    ds.push(a.perCall);
    gs.push(b.perCall);
    dOut.push(a.outside);
    gOut.push(b.outside);
    ratios.push(b.perCall / a.perCall);
  }
  const scale = unit === 'µs' ? 1000 : 1;
  const digits = unit === 'µs' ? 1 : 2;
  const added = median(gOut) - median(dOut);
  const ortTime = median(ds) - median(dOut);
  return {
    case: label,
    calls: `${calls} per round`,
    [`direct ort ${unit}`]: (median(ds) * scale).toFixed(digits),
    [`guest WebNN ${unit}`]: (median(gs) * scale).toFixed(digits),
    [`overhead ${unit}`]: ((median(gs) - median(ds)) * scale).toFixed(digits),
    'guest / direct (median of rounds)': median(ratios).toFixed(3),
    [`API cost outside ort ${unit}`]: (added * scale).toFixed(unit === 'µs' ? 1 : 3),
    'API cost / ort run': `${((added / ortTime) * 100).toFixed(2)} %`,
  };
}

/** Guest source building the zoo model's ONNX graph through MLGraphBuilder (weights as globals w0, w1…). */
function translate(model) {
  const graph = model.graph;
  const weights = {};
  const inits = new Map(graph.initializer.map((t) => [t.name, t]));
  const lines = [];
  const name = new Map();
  let k = 0;
  const operand = (n) => {
    if (name.has(n)) return name.get(n);
    const t = inits.get(n);
    if (!t) throw new Error(`translate: ${n} is not produced before use`);
    const dims = (t.dims || []).map(Number);
    const v = `w${k++}`;
    weights[v] = ml.floatData(t);
    lines.push(`const ${v}_ = builder.constant({ dataType: 'float32', shape: ${JSON.stringify(dims)} }, ${v});`);
    name.set(n, `${v}_`);
    return `${v}_`;
  };
  const input = graph.input.find((i) => !inits.has(i.name));
  const dims = ml.describeValue(input).dims;
  lines.push(`const x0 = builder.input('input', { dataType: 'float32', shape: ${JSON.stringify(dims)} });`);
  name.set(input.name, 'x0');
  const attr = (node, a, fallback) => {
    const at = node.attribute.find((x) => x.name === a);
    if (!at) return fallback;
    return at.ints && at.ints.length ? at.ints.map(Number) : at.f || Number(at.i);
  };
  let n = 0;
  for (const node of graph.node) {
    const ins = node.input.map(operand);
    const out = `x${++n}`;
    let expr;
    switch (node.opType) {
      case 'Conv': {
        const p = attr(node, 'pads', [0, 0, 0, 0]);
        expr = `builder.conv2d(${ins[0]}, ${ins[1]}, { padding: [${p[0]}, ${p[2]}, ${p[1]}, ${p[3]}], strides: ${JSON.stringify(attr(node, 'strides', [1, 1]))}, dilations: ${JSON.stringify(attr(node, 'dilations', [1, 1]))}, groups: ${attr(node, 'group', 1)}${ins[2] ? `, bias: ${ins[2]}` : ''} })`;
        break;
      }
      case 'BatchNormalization':
        expr = `builder.batchNormalization(${ins[0]}, ${ins[3]}, ${ins[4]}, { scale: ${ins[1]}, bias: ${ins[2]}, epsilon: ${attr(node, 'epsilon', 1e-5)} })`;
        break;
      case 'Relu':
        expr = `builder.relu(${ins[0]})`;
        break;
      case 'Add':
      case 'Mul':
        expr = `builder.${node.opType.toLowerCase()}(${ins[0]}, ${ins[1]})`;
        break;
      case 'Sum':
        expr = ins.slice(1).reduce((acc, x) => `builder.add(${acc}, ${x})`, ins[0]);
        break;
      case 'MaxPool':
      case 'AveragePool': {
        const p = attr(node, 'pads', [0, 0, 0, 0]);
        expr = `builder.${node.opType === 'MaxPool' ? 'maxPool2d' : 'averagePool2d'}(${ins[0]}, { windowDimensions: ${JSON.stringify(attr(node, 'kernel_shape'))}, padding: [${p[0]}, ${p[2]}, ${p[1]}, ${p[3]}], strides: ${JSON.stringify(attr(node, 'strides', [1, 1]))}, roundingType: ${attr(node, 'ceil_mode', 0) ? "'ceil'" : "'floor'"} })`;
        break;
      }
      case 'GlobalAveragePool':
        expr = `builder.averagePool2d(${ins[0]})`;
        break;
      case 'Flatten':
        expr = `builder.reshape(${ins[0]}, [${ins[0]}.shape[0], ${ins[0]}.shape.slice(1).reduce((a, b) => a * b, 1)])`;
        break;
      case 'Gemm':
        expr = `builder.gemm(${ins[0]}, ${ins[1]}, { ${ins[2] ? `c: ${ins[2]}, ` : ''}alpha: ${attr(node, 'alpha', 1)}, beta: ${attr(node, 'beta', 1)}, aTranspose: ${!!attr(node, 'transA', 0)}, bTranspose: ${!!attr(node, 'transB', 0)} })`;
        break;
      case 'Softmax':
        expr = `builder.softmax(${ins[0]}, ${attr(node, 'axis', 1)})`;
        break;
      case 'Concat':
        expr = `builder.concat([${ins.join(', ')}], ${attr(node, 'axis', 1)})`;
        break;
      default:
        throw new Error(`translate: ${node.opType} has no WebNN counterpart here`);
    }
    lines.push(`const ${out} = ${expr};`);
    name.set(node.output[0], out);
  }
  lines.push(`graph = await builder.build({ output: ${name.get(graph.output[0].name)} });`);
  return { source: lines.join('\n'), weights, dims };
}

async function main() {
  const a = Float32Array.from([1, 2, 3, 4]);
  const b = Float32Array.from([10, 20, 30, 40]);
  const rows = [];
  const tinySetup = `const x = builder.input('a', { dataType: 'float32', shape: [4] }); graph = await builder.build({ c: builder.add(x, builder.input('b', { dataType: 'float32', shape: [4] })) });
    globalThis.out = new Float32Array(4);
    globalThis.ta = await ctx.createTensor({ dataType: 'float32', shape: [4], writable: true }); globalThis.tb = await ctx.createTensor({ dataType: 'float32', shape: [4], writable: true });
    globalThis.tc = await ctx.createTensor({ dataType: 'float32', shape: [4], readable: true });`;
  const compute = await guest(tinySetup, 'await ctx.compute(graph, { a: A, b: B }, { c: out });', { A: a, B: b });
  rows.push(await compare('add [4]+[4], compute()', compute.run, compute.model, compute.inputs, [a, b], tinyCalls, 5000, 'µs'));
  const dispatch = await guest(tinySetup, 'ctx.writeTensor(ta, A); ctx.writeTensor(tb, B); ctx.dispatch(graph, { a: ta, b: tb }, { c: tc }); await ctx.readTensor(tc, out);', { A: a, B: b });
  rows.push(await compare('add [4]+[4], write+dispatch+read', dispatch.run, dispatch.model, dispatch.inputs, [a, b], tinyCalls, 5000, 'µs'));
  if (!args.includes('--no-big')) {
    for (const zoo of ['mobilenet', 'resnet50']) {
      const m = await ml.zooModel(zoo);
      const { source, weights, dims } = translate(m.model);
      const data = ml.patternInput(dims).data;
      const side = await guest(
        `${source}\nglobalThis.out = new Float32Array(${m.output?.dims ? m.output.dims.reduce((p, q) => p * q, 1) : 1000});`,
        'await ctx.compute(graph, { input: X }, { output: out });',
        { ...weights, X: data },
      );
      // the WebNN graph computes what the zoo model computes
      const session = await ort.InferenceSession.create(ml.encodeModel(m.model));
      const want = (await session.run({ [m.input.name]: new ort.Tensor('float32', data, dims) }))[session.outputNames[0]];
      const got = (await (await ort.InferenceSession.create(side.model)).run({ input_0: new ort.Tensor('float32', data, dims) })).output_0;
      const diff = ml.compareOutputs(got, want);
      console.log(`${zoo}: WebNN graph vs zoo model, largest relative difference ${diff.relative.toExponential(2)}`);
      rows.push(await compare(`${zoo} (seeded random weights), compute()`, side.run, side.model, side.inputs, [data], bigCalls, 3, 'ms'));
    }
  }
  console.log(
    `onnxruntime-node ${require('onnxruntime-node/package.json').version} CPU, Node ${process.version}, ${require('node:os').cpus().length} cores; median over ${rounds} rounds; load average ${require('node:os').loadavg()[0].toFixed(1)}`,
  );
  for (const r of rows) console.log(JSON.stringify(r));
  console.table(rows);
  process.exit(0);
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
