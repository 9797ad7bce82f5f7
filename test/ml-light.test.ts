// The ML room's light door (src/ml/light.ts) loads neither onnxruntime-node nor onnx-proto until a
// heavy accessor is called: `snapvm run`, `snapvm serve` and the offload workers import it.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');

/** Run `body` in a fresh Node (tsx) after requiring the light door as `l`; `heavy()` lists the heavy modules loaded so far. */
function probe(body: string): string {
  const script = `
    const l = require(${JSON.stringify(path.join(root, 'src/ml/light.ts'))});
    const heavy = () => [...new Set(Object.keys(require.cache).flatMap((k) => /node_modules[\\\\/](onnxruntime-node|onnx-proto)[\\\\/]/.exec(k)?.[1] ?? []))].sort().join(',') || 'none';
    ${body}`;
  return execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, encoding: 'utf8' }).trim();
}

t.test('importing the light door and installing the guest APIs loads neither onnxruntime nor onnx-proto', async (t) => {
  const out = probe(`
    console.log(heavy());
    l.guestMlServices({ modelRoot: '.', onNote() {} });
    l.edgeMlServices();
    const costs = { model: 'm', n: 2, names: ['a', 'b'], clientMs: [10, 10], serverMs: [1, 1], weightBytes: [1e3, 1e3], inputBytes: [10, 10], outputBytes: [10, 10], loadMs: [0, 0] };
    const plan = l.PLANNERS.efficiency.plan(costs, { bandwidth: 1e6, rttMs: 1, uploaded: new Set([0, 1]) }, { notUploaded: 'forbid' });
    console.log(heavy(), plan.onServer.join(','));
    l.loadPartition();
    console.log(heavy());
    l.loadRuntime();
    console.log(heavy());`).split('\n');
  t.equal(out[0], 'none', 'after the import: none');
  t.equal(out[1], 'none true,true', 'after installing the guest APIs and planning: none (the plan is made)');
  t.equal(out[2], 'onnx-proto', 'loadPartition() loads onnx-proto');
  t.equal(out[3], 'onnx-proto,onnxruntime-node', 'loadRuntime() loads onnxruntime-node');
});
