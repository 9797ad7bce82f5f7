// The thread that owns the IONN partition cache's onnxruntime sessions (ionn-server.ts). onnxruntime-node
// creates sessions and runs them synchronously on the calling thread; here that blocks only this
// thread, so the server's own thread keeps acknowledging upload chunks and reading requests while a
// 150 MB layer loads. Loads and runs are served in arrival order.
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

export interface HostTensor {
  name: string;
  type: string;
  dims: readonly number[];
  data: ArrayBufferView;
}

export type OrtRequest =
  | { type: 'load'; hash: string; bytes: Uint8Array; threads: number }
  | { type: 'run'; id: number; hashes: string[]; tensors: HostTensor[] };

export type OrtReply =
  | { type: 'loaded'; hash: string; loadMs: number }
  | { type: 'load-failed'; hash: string; message: string }
  | { type: 'result'; id: number; ms: number[]; tensors: HostTensor[] }
  | { type: 'run-failed'; id: number; message: string };

const port = parentPort!;
const sessions = new Map<string, ort.InferenceSession>();
const post = (m: OrtReply, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

async function serve(m: OrtRequest): Promise<void> {
  if (m.type === 'load') {
    const t0 = performance.now();
    try {
      sessions.set(m.hash, await ort.InferenceSession.create(m.bytes, { executionProviders: ['cpu'], intraOpNumThreads: m.threads, interOpNumThreads: 1 }));
      post({ type: 'loaded', hash: m.hash, loadMs: performance.now() - t0 });
    } catch (e) {
      post({ type: 'load-failed', hash: m.hash, message: String((e as Error).message).split('\n')[0]! });
    }
    return;
  }
  const values = new Map<string, ort.Tensor>();
  for (const t of m.tensors) values.set(t.name, new ort.Tensor(t.type as 'float32', t.data as Float32Array, [...t.dims]));
  const ms: number[] = [];
  let last: ort.InferenceSession.ReturnType = {};
  try {
    for (const hash of m.hashes) {
      const s = sessions.get(hash);
      if (!s) throw new Error(`partition ${hash.slice(0, 12)}… is not loaded`);
      const feeds: Record<string, ort.Tensor> = {};
      for (const n of s.inputNames) {
        const v = values.get(n);
        if (!v) throw new Error(`no value for input '${n}'`);
        feeds[n] = v;
      }
      const t0 = performance.now();
      last = await s.run(feeds);
      ms.push(performance.now() - t0);
      for (const [n, v] of Object.entries(last)) values.set(n, v);
    }
  } catch (e) {
    post({ type: 'run-failed', id: m.id, message: String((e as Error).message).split('\n')[0]! });
    return;
  }
  const tensors = Object.entries(last).map(([name, t]) => ({ name, type: t.type, dims: [...t.dims], data: t.data as ArrayBufferView }));
  post({ type: 'result', id: m.id, ms, tensors });
}

// One request at a time, in order: a run waits for the loads before it (as it would on one thread).
let queue = Promise.resolve();
port.on('message', (m: OrtRequest) => {
  queue = queue.then(() => serve(m));
});
