// The IONN protocol (issue 7): incremental offloading of DNN inference while the model uploads.
// One WebSocket path (`/ionn`) on the edge server; a client opens one session on it that carries both
// channels, the background *upload* of model partitions and the *queries*, so that a run sent right
// behind a group's request finds that group loading and waits for it. Every message is one binary
// frame: a little-endian u32 header length, the header as UTF-8 JSON, then the payload bytes.
//
//   client → server  hello  { v, model, parts: [sha256 per chain layer] }   → welcome { stored: [layer], groups: [[from, to]] }
//   client → server  chunk  { layer, offset, total } + bytes                → ack { layer, received }
//                                                                             (last chunk) → stored { layer }
//   client → server  group  { layers: [a, a+1, …] } (stored layers)         → loaded { layers, loadMs }
//   client → server  run    { id, layers: [i, i+1, …], tensors } + bytes   → result { id, tensors, ms, load, wallMs, loadWaitMs } + bytes
//   server → client  error  { id?, layer?, layers?, code, message }   (`layers`: the group refused, as asked)
//
// A layer's bytes (its one-layer sub-model) are kept under the SHA-256 of those bytes (checked on
// arrival), named per model by the model's SHA-256: a second client of the same model finds its
// layers there and uploads nothing, and no client can place bytes under another's hash. A *group*
// is one onnxruntime session over consecutive stored layers (a partition's run of layers, or a run a
// plan starts inside one), joined on the server from those bytes; a run request is served group
// after group, each starting where the previous ended (`ms`: one time per group).
export const IONN_VERSION = 3;
export const IONN_PATH = '/ionn';

export type IonnTensorType = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8' | 'int8' | 'bool';

/** A tensor in a frame: its bytes are `payload[offset, offset + length)`. */
export interface WireTensor {
  name: string;
  type: IonnTensorType;
  dims: number[];
  offset: number;
  length: number;
}

export type IonnClientMessage =
  | { type: 'hello'; v: number; model: string; parts: string[] }
  | { type: 'chunk'; layer: number; offset: number; total: number }
  | { type: 'group'; layers: number[] }
  | { type: 'run'; id: number; layers: number[]; tensors: WireTensor[] };

export type IonnErrorCode = 'bad-message' | 'bad-version' | 'bad-part' | 'not-uploaded' | 'full' | 'run-failed';

export type IonnServerMessage =
  | { type: 'welcome'; v: number; stored: number[]; groups: [number, number][] }
  | { type: 'ack'; layer: number; received: number }
  | { type: 'stored'; layer: number }
  | { type: 'loaded'; layers: number[]; loadMs: number }
  /** `ms`: each group's run; `wallMs`: from reading the request to sending this (waits and copies included); `loadWaitMs`: of which waiting for a group still loading. */
  | { type: 'result'; id: number; tensors: WireTensor[]; ms: number[]; load: number; wallMs: number; loadWaitMs: number }
  /** `layers`: a refused group's layers as the client asked for them (the group's identity); absent for other refusals. */
  | { type: 'error'; id?: number; layer?: number; layers?: number[]; code: IonnErrorCode; message: string };

export function encodeFrame(header: object, payload: readonly Uint8Array[] = []): Buffer {
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length, 0);
  return Buffer.concat([len, head, ...payload]);
}

/** Split a frame into its JSON header and payload; a string says what is wrong with it. */
export function decodeFrame(data: Buffer): { header: Record<string, unknown>; payload: Buffer } | string {
  if (data.length < 4) return 'frame shorter than its 4-byte header length';
  const n = data.readUInt32LE(0);
  if (4 + n > data.length) return `frame header length ${n} runs past the frame's ${data.length} bytes`;
  let header: unknown;
  try {
    header = JSON.parse(data.subarray(4, 4 + n).toString('utf8'));
  } catch (e) {
    return `frame header is not JSON: ${(e as Error).message}`;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return 'frame header is not a JSON object';
  return { header: header as Record<string, unknown>, payload: data.subarray(4 + n) };
}

const TYPES: readonly IonnTensorType[] = ['float32', 'float64', 'int32', 'int64', 'uint8', 'int8', 'bool'];
const ELEMENT_BYTES: Record<IonnTensorType, number> = { float32: 4, float64: 8, int32: 4, int64: 8, uint8: 1, int8: 1, bool: 1 };
const isNat = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Check a header's tensor list against the payload; a string names what is wrong. */
export function checkTensors(v: unknown, payloadBytes: number): WireTensor[] | string {
  if (!Array.isArray(v)) return 'tensors must be an array';
  for (const [k, t] of v.entries()) {
    if (typeof t !== 'object' || t === null) return `tensors[${k}] is not an object`;
    const { name, type, dims, offset, length } = t as Record<string, unknown>;
    if (typeof name !== 'string' || !name) return `tensors[${k}].name must be a non-empty string`;
    if (!TYPES.includes(type as IonnTensorType)) return `tensors[${k}].type '${String(type)}' is not one of ${TYPES.join(', ')}`;
    if (!Array.isArray(dims) || !dims.every(isNat)) return `tensors[${k}].dims must be non-negative integers`;
    if (!isNat(offset) || !isNat(length) || offset + length > payloadBytes) return `tensors[${k}] bytes [${String(offset)}, +${String(length)}) lie outside the ${payloadBytes}-byte payload`;
    const count = (dims as number[]).reduce((a, b) => a * b, 1);
    if (count * ELEMENT_BYTES[type as IonnTensorType] !== length) return `tensors[${k}] '${name}': ${length} bytes do not hold ${type}[${(dims as number[]).join('×')}]`;
  }
  return v as WireTensor[];
}

/** Lay tensors out one after another: the header entries and the payload pieces. */
export function packTensors(tensors: readonly { name: string; type: string; dims: readonly number[]; data: ArrayBufferView }[]): { tensors: WireTensor[]; payload: Uint8Array[] } {
  const out: WireTensor[] = [];
  const payload: Uint8Array[] = [];
  let offset = 0;
  for (const t of tensors) {
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    out.push({ name: t.name, type: t.type as IonnTensorType, dims: [...t.dims], offset, length: bytes.length });
    payload.push(bytes);
    offset += bytes.length;
  }
  return { tensors: out, payload };
}

const ARRAYS = { float32: Float32Array, float64: Float64Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, int8: Int8Array, bool: Uint8Array } as const;

/** A fresh, aligned typed array holding a wire tensor's bytes. */
export function tensorData(t: WireTensor, payload: Uint8Array): ArrayBufferView {
  const copy = new Uint8Array(t.length);
  copy.set(payload.subarray(t.offset, t.offset + t.length));
  const C = ARRAYS[t.type];
  return new C(copy.buffer, 0, t.length / ELEMENT_BYTES[t.type]);
}
