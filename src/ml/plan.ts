// Offloading planners over a layer chain (IONN SoCC'18, EMDL'19, Neurosurgeon ASPLOS'17, exact DP):
// pure functions of a profile's per-layer costs and the link/server state. Every planner answers
// two questions behind one interface: the execution plan of one query (which layers run on the
// server) with its predicted latency, and the order in which to upload the model's partitions.
//
// Cost model (all times in ms). Data starts and ends on the client. Running layer i:
//   on the client: clientMs[i]
//   on the server: serverMs[i] × serverLoad, plus (when i is not uploaded yet and uploads are
//   allowed in the plan) weightBytes[i] / bandwidth × uploadScale + loadMs[i]
// Moving layer i's input between sides costs inputBytes[i] / bandwidth + rtt/2 (one RTT per round
// trip); a plan that ends on the server downloads the last layer's output.
import type { LayerProfile } from './profile';

export interface PlanCosts {
  model: string;
  n: number;
  names: string[];
  clientMs: number[];
  serverMs: number[];
  weightBytes: number[];
  inputBytes: number[];
  outputBytes: number[];
  /** Server-side time to load a freshly uploaded layer (0 where the profile has none). */
  loadMs: number[];
}

export interface LinkState {
  /** Client → server bytes per second. */
  bandwidth: number;
  /** Server → client bytes per second (default: `bandwidth`). */
  downBandwidth?: number;
  /** Round-trip time in ms. */
  rttMs: number;
  /** Layers already on the server. */
  uploaded?: ReadonlySet<number>;
  /** Multiplier on server time (1 = idle server). */
  serverLoad?: number;
}

export interface PlanOptions {
  /**
   * 'upload': a layer not yet uploaded may run on the server, paying its upload (IONN's graph);
   * 'forbid': only uploaded layers may run on the server (a query during the upload). Default 'upload'.
   */
  notUploaded?: 'upload' | 'forbid';
  /** Factor on the model-upload terms (IONN's 1 − k). Default 1. */
  uploadScale?: number;
}

export interface ExecutionPlan {
  /** onServer[i]: layer i runs on the server. */
  onServer: boolean[];
  latencyMs: number;
}

export interface Planner {
  name: string;
  /** The best plan this planner finds for one query. */
  plan(costs: PlanCosts, link: LinkState, opts?: PlanOptions): ExecutionPlan;
  /** Partitions (lists of layer indices) in upload order; together they cover every layer at most once. */
  uploadOrder(costs: PlanCosts, link: LinkState): number[][];
}

/** Per-layer costs from a profile and two of its devices. */
export function planCosts(profile: LayerProfile, client: string, server: string, loadDevice?: string): PlanCosts {
  const missing = profile.layers.filter((l) => l.ms[client] === undefined || l.ms[server] === undefined);
  if (missing.length) throw new Error(`planCosts ${profile.model}: no ${client}/${server} time for layer ${missing[0]!.name}`);
  return {
    model: profile.model,
    n: profile.layers.length,
    names: profile.layers.map((l) => l.name),
    clientMs: profile.layers.map((l) => l.ms[client]!),
    serverMs: profile.layers.map((l) => l.ms[server]!),
    weightBytes: profile.layers.map((l) => l.weightBytes),
    inputBytes: profile.layers.map((l) => l.inputBytes),
    outputBytes: profile.layers.map((l) => l.outputBytes),
    loadMs: profile.layers.map((l) => (loadDevice ? (l.loadMs[loadDevice] ?? 0) : 0)),
  };
}

const CLIENT = 0;
const SERVER = 1;

/** The edge costs shared by every planner. */
class Edges {
  readonly up: number;
  readonly down: number;
  readonly half: number;
  readonly load: number;
  constructor(
    readonly c: PlanCosts,
    readonly link: LinkState,
    readonly opts: PlanOptions = {},
  ) {
    if (!(link.bandwidth > 0)) throw new Error('plan: bandwidth must be > 0 bytes/s');
    this.up = 1000 / link.bandwidth;
    this.down = 1000 / (link.downBandwidth ?? link.bandwidth);
    this.half = link.rttMs / 2;
    this.load = link.serverLoad ?? 1;
  }
  /** Cost of running layer i on a side, Infinity when not allowed; `extra` layers count as uploaded. */
  run(i: number, side: number, extra?: (i: number) => boolean): number {
    if (side === CLIENT) return this.c.clientMs[i]!;
    const t = this.c.serverMs[i]! * this.load;
    if (this.link.uploaded?.has(i) || extra?.(i)) return t;
    if (this.opts.notUploaded === 'forbid') return Infinity;
    return t + (this.c.weightBytes[i]! * this.up + this.c.loadMs[i]!) * (this.opts.uploadScale ?? 1);
  }
  /** Moving layer i's input from side a to side b. */
  move(i: number, a: number, b: number): number {
    if (a === b) return 0;
    return this.c.inputBytes[i]! * (a === CLIENT ? this.up : this.down) + this.half;
  }
  /** Bringing the final output home from side a. */
  finish(a: number): number {
    return a === CLIENT ? 0 : this.c.outputBytes[this.c.n - 1]! * this.down + this.half;
  }
}

/** The predicted latency of a given assignment (Infinity if it uses a forbidden layer). */
export function planLatency(costs: PlanCosts, onServer: readonly boolean[], link: LinkState, opts: PlanOptions = {}): number {
  const e = new Edges(costs, link, opts);
  let side = CLIENT;
  let total = 0;
  for (let i = 0; i < costs.n; i++) {
    const s = onServer[i] ? SERVER : CLIENT;
    total += e.move(i, side, s) + e.run(i, s);
    side = s;
  }
  return total + e.finish(side);
}

/** Where an assignment's predicted latency goes (planLatency is their sum): the layers run on each side, and the link. */
export interface PlanBreakdown {
  /** The client's layers. */
  clientMs: number;
  /** The server's layers, at its load (and the upload of those not uploaded, unless forbidden). */
  edgeMs: number;
  /** Tensors crossing the link, half a round trip per crossing, the final output's way home. */
  linkMs: number;
}

export function planBreakdown(costs: PlanCosts, onServer: readonly boolean[], link: LinkState, opts: PlanOptions = {}): PlanBreakdown {
  const e = new Edges(costs, link, opts);
  const out: PlanBreakdown = { clientMs: 0, edgeMs: 0, linkMs: 0 };
  let side = CLIENT;
  for (let i = 0; i < costs.n; i++) {
    const s = onServer[i] ? SERVER : CLIENT;
    out.linkMs += e.move(i, side, s);
    if (s === SERVER) out.edgeMs += e.run(i, s);
    else out.clientMs += e.run(i, s);
    side = s;
  }
  out.linkMs += e.finish(side);
  return out;
}

/** A small binary heap of (key, node) for Dijkstra. */
class Heap {
  private keys: number[] = [];
  private nodes: number[] = [];
  get size(): number {
    return this.keys.length;
  }
  push(key: number, node: number): void {
    const k = this.keys,
      v = this.nodes;
    let i = k.length;
    k.push(key);
    v.push(node);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[p]! <= key) break;
      k[i] = k[p]!;
      v[i] = v[p]!;
      i = p;
    }
    k[i] = key;
    v[i] = node;
  }
  pop(): [number, number] {
    const k = this.keys,
      v = this.nodes;
    const top: [number, number] = [k[0]!, v[0]!];
    const lastK = k.pop()!,
      lastV = v.pop()!;
    if (k.length) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= k.length) break;
        const r = l + 1;
        const c = r < k.length && k[r]! < k[l]! ? r : l;
        if (k[c]! >= lastK) break;
        k[i] = k[c]!;
        v[i] = v[c]!;
        i = c;
      }
      k[i] = lastK;
      v[i] = lastV;
    }
    return top;
  }
}

/**
 * IONN's graph: a source (input on the client), a client node and a server node per layer, a sink;
 * edge (layer i−1 on a) → (layer i on b) weighs the move of layer i's input plus layer i's run on b.
 * Dijkstra's shortest path from source to sink is the plan.
 */
export function ionnPlan(costs: PlanCosts, link: LinkState, opts: PlanOptions = {}): ExecutionPlan {
  const e = new Edges(costs, link, opts);
  const n = costs.n;
  // Node ids: 0 source, 1 + 2i + side, sink = 2n + 1.
  const sink = 2 * n + 1;
  const dist = new Float64Array(sink + 1).fill(Infinity);
  const prev = new Int32Array(sink + 1).fill(-1);
  const done = new Uint8Array(sink + 1);
  dist[0] = 0;
  const heap = new Heap();
  heap.push(0, 0);
  const relax = (from: number, to: number, w: number) => {
    if (w === Infinity) return;
    const d = dist[from]! + w;
    if (d < dist[to]!) {
      dist[to] = d;
      prev[to] = from;
      heap.push(d, to);
    }
  };
  while (heap.size) {
    const [, u] = heap.pop();
    if (done[u]) continue;
    done[u] = 1;
    if (u === sink) break;
    // Layer index and side of u (source: before layer 0, on the client).
    const layer = u === 0 ? -1 : (u - 1) >> 1;
    const side = u === 0 ? CLIENT : (u - 1) & 1;
    if (layer === n - 1) {
      relax(u, sink, e.finish(side));
      continue;
    }
    const next = layer + 1;
    for (const b of [CLIENT, SERVER]) relax(u, 1 + 2 * next + b, e.move(next, side, b) + e.run(next, b));
  }
  const onServer = new Array<boolean>(n).fill(false);
  for (let v = prev[sink]!; v > 0; v = prev[v]!) onServer[(v - 1) >> 1] = ((v - 1) & 1) === SERVER;
  return { onServer, latencyMs: dist[sink]! };
}

/** The exact minimum over all client/server assignments of a chain: dynamic programming, O(n). */
export function exactPlan(costs: PlanCosts, link: LinkState, opts: PlanOptions = {}): ExecutionPlan {
  return exactPlanFrom(costs, link, 0, false, opts);
}

/**
 * The exact plan of the rest of a query already under way: layers before `start` are done and their
 * output is on the server when `onServerNow` (re-planning mid-query when a partition arrives or the
 * link changes). `onServer` covers every layer; those before `start` are false; the latency counts
 * only what remains.
 */
export function exactPlanFrom(costs: PlanCosts, link: LinkState, start: number, onServerNow: boolean, opts: PlanOptions = {}): ExecutionPlan {
  const e = new Edges(costs, link, opts);
  const n = costs.n;
  if (!(start >= 0 && start <= n)) throw new Error(`exactPlanFrom: start ${start} outside [0, ${n}]`);
  const from = [new Uint8Array(n), new Uint8Array(n)];
  let best = onServerNow ? [Infinity, 0] : [0, Infinity];
  for (let i = start; i < n; i++) {
    const next = [Infinity, Infinity];
    for (const b of [CLIENT, SERVER]) {
      const run = e.run(i, b);
      for (const a of [CLIENT, SERVER]) {
        const d = best[a]! + e.move(i, a, b) + run;
        if (d < next[b]!) {
          next[b] = d;
          from[b]![i] = a;
        }
      }
    }
    best = next;
  }
  const endC = best[CLIENT]! + e.finish(CLIENT);
  const endS = best[SERVER]! + e.finish(SERVER);
  let side = endS < endC ? SERVER : CLIENT;
  const onServer = new Array<boolean>(n).fill(false);
  for (let i = n - 1; i >= start; i--) {
    onServer[i] = side === SERVER;
    side = from[side]![i]!;
  }
  return { onServer, latencyMs: Math.min(endC, endS) };
}

/** Every one of the 2^n assignments (n ≤ 24): the reference the planners are tested against. */
export function exhaustivePlan(costs: PlanCosts, link: LinkState, opts: PlanOptions = {}): ExecutionPlan {
  const n = costs.n;
  if (n > 24) throw new Error(`exhaustivePlan: ${n} layers is too many to enumerate`);
  const e = new Edges(costs, link, opts);
  let bestMask = 0;
  let best = Infinity;
  for (let mask = 0; mask < 1 << n; mask++) {
    let side = CLIENT;
    let total = 0;
    for (let i = 0; i < n && total < best; i++) {
      const s = (mask >> i) & 1;
      total += e.move(i, side, s) + e.run(i, s);
      side = s;
    }
    total += e.finish(side);
    if (total < best) {
      best = total;
      bestMask = mask;
    }
  }
  return { onServer: Array.from({ length: n }, (_, i) => ((bestMask >> i) & 1) === 1), latencyMs: best };
}

/** Neurosurgeon: one split point, layers [0, s) on the client and [s, n) on the server (s = n: local). */
export function neurosurgeonPlan(costs: PlanCosts, link: LinkState, opts: PlanOptions = {}): ExecutionPlan {
  const e = new Edges(costs, link, opts);
  const n = costs.n;
  // suffix[s]: running layers s..n−1 on the server and bringing the output back.
  let suffix = e.finish(SERVER);
  let client = 0;
  for (let i = 0; i < n; i++) client += e.run(i, CLIENT);
  let best = client;
  let split = n;
  let prefix = client;
  for (let s = n - 1; s >= 0; s--) {
    suffix += e.run(s, SERVER);
    prefix -= e.run(s, CLIENT);
    const total = prefix + e.move(s, CLIENT, SERVER) + suffix;
    if (total < best) {
      best = total;
      split = s;
    }
  }
  return { onServer: Array.from({ length: n }, (_, i) => i >= split), latencyMs: best };
}

const serverLayers = (p: ExecutionPlan) => p.onServer.flatMap((s, i) => (s ? [i] : []));

/** Append the layers no partition holds yet as one last partition (so the whole model gets there). */
function completeOrder(n: number, parts: number[][], have: ReadonlySet<number> = new Set()): number[][] {
  const seen = new Set(have);
  for (const p of parts) for (const i of p) seen.add(i);
  const rest = Array.from({ length: n }, (_, i) => i).filter((i) => !seen.has(i));
  return rest.length ? [...parts, rest] : parts;
}

/**
 * IONN's upload order: at level l, k = 1 − K^l and the model-upload terms are scaled by (1 − k);
 * the shortest path at each level offloads more layers, and the layers new to each plan form the
 * next partition. Stops when uploads cost almost nothing (K^l < 1e-6); the rest follows as one partition.
 */
export function ionnUploadOrder(costs: PlanCosts, link: LinkState, K = 0.8): number[][] {
  if (!(K > 0 && K < 1)) throw new Error('ionnUploadOrder: K must be in (0, 1)');
  const have = new Set(link.uploaded ?? []);
  const parts: number[][] = [];
  for (let level = 1; K ** level >= 1e-6; level++) {
    const plan = ionnPlan(costs, { ...link, uploaded: have }, { notUploaded: 'upload', uploadScale: K ** level });
    const fresh = serverLayers(plan).filter((i) => !have.has(i));
    if (fresh.length) {
      parts.push(fresh);
      for (const i of fresh) have.add(i);
    }
    if (have.size === costs.n) break;
  }
  return completeOrder(costs.n, parts, new Set(link.uploaded ?? []));
}

/**
 * EMDL'19's efficiency greedy: among contiguous blocks of layers, upload next the one whose latency
 * gain (best query over the uploaded layers plus the block vs without it) per upload time
 * (block bytes / bandwidth + RTT) is highest; when no block gains, the rest follows in one partition.
 * Forward/backward DP over the current uploaded set makes each step O(n²), in scalars (no allocation
 * in the inner loop: ResNet-50's whole order in well under a millisecond).
 */
export function efficiencyUploadOrder(costs: PlanCosts, link: LinkState): number[][] {
  const n = costs.n;
  const have = new Set(link.uploaded ?? []);
  const parts: number[][] = [];
  const up = 1000 / link.bandwidth;
  // Per layer, independent of what is uploaded: client time, server time, input moves each way.
  const e0 = new Edges(costs, link);
  const runC = Float64Array.from({ length: n }, (_, k) => e0.run(k, CLIENT));
  const runS = Float64Array.from({ length: n }, (_, k) => costs.serverMs[k]! * e0.load);
  const toS = Float64Array.from({ length: n }, (_, k) => e0.move(k, CLIENT, SERVER));
  const toC = Float64Array.from({ length: n }, (_, k) => e0.move(k, SERVER, CLIENT));
  // f[2i + a]: layers < i done, data on a. g[2j + b]: from layers < j done, data on b, to the end.
  const f = new Float64Array(2 * (n + 1));
  const g = new Float64Array(2 * (n + 1));
  while (have.size < n) {
    const srv = (k: number) => (have.has(k) ? runS[k]! : Infinity);
    f[0] = 0;
    f[1] = Infinity;
    for (let i = 0; i < n; i++) {
      const c0 = f[2 * i]!,
        c1 = f[2 * i + 1]!;
      f[2 * i + 2] = Math.min(c0, c1 + toC[i]!) + runC[i]!;
      f[2 * i + 3] = Math.min(c0 + toS[i]!, c1) + srv(i);
    }
    g[2 * n] = e0.finish(CLIENT);
    g[2 * n + 1] = e0.finish(SERVER);
    for (let j = n - 1; j >= 0; j--) {
      const q0 = runC[j]! + g[2 * j + 2]!,
        q1 = srv(j) + g[2 * j + 3]!;
      g[2 * j] = Math.min(q0, toS[j]! + q1);
      g[2 * j + 1] = Math.min(toC[j]! + q0, q1);
    }
    const base = Math.min(f[2 * n]! + g[2 * n]!, f[2 * n + 1]! + g[2 * n + 1]!);
    let bestScore = 0;
    let bestBlock: [number, number] | undefined;
    for (let i = 0; i < n; i++) {
      // inner[a][b]: from data on a before layer i, layers i..j−1 with the block allowed on the server, data on b.
      let i00 = 0,
        i01 = Infinity,
        i10 = Infinity,
        i11 = 0;
      let bytes = 0;
      let fresh = 0;
      const fa0 = f[2 * i]!,
        fa1 = f[2 * i + 1]!;
      for (let j = i + 1; j <= n; j++) {
        const k = j - 1;
        if (!have.has(k)) {
          bytes += costs.weightBytes[k]!;
          fresh++;
        }
        const c = runC[k]!,
          s = runS[k]!,
          cs = toS[k]!,
          sc = toC[k]!;
        const n00 = Math.min(i00, i01 + sc) + c;
        const n01 = Math.min(i00 + cs, i01) + s;
        const n10 = Math.min(i10, i11 + sc) + c;
        const n11 = Math.min(i10 + cs, i11) + s;
        i00 = n00;
        i01 = n01;
        i10 = n10;
        i11 = n11;
        if (!fresh) continue;
        const g0 = g[2 * j]!,
          g1 = g[2 * j + 1]!;
        const total = Math.min(fa0 + Math.min(i00 + g0, i01 + g1), fa1 + Math.min(i10 + g0, i11 + g1));
        const gain = base - total;
        if (gain <= 1e-9) continue;
        const score = gain / (bytes * up + link.rttMs);
        // Weightless layers (ReLU, pooling) make exact ties: the first block found wins them, not rounding.
        if (score > bestScore * (1 + 1e-9)) {
          bestScore = score;
          bestBlock = [i, j];
        }
      }
    }
    if (!bestBlock) break;
    const part: number[] = [];
    for (let i = bestBlock[0]; i < bestBlock[1]; i++) if (!have.has(i)) part.push(i);
    parts.push(part);
    for (const i of part) have.add(i);
  }
  return completeOrder(n, parts, new Set(link.uploaded ?? []));
}

/** Upload the server side of a final plan (computed as if everything were uploaded) first, then the rest. */
function finalPlanFirst(costs: PlanCosts, link: LinkState, plan: (c: PlanCosts, l: LinkState) => ExecutionPlan): number[][] {
  const all = new Set(Array.from({ length: costs.n }, (_, i) => i));
  const have = new Set(link.uploaded ?? []);
  const first = serverLayers(plan(costs, { ...link, uploaded: all })).filter((i) => !have.has(i));
  return completeOrder(costs.n, first.length ? [first] : [], have);
}

/** The planners compared in bench/ionn. Query plans use only what is uploaded when `notUploaded: 'forbid'`. */
export const PLANNERS: Record<string, Planner> = {
  'local-only': {
    name: 'local-only',
    plan: (c, l, o) => planOf(c, new Array<boolean>(c.n).fill(false), l, o),
    uploadOrder: () => [],
  },
  'upload-all': {
    name: 'upload-all-then-offload',
    plan: (c, l, o) => (Array.from({ length: c.n }, (_, i) => i).every((i) => l.uploaded?.has(i)) ? exactPlan(c, l, o) : planOf(c, new Array<boolean>(c.n).fill(false), l, o)),
    uploadOrder: (c) => [Array.from({ length: c.n }, (_, i) => i)],
  },
  neurosurgeon: {
    name: 'Neurosurgeon',
    plan: neurosurgeonPlan,
    uploadOrder: (c, l) => finalPlanFirst(c, l, neurosurgeonPlan),
  },
  ionn: {
    name: 'IONN K=0.8',
    plan: ionnPlan,
    uploadOrder: (c, l) => ionnUploadOrder(c, l, 0.8),
  },
  efficiency: {
    name: "efficiency greedy (EMDL'19)",
    plan: exactPlan,
    uploadOrder: efficiencyUploadOrder,
  },
  exact: {
    name: 'exact (chain DP)',
    plan: exactPlan,
    uploadOrder: (c, l) => finalPlanFirst(c, l, exactPlan),
  },
};

function planOf(c: PlanCosts, onServer: boolean[], l: LinkState, o?: PlanOptions): ExecutionPlan {
  return { onServer, latencyMs: planLatency(c, onServer, l, o) };
}

/** The maximal runs of consecutive layers in a partition, as [first, end) ranges, in order. */
export function layerRuns(layers: readonly number[]): [number, number][] {
  const sorted = [...new Set(layers)].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const i of sorted) {
    const last = runs[runs.length - 1];
    if (last && last[1] === i) last[1] = i + 1;
    else runs.push([i, i + 1]);
  }
  return runs;
}

/**
 * A plan as a server that holds sessions per *group* (consecutive layers, [first, end)) can run it:
 * a run of server layers must start where a group starts and continues group after group (it may
 * stop inside one). A server layer where no group starts runs on the client instead, and the run
 * the plan wanted from there to the end of the group holding it is listed in `wanted` (a group the
 * server could load for later queries).
 */
export function alignToGroups(onServer: readonly boolean[], groups: readonly (readonly [number, number])[]): { onServer: boolean[]; wanted: [number, number][] } {
  const starts = new Set(groups.map((g) => g[0]));
  const out = [...onServer];
  const wanted: [number, number][] = [];
  let inRun = false;
  // Layers of a planned run already moved to the client (only its first asks for a group).
  let moved = false;
  // A run may continue at i when the group it is in goes on past i, or a group starts at i.
  let reach = -1;
  for (let i = 0; i < out.length; i++) {
    if (!out[i]) {
      inRun = moved = false;
      continue;
    }
    if (inRun && i < reach) continue;
    if (starts.has(i)) {
      inRun = true;
      moved = false;
      reach = -1;
      for (const g of groups) if (g[0] === i) reach = Math.max(reach, g[1]);
      continue;
    }
    out[i] = false;
    inRun = false;
    if (moved) continue;
    moved = true;
    const holder = groups.filter((g) => g[0] < i && i < g[1]).reduce((e, g) => Math.max(e, g[1]), -1);
    if (holder > i) wanted.push([i, holder]);
  }
  return { onServer: out, wanted };
}
