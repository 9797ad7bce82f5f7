// Layer partitions: chains between the dominators of the output (branches collapse into one layer),
// sub-models cut at any set of boundaries, and pieces run in sequence reproducing the whole model.
import t from 'tap';
import {
  GraphBuilder,
  layerChain,
  layerGraph,
  graphLayerModel,
  segmentChain,
  splitModel,
  subModel,
  joinPieces,
  encodeModel,
  contentHash,
  createSession,
  compareOutputs,
  patternInput,
  caffeZooModel,
  ocrModel,
  ort,
  type Model,
} from '../src/ml/index';

/** Run the pieces one after another, each fed the previous one's output. */
async function runPieces(pieces: Model[], feeds: Record<string, ort.Tensor>): Promise<ort.Tensor> {
  let current = feeds;
  let out: ort.Tensor | undefined;
  for (const p of pieces) {
    const { session } = await createSession(p);
    const r = await session.run(current);
    const name = p.graph!.output![0]!.name!;
    out = r[name]!;
    current = { [name]: out };
    await session.release();
  }
  return out!;
}

async function runWhole(model: Model, feeds: Record<string, ort.Tensor>): Promise<ort.Tensor> {
  const { session } = await createSession(model);
  const r = await session.run(feeds);
  return r[model.graph!.output![0]!.name!]!;
}

/** conv → [branch a | branch b → concat] → residual add → relu, with a shape subgraph at the end. */
function branchy(): Model {
  const g = new GraphBuilder('branchy');
  const x = g.input('x', [1, 2, 4, 4]);
  const w = (name: string, o: number, i: number) =>
    g.weight(
      name,
      [o, i, 1, 1],
      Float32Array.from({ length: o * i }, (_, k) => Math.cos(k + o)),
    );
  const stem = g.node('Conv', [x, w('w0', 4, 2)], {}, { name: 'stem' });
  const a = g.node('Conv', [stem, w('wa', 2, 4)], {}, { name: 'block#a' });
  const b1 = g.node('Relu', [stem], {}, { name: 'block#b1' });
  const b2 = g.node('Conv', [b1, w('wb', 2, 4)], {}, { name: 'block#b2' });
  const cat = g.node('Concat', [a, b2], { axis: 1 }, { name: 'block#cat' });
  const add = g.node('Add', [cat, stem], {}, { name: 'block' });
  const relu = g.node('Relu', [add], {}, { name: 'relu' });
  // flatten through a shape subgraph: Reshape(relu, concat(shape(relu)[0:1], [-1]))
  const shape = g.node('Shape', [relu], {}, { name: 'head#shape' });
  const n = g.node('Slice', [shape, g.ints('s0', [0]), g.ints('s1', [1])], {}, { name: 'head#slice' });
  const target = g.node('Concat', [n, g.ints('minus1', [-1])], { axis: 0 }, { name: 'head#target' });
  const flat = g.node('Reshape', [relu, target], {}, { name: 'head' });
  const constant = g.node('Constant', [], { value: { name: 'k', dims: [1], dataType: 1, floatData: [0.5] } }, { name: 'half' });
  const out = g.node('Mul', [flat, constant], {}, { name: 'scale', outputs: ['y'] });
  g.output(out);
  return g.build();
}

t.test('branches collapse into one layer; shape subgraphs and constants stay with their layer', async (t) => {
  const chain = layerChain(branchy());
  t.same(
    chain.layers.map((l) => l.name),
    ['stem', 'block', 'relu', 'head', 'scale'],
  );
  t.same(chain.layers[1]!.members, ['block']);
  t.same(
    chain.layers.map((l) => l.inputs[0]),
    ['x', 'stem_out', 'block_out', 'relu_out', 'head_out'],
  );
  t.equal(chain.layers[1]!.weightBytes, 2 * 2 * 4 * 4, 'block reads wa and wb');
  t.equal(chain.layers[0]!.weightBytes, 4 * 2 * 4);
  // Without layer keys every node is its own layer and the branch still collapses.
  const plain = layerChain(branchy(), (n, i) => `${n.opType}${i}`);
  t.same(
    plain.layers.map((l) => l.members.length),
    [1, 5, 1, 4, 1],
  );
});

t.test('every set of cuts of a small branching model reproduces it exactly', async (t) => {
  const model = branchy();
  const chain = layerChain(model);
  const feeds = { x: patternInput([1, 2, 4, 4]) };
  const whole = await runWhole(model, feeds);
  const L = chain.layers.length;
  for (let mask = 0; mask < 1 << (L - 1); mask++) {
    const cuts = Array.from({ length: L - 1 }, (_, k) => k + 1).filter((c) => mask & (1 << (c - 1)));
    const pieces = splitModel(chain, cuts);
    t.equal(pieces.length, cuts.length + 1);
    t.same(compareOutputs(await runPieces(pieces, feeds), whole), { maxAbs: 0, relative: 0 }, `cuts [${cuts}]`);
  }
  t.throws(() => splitModel(chain, [0]), /cut 0 is not a boundary of a 5-layer chain \(1…4\)/);
  t.throws(() => splitModel(chain, [5]), /cut 5 is not a boundary/);
  t.throws(() => subModel(chain, 2, 2), /empty layer range/);
  // Pieces are deterministic bytes: the same cut gives the same content hash (server-side caching).
  t.equal(contentHash(encodeModel(splitModel(chain, [2])[1]!)), contentHash(encodeModel(splitModel(layerChain(branchy()), [2])[1]!)));
  t.not(contentHash(encodeModel(splitModel(chain, [2])[1]!)), contentHash(encodeModel(splitModel(chain, [3])[1]!)));
  // The 'half' Constant node is static: copied into the piece that uses it.
  t.ok(splitModel(chain, [4])[1]!.graph!.node!.some((n) => n.name === 'half'));
});

t.test('consecutive one-layer pieces joined into one model (an IONN server group) give every boundary, exactly', async (t) => {
  const model = branchy();
  const chain = layerChain(model);
  const L = chain.layers.length;
  const feeds = { x: patternInput([1, 2, 4, 4]) };
  // Every boundary tensor, from the whole model cut at every layer.
  const boundary = new Map<string, ort.Tensor>();
  let current: Record<string, ort.Tensor> = feeds;
  for (const p of splitModel(
    chain,
    Array.from({ length: L - 1 }, (_, k) => k + 1),
  )) {
    const { session } = await createSession(p);
    current = await session.run(current);
    for (const [k, v] of Object.entries(current)) boundary.set(k, v);
    await session.release();
  }
  for (let a = 0; a < L; a++) {
    for (let b = a + 1; b <= L; b++) {
      const joined = joinPieces(Array.from({ length: b - a }, (_, k) => subModel(chain, a + k, a + k + 1)));
      t.same(
        joined.graph!.output!.map((v) => v.name),
        chain.layers.slice(a, b).flatMap((l) => l.outputs),
        `[${a}, ${b}): every layer's outputs`,
      );
      const { session } = await createSession(joined);
      const ins = a === 0 ? feeds : Object.fromEntries(chain.layers[a]!.inputs.map((n) => [n, boundary.get(n)!]));
      const out = await session.run(ins);
      for (const l of chain.layers.slice(a, b)) for (const o of l.outputs) t.same(compareOutputs(out[o]!, boundary.get(o)!), { maxAbs: 0, relative: 0 }, `[${a}, ${b}) ${o}`);
      await session.release();
    }
  }
  // The static 'half' Constant is in the pieces that need it; joined, it is made once.
  const tail = joinPieces([subModel(chain, 3, 4), subModel(chain, 4, 5)]);
  t.equal(tail.graph!.node!.filter((n) => n.name === 'half').length, 1);
  t.throws(() => joinPieces([subModel(chain, 0, 1), subModel(chain, 2, 3)]), /piece 1 reads '.+', which no piece before it gives/);
  t.throws(() => joinPieces([]), /no pieces/);
});

/** Split at every boundary one at a time and at all at once; the largest relative difference. */
async function checkAllBoundaries(t: typeof import('tap').Test.prototype, name: string, model: Model, feeds: Record<string, ort.Tensor>, every = 1): Promise<void> {
  const chain = layerChain(model);
  const whole = await runWhole(model, feeds);
  let worst = 0;
  const L = chain.layers.length;
  const boundaries = Array.from({ length: L - 1 }, (_, k) => k + 1).filter((_c, k) => k % every === 0);
  for (const c of boundaries) worst = Math.max(worst, compareOutputs(await runPieces(splitModel(chain, [c]), feeds), whole).relative);
  const all = compareOutputs(await runPieces(splitModel(chain, boundaries), feeds), whole).relative;
  t.ok(worst <= 1e-5 && all <= 1e-5, `${name}: ${L} layers, ${boundaries.length} boundaries, largest relative difference ${worst.toExponential(2)} (one cut), ${all.toExponential(2)} (all cuts)`);
}

t.test('zoo models split at their chain boundaries reproduce the whole model (1e-5 relative)', async (t) => {
  await checkAllBoundaries(t, 'mobilenet', caffeZooModel('mobilenet').model, { data: patternInput([1, 3, 224, 224]) }, 4);
  await checkAllBoundaries(t, 'googlenet', caffeZooModel('googlenet').model, { data: patternInput([1, 3, 224, 224]) }, 3);
  await checkAllBoundaries(t, 'PP-OCR cls (pretrained)', ocrModel('cls').model, { x: patternInput([1, 3, 48, 192]) }, 3);
  // AlexNet and ResNet-50 at every boundary: bench/ml/split-check.js (minutes).
});

t.test('weights stored as Constant nodes (Paddle2ONNX) count as weight bytes', async (t) => {
  const cls = ocrModel('cls');
  t.equal(cls.model.graph!.initializer!.length, 0);
  const total = layerChain(cls.model).layers.reduce((s, l) => s + l.weightBytes, 0);
  t.ok(total > 0.9 * cls.bytes.length && total < cls.bytes.length, `${total} weight bytes in a ${cls.bytes.length}-byte file`);
});

t.test('a model given as bytes round-trips through the chain', async (t) => {
  const chain = layerChain(branchy());
  const bytes = encodeModel(splitModel(chain, [2])[1]!);
  const s = await ort.InferenceSession.create(bytes);
  t.same(s.inputNames, ['block_out']);
  t.same(s.outputNames, ['y']);
});

/** Run a layer DAG one layer (one session) at a time in topological order. */
async function runGraph(graph: ReturnType<typeof layerGraph>, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const values: Record<string, ort.Tensor> = { ...feeds };
  for (const layer of graph.layers) {
    const { session } = await createSession(graphLayerModel(graph, layer.index));
    const r = await session.run(Object.fromEntries(layer.inputs.map((n) => [n, values[n]!])));
    Object.assign(values, r);
    await session.release();
  }
  return values;
}

t.test('the full layer DAG (branches kept): edges, and every layer run alone reproduces the model', async (t) => {
  const model = branchy();
  const graph = layerGraph(model);
  t.same(
    graph.layers.map((l) => l.key),
    ['stem', 'block', 'relu', 'head', 'scale'],
  );
  const plain = layerGraph(model, (n, i) => `${n.opType}${i}`);
  t.equal(plain.layers.length, 12, 'every node but the Constant (13 nodes)');
  const branchEdges = plain.edges.filter((e) => plain.layers[e.from]?.key === 'Conv0').map((e) => plain.layers[e.to]!.key);
  t.same(branchEdges.sort(), ['Add5', 'Conv1', 'Relu2'], 'the stem feeds both branches and the residual add');
  t.same(
    plain.edges.filter((e) => e.to === plain.layers.length).map((e) => e.tensor),
    ['y'],
  );
  const feeds = { x: patternInput([1, 2, 4, 4]) };
  const whole = await runWhole(model, feeds);
  t.same(compareOutputs((await runGraph(plain, feeds)).y!, whole), { maxAbs: 0, relative: 0 });
  t.throws(() => graphLayerModel(plain, 99), /no layer 99/);

  const g = caffeZooModel('googlenet');
  const dag = layerGraph(g.model);
  t.equal(dag.layers.length, g.layers.length, 'one DAG layer per Caffe layer');
  t.equal(
    dag.layers.reduce((s, l) => s + l.weightBytes, 0),
    g.layers.reduce((s, l) => s + l.weightBytes, 0),
  );
  const out = (await runGraph(dag, { data: patternInput([1, 3, 224, 224]) }))[g.output.name]!;
  const ref = await runWhole(g.model, { data: patternInput([1, 3, 224, 224]) });
  const d = compareOutputs(out, ref);
  t.ok(d.relative <= 1e-5, `GoogLeNet run Caffe layer by Caffe layer (${dag.layers.length} sessions): relative difference ${d.relative.toExponential(2)}`);
});

/** Run a segment chain (segmentChain) piece by piece, each on the tensors the earlier ones made. */
async function runSegments(seg: ReturnType<typeof segmentChain>, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const values: Record<string, ort.Tensor> = { ...feeds };
  for (const l of seg.layers) {
    const { session } = await createSession(subModel(seg, l.index, l.index + 1));
    Object.assign(values, await session.run(Object.fromEntries(l.inputs.map((n) => [n, values[n]!]))));
    await session.release();
  }
  return values;
}

t.test('DAG placements as segments: branches placed independently, every segment chain reproduces the model', async (t) => {
  for (const [name, every] of [
    ['googlenet', 7],
    ['resnet50', 5],
  ] as const) {
    const g = caffeZooModel(name);
    const dag = layerGraph(g.model);
    const feeds = { data: patternInput([1, 3, 224, 224]) };
    const ref = await runWhole(g.model, feeds);
    // Placements: one branch of each fork on the server (the others not), every `every`-th layer, and a seeded random one.
    const firstOfFork = new Set<number>();
    for (let v = 0; v < dag.layers.length; v++) {
      const next = dag.edges.filter((e) => e.from === v && e.to < dag.layers.length).map((e) => e.to);
      if (new Set(next).size > 1) firstOfFork.add(Math.min(...next));
    }
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const placements: [string, boolean[]][] = [
      ['first branch of each fork', dag.layers.map((_, v) => firstOfFork.has(v))],
      [`every ${every}th layer`, dag.layers.map((_, v) => v % every === 0)],
      ['seeded random', dag.layers.map(() => random() < 0.5)],
    ];
    for (const [what, sides] of placements) {
      const seg = segmentChain(dag, sides);
      t.ok(
        seg.sides.every((s, k) => k === 0 || s !== seg.sides[k - 1]),
        `${name}, ${what}: ${seg.layers.length} segments alternate sides`,
      );
      t.ok(
        seg.layersOf.every((ls, k) => ls.every((v) => sides[v] === seg.sides[k])),
        `${name}, ${what}: each layer in a segment of its side`,
      );
      const out = (await runSegments(seg, feeds))[g.output.name]!;
      const d = compareOutputs(out, ref);
      const top = (x: ort.Tensor) => (x.data as Float32Array).reduce((b, v, i, a) => (v > a[b]! ? i : b), 0);
      t.ok(d.relative <= 1e-5 && top(out) === top(ref), `${name}, ${what}: relative difference ${d.relative.toExponential(2)} from the unsplit model, same top class`);
    }
  }
  t.throws(() => segmentChain(layerGraph(branchy()), [true]), /1 sides for 5 graph layers/);
});
