// Exact client/server assignment over a layer DAG without collapsing branches (DADS, INFOCOM'19):
// an s-t minimum cut. Source side = client, sink side = server. For layer v: edge s→v carries its
// server cost (cut when v runs on the server), v→t its client cost (cut when v runs on the client).
// A tensor is moved once however many layers on the other side read it: an upload node u→a (cost)
// with a→w (∞) for each consumer w, and a download node w→b (∞), b→u (cost). The graph input and
// output stay on the client.
import { planLatency, type LinkState, type PlanCosts, type Planner } from './plan';

export interface DagCosts {
  n: number;
  /** Per layer: ms on the client, ms on the server (Infinity: may not run there). */
  clientMs: number[];
  serverMs: number[];
  /** One entry per tensor: its producer (−1: the graph input), its consumers (n: the graph output), the ms to move it up / down. */
  tensors: { from: number; to: number[]; upMs: number; downMs: number }[];
}

export interface DagPlan {
  onServer: boolean[];
  latencyMs: number;
}

/** The cost of an assignment under the DAG model (sum of run times plus each crossing tensor once per direction). */
export function dagPlanLatency(d: DagCosts, onServer: readonly boolean[]): number {
  const side = (v: number) => (v < 0 || v >= d.n ? false : onServer[v]!);
  let total = 0;
  for (let v = 0; v < d.n; v++) total += onServer[v] ? d.serverMs[v]! : d.clientMs[v]!;
  for (const t of d.tensors) {
    const s = side(t.from);
    if (!s && t.to.some((w) => side(w))) total += t.upMs;
    if (s && t.to.some((w) => !side(w))) total += t.downMs;
  }
  return total;
}

/** Dinic's maximum flow on an adjacency-list graph in preallocated arrays (`maxEdges` edges). */
class Flow {
  private readonly head: number[];
  private readonly to: number[];
  private readonly cap: number[];
  private readonly next: number[];
  private edges = 0;
  private readonly level: number[];
  private readonly it: number[];
  private readonly queue: number[];
  constructor(
    readonly size: number,
    maxEdges: number,
  ) {
    // Plain arrays of small integers and doubles, sized once: typed arrays' off-heap buffers made per
    // plan draw garbage collections that cost more than the cut in a process with a large heap.
    const ints = (n: number, v = 0) => new Array<number>(n).fill(v);
    this.head = ints(size, -1);
    this.to = ints(2 * maxEdges);
    this.cap = new Array<number>(2 * maxEdges).fill(0.5);
    this.next = ints(2 * maxEdges);
    this.level = ints(size);
    this.it = ints(size);
    this.queue = ints(size);
  }
  add(u: number, v: number, c: number): void {
    if (c <= 0) return;
    if (this.edges + 2 > this.to.length) throw new Error('Flow: more edges than allocated');
    this.push(u, v, c);
    this.push(v, u, 0);
  }
  private push(a: number, b: number, c: number): void {
    const e = this.edges++;
    this.to[e] = b;
    this.cap[e] = c;
    this.next[e] = this.head[a]!;
    this.head[a] = e;
  }
  private bfs(s: number, t: number): boolean {
    const { level, queue, head, next, to, cap } = this;
    level.fill(-1);
    level[s] = 0;
    queue[0] = s;
    for (let k = 0, n = 1; k < n; k++) {
      const u = queue[k]!;
      for (let e = head[u]!; e >= 0; e = next[e]!) {
        const v = to[e]!;
        if (cap[e]! > 1e-12 && level[v]! < 0) {
          level[v] = level[u]! + 1;
          queue[n++] = v;
        }
      }
    }
    return level[t]! >= 0;
  }
  private dfs(u: number, t: number, f: number): number {
    if (u === t) return f;
    const { it, next, to, cap, level } = this;
    for (; it[u]! >= 0; it[u] = next[it[u]!]!) {
      const e = it[u]!;
      const v = to[e]!;
      if (cap[e]! > 1e-12 && level[v] === level[u]! + 1) {
        const d = this.dfs(v, t, Math.min(f, cap[e]!));
        if (d > 0) {
          cap[e] -= d;
          cap[e ^ 1] += d;
          return d;
        }
      }
    }
    return 0;
  }
  maxflow(s: number, t: number): number {
    let flow = 0;
    while (this.bfs(s, t)) {
      for (let u = 0; u < this.size; u++) this.it[u] = this.head[u]!;
      for (let f = this.dfs(s, t, Infinity); f > 0; f = this.dfs(s, t, Infinity)) flow += f;
    }
    return flow;
  }
  /** Nodes reachable from s in the residual graph (the source side of a minimum cut). */
  sourceSide(s: number): Uint8Array {
    const seen = new Uint8Array(this.size);
    const { queue, head, next, to, cap } = this;
    seen[s] = 1;
    queue[0] = s;
    for (let k = 0, n = 1; k < n; k++) {
      const u = queue[k]!;
      for (let e = head[u]!; e >= 0; e = next[e]!) {
        if (cap[e]! > 1e-12 && !seen[to[e]!]) {
          seen[to[e]!] = 1;
          queue[n++] = to[e]!;
        }
      }
    }
    return seen;
  }
}

/** DADS' exact plan: the minimum cut of the DAG. */
export function dagMinCutPlan(d: DagCosts): DagPlan {
  const n = d.n;
  // Nodes: 0..n−1 layers, n = input, n+1 = output (both client), 2 per tensor, then s and t.
  const aux = n + 2;
  const s = aux + 2 * d.tensors.length;
  const t = s + 1;
  const g = new Flow(t + 1, 2 + 2 * n + d.tensors.reduce((k, x) => k + 2 + 2 * x.to.length, 0));
  // Infinite capacities as a finite bound larger than any cut of finite cost.
  let big = 1;
  for (let v = 0; v < n; v++) big += (Number.isFinite(d.serverMs[v]!) ? d.serverMs[v]! : 0) + d.clientMs[v]!;
  for (const x of d.tensors) big += x.upMs + x.downMs;
  big *= 4;
  const node = (v: number) => (v < 0 ? n : v >= n ? n + 1 : v);
  g.add(s, n, big);
  g.add(s, n + 1, big);
  for (let v = 0; v < n; v++) {
    g.add(s, v, Number.isFinite(d.serverMs[v]!) ? d.serverMs[v]! : big);
    g.add(v, t, d.clientMs[v]!);
  }
  d.tensors.forEach((x, k) => {
    const up = aux + 2 * k;
    const down = up + 1;
    const u = node(x.from);
    g.add(u, up, x.upMs);
    g.add(down, u, x.downMs);
    for (const w of x.to) {
      g.add(up, node(w), big);
      g.add(node(w), down, big);
    }
  });
  g.maxflow(s, t);
  const client = g.sourceSide(s);
  const onServer = Array.from({ length: n }, (_, v) => !client[v]);
  return { onServer, latencyMs: dagPlanLatency(d, onServer) };
}

/** Every assignment of a small DAG (n ≤ 20): the reference for tests. */
export function dagExhaustivePlan(d: DagCosts): DagPlan {
  if (d.n > 20) throw new Error(`dagExhaustivePlan: ${d.n} layers is too many to enumerate`);
  let best: DagPlan = { onServer: new Array<boolean>(d.n).fill(false), latencyMs: Infinity };
  for (let mask = 0; mask < 1 << d.n; mask++) {
    const onServer = Array.from({ length: d.n }, (_, i) => ((mask >> i) & 1) === 1);
    if (onServer.some((s, v) => s && !Number.isFinite(d.serverMs[v]!))) continue;
    const l = dagPlanLatency(d, onServer);
    if (l < best.latencyMs) best = { onServer, latencyMs: l };
  }
  return best;
}

/**
 * A chain's costs as a DAG (layer i reads layer i−1's output; RTT/2 per move), with the same
 * uploaded-layer rule as the chain planners: layers not uploaded may not run on the server.
 */
export function chainAsDag(c: PlanCosts, link: LinkState): DagCosts {
  const up = 1000 / link.bandwidth;
  const down = 1000 / (link.downBandwidth ?? link.bandwidth);
  const tensors: DagCosts['tensors'] = [];
  for (let i = 0; i < c.n; i++) tensors.push({ from: i - 1, to: [i], upMs: c.inputBytes[i]! * up + link.rttMs / 2, downMs: c.inputBytes[i]! * down + link.rttMs / 2 });
  const last = c.outputBytes[c.n - 1]!;
  tensors.push({ from: c.n - 1, to: [c.n], upMs: last * up + link.rttMs / 2, downMs: last * down + link.rttMs / 2 });
  return {
    n: c.n,
    clientMs: [...c.clientMs],
    serverMs: c.serverMs.map((ms, i) => (link.uploaded?.has(i) ? ms * (link.serverLoad ?? 1) : Infinity)),
    tensors,
  };
}

/**
 * DAG costs of a layer graph (`layerGraph` of a model): per layer key the client and server ms
 * (e.g. the IONN files, by Caffe layer name; a missing key counts 0 ms), per tensor its bytes.
 * Layers outside `uploaded` may not run on the server (as for the chain planners: none when not given).
 */
export function dagCostsOf(
  graph: { layers: { key: string }[]; edges: { from: number; to: number; tensor: string }[] },
  tensorBytes: (tensor: string) => number,
  clientMs: (key: string) => number | undefined,
  serverMs: (key: string) => number | undefined,
  link: LinkState,
): DagCosts {
  const up = 1000 / link.bandwidth;
  const down = 1000 / (link.downBandwidth ?? link.bandwidth);
  const byTensor = new Map<string, { from: number; to: number[] }>();
  for (const e of graph.edges) {
    const k = `${e.from}\u0000${e.tensor}`;
    const x = byTensor.get(k) ?? { from: e.from, to: [] };
    if (!x.to.includes(e.to)) x.to.push(e.to);
    byTensor.set(k, x);
  }
  const tensors: DagCosts['tensors'] = [];
  for (const [k, x] of byTensor) {
    const bytes = tensorBytes(k.slice(k.indexOf('\u0000') + 1));
    tensors.push({ ...x, upMs: bytes * up + link.rttMs / 2, downMs: bytes * down + link.rttMs / 2 });
  }
  return {
    n: graph.layers.length,
    clientMs: graph.layers.map((l) => clientMs(l.key) ?? 0),
    serverMs: graph.layers.map((l, i) => (link.uploaded?.has(i) ? (serverMs(l.key) ?? 0) * (link.serverLoad ?? 1) : Infinity)),
    tensors,
  };
}

/**
 * Per-segment costs of a DAG placement cut into segments (`segmentChain` in partition.ts: runs of
 * layers on one side, alternating), in the chain form the IONN runtime plans and emulates with:
 * a segment's client/server time is the sum of its layers', its input bytes those of every tensor it
 * reads from other segments, its output bytes those of every tensor it hands on.
 */
export function segmentPlanCosts(
  seg: { layers: { name: string; inputs: string[]; outputs: string[]; weightBytes: number }[]; layersOf: number[][] },
  clientMs: readonly number[],
  serverMs: readonly number[],
  tensorBytes: (tensor: string) => number,
  model = 'dag',
): PlanCosts {
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    model,
    n: seg.layers.length,
    names: seg.layers.map((l) => l.name),
    clientMs: seg.layersOf.map((ls) => sum(ls.map((v) => clientMs[v]!))),
    serverMs: seg.layersOf.map((ls) => sum(ls.map((v) => serverMs[v]!))),
    weightBytes: seg.layers.map((l) => l.weightBytes),
    inputBytes: seg.layers.map((l) => sum(l.inputs.map(tensorBytes))),
    outputBytes: seg.layers.map((l) => sum(l.outputs.map(tensorBytes))),
    loadMs: seg.layers.map(() => 0),
  };
}

/**
 * The runtime planner of a fixed placement of segments (a DAG min-cut cut into segments): each
 * segment on its side once it is on the server (before, on the client: the query still answers);
 * the server's segments upload first, in order; the client's never (the placement is final).
 */
export function placementPlanner(sides: readonly boolean[], name = 'DAG min-cut placement'): Planner {
  return {
    name,
    plan: (c, l, o) => {
      const onServer = sides.map((s, i) => s && (o?.notUploaded !== 'forbid' || !!l.uploaded?.has(i)));
      return { onServer, latencyMs: planLatency(c, onServer, l, o) };
    },
    uploadOrder: (_c, l) => {
      const rest = sides.flatMap((s, i) => (s && !l.uploaded?.has(i) ? [i] : []));
      return rest.length ? [rest] : [];
    },
  };
}
