// onnxruntime-node sessions: execution-provider choice with a clear fall-back line, and the small
// helpers the partitioner, the profiler and the benches share.
import * as ort from 'onnxruntime-node';
import { encodeModel, type Model } from './onnx';

export { ort };

export type Device = 'cpu' | 'gpu';

export interface SessionChoice {
  session: ort.InferenceSession;
  /** The provider the session runs on. */
  provider: 'cpu' | 'cuda' | 'webgpu';
  /** One line saying which provider and why (printed by benches, shown to users). */
  note: string;
}

/**
 * Session options for a model given as bytes (a guest's, a client's upload): onnxruntime reads such a
 * model's external data from files under the process's working directory, so a stranger's model could
 * read the server's files (test/safety-redteam.test.ts). Here it looks in a folder that does not exist:
 * a model with external data is refused with onnxruntime's error naming the initializer.
 */
export const NO_EXTERNAL_DATA = { session: { model_external_initializers_file_folder_path: '/nonexistent/snapvm-models-from-bytes-have-no-external-data' } };

/**
 * A session on the device asked for: `gpu` tries CUDA (when the installed binary bundles it) and
 * then WebGPU, and falls back to CPU with the reason in `note`.
 */
export async function createSession(model: Model | Uint8Array | string, device: Device = 'cpu', options: ort.InferenceSession.SessionOptions = {}): Promise<SessionChoice> {
  const source = typeof model === 'string' || model instanceof Uint8Array ? model : encodeModel(model);
  const open = (providers: ort.InferenceSession.SessionOptions['executionProviders']) =>
    typeof source === 'string'
      ? ort.InferenceSession.create(source, { ...options, executionProviders: providers })
      : ort.InferenceSession.create(source, { ...options, executionProviders: providers, extra: NO_EXTERNAL_DATA });
  if (device === 'gpu') {
    const reasons: string[] = [];
    const backends = ort.listSupportedBackends();
    for (const provider of ['cuda', 'webgpu'] as const) {
      const b = backends.find((x) => x.name === provider);
      if (!b) {
        reasons.push(`${provider}: not in this onnxruntime-node build`);
        continue;
      }
      try {
        const session = await open([provider]);
        return { session, provider, note: `onnxruntime-node: running on ${provider}` };
      } catch (e) {
        reasons.push(`${provider}: ${String((e as Error).message).split('\n')[0]}`);
      }
    }
    const session = await open(['cpu']);
    return { session, provider: 'cpu', note: `onnxruntime-node: GPU asked for but not usable (${reasons.join('; ')}); running on CPU` };
  }
  return { session: await open(['cpu']), provider: 'cpu', note: 'onnxruntime-node: running on CPU' };
}

/** A float32 tensor of these dims filled with a deterministic pattern (sin of the index). */
export function patternInput(dims: readonly number[], phase = 0): ort.Tensor {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = Math.sin(i * 0.37 + phase);
  return new ort.Tensor('float32', data, [...dims]);
}

/** Largest absolute difference and that difference relative to the reference's largest magnitude. */
export function compareOutputs(got: ort.Tensor, want: ort.Tensor): { maxAbs: number; relative: number } {
  const a = got.data as Float32Array;
  const b = want.data as Float32Array;
  if (a.length !== b.length || got.dims.join() !== want.dims.join()) return { maxAbs: Infinity, relative: Infinity };
  let maxAbs = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : d;
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return { maxAbs, relative: scale ? maxAbs / scale : maxAbs };
}

/** Median of `runs` timed runs (ms) after one warm-up. */
export async function timeRuns(session: ort.InferenceSession, feeds: ort.InferenceSession.FeedsType, runs: number): Promise<number> {
  await session.run(feeds);
  const times: number[] = [];
  for (let k = 0; k < runs; k++) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)]!;
}
