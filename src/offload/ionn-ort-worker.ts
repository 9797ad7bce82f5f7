// A thread that owns some of the IONN partition cache's onnxruntime sessions (ionn-server.ts).
// onnxruntime-node creates sessions and runs them synchronously on the calling thread; the cache
// gives each new session a thread that is not loading (one per group, up to a cap), so creating a
// 150 MB group blocks neither the server's own thread (acks, requests) nor queries on the sessions
// other threads hold. A session here is one *group*: consecutive chain layers, joined from their
// uploaded one-layer sub-models (partition.ts `joinPieces`), with every boundary inside as an output.
import { parentPort } from 'node:worker_threads';
import { loadRuntime, loadOnnx, loadPartition, loadBuilder } from '../ml/light';

// This thread exists to run onnxruntime: the heavy modules load at once.
const { ort, NO_EXTERNAL_DATA } = loadRuntime();
const { decodeModel, encodeModel } = loadOnnx();
const { joinPieces } = loadPartition();
const { GraphBuilder } = loadBuilder();

export interface HostTensor {
  name: string;
  type: string;
  dims: readonly number[];
  data: ArrayBufferView;
}

export type OrtRequest = { type: 'load'; key: string; pieces: Uint8Array[]; threads: number } | { type: 'run'; id: number; key: string; tensors: HostTensor[]; fetches: string[] };

export type OrtReply =
  /** The thread has started and created one tiny session (onnxruntime's first-use costs are paid). */
  | { type: 'ready' }
  /** `outputs[k]`: the outputs of the group's k-th layer. */
  | { type: 'loaded'; key: string; loadMs: number; inputs: string[]; outputs: string[][] }
  | { type: 'load-failed'; key: string; message: string }
  | { type: 'result'; id: number; ms: number; tensors: HostTensor[] }
  | { type: 'run-failed'; id: number; message: string };

const port = parentPort!;
const sessions = new Map<string, Awaited<ReturnType<typeof ort.InferenceSession.create>>>();
const post = (m: OrtReply) => port.postMessage(m);
const firstLine = (e: unknown) => String((e as Error).message).split('\n')[0]!;

async function load(m: Extract<OrtRequest, { type: 'load' }>): Promise<void> {
  const t0 = performance.now();
  try {
    const pieces = m.pieces.map((b, k) => decodeModel(b, `layer ${k} of the group`));
    const bytes = pieces.length === 1 ? m.pieces[0]! : encodeModel(joinPieces(pieces));
    sessions.set(m.key, await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], intraOpNumThreads: m.threads, interOpNumThreads: 1, extra: NO_EXTERNAL_DATA }));
    const inputs = (pieces[0]!.graph!.input ?? []).map((v) => v.name!);
    post({ type: 'loaded', key: m.key, loadMs: performance.now() - t0, inputs, outputs: pieces.map((p) => (p.graph!.output ?? []).map((v) => v.name!)) });
  } catch (e) {
    post({ type: 'load-failed', key: m.key, message: firstLine(e) });
  }
}

async function run(m: Extract<OrtRequest, { type: 'run' }>): Promise<void> {
  try {
    const s = sessions.get(m.key);
    if (!s) throw new Error(`group ${m.key.slice(0, 12)}… is not loaded`);
    const given = new Map(m.tensors.map((t) => [t.name, t]));
    const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
    for (const n of s.inputNames) {
      const t = given.get(n);
      if (!t) throw new Error(`no value for input '${n}'`);
      feeds[n] = new ort.Tensor(t.type as 'float32', t.data as Float32Array, [...t.dims]);
    }
    const t0 = performance.now();
    const out = await s.run(feeds, m.fetches);
    const ms = performance.now() - t0;
    post({ type: 'result', id: m.id, ms, tensors: m.fetches.map((name) => ({ name, type: out[name]!.type, dims: [...out[name]!.dims], data: out[name]!.data as ArrayBufferView })) });
  } catch (e) {
    post({ type: 'run-failed', id: m.id, message: firstLine(e) });
  }
}

async function warm(): Promise<void> {
  const g = new GraphBuilder('warm');
  g.output(g.node('Relu', [g.input('x', [1])]));
  try {
    await (await ort.InferenceSession.create(g.bytes(), { executionProviders: ['cpu'], intraOpNumThreads: 1 })).release();
  } finally {
    post({ type: 'ready' });
  }
}

// One request at a time, in order: a run waits for a load posted before it (the cache avoids that).
let queue = warm();
port.on('message', (m: OrtRequest) => {
  queue = queue.then(() => (m.type === 'load' ? load(m) : run(m)));
});
