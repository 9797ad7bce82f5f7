// Layer partitions (IONN, SoCC'18): a model's graph reduced to a chain of layers between the
// dominators of its output, and sub-models cut at any set of chain boundaries.
//
// A tensor dominates the output when every path from the inputs to the outputs passes through it.
// In any topological order such a tensor is the only input-dependent tensor alive right after its
// producer (ancestors come before, descendants after), so the chain's boundaries are the positions
// where exactly one computed tensor is live; everything between two boundaries (a residual block,
// an inception module, a shape subgraph) is one layer. Nodes that depend on no input (Constant,
// shape arithmetic on initializers) are static: each piece gets the copies it needs.
import { type onnx, DataType, describeValue, tensorBytes, valueInfo, type Model } from './onnx';

export interface ChainLayer {
  index: number;
  /** The layer's name: its nodes' common layer key, or `first…last` when several are collapsed. */
  name: string;
  /** Layer keys of the nodes inside, in order (Caffe layer names for zoo models). */
  members: string[];
  /** Indices of the layer's (input-dependent) nodes in the graph's node list. */
  nodes: number[];
  /** The tensor entering the layer (graph inputs for the first layer) and leaving it. */
  inputs: string[];
  outputs: string[];
  /** Bytes of the initializers and Constant-node values this layer's nodes (and the static nodes they use) read. */
  weightBytes: number;
}

export interface LayerChain {
  model: Model;
  layers: ChainLayer[];
  /** Element type of every tensor a boundary can hold. */
  types: Map<string, number>;
}

/** Layer key of a node: the part of its name before `#` (`fc6#flatten` belongs to `fc6`). */
export function layerKey(node: onnx.INodeProto, index: number): string {
  const name = node.name || `${node.opType}_${index}`;
  const hash = name.indexOf('#');
  return hash > 0 ? name.slice(0, hash) : name;
}

interface Analysis {
  nodes: onnx.INodeProto[];
  order: number[];
  dynamic: boolean[];
  producer: Map<string, number>;
  consumers: Map<string, number[]>;
  initializers: Map<string, onnx.ITensorProto>;
  graphInputs: string[];
  graphOutputs: string[];
}

function analyse(model: Model): Analysis {
  const graph = model.graph;
  if (!graph) throw new Error('partition: the model has no graph');
  const nodes = graph.node ?? [];
  const initializers = new Map((graph.initializer ?? []).map((t) => [t.name!, t]));
  const graphInputs = (graph.input ?? []).map((v) => v.name!).filter((n) => !initializers.has(n));
  const graphOutputs = (graph.output ?? []).map((v) => v.name!);
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.output?.forEach((o) => o && producer.set(o, i)));
  const consumers = new Map<string, number[]>();
  nodes.forEach((n, i) => n.input?.forEach((x) => x && (consumers.get(x) ?? consumers.set(x, []).get(x)!).push(i)));
  // Topological order (ONNX asks for it; some exporters do not quite keep it).
  const order: number[] = [];
  const state = new Uint8Array(nodes.length);
  const visit = (root: number) => {
    const stack: [number, number][] = [[root, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const [i, k] = top;
      if (k === 0) {
        if (state[i]) {
          stack.pop();
          continue;
        }
        state[i] = 1;
      }
      const ins = nodes[i]!.input ?? [];
      if (k < ins.length) {
        top[1]++;
        const p = producer.get(ins[k]!);
        if (p !== undefined && !state[p]) stack.push([p, 0]);
        continue;
      }
      state[i] = 2;
      order.push(i);
      stack.pop();
    }
  };
  nodes.forEach((_, i) => visit(i));
  const dynamicTensor = new Set(graphInputs);
  const dynamic = new Array<boolean>(nodes.length).fill(false);
  for (const i of order) {
    if ((nodes[i]!.input ?? []).some((x) => dynamicTensor.has(x))) {
      dynamic[i] = true;
      nodes[i]!.output?.forEach((o) => dynamicTensor.add(o));
    }
  }
  return { nodes, order, dynamic, producer, consumers, initializers, graphInputs, graphOutputs };
}

/** Reduce the model's graph to its chain of layers. */
export function layerChain(model: Model, keyOf: (node: onnx.INodeProto, index: number) => string = layerKey): LayerChain {
  const a = analyse(model);
  const dyn = a.order.filter((i) => a.dynamic[i]);
  const position = new Map(dyn.map((i, p) => [i, p]));
  // lastUse[t]: position of the last dynamic node reading t (Infinity for graph outputs).
  const lastUse = new Map<string, number>();
  for (const [t, cs] of a.consumers) {
    let last = -1;
    for (const c of cs) if (a.dynamic[c]) last = Math.max(last, position.get(c)!);
    lastUse.set(t, last);
  }
  for (const o of a.graphOutputs) lastUse.set(o, Infinity);
  // Sweep: live tensors after each position; a boundary where exactly one is live.
  const live = new Set<string>(a.graphInputs);
  const dies = new Map<number, string[]>();
  const addDeath = (t: string) => {
    const p = lastUse.get(t) ?? -1;
    if (p === Infinity) return;
    (dies.get(p) ?? dies.set(p, []).get(p)!).push(t);
  };
  a.graphInputs.forEach(addDeath);
  for (const t of a.graphInputs) if ((lastUse.get(t) ?? -1) < 0) live.delete(t);
  const cuts: { position: number; tensor: string }[] = [];
  dyn.forEach((i, p) => {
    for (const o of a.nodes[i]!.output ?? []) {
      if (!o) continue;
      if ((lastUse.get(o) ?? -1) > p) {
        live.add(o);
        addDeath(o);
      }
    }
    for (const t of dies.get(p) ?? []) live.delete(t);
    if (live.size === 1 && p < dyn.length - 1) {
      const tensor = live.values().next().value as string;
      // A tensor passed between nodes of one layer (fc6#flatten → fc6) is no boundary.
      const k = keyOf(a.nodes[i]!, i);
      const inner = (a.consumers.get(tensor) ?? []).every((c) => !a.dynamic[c] || keyOf(a.nodes[c]!, c) === k) && a.producer.get(tensor) === i;
      if (!inner) cuts.push({ position: p, tensor });
    }
  });
  const types = inferTypes(model, a);
  const layers: ChainLayer[] = [];
  let start = 0;
  let inputs = a.graphInputs;
  const bounds = [...cuts, { position: dyn.length - 1, tensor: '' }];
  for (const cut of bounds) {
    const nodes = dyn.slice(start, cut.position + 1);
    const members: string[] = [];
    for (const i of nodes) {
      const k = keyOf(a.nodes[i]!, i);
      if (members[members.length - 1] !== k && !members.includes(k)) members.push(k);
    }
    const outputs = cut.tensor ? [cut.tensor] : a.graphOutputs;
    const name = members.length === 1 ? members[0]! : `${members[0]}…${members[members.length - 1]}`;
    const layer: ChainLayer = { index: layers.length, name, members, nodes, inputs, outputs, weightBytes: 0 };
    layer.weightBytes = pieceWeightBytes(a, nodes);
    layers.push(layer);
    inputs = outputs;
    start = cut.position + 1;
  }
  return { model, layers, types };
}

/** Bytes of the constants a piece carries: its initializers and its Constant nodes' values (Paddle2ONNX stores weights so). */
function pieceWeightBytes(a: Analysis, dynamicNodes: number[]): number {
  const piece = pieceNodes(a, dynamicNodes);
  let bytes = piece.initializers.reduce((s, t) => s + tensorBytes(a.initializers.get(t)!), 0);
  for (const i of piece.nodes) {
    const n = a.nodes[i]!;
    if (a.dynamic[i] || n.opType !== 'Constant') continue;
    const value = n.attribute?.find((x) => x.name === 'value')?.t;
    if (value) bytes += tensorBytes(value);
  }
  return bytes;
}

/** The nodes of a piece (its dynamic nodes plus the static nodes they need) and its initializers. */
function pieceNodes(a: Analysis, dynamicNodes: number[]): { nodes: number[]; initializers: string[] } {
  const keep = new Set(dynamicNodes);
  const stack = [...dynamicNodes];
  const inits = new Set<string>();
  while (stack.length) {
    const i = stack.pop()!;
    for (const x of a.nodes[i]!.input ?? []) {
      if (!x) continue;
      if (a.initializers.has(x)) inits.add(x);
      const p = a.producer.get(x);
      if (p !== undefined && !a.dynamic[p] && !keep.has(p)) {
        keep.add(p);
        stack.push(p);
      }
    }
    // Subgraph attributes (If/Loop bodies) may read outer initializers.
    for (const attr of a.nodes[i]!.attribute ?? []) for (const g of [attr.g, ...(attr.graphs ?? [])]) g?.node?.forEach((n) => n.input?.forEach((x) => a.initializers.has(x) && inits.add(x)));
  }
  return { nodes: a.order.filter((i) => keep.has(i)), initializers: [...inits] };
}

/** Element types of the tensors, from value infos and a few rules (enough for boundary tensors). */
function inferTypes(model: Model, a: Analysis): Map<string, number> {
  const types = new Map<string, number>();
  const g = model.graph!;
  for (const v of [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])]) {
    const t = describeValue(v).elemType;
    if (t) types.set(v.name!, t);
  }
  for (const [n, t] of a.initializers) types.set(n, t.dataType ?? DataType.FLOAT);
  const int64 = new Set(['Shape', 'Size', 'ArgMax', 'ArgMin', 'NonZero', 'NonMaxSuppression', 'TopK#1']);
  const bool = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);
  for (const i of a.order) {
    const n = a.nodes[i]!;
    const attr = (name: string) => n.attribute?.find((x) => x.name === name);
    (n.output ?? []).forEach((o, k) => {
      if (!o || types.has(o)) return;
      let t: number | undefined;
      const op = n.opType ?? '';
      if (int64.has(op) || int64.has(`${op}#${k}`)) t = DataType.INT64;
      else if (bool.has(op)) t = DataType.BOOL;
      else if (op === 'Cast') t = Number(attr('to')?.i ?? DataType.FLOAT);
      else if (op === 'Constant') t = attr('value')?.t?.dataType ?? (attr('value_ints') ? DataType.INT64 : DataType.FLOAT);
      else if (op === 'ConstantOfShape') t = attr('value')?.t?.dataType ?? DataType.FLOAT;
      else if (op === 'Gather' || op === 'GatherElements' || op === 'Where') t = types.get(n.input?.[op === 'Where' ? 1 : 0] ?? '');
      else t = (n.input ?? []).map((x) => types.get(x)).find((x) => x !== undefined);
      types.set(o, t ?? DataType.FLOAT);
    });
  }
  return types;
}

/**
 * Cut the model at chain boundaries: `cuts` are layer indices where a new piece starts (1 … L−1).
 * Piece k runs layers [cuts[k−1], cuts[k]); each is a complete model whose input is the boundary
 * tensor (named as in the whole model) and whose output is the next one.
 */
export function splitModel(chain: LayerChain, cuts: readonly number[]): Model[] {
  const L = chain.layers.length;
  const sorted = [...new Set(cuts)].sort((x, y) => x - y);
  for (const c of sorted) if (!Number.isInteger(c) || c < 1 || c >= L) throw new Error(`splitModel: cut ${c} is not a boundary of a ${L}-layer chain (1…${L - 1})`);
  const ranges: [number, number][] = [];
  let from = 0;
  for (const c of [...sorted, L]) {
    ranges.push([from, c]);
    from = c;
  }
  return ranges.map(([s, e]) => subModel(chain, s, e));
}

/** The model of layers [start, end) of the chain. */
export function subModel(chain: LayerChain, start: number, end: number): Model {
  const layers = chain.layers.slice(start, end);
  if (!layers.length) throw new Error(`subModel: empty layer range [${start}, ${end})`);
  const name = `${chain.model.graph!.name || 'graph'}[${start}:${end}]`;
  return pieceModel(
    chain.model,
    analyse(chain.model),
    chain.types,
    layers.flatMap((l) => l.nodes),
    layers[0]!.inputs,
    layers[layers.length - 1]!.outputs,
    name,
  );
}

/** A complete model of these dynamic nodes (plus the static ones they need) between these tensors. */
function pieceModel(model: Model, a: Analysis, types: Map<string, number>, dynamicNodes: number[], inputs: string[], outputs: string[], name: string): Model {
  const { nodes, initializers } = pieceNodes(a, dynamicNodes);
  const g = model.graph!;
  const original = new Map([...(g.input ?? []), ...(g.output ?? [])].map((v) => [v.name!, v]));
  const info = (t: string) => original.get(t) ?? valueInfo(t, types.get(t) ?? DataType.FLOAT);
  const used = new Set(initializers);
  const graph: onnx.IGraphProto = {
    name,
    node: nodes.map((i) => a.nodes[i]!),
    initializer: (g.initializer ?? []).filter((t) => used.has(t.name!)),
    input: inputs.map(info),
    output: outputs.map(info),
    valueInfo: (g.valueInfo ?? []).filter((v) => !inputs.includes(v.name!) && !outputs.includes(v.name!)),
  };
  return {
    irVersion: model.irVersion,
    opsetImport: model.opsetImport,
    producerName: 'snapvm partition',
    producerVersion: model.producerVersion,
    docString: `${name} of ${g.name || 'a model'}`,
    graph,
  };
}

/** One layer of the full DAG: the nodes sharing a layer key (a Caffe layer of a zoo model). */
export interface GraphLayer {
  index: number;
  key: string;
  nodes: number[];
  /** Tensors it reads from other layers or the graph inputs, and those it hands on (or that are outputs). */
  inputs: string[];
  outputs: string[];
  weightBytes: number;
}

/**
 * The model as a DAG of layers without collapsing branches (for exact min-cut planners as DADS):
 * layers in topological order, and an edge per tensor from its producing layer (-1: graph input) to
 * each consuming layer (`layers.length`: graph output).
 */
export interface LayerGraph {
  model: Model;
  layers: GraphLayer[];
  edges: { from: number; to: number; tensor: string }[];
  types: Map<string, number>;
}

export function layerGraph(model: Model, keyOf: (node: onnx.INodeProto, index: number) => string = layerKey): LayerGraph {
  const a = analyse(model);
  const layerOfKey = new Map<string, GraphLayer>();
  const layerOfNode = new Map<number, GraphLayer>();
  const layers: GraphLayer[] = [];
  for (const i of a.order) {
    if (!a.dynamic[i]) continue;
    const key = keyOf(a.nodes[i]!, i);
    let layer = layerOfKey.get(key);
    if (!layer) {
      layer = { index: layers.length, key, nodes: [], inputs: [], outputs: [], weightBytes: 0 };
      layers.push(layer);
      layerOfKey.set(key, layer);
    }
    layer.nodes.push(i);
    layerOfNode.set(i, layer);
  }
  const edges: LayerGraph['edges'] = [];
  const outputs = new Set(a.graphOutputs);
  for (const layer of layers) {
    for (const i of layer.nodes) {
      for (const x of a.nodes[i]!.input ?? []) {
        if (!x) continue;
        const p = a.producer.get(x);
        const from = p === undefined ? (a.graphInputs.includes(x) ? -1 : undefined) : a.dynamic[p] ? layerOfNode.get(p)!.index : undefined;
        if (from === undefined || from === layer.index || layer.inputs.includes(x)) continue;
        layer.inputs.push(x);
        edges.push({ from, to: layer.index, tensor: x });
      }
      for (const o of a.nodes[i]!.output ?? []) {
        if (!o) continue;
        const leaves = outputs.has(o) || (a.consumers.get(o) ?? []).some((c) => a.dynamic[c] && layerOfNode.get(c) !== layer);
        if (leaves && !layer.outputs.includes(o)) layer.outputs.push(o);
        if (outputs.has(o)) edges.push({ from: layer.index, to: layers.length, tensor: o });
      }
    }
    layer.weightBytes = pieceWeightBytes(a, layer.nodes);
  }
  // Layers are keyed by name, so a key reused far apart (an exporter's habit) could form a cycle.
  for (const e of edges)
    if (e.from >= e.to && e.to !== layers.length)
      throw new Error(`layerGraph: layer ${layers[e.to]!.key} reads ${e.tensor} from the later layer ${layers[e.from]!.key}; give those nodes distinct keys`);
  return { model, layers, edges, types: inferTypes(model, a) };
}

/** The model of one layer of the DAG: its inputs and outputs are the tensors crossing its edges. */
export function graphLayerModel(graph: LayerGraph, index: number): Model {
  const layer = graph.layers[index];
  if (!layer) throw new Error(`graphLayerModel: no layer ${index} (0…${graph.layers.length - 1})`);
  return pieceModel(graph.model, analyse(graph.model), graph.types, layer.nodes, layer.inputs, layer.outputs, `${graph.model.graph!.name || 'graph'}{${layer.key}}`);
}

/**
 * A placement of the DAG's layers (`onServer[v]` per graph layer, e.g. a min-cut plan) as a chain of
 * *segments*: maximal runs of layers on one side in a topological order chosen to switch sides as
 * rarely as it can (each side takes every layer ready there before the other side goes on), so the
 * segments alternate sides. Each segment is a `ChainLayer` (its nodes, the tensors it reads from
 * earlier segments or the graph inputs, the tensors it hands to later segments or the graph outputs),
 * so `subModel(chain, k, k + 1)` is segment k's model and the IONN runtime runs it as it runs a chain
 * layer: branches placed on different sides run on their sides, with no branch collapsed.
 */
export function segmentChain(graph: LayerGraph, onServer: readonly boolean[]): LayerChain & { sides: boolean[]; layersOf: number[][] } {
  const n = graph.layers.length;
  if (onServer.length !== n) throw new Error(`segmentChain: ${onServer.length} sides for ${n} graph layers`);
  const preds = Array.from({ length: n }, () => new Set<number>());
  const succs = Array.from({ length: n }, () => new Set<number>());
  for (const e of graph.edges) {
    if (e.from < 0 || e.to >= n) continue;
    preds[e.to]!.add(e.from);
    succs[e.from]!.add(e.to);
  }
  const waiting = preds.map((p) => p.size);
  const ready = [new Set<number>(), new Set<number>()];
  const side = (v: number) => (onServer[v] ? 1 : 0);
  for (let v = 0; v < n; v++) if (!waiting[v]) ready[side(v)]!.add(v);
  const runs: { server: boolean; layers: number[] }[] = [];
  // Start on the side of the first layer in the graph's own order (the input is read there first).
  let cur = n ? side(0) : 0;
  let done = 0;
  while (done < n) {
    if (!ready[cur]!.size) cur = 1 - cur;
    const layers: number[] = [];
    // Take layers of this side as they become ready, lowest index first (the graph's own order).
    while (ready[cur]!.size) {
      const v = Math.min(...ready[cur]!);
      ready[cur]!.delete(v);
      layers.push(v);
      done++;
      for (const w of succs[v]!) if (--waiting[w]! === 0) ready[side(w)]!.add(w);
    }
    runs.push({ server: cur === 1, layers });
    cur = 1 - cur;
  }
  const a = analyse(graph.model);
  const outputs = new Set(a.graphOutputs);
  const segOf = new Int32Array(n);
  runs.forEach((r, k) => r.layers.forEach((v) => (segOf[v] = k)));
  const layers: ChainLayer[] = runs.map((r, k) => {
    const inputs: string[] = [];
    const outs: string[] = [];
    for (const v of r.layers) {
      for (const e of graph.edges) {
        if (e.to === v && (e.from < 0 || segOf[e.from] !== k) && !inputs.includes(e.tensor)) inputs.push(e.tensor);
        if (e.from === v && (e.to >= n ? outputs.has(e.tensor) : segOf[e.to] !== k) && !outs.includes(e.tensor)) outs.push(e.tensor);
      }
    }
    const nodes = r.layers.flatMap((v) => graph.layers[v]!.nodes);
    const keys = r.layers.map((v) => graph.layers[v]!.key);
    return { index: k, name: keys.length > 1 ? `${keys[0]}…${keys[keys.length - 1]}` : keys[0]!, members: keys, nodes, inputs, outputs: outs, weightBytes: pieceWeightBytes(a, nodes) };
  });
  return { model: graph.model, layers, types: graph.types, sides: runs.map((r) => r.server), layersOf: runs.map((r) => r.layers) };
}

/** The whole model with every boundary tensor also exposed as an output (to measure features). */
export function withBoundaryOutputs(chain: LayerChain): Model {
  const g = chain.model.graph!;
  const have = new Set((g.output ?? []).map((v) => v.name));
  const extra = chain.layers
    .slice(0, -1)
    .flatMap((l) => l.outputs)
    .filter((t) => !have.has(t));
  return { ...chain.model, graph: { ...g, output: [...(g.output ?? []), ...extra.map((t) => valueInfo(t, chain.types.get(t) ?? DataType.FLOAT))] } };
}

/**
 * One model of consecutive chain pieces (`subModel`s of layers a, a+1, …, in order, e.g. as uploaded
 * to an IONN server one by one): the pieces' nodes and initializers (static copies and shared
 * initializers once), the first piece's inputs, and every piece's outputs (so a run may stop at any
 * boundary inside). A piece whose inputs are not the outputs before it is refused.
 */
export function joinPieces(pieces: readonly Model[]): Model {
  const first = pieces[0];
  if (!first?.graph) throw new Error('joinPieces: no pieces');
  const nodes: onnx.INodeProto[] = [];
  const made = new Set<string>();
  const inits = new Map<string, onnx.ITensorProto>();
  const infos = new Map<string, onnx.IValueInfoProto>();
  const outputs: onnx.IValueInfoProto[] = [];
  const available = new Set((first.graph.input ?? []).map((v) => v.name!));
  pieces.forEach((p, k) => {
    const g = p.graph;
    if (!g) throw new Error(`joinPieces: piece ${k} has no graph`);
    const missing = (g.input ?? []).find((v) => !available.has(v.name!));
    if (missing) throw new Error(`joinPieces: piece ${k} reads '${missing.name}', which no piece before it gives`);
    for (const t of g.initializer ?? []) if (!inits.has(t.name!)) inits.set(t.name!, t);
    for (const n of g.node ?? []) {
      const outs = (n.output ?? []).filter(Boolean);
      // a static node copied into several pieces: its outputs are made once
      if (outs.length && outs.every((o) => made.has(o))) continue;
      const clash = outs.find((o) => made.has(o));
      if (clash) throw new Error(`joinPieces: tensor '${clash}' is made twice by different nodes`);
      outs.forEach((o) => made.add(o));
      nodes.push(n);
    }
    for (const v of g.valueInfo ?? []) infos.set(v.name!, v);
    for (const v of g.output ?? []) {
      available.add(v.name!);
      outputs.push(v);
    }
  });
  const ends = new Set([...(first.graph.input ?? []), ...outputs].map((v) => v.name!));
  return {
    ...first,
    docString: `${pieces.length} chain pieces joined`,
    graph: {
      name: `${first.graph.name || 'graph'}+${pieces.length - 1}`,
      node: nodes,
      initializer: [...inits.values()],
      input: first.graph.input,
      output: outputs,
      valueInfo: [...infos.values()].filter((v) => !ends.has(v.name!)),
    },
  };
}
