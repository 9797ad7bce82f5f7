// ONNX models as plain protobuf records (onnx-proto's static protobufjs code, ONNX 1.10 / IR 8):
// encode, decode, and the tensor helpers the builder, the zoo and the partitioner share.
import { createHash } from 'node:crypto';
import { onnx } from 'onnx-proto';

export { onnx };
export type Model = onnx.IModelProto;
export type Graph = onnx.IGraphProto;
export type Node = onnx.INodeProto;
export type TensorProto = onnx.ITensorProto;

export const DataType = onnx.TensorProto.DataType;
export type DataType = onnx.TensorProto.DataType;

/** Bytes per element of the numeric ONNX element types (0 where the size is not fixed). */
export function elementBytes(type: number): number {
  switch (type) {
    case DataType.FLOAT:
    case DataType.INT32:
    case DataType.UINT32:
      return 4;
    case DataType.DOUBLE:
    case DataType.INT64:
    case DataType.UINT64:
    case DataType.COMPLEX64:
      return 8;
    case DataType.FLOAT16:
    case DataType.BFLOAT16:
    case DataType.INT16:
    case DataType.UINT16:
      return 2;
    case DataType.INT8:
    case DataType.UINT8:
    case DataType.BOOL:
      return 1;
    case DataType.COMPLEX128:
      return 16;
    default:
      return 0;
  }
}

/** The onnxruntime tensor type name of an ONNX element type. */
export function ortTypeName(type: number): string {
  const names: Record<number, string> = {
    [DataType.FLOAT]: 'float32',
    [DataType.DOUBLE]: 'float64',
    [DataType.INT8]: 'int8',
    [DataType.UINT8]: 'uint8',
    [DataType.INT16]: 'int16',
    [DataType.UINT16]: 'uint16',
    [DataType.INT32]: 'int32',
    [DataType.UINT32]: 'uint32',
    [DataType.INT64]: 'int64',
    [DataType.UINT64]: 'uint64',
    [DataType.BOOL]: 'bool',
    [DataType.FLOAT16]: 'float16',
    [DataType.STRING]: 'string',
  };
  const name = names[type];
  if (!name) throw new Error(`ONNX element type ${type} has no onnxruntime tensor type`);
  return name;
}

/** The content hash a model (or a partition) is stored and cached under: sha-256 of its bytes, hex. */
export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function encodeModel(model: Model): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** Decode ONNX bytes; `what` names the file or source in the error a bad model gets. */
export function decodeModel(bytes: Uint8Array, what = 'model'): onnx.ModelProto {
  try {
    const model = onnx.ModelProto.decode(bytes);
    if (!model.graph) throw new Error('no graph');
    return model;
  } catch (e) {
    throw new Error(`${what}: not an ONNX model (${(e as Error).message})`);
  }
}

export function toNumber(v: number | { toNumber(): number } | null | undefined): number {
  if (v == null) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** Elements of a tensor with these dims. */
export function sizeOf(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** A float32 initializer stored as raw little-endian bytes (what ONNX exporters write). */
export function floatTensor(name: string, dims: readonly number[], data: Float32Array): TensorProto {
  if (data.length !== sizeOf(dims)) throw new Error(`tensor ${name}: ${data.length} values for dims [${dims}]`);
  return {
    name,
    dims: [...dims],
    dataType: DataType.FLOAT,
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

export function int64Tensor(name: string, dims: readonly number[], data: readonly number[]): TensorProto {
  const raw = new BigInt64Array(data.map((x) => BigInt(x)));
  return { name, dims: [...dims], dataType: DataType.INT64, rawData: new Uint8Array(raw.buffer) };
}

/** Bytes a stored tensor occupies (raw or typed fields). */
export function tensorBytes(t: TensorProto): number {
  const n = sizeOf((t.dims ?? []).map(toNumber));
  const size = elementBytes(t.dataType ?? 0);
  if (size) return n * size;
  return t.rawData?.length ?? 0;
}

/** The float values of a float32 tensor, wherever the proto stores them. */
export function floatData(t: TensorProto): Float32Array {
  if (t.dataType !== DataType.FLOAT) throw new Error(`tensor ${t.name}: not float32`);
  if (t.rawData && t.rawData.length) {
    const copy = new Uint8Array(t.rawData); // aligned copy
    return new Float32Array(copy.buffer, 0, copy.length / 4);
  }
  return Float32Array.from(t.floatData ?? []);
}

/** Value info for a tensor of this element type; `dims` entries that are strings are symbolic. */
export function valueInfo(name: string, elemType: number, dims?: readonly (number | string)[]): onnx.IValueInfoProto {
  const tensorType: onnx.TypeProto.ITensor = { elemType };
  if (dims) tensorType.shape = { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
  return { name, type: { tensorType } };
}

/** Element type and dims of a value info (undefined dims when the shape is unknown). */
export function describeValue(v: onnx.IValueInfoProto): { elemType: number; dims?: (number | string)[] } {
  const tt = v.type?.tensorType;
  const dims = tt?.shape?.dim?.map((d) => (d.dimParam ? d.dimParam : d.dimValue != null ? toNumber(d.dimValue) : '?'));
  return { elemType: tt?.elemType ?? 0, dims };
}
