// A small ONNX graph builder: inputs, initializers, nodes and outputs by name, then one ModelProto.
// Enough for the model zoo and tests; no shape inference (onnxruntime infers shapes at load).
import { onnx, DataType, encodeModel, floatTensor, int64Tensor, valueInfo, type Model, type TensorProto } from './onnx';

/** Attribute values as written in a node call; arrays of numbers are INTS unless `floats()` marks them. */
export type AttributeValue = number | string | number[] | FloatList | TensorProto;

export class FloatList {
  constructor(readonly values: number[]) {}
}
/** Mark a list attribute as FLOATS (plain number arrays are INTS). */
export const floats = (values: number[]): FloatList => new FloatList(values);

/** A float attribute (a plain number is an INT when it is an integer). */
export class FloatValue {
  constructor(readonly value: number) {}
}
export const float = (value: number): FloatValue => new FloatValue(value);

const AT = onnx.AttributeProto.AttributeType;

function attribute(name: string, v: AttributeValue | FloatValue): onnx.IAttributeProto {
  if (v instanceof FloatValue) return { name, type: AT.FLOAT, f: v.value };
  if (v instanceof FloatList) return { name, type: AT.FLOATS, floats: v.values };
  if (typeof v === 'number') {
    return Number.isInteger(v) ? { name, type: AT.INT, i: v } : { name, type: AT.FLOAT, f: v };
  }
  if (typeof v === 'string') return { name, type: AT.STRING, s: new TextEncoder().encode(v) };
  if (Array.isArray(v)) return { name, type: AT.INTS, ints: v };
  return { name, type: AT.TENSOR, t: v };
}

export interface NodeOptions {
  /** Node name (defaults to `${opType}_${n}`). */
  name?: string;
  /** Output names (defaults to one fresh name). */
  outputs?: string[];
  domain?: string;
}

export class GraphBuilder {
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private readonly produced = new Set<string>();
  private counter = 0;

  constructor(
    readonly name = 'graph',
    readonly opset = 13,
  ) {}

  /** A name not used yet in this graph, from `base`. */
  fresh(base: string): string {
    let n = base;
    while (this.names.has(n)) n = `${base}_${++this.counter}`;
    this.names.add(n);
    return n;
  }

  input(name: string, dims: readonly (number | string)[], elemType: number = DataType.FLOAT): string {
    this.produce(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  /** A float32 constant tensor (weights). */
  weight(name: string, dims: readonly number[], data: Float32Array): string {
    const n = this.fresh(name);
    this.initializers.push(floatTensor(n, dims, data));
    return n;
  }

  /** An int64 constant tensor (shapes, axes). */
  ints(name: string, data: readonly number[]): string {
    const n = this.fresh(name);
    this.initializers.push(int64Tensor(n, [data.length], data));
    return n;
  }

  /** A constant tensor of any element type from its raw little-endian bytes. */
  constant(name: string, dims: readonly number[], elemType: number, raw: Uint8Array): string {
    const n = this.fresh(name);
    this.initializers.push({ name: n, dims: [...dims], dataType: elemType, rawData: raw });
    return n;
  }

  /** Add a node; returns its first output's name. */
  node(opType: string, inputs: readonly string[], attrs: Record<string, AttributeValue | FloatValue> = {}, opts: NodeOptions = {}): string {
    const outputs = opts.outputs ?? [this.fresh(`${opts.name ?? opType}_out`)];
    if (!opts.outputs) this.produced.add(outputs[0]!);
    for (const o of opts.outputs ?? []) this.produce(o);
    this.nodes.push({
      name: opts.name ?? `${opType}_${this.nodes.length}`,
      opType,
      domain: opts.domain ?? '',
      input: [...inputs],
      output: outputs,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return outputs[0]!;
  }

  /** Mark `name` a graph output; without dims its shape is left to onnxruntime. */
  output(name: string, dims?: readonly (number | string)[], elemType: number = DataType.FLOAT): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  build(docString = ''): Model {
    if (!this.outputs.length) throw new Error(`graph ${this.name}: no outputs`);
    return {
      irVersion: 7,
      opsetImport: [{ domain: '', version: this.opset }],
      producerName: 'snapvm',
      producerVersion: '0.1',
      docString,
      graph: {
        name: this.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
  }

  bytes(docString = ''): Uint8Array {
    return encodeModel(this.build(docString));
  }

  /** Every tensor has one producer (ONNX graphs are SSA); names from `fresh()` may be produced once. */
  private produce(name: string): void {
    if (this.produced.has(name)) throw new Error(`graph ${this.name}: tensor ${name} is produced twice`);
    this.produced.add(name);
    this.names.add(name);
  }
}
