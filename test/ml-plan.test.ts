// Offloading planners over the real IONN ODROID-XU4 / GPU profiles: IONN's Dijkstra, the chain DP and
// an exhaustive search agree; Neurosurgeon's split is the best single split; upload orders cover the
// model; ResNet-50 plans well within 10 ms.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  planCosts,
  planLatency,
  planBreakdown,
  ionnPlan,
  exactPlan,
  exactPlanFrom,
  exhaustivePlan,
  neurosurgeonPlan,
  ionnUploadOrder,
  efficiencyUploadOrder,
  PLANNERS,
  layerRuns,
  alignToGroups,
  dagMinCutPlan,
  dagExhaustivePlan,
  chainAsDag,
  dagCostsOf,
  caffeZooModel,
  layerGraph,
  readIonnProfile,
  ionnProfilesDir,
  CAFFE_ZOO,
  type DagCosts,
  type LayerProfile,
  type PlanCosts,
  type LinkState,
} from '../src/ml/index';

const load = (name: string): LayerProfile => JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'bench', 'ml', 'profiles', `${name}.json`), 'utf8'));
const costsOf = (name: string) => planCosts(load(name), 'odroid-xu4', 'gpu-server');
const mbps = (m: number) => (m * 1e6) / 8;
const all = (n: number) => new Set(Array.from({ length: n }, (_, i) => i));

/** The first `k` layers of a chain as a model of its own. */
function head(c: PlanCosts, k: number): PlanCosts {
  const cut = <T>(a: T[]) => a.slice(0, k);
  return {
    model: `${c.model}[0,${k})`,
    n: k,
    names: cut(c.names),
    clientMs: cut(c.clientMs),
    serverMs: cut(c.serverMs),
    weightBytes: cut(c.weightBytes),
    inputBytes: cut(c.inputBytes),
    outputBytes: cut(c.outputBytes),
    loadMs: cut(c.loadMs),
  };
}

const close = (t: Tap.Test, a: number, b: number, msg: string) => t.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${msg}: ${a} vs ${b}`);

t.test('planCosts reads the device times and refuses a missing device', async (t) => {
  const c = costsOf('alexnet');
  t.equal(c.n, 23);
  t.equal(c.names[0], 'conv1');
  t.equal(c.clientMs[0], 70.667);
  t.throws(() => planCosts(load('mobilenet'), 'odroid-xu4', 'gpu-server'), /no odroid-xu4\/gpu-server time/);
});

t.test('IONN Dijkstra = chain DP = exhaustive search on small models, over many link states', async (t) => {
  const models = [head(costsOf('alexnet'), 14), head(costsOf('googlenet'), 12), head(costsOf('resnet50'), 13)];
  let checked = 0;
  for (const c of models) {
    for (const m of [1, 10, 80, 1000]) {
      for (const rttMs of [1, 60]) {
        for (const uploadedMask of [0, 0b1010101010101, (1 << c.n) - 1]) {
          const uploaded = new Set(Array.from({ length: c.n }, (_, i) => i).filter((i) => (uploadedMask >> i) & 1));
          for (const notUploaded of ['upload', 'forbid'] as const) {
            const link: LinkState = { bandwidth: mbps(m), rttMs, uploaded, serverLoad: m === 10 ? 3 : 1 };
            const opts = { notUploaded, uploadScale: m === 80 ? 0.2 : 1 };
            const ex = exhaustivePlan(c, link, opts);
            const dp = exactPlan(c, link, opts);
            const dj = ionnPlan(c, link, opts);
            close(t, dp.latencyMs, ex.latencyMs, `${c.model} ${m} Mbps rtt ${rttMs} ${notUploaded} DP`);
            close(t, dj.latencyMs, ex.latencyMs, `${c.model} ${m} Mbps rtt ${rttMs} ${notUploaded} Dijkstra`);
            close(t, planLatency(c, dj.onServer, link, opts), dj.latencyMs, 'Dijkstra plan re-evaluates to its latency');
            close(t, planLatency(c, dp.onServer, link, opts), dp.latencyMs, 'DP plan re-evaluates to its latency');
            checked++;
          }
        }
      }
    }
  }
  t.equal(checked, 3 * 4 * 2 * 3 * 2);
});

t.test('Neurosurgeon finds the best single split, never better than the exact plan', async (t) => {
  for (const name of ['alexnet', 'googlenet', 'resnet50']) {
    const c = costsOf(name);
    for (const m of [10, 40, 80]) {
      const link = { bandwidth: mbps(m), rttMs: 1, uploaded: all(c.n) };
      const ns = neurosurgeonPlan(c, link);
      let best = Infinity;
      for (let s = 0; s <= c.n; s++)
        best = Math.min(
          best,
          planLatency(
            c,
            Array.from({ length: c.n }, (_, i) => i >= s),
            link,
          ),
        );
      close(t, ns.latencyMs, best, `${name} ${m} Mbps split`);
      t.ok(exactPlan(c, link).latencyMs <= ns.latencyMs + 1e-9);
      // Single split: once on the server, stays there.
      const first = ns.onServer.indexOf(true);
      t.ok(first < 0 || ns.onServer.slice(first).every(Boolean));
    }
  }
});

t.test('the cost model: local plan costs the client sum; offloading everything pays the input upload, RTT and output download', async (t) => {
  const c = costsOf('alexnet');
  const link = { bandwidth: mbps(80), rttMs: 2, uploaded: all(c.n) };
  const local = c.clientMs.reduce((s, x) => s + x, 0);
  close(t, planLatency(c, new Array(c.n).fill(false), link), local, 'local');
  const remote = c.serverMs.reduce((s, x) => s + x, 0) + ((c.inputBytes[0]! + c.outputBytes[c.n - 1]!) / mbps(80)) * 1000 + 2;
  close(t, planLatency(c, new Array(c.n).fill(true), link), remote, 'remote');
  // A loaded server costs more; nothing uploaded and uploads forbidden → local.
  t.ok(planLatency(c, new Array(c.n).fill(true), { ...link, serverLoad: 4 }) > remote);
  const none = exactPlan(c, { bandwidth: mbps(80), rttMs: 2 }, { notUploaded: 'forbid' });
  t.same(none.onServer, new Array(c.n).fill(false));
  close(t, none.latencyMs, local, 'forbid with nothing uploaded');
  // With uploads charged at full price AlexNet (233 MB of weights) is not worth offloading for one query.
  t.equal(ionnPlan(c, { bandwidth: mbps(80), rttMs: 2 }).onServer.filter(Boolean).length < c.n, true);
});

t.test('planBreakdown: client, edge and link parts that sum to planLatency', async (t) => {
  const c = costsOf('alexnet');
  const link = { bandwidth: mbps(80), rttMs: 2, uploaded: all(c.n), serverLoad: 1.5 };
  const sum = (a: number[]) => a.reduce((s, x) => s + x, 0);
  const half = Math.floor(c.n / 2);
  const cases: { name: string; onServer: boolean[]; expected: { clientMs: number; edgeMs: number; linkMs: number } }[] = [
    { name: 'all on the client', onServer: new Array(c.n).fill(false), expected: { clientMs: sum(c.clientMs), edgeMs: 0, linkMs: 0 } },
    {
      name: 'all on the edge',
      onServer: new Array(c.n).fill(true),
      expected: { clientMs: 0, edgeMs: sum(c.serverMs) * 1.5, linkMs: ((c.inputBytes[0]! + c.outputBytes[c.n - 1]!) / mbps(80)) * 1000 + 2 },
    },
    {
      name: 'the first half here, the rest there',
      onServer: Array.from({ length: c.n }, (_, i) => i >= half),
      expected: { clientMs: sum(c.clientMs.slice(0, half)), edgeMs: sum(c.serverMs.slice(half)) * 1.5, linkMs: ((c.inputBytes[half]! + c.outputBytes[c.n - 1]!) / mbps(80)) * 1000 + 2 },
    },
  ];
  for (const { name, onServer, expected } of cases) {
    const b = planBreakdown(c, onServer, link);
    for (const k of ['clientMs', 'edgeMs', 'linkMs'] as const) close(t, b[k], expected[k], `${name}: ${k}`);
    close(t, b.clientMs + b.edgeMs + b.linkMs, planLatency(c, onServer, link), `${name}: the sum is planLatency`);
  }
});

t.test('upload orders are partitions of the model; IONN uploads cheap, beneficial layers first', async (t) => {
  for (const name of ['alexnet', 'googlenet', 'resnet50']) {
    const c = costsOf(name);
    const link = { bandwidth: mbps(80), rttMs: 1 };
    for (const [key, p] of Object.entries(PLANNERS)) {
      const order = p.uploadOrder(c, link);
      const flat = order.flat();
      if (key === 'local-only') {
        t.equal(flat.length, 0);
        continue;
      }
      t.equal(new Set(flat).size, flat.length, `${name} ${key}: no layer twice`);
      t.equal(flat.length, c.n, `${name} ${key}: every layer`);
      t.ok(order.every((part) => part.length > 0));
    }
    // With IONN's first partition uploaded, a query already beats local execution.
    const first = ionnUploadOrder(c, link)[0]!;
    const local = c.clientMs.reduce((s, x) => s + x, 0);
    t.ok(exactPlan(c, { ...link, uploaded: new Set(first) }, { notUploaded: 'forbid' }).latencyMs < local, `${name}: first IONN partition helps`);
    const eff = efficiencyUploadOrder(c, link)[0]!;
    t.ok(exactPlan(c, { ...link, uploaded: new Set(eff) }, { notUploaded: 'forbid' }).latencyMs < local, `${name}: first greedy partition helps`);
  }
  // Already uploaded layers are not uploaded again.
  const c = costsOf('alexnet');
  const uploaded = new Set([0, 1, 2]);
  const order = ionnUploadOrder(c, { bandwidth: mbps(40), rttMs: 1, uploaded }).flat();
  t.notOk(order.some((i) => uploaded.has(i)));
  t.equal(order.length, c.n - 3);
  t.throws(() => ionnUploadOrder(c, { bandwidth: mbps(40), rttMs: 1 }, 1), /K must be/);
});

t.test('re-planning mid-query: the rest of a query from either side equals a brute force over the remaining layers', async (t) => {
  const c = head(costsOf('googlenet'), 11);
  const bw = mbps(40);
  const rttMs = 3;
  const uploaded = new Set([2, 3, 4, 5, 8, 9]);
  const link = { bandwidth: bw, rttMs, uploaded };
  const move = (i: number) => (c.inputBytes[i]! / bw) * 1000 + rttMs / 2;
  for (let start = 0; start <= c.n; start++) {
    for (const onServerNow of [false, true]) {
      let best = Infinity;
      const m = c.n - start;
      for (let mask = 0; mask < 1 << m; mask++) {
        let side = onServerNow;
        let total = 0;
        for (let i = start; i < c.n; i++) {
          const s = ((mask >> (i - start)) & 1) === 1;
          if (s && !uploaded.has(i)) total = Infinity;
          if (s !== side) total += move(i);
          total += s ? c.serverMs[i]! : c.clientMs[i]!;
          side = s;
        }
        if (side) total += (c.outputBytes[c.n - 1]! / bw) * 1000 + rttMs / 2;
        best = Math.min(best, total);
      }
      const p = exactPlanFrom(c, link, start, onServerNow, { notUploaded: 'forbid' });
      close(t, p.latencyMs, best, `from layer ${start} on ${onServerNow ? 'server' : 'client'}`);
      t.notOk(p.onServer.slice(0, start).some(Boolean));
    }
  }
  close(t, exactPlanFrom(c, link, 0, false).latencyMs, exactPlan(c, link).latencyMs, 'from the start = exactPlan');
  t.throws(() => exactPlanFrom(c, link, c.n + 1, false), /outside/);
});

t.test('DAG min-cut (DADS) equals exhaustive search on random branchy DAGs, and the chain DP on chains', async (t) => {
  // A small seeded generator: each layer reads 1–2 earlier layers (or the input); fan-out is shared.
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let trial = 0; trial < 60; trial++) {
    const n = 3 + (trial % 10);
    const readers = new Map<number, number[]>();
    for (let v = 0; v < n; v++) {
      const k = v === 0 ? 1 : 1 + Math.floor(rnd() * 2);
      for (let j = 0; j < k; j++) {
        const from = v === 0 ? -1 : Math.floor(rnd() * (v + 1)) - 1;
        const list = readers.get(from) ?? [];
        if (!list.includes(v)) list.push(v);
        readers.set(from, list);
      }
    }
    // Layers nobody reads feed the output.
    for (let v = 0; v < n; v++) if (!readers.has(v)) readers.set(v, [n]);
    const d: DagCosts = {
      n,
      clientMs: Array.from({ length: n }, () => 1 + rnd() * 100),
      serverMs: Array.from({ length: n }, () => (rnd() < 0.15 ? Infinity : rnd() * 10)),
      tensors: [...readers].map(([from, to]) => ({ from, to, upMs: rnd() * 60, downMs: rnd() * 60 })),
    };
    const cut = dagMinCutPlan(d);
    const ex = dagExhaustivePlan(d);
    close(t, cut.latencyMs, ex.latencyMs, `DAG trial ${trial} (${n} layers)`);
    t.notOk(cut.onServer.some((s, v) => s && !Number.isFinite(d.serverMs[v]!)));
  }
  for (const name of ['alexnet', 'googlenet', 'resnet50']) {
    const c = costsOf(name);
    for (const m of [10, 80]) {
      const link = { bandwidth: mbps(m), rttMs: 2, uploaded: new Set(Array.from({ length: c.n }, (_, i) => i).filter((i) => i % 3 !== 1)) };
      close(t, dagMinCutPlan(chainAsDag(c, link)).latencyMs, exactPlan(c, link, { notUploaded: 'forbid' }).latencyMs, `${name} ${m} Mbps chain as DAG`);
    }
  }
});

t.test('the real ResNet-50 Caffe DAG (228 layers): min-cut matches the chain DP (its planning time: bench/ionn/plan-time.js and sim.js, never a timed test)', async (t) => {
  const cm = caffeZooModel('resnet50');
  const graph = layerGraph(cm.model);
  const bytes = new Map(cm.layers.map((l) => [l.output, l.dims.reduce((a, b) => a * b, 1) * 4]));
  bytes.set(cm.input.name, cm.input.dims.reduce((a, b) => a * b, 1) * 4);
  const read = (side: string) => new Map(readIonnProfile(fs.readFileSync(path.join(ionnProfilesDir(), `${CAFFE_ZOO.resnet50}.${side}.txt`), 'utf8')).map((e) => [e.name, e.ms]));
  const client = read('client'),
    server = read('server');
  t.ok(graph.layers.length > 200);
  t.ok(
    graph.layers.every((l) => client.has(l.key) && server.has(l.key)),
    'every DAG layer has IONN times',
  );
  const chain = costsOf('resnet50');
  for (const m of [10, 40, 80]) {
    const link = { bandwidth: mbps(m), rttMs: 1, uploaded: all(graph.layers.length) };
    const d = dagCostsOf(
      graph,
      (x) => bytes.get(x)!,
      (k) => client.get(k),
      (k) => server.get(k),
      link,
    );
    const cut = dagMinCutPlan(d);
    const ex = exactPlan(chain, { ...link, uploaded: all(chain.n) });
    // Nothing uploaded (no `uploaded`, as for the chain planners): everything stays on the client.
    t.ok(
      dagMinCutPlan(
        dagCostsOf(
          graph,
          (x) => bytes.get(x)!,
          (k) => client.get(k),
          (k) => server.get(k),
          { bandwidth: mbps(m), rttMs: 1 },
        ),
      ).onServer.every((s) => !s),
      `${m} Mbps: nothing uploaded, nothing offloaded`,
    );
    // Caffe's split layers (≈0.01 ms each) are in the chain profile but have no DAG node.
    t.ok(Math.abs(cut.latencyMs - ex.latencyMs) < 0.1, `${m} Mbps: min-cut ${cut.latencyMs} ≈ chain ${ex.latencyMs}`);
    t.ok(cut.latencyMs < d.clientMs.reduce((a, b) => a + b, 0), 'offloading beats local');
  }
});

t.test("plans aligned to the server's groups: a server run starts where a group does and goes on group after group", async (t) => {
  t.same(layerRuns([5, 1, 2, 3, 7, 8, 2]), [
    [1, 4],
    [5, 6],
    [7, 9],
  ]);
  const S = true,
    C = false;
  // groups [0,4) and [4,6): a run from 0 through 5 is fine, and may stop inside a group
  t.same(
    alignToGroups(
      [S, S, S, S, S, S],
      [
        [0, 4],
        [4, 6],
      ],
    ),
    { onServer: [S, S, S, S, S, S], wanted: [] },
  );
  t.same(
    alignToGroups(
      [S, S, C, C, C, C],
      [
        [0, 4],
        [4, 6],
      ],
    ),
    { onServer: [S, S, C, C, C, C], wanted: [] },
  );
  // a run starting inside [0,4) runs on the client up to the next group start, and asks for [2,4)
  t.same(
    alignToGroups(
      [C, C, S, S, S, C],
      [
        [0, 4],
        [4, 6],
      ],
    ),
    { onServer: [C, C, C, C, S, C], wanted: [[2, 4]] },
  );
  // with [2,4) loaded too, it runs as planned
  t.same(
    alignToGroups(
      [C, C, S, S, S, C],
      [
        [0, 4],
        [4, 6],
        [2, 4],
      ],
    ),
    { onServer: [C, C, S, S, S, C], wanted: [] },
  );
  // a run that goes past a group's end where no group starts: the rest is local (and asked for when inside a group)
  t.same(
    alignToGroups(
      [S, S, S, S, S, S],
      [
        [0, 3],
        [2, 6],
      ],
    ),
    { onServer: [S, S, S, C, C, C], wanted: [[3, 6]] },
  );
  // overlapping groups from one start: the longest reach counts (the server picks a group covering the run)
  t.same(
    alignToGroups(
      [S, S, S, S, C, C],
      [
        [0, 2],
        [0, 5],
      ],
    ),
    { onServer: [S, S, S, S, C, C], wanted: [] },
  );
  // a later run counts only the groups from its own start (not a longer one an earlier run began with)
  t.same(
    alignToGroups(
      [S, S, C, S, S, S],
      [
        [0, 6],
        [3, 4],
      ],
    ),
    { onServer: [S, S, C, S, C, C], wanted: [[4, 6]] },
  );
  // no groups at all: nothing runs on the server and nothing can be asked for
  t.same(alignToGroups([S, S], []), { onServer: [C, C], wanted: [] });
});
