// Per-layer profiles of a layer chain, in one format for every device: weight bytes, input and
// output feature bytes, and milliseconds per device — measured here (onnxruntime-node) or read from
// the IONN authors' ODROID-XU4 client / GPU server files (`index layer_name ms` per Caffe layer).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { subModel, withBoundaryOutputs, type LayerChain } from './partition';
import { createSession, timeRuns, type ort, type Device } from './runtime';
import { encodeModel } from './onnx';
import { CAFFE_ZOO, ionnProfilesDir, type CaffeZooName } from './zoo';

export interface LayerProfileEntry {
  index: number;
  name: string;
  /** Layer keys inside (Caffe layer names for zoo models). */
  members: string[];
  weightBytes: number;
  inputBytes: number;
  outputBytes: number;
  /** Milliseconds per device name, e.g. `{ 'ort-cpu': 1.2, 'odroid-xu4': 70.6, 'gpu-server': 0.08 }`. */
  ms: Record<string, number>;
  /** Milliseconds to load the layer alone (create its onnxruntime session from bytes), per measured device. */
  loadMs: Record<string, number>;
}

export interface LayerProfile {
  model: string;
  /** Where the weights come from: 'seeded random weights (seed 1)' or 'pretrained'. */
  weights: string;
  input: { name: string; dims: number[] };
  /** Device name → how it was measured. */
  devices: Record<string, string>;
  /** Whole-model milliseconds per measured device (for comparison with the per-layer sum). */
  wholeMs: Record<string, number>;
  layers: LayerProfileEntry[];
}

export interface ProfileOptions {
  model: string;
  weights: string;
  feeds: ort.InferenceSession.FeedsType;
  /** Timed runs per layer (median reported). Default 10. */
  runs?: number;
  device?: Device;
  /** Device name under which the times are stored. Default `ort-cpu` / `ort-gpu`. */
  deviceName?: string;
  sessionOptions?: ort.InferenceSession.SessionOptions;
}

/** Measure every layer of the chain on onnxruntime-node. */
export async function profileChain(chain: LayerChain, opts: ProfileOptions): Promise<LayerProfile> {
  const runs = opts.runs ?? 10;
  const device = opts.device ?? 'cpu';
  // One run of the whole model with every boundary exposed gives every feature map.
  const probe = await createSession(withBoundaryOutputs(chain), device, opts.sessionOptions);
  const features = await probe.session.run(opts.feeds);
  await probe.session.release();
  const bytesOf = (names: string[]) =>
    names.reduce((s, n) => {
      const t = features[n] ?? opts.feeds[n];
      if (!t) throw new Error(`profile ${opts.model}: no value for tensor ${n}`);
      return s + ((t.data as ArrayBufferView).byteLength ?? 0);
    }, 0);
  const name = opts.deviceName ?? `ort-${device}`;
  const whole = await createSession(chain.model, device, opts.sessionOptions);
  const wholeMs = await timeRuns(whole.session, opts.feeds, runs);
  await whole.session.release();
  const layers: LayerProfileEntry[] = [];
  for (const layer of chain.layers) {
    const bytes = encodeModel(subModel(chain, layer.index, layer.index + 1));
    const t0 = process.hrtime.bigint();
    const piece = await createSession(bytes, device, opts.sessionOptions);
    const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const feeds: Record<string, ort.Tensor> = {};
    for (const n of layer.inputs) feeds[n] = (features[n] ?? opts.feeds[n]) as ort.Tensor;
    const ms = await timeRuns(piece.session, feeds, runs);
    await piece.session.release();
    layers.push({
      index: layer.index,
      name: layer.name,
      members: layer.members,
      weightBytes: layer.weightBytes,
      inputBytes: bytesOf(layer.inputs),
      outputBytes: bytesOf(layer.outputs),
      ms: { [name]: ms },
      loadMs: { [name]: loadMs },
    });
  }
  const input = Object.entries(opts.feeds)[0]!;
  return {
    model: opts.model,
    weights: opts.weights,
    input: { name: input[0], dims: [...input[1].dims] },
    devices: { [name]: `onnxruntime-node ${ortVersion()} ${whole.provider}, ${runs} runs per layer (median), one layer per session` },
    wholeMs: { [name]: wholeMs },
    layers,
  };
}

function ortVersion(): string {
  try {
    return (require('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return '?';
  }
}

/** One line per Caffe layer: `index layer_name milliseconds` (the IONN authors' files). */
export function readIonnProfile(text: string, file = 'profile'): { index: number; name: string; ms: number }[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((line, k) => {
      const m = /^\s*(\d+)\s+(\S+)\s+([0-9.eE+-]+)\s*$/.exec(line);
      if (!m) throw new Error(`${file}:${k + 1}: expected 'index layer_name ms', found '${line}'`);
      return { index: Number(m[1]), name: m[2]!, ms: Number(m[3]) };
    });
}

/**
 * Add an IONN device profile to a profile of the same network: each chain layer gets the sum of its
 * Caffe layers' times. Caffe's own split layers (`…_split`, copies for branches) and the input layer
 * have no ONNX node; their time (≈0.01 ms) goes to the chain layer that produced their input.
 */
export function addIonnTimes(profile: LayerProfile, deviceName: string, entries: { name: string; ms: number }[], description: string): { unmatched: string[] } {
  const owner = new Map<string, LayerProfileEntry>();
  for (const l of profile.layers) for (const m of l.members) owner.set(m, l);
  const unmatched: string[] = [];
  let previous: LayerProfileEntry | undefined;
  for (const l of profile.layers) l.ms[deviceName] = 0;
  let before = 0;
  for (const e of entries) {
    const l = owner.get(e.name) ?? (e.name.endsWith('_split') ? previous : undefined);
    if (l) {
      l.ms[deviceName]! += e.ms;
      previous = l;
    } else if (!previous) {
      before += e.ms; // the input layer
    } else unmatched.push(e.name);
  }
  if (profile.layers[0]) profile.layers[0].ms[deviceName]! += before;
  profile.devices[deviceName] = description;
  profile.wholeMs[deviceName] = entries.reduce((s, e) => s + e.ms, 0);
  return { unmatched };
}

/** Add the IONN authors' client (ODROID-XU4) and server (GPU) profiles of a zoo model, where present. */
export function addIonnDeviceProfiles(profile: LayerProfile, zooName: CaffeZooName, dir = ionnProfilesDir()): { unmatched: string[] } {
  const unmatched: string[] = [];
  const stem = CAFFE_ZOO[zooName];
  for (const [side, device, what] of [
    ['client', 'odroid-xu4', 'IONN authors: ODROID-XU4 client, ARM CPU, Caffe'],
    ['server', 'gpu-server', 'IONN authors: edge server GPU, Caffe'],
  ] as const) {
    const file = path.join(dir, `${stem}.${side}.txt`);
    if (!fs.existsSync(file)) continue;
    unmatched.push(...addIonnTimes(profile, device, readIonnProfile(fs.readFileSync(file, 'utf8'), file), what).unmatched);
  }
  return { unmatched };
}

/** A profile as IONN's text format for one device (`index layer_name ms`, chain layers). */
export function formatIonnProfile(profile: LayerProfile, device: string): string {
  return profile.layers.map((l) => `${l.index} ${l.name.replace(/\s/g, '_')} ${(l.ms[device] ?? NaN).toPrecision(6)}`).join('\n') + '\n';
}
