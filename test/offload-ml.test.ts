// ML apps offload whole (issue 6): an edge installs the same guest ML services (`ort`, WebNN) in its
// session workers, so a program holding a real onnxruntime session and a WebNN context restores there
// (the model's bytes travel in the snapshot, checked against their hash), runs inference on the edge
// and comes back with its sessions usable on the client. Real onnxruntime-node sessions, a real
// `snapvm serve` on loopback.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { GraphBuilder } from '../src/ml/index';
import { bin, Server, suiteServer } from './offload-lib';

const suite = suiteServer(t, 'snapvm-offload-ml-');
const { tmp } = suite;

const APP = `(async () => {
  const s = await ort.InferenceSession.create('double.onnx');
  const ctx = await navigator.ml.createContext();
  const r = await snapvm.offload(async (v) => {
    const out = await s.run({ x: new ort.Tensor(new Float32Array([v, -4]), [2]) });
    const b = new MLGraphBuilder(ctx);
    const graph = await b.build({ y: b.add(b.input('x', { dataType: 'float32', shape: [2] }), b.constant('float32', 10)) });
    const y = new Float32Array(2);
    await ctx.compute(graph, { x: new Float32Array([1, 2]) }, { y });
    return [snapvm.where, Array.from(out.y.data).join(), Array.from(y).join()].join(' ');
  }, 1.5);
  console.log(r);
  const again = await s.run({ x: new ort.Tensor(new Float32Array([3, 4]), [2]) });
  console.log('after', snapvm.where, Array.from(again.y.data).join());
  // a model opened by path on the edge: the edge reads no file of its own
  console.log(await snapvm.offload(() => ort.InferenceSession.create('double.onnx').then(() => 'opened', (e) => 'refused: ' + e.message)));
})();
`;

t.test('an app holding an ort session and a WebNN context offloads whole, runs inference on the edge and comes back', async (t) => {
  const g = new GraphBuilder('double');
  g.output(g.node('Mul', [g.input('x', [2]), g.weight('two', [1], Float32Array.of(2))], {}, { outputs: ['y'] }));
  fs.writeFileSync(path.join(tmp.dir, 'double.onnx'), g.bytes());
  const app = tmp.write('app.js', APP);
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'run', app, ...args], { encoding: 'utf8', cwd: tmp.dir, timeout: 120_000 });
  const local = run();
  t.equal(local.stderr, '');
  t.equal(local.stdout, 'client 3,-8 11,12\nafter client 6,8\nopened\n');
  const edge = run('--edge', suite.server.url, '--edge-report');
  t.equal(edge.status, 0, edge.stderr);
  const lines = edge.stdout.split('\n');
  t.equal(lines[0], 'edge 3,-8 11,12', 'inference ran on the edge, with the same answers');
  t.equal(lines[1], 'after client 6,8', 'the session came back and runs on the client');
  t.match(lines[2], /^refused: .*/, 'the edge opens no model file by path');
  t.match(edge.stderr, /snapvm: offload 1 after turn \d+: up [\d.]+ KB/);
  t.notMatch(edge.stderr, /failed mid-offload|unknown kind/);
});

t.test("a model's bytes cross the link once per server: a second client of the same model uploads nothing", async (t) => {
  const server2 = await Server.start();
  t.teardown(() => server2.kill());
  const g = new GraphBuilder('scale');
  g.output(
    g.node(
      'Mul',
      [
        g.input('x', [8192]),
        g.weight(
          'w',
          [8192],
          new Float32Array(8192).map((_, i) => (i % 7) + 1),
        ),
      ],
      {},
      { outputs: ['y'] },
    ),
  );
  const bytes = g.bytes();
  fs.writeFileSync(path.join(tmp.dir, 'scale.onnx'), bytes);
  const app = tmp.write(
    'scale.js',
    `(async () => {
  const s = await ort.InferenceSession.create('scale.onnx');
  for (let i = 1; i <= 2; i++) {
    console.log(await snapvm.offload(async (v) => {
      const out = await s.run({ x: new ort.Tensor(new Float32Array(8192).fill(v), [8192]) });
      return snapvm.where + ' ' + out.y.data.slice(0, 8).join();
    }, i));
  }
})();
`,
  );
  const run = () => spawnSync(process.execPath, [bin, 'run', app, '--edge', server2.url, '--edge-report'], { encoding: 'utf8', cwd: tmp.dir, timeout: 120_000 });
  const modelChars = Math.ceil(bytes.length / 3) * 4;
  for (const client of [1, 2]) {
    const r = run();
    t.equal(r.stdout, 'edge 1,2,3,4,5,6,7,1\nedge 2,4,6,8,10,12,14,2\n', `client ${client}: inference on the edge`);
    const trips = r.stderr.split('\n').filter((l) => l.startsWith('snapvm: offload'));
    t.equal(trips.length, 2);
    for (const [i, line] of trips.entries()) {
      const up = /up ([\d.]+) KB(?: \[([\d.]+) KB sent)?/.exec(line)!;
      const down = /down ([\d.]+) KB(?: \[([\d.]+) KB sent)?/.exec(line)!;
      const sentUp = Number(up[2] ?? up[1]) * 1024;
      // the model (modelChars of base64) goes up only on client 1's first trip; it never comes back down
      if (client === 1 && i === 0) t.ok(sentUp > modelChars, `client 1, trip 1: the model goes up (${line})`);
      else t.ok(sentUp < Number(up[1]) * 1024 - modelChars + 2048, `client ${client}, trip ${i + 1}: the model stays on the server (${line})`);
      t.ok(down[2] !== undefined && Number(down[2]) * 1024 < Number(down[1]) * 1024 - modelChars + 2048, `client ${client}, trip ${i + 1}: the state comes back without the model (${line})`);
    }
  }
  // (spawnSync held this process: the server's log is read now)
  await server2.waitFor(/session 2: offload 2 done/);
  t.equal((server2.log.match(/blob [0-9a-f]{12}… kept/g) ?? []).length, 1, 'one blob kept, once');
  const status = await (await fetch(server2.url.replace('ws:', 'http:') + '/')).json();
  t.equal(status.blobs.blobs, 1);
});
