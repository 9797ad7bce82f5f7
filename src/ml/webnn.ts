// The W3C WebNN API for guest code (https://www.w3.org/TR/webnn/): `navigator.ml.createContext`,
// `MLGraphBuilder`, `MLGraph`, `MLTensor` and `MLContext.dispatch` / `compute`, delegated to
// onnxruntime-node. A built graph is ONE ONNX model (opset 20) with ONE cached session.
//
// Every object's state is a plain record stamped on it (HostServices.stampedKind), so snapshots
// write and restore contexts, builders, operands, tensors and graphs: operands and tensors keep their
// bytes in realm Uint8Arrays that only the records reach; a graph writes its model's bytes once per
// content hash and gets its session back lazily from them.
//
// Safety (DESIGN.md, principle 3): as in ort-guest.ts, guest values are read through the realm's
// Reflect and the host's %TypedArray% getters, and everything handed out is made in the realm.
import type { HostService, HostServices } from '../interpreter/index';
import type * as ort from 'onnxruntime-node';
import { loadRuntime, loadBuilder } from './lazy';
import { guestTools, modelStore, typedArrayName, copyTypedArray, arrayBufferBytes, taBuffer, taOffset, taBytes, HOST_ARRAYS, ARRAY_OF_TYPE, type TensorType } from './guest';

export interface WebnnServiceOptions {
  /** Receives the line saying which execution provider a context runs on and why (default: stderr, only when a GPU was asked for). */
  onNote?: (line: string) => void;
}

/** https://www.w3.org/TR/webnn/#enumdef-mloperanddatatype (float16 has no typed array in Node 20). */
type MLOperandDataType = 'float32' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'int8' | 'uint8';
/** ONNX's TensorProto.DataType numbers (written out: onnx-proto loads only when a graph is built). */
const ONNX_TYPE: Record<MLOperandDataType, number> = { float32: 1, uint8: 2, int8: 3, int32: 6, int64: 7, uint32: 12, uint64: 13 };
const BYTES: Record<MLOperandDataType, number> = { float32: 4, int32: 4, uint32: 4, int64: 8, uint64: 8, int8: 1, uint8: 1 };

// ---- records (plain data: guest values, numbers, strings, arrays and other records) ----------------

interface ContextRecord {
  deviceType: string;
  provider: string;
}
interface BuilderRecord {
  context: ContextRecord;
  names: string[];
  built: boolean;
}
interface NodeRecord {
  op: string;
  inputs: (OperandRecord | null)[];
  attrs: Record<string, unknown>;
}
interface OperandRecord {
  builder: BuilderRecord;
  dataType: MLOperandDataType;
  shape: number[];
  kind: 'input' | 'constant' | 'op';
  /** input: its name; constant: its bytes (a realm Uint8Array); op: the node and which of its outputs. */
  name?: string;
  bytes?: unknown;
  node?: NodeRecord;
  index?: number;
}
interface Port {
  name: string;
  onnx: string;
  dataType: MLOperandDataType;
  shape: number[];
}
/** `session`: the shared session (see `sessionFor`), set once when the graph is built or restored. */
interface GraphRecord {
  context: ContextRecord;
  inputs: Port[];
  outputs: Port[];
  hash: string;
  model: Uint8Array;
  destroyed: boolean;
  session?: Promise<ort.InferenceSession>;
}
/** A graph as a snapshot writes it: the model as one realm buffer per content hash. */
type StoredGraph = Omit<GraphRecord, 'model' | 'session'> & { model: unknown };
interface TensorRecord {
  context: ContextRecord;
  dataType: MLOperandDataType;
  shape: number[];
  bytes: unknown;
  readable: boolean;
  writable: boolean;
  destroyed: boolean;
  error: string | null;
}

const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** A host service defining `navigator.ml` and the WebNN interfaces in the guest global. */
export function webnnService(options: WebnnServiceOptions = {}): HostService {
  return Object.assign((host: HostServices) => installWebnn(host, options), { key: 'ml.webnn' });
}

function installWebnn(host: HostServices, options: WebnnServiceOptions): void {
  const { kit, R, method, promiseMethod, guestPromise, fail, failAs, readDims } = guestTools(host);
  const note = options.onNote ?? ((line: string) => void process.stderr.write(line + '\n'));
  const klass = (name: string) => {
    const C = host.native(name, 0, () => fail(`Illegal constructor: ${name}`), true) as Function & { prototype: object };
    kit.defineProperty(host.global, name, { value: C, writable: true, enumerable: false, configurable: true });
    return C.prototype;
  };
  const getter = (proto: object, name: string, get: (self: unknown) => unknown) =>
    kit.defineProperty(proto, name, { get: host.native(`get ${name}`, 0, (t) => get(t)) as () => unknown, enumerable: true, configurable: true });

  // Sessions by model hash and provider, shared by graphs of the same model (refs count the graphs).
  const sessions = new Map<string, { session: Promise<ort.InferenceSession>; refs: number }>();
  const sessionFor = (g: GraphRecord): Promise<ort.InferenceSession> => {
    if (g.session) return g.session;
    const key = `${g.hash}|${g.context.provider}`;
    let entry = sessions.get(key);
    if (!entry) {
      const provider = g.context.provider as 'cpu' | 'cuda' | 'webgpu';
      const session = loadRuntime().ort.InferenceSession.create(g.model, { executionProviders: [provider] });
      session.catch(() => {}); // awaited (and reported) by whoever uses it
      sessions.set(key, (entry = { session, refs: 0 }));
    }
    entry.refs++;
    return (g.session = entry.session);
  };
  const models = modelStore(kit);
  const realmBytes = (bytes: Uint8Array): unknown => {
    const r = new kit.arrays.Uint8Array!(bytes.byteLength);
    new Uint8Array(Reflect.apply(taBuffer, r, []) as ArrayBuffer).set(bytes);
    return r;
  };
  const hostView = (realmArray: unknown) => new Uint8Array(Reflect.apply(taBuffer, realmArray, []) as ArrayBuffer);

  // ---- ML and MLContext ---------------------------------------------------------------------------
  const MLPrototype = klass('ML');
  const ContextPrototype = klass('MLContext');
  const contexts = host.stampedKind<ContextRecord>('webnn.MLContext', ContextPrototype);
  // The provider each device type gets, decided once per engine (a GPU probe opens a session).
  const providers = new Map<string, Promise<string>>();
  const chooseProvider = (deviceType: string): Promise<string> => {
    let p = providers.get(deviceType);
    if (!p) {
      p = (async () => {
        if (deviceType !== 'gpu') return 'cpu';
        const g = new (loadBuilder().GraphBuilder)('probe', 13);
        g.output(g.node('Identity', [g.input('x', [1])], {}, { outputs: ['y'] }));
        const choice = await loadRuntime().createSession(g.bytes(), 'gpu');
        await choice.session.release();
        note(`WebNN: deviceType 'gpu': ${choice.note.replace(/^onnxruntime-node: /, '')}`);
        return choice.provider;
      })();
      providers.set(deviceType, p);
    }
    return p;
  };
  promiseMethod(MLPrototype, 'createContext', 0, (_self, a) => {
    const o = a[0];
    if (o !== undefined && o !== null && typeof o !== 'object') fail('createContext: options must be a dictionary');
    const deviceType = o ? (R.get(o as object, 'deviceType') ?? 'cpu') : 'cpu';
    if (!['cpu', 'gpu', 'npu'].includes(deviceType as string)) fail(`createContext: deviceType '${String(deviceType)}' is not one of cpu, gpu, npu`);
    const powerPreference = o ? (R.get(o as object, 'powerPreference') ?? 'default') : 'default';
    if (!['default', 'high-performance', 'low-power'].includes(powerPreference as string))
      fail(`createContext: powerPreference '${String(powerPreference)}' is not one of default, high-performance, low-power`);
    // NON-SPEC: an 'npu' or a high-performance request is served as the GPU would be (no NPU provider here)
    const wanted = deviceType === 'cpu' && powerPreference !== 'high-performance' ? 'cpu' : 'gpu';
    return guestPromise(
      'createContext',
      () => chooseProvider(wanted),
      (provider) => {
        const c = kit.create(ContextPrototype);
        contexts.set(c, { deviceType: deviceType as string, provider });
        return c;
      },
    );
  });
  const ml = kit.create(MLPrototype);
  let navigator = R.get(host.global, 'navigator');
  if (typeof navigator !== 'object' || navigator === null) {
    navigator = kit.create(kit.ObjectPrototype);
    kit.defineProperty(host.global, 'navigator', { value: navigator, writable: true, enumerable: false, configurable: true });
  }
  kit.defineProperty(navigator as object, 'ml', { value: ml, writable: false, enumerable: true, configurable: true });

  const contextOf = (c: unknown, what: string) => contexts.get(c) ?? fail(`${what} is not an MLContext`);

  // A context's timeline: dispatches, writes and reads run in the order the guest issued them.
  const timelines = new WeakMap<ContextRecord, { tail: Promise<unknown>; queued: number }>();
  const enqueue = <T>(ctx: ContextRecord, step: () => Promise<T> | T): Promise<T> => {
    let line = timelines.get(ctx);
    if (!line) timelines.set(ctx, (line = { tail: Promise.resolve(), queued: 0 }));
    const timeline = line;
    timeline.queued++;
    // an idle timeline starts the step at once (a compute's inference need not wait a microtask)
    const p = timeline.queued === 1 ? new Promise<T>((resolve) => resolve(step())) : timeline.tail.then(step);
    timeline.tail = p.then(
      () => void timeline.queued--,
      () => void timeline.queued--,
    );
    return p;
  };
  /** Run `step` now when nothing waits on the context's timeline (its effect is then visible at once, to a snapshot too). */
  const now = (ctx: ContextRecord, step: () => void): void => {
    if (!timelines.get(ctx)?.queued) step();
    else host.track(enqueue(ctx, step));
  };

  // ---- descriptors, dictionaries ------------------------------------------------------------------
  const dict = (o: unknown, what: string): object | undefined => {
    if (o === undefined || o === null) return undefined;
    if (typeof o !== 'object' && typeof o !== 'function') fail(`${what} must be a dictionary`);
    return o as object;
  };
  const member = (o: object | undefined, k: string): unknown => (o ? R.get(o, k) : undefined);
  const readDataType = (v: unknown, what: string): MLOperandDataType => {
    if (v === 'float16') fail(`${what}: dataType 'float16' is not supported here (no Float16Array in Node 20)`);
    if (typeof v !== 'string' || !Object.hasOwn(ONNX_TYPE, v)) fail(`${what}: dataType '${String(v)}' is not an MLOperandDataType`);
    return v as MLOperandDataType;
  };
  const readDescriptor = (d: unknown, what: string): { dataType: MLOperandDataType; shape: number[] } => {
    const o = dict(d, what) ?? fail(`${what}: a descriptor { dataType, shape } is required`);
    const dataType = readDataType(R.get(o, 'dataType'), what);
    // `dimensions` is the name earlier drafts used
    const dims = R.get(o, 'shape') ?? R.get(o, 'dimensions');
    const shape = dims === undefined ? fail(`${what}: the descriptor has no shape`) : readDims(dims, `${what}: shape`);
    if (shape.includes(0)) fail(`${what}: shape [${shape}] has a zero dimension`);
    return { dataType, shape };
  };
  const readInts = (v: unknown, what: string, length?: number, min = 0): number[] => {
    if (!kit.isArray(v)) fail(`${what} must be an array of integers`);
    const n = R.get(v as object, 'length') as number;
    if (length !== undefined && n !== length) fail(`${what} must have ${length} values, not ${n}`);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const x = R.get(v as object, i);
      if (typeof x !== 'number' || !Number.isInteger(x) || x < min) fail(`${what}[${i}] is not an integer ≥ ${min}`);
      out.push(x as number);
    }
    return out;
  };
  const optInts = (o: object | undefined, k: string, what: string, length: number, dflt: number[], min = 0): number[] => {
    const v = member(o, k);
    return v === undefined ? dflt : readInts(v, `${what}: ${k}`, length, min);
  };
  const optNumber = (o: object | undefined, k: string, what: string, dflt: number): number => {
    const v = member(o, k);
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || Number.isNaN(v)) fail(`${what}: ${k} must be a number`);
    return v as number;
  };
  const optBool = (o: object | undefined, k: string, dflt: boolean): boolean => {
    const v = member(o, k);
    return v === undefined ? dflt : Boolean(v);
  };
  const optEnum = <T extends string>(o: object | undefined, k: string, what: string, values: readonly T[], dflt: T): T => {
    const v = member(o, k);
    if (v === undefined) return dflt;
    if (!values.includes(v as T)) fail(`${what}: ${k} '${String(v)}' is not one of ${values.join(', ')}`);
    return v as T;
  };

  /** Bytes of a guest buffer source (typed array, DataView or ArrayBuffer), checked against a tensor's size. */
  const readBytes = (v: unknown, dataType: MLOperandDataType, count: number, what: string): Uint8Array => {
    const name = typedArrayName(v);
    let bytes: Uint8Array;
    if (name) {
      if (name !== ARRAY_OF_TYPE[dataType as TensorType & MLOperandDataType]) fail(`${what}: a ${dataType} tensor takes a ${ARRAY_OF_TYPE[dataType as TensorType & MLOperandDataType]}, not a ${name}`);
      bytes = copyTypedArray(v);
    } else {
      const total = arrayBufferBytes(v);
      if (total < 0) fail(`${what}: expected an ArrayBuffer or a typed array`);
      bytes = new Uint8Array(v as ArrayBuffer).slice();
    }
    if (bytes.byteLength !== count * BYTES[dataType]) fail(`${what}: ${bytes.byteLength} bytes given, the ${dataType} tensor holds ${count * BYTES[dataType]}`);
    return bytes;
  };
  /** Write bytes into a guest typed array of the right type and size (checked first). */
  const checkView = (v: unknown, dataType: MLOperandDataType, count: number, what: string) => {
    const name = typedArrayName(v);
    if (!name && arrayBufferBytes(v) < 0) fail(`${what}: expected an ArrayBuffer or a typed array`);
    if (name && name !== ARRAY_OF_TYPE[dataType as TensorType & MLOperandDataType])
      fail(`${what}: a ${dataType} result goes into a ${ARRAY_OF_TYPE[dataType as TensorType & MLOperandDataType]}, not a ${name}`);
    const length = name ? (Reflect.apply(taBytes, v, []) as number) : arrayBufferBytes(v);
    if (length !== count * BYTES[dataType]) fail(`${what}: ${length} bytes, the ${dataType} result has ${count * BYTES[dataType]}`);
  };
  const writeInto = (v: unknown, bytes: Uint8Array) => {
    if (typedArrayName(v)) {
      new Uint8Array(Reflect.apply(taBuffer, v, []) as ArrayBuffer, Reflect.apply(taOffset, v, []) as number, bytes.byteLength).set(bytes);
    } else new Uint8Array(v as ArrayBuffer).set(bytes);
  };

  // ---- MLOperand, MLGraphBuilder ------------------------------------------------------------------
  const OperandPrototype = klass('MLOperand');
  const operands = host.stampedKind<OperandRecord>('webnn.MLOperand', OperandPrototype);
  getter(OperandPrototype, 'dataType', (t) => (operands.get(t) ?? fail('this is not an MLOperand')).dataType);
  getter(OperandPrototype, 'shape', (t) => kit.array(...(operands.get(t) ?? fail('this is not an MLOperand')).shape));

  const BuilderConstructor = host.native(
    'MLGraphBuilder',
    1,
    (self, a, newTarget) => {
      if (newTarget === undefined) fail("Failed to construct 'MLGraphBuilder': use new");
      const context = contextOf(a[0], "MLGraphBuilder's argument");
      builders.set(self as object, { context, names: [], built: false });
      return self;
    },
    true,
  ) as Function & { prototype: object };
  kit.defineProperty(host.global, 'MLGraphBuilder', { value: BuilderConstructor, writable: true, enumerable: false, configurable: true });
  const BuilderPrototype = BuilderConstructor.prototype;
  const builders = host.stampedKind<BuilderRecord>('webnn.MLGraphBuilder', BuilderPrototype);

  const makeOperand = (rec: OperandRecord): object => {
    const o = kit.create(OperandPrototype);
    operands.set(o, rec);
    return o;
  };
  /** A builder method: checks the builder, then makes the operand(s) `build` returns. */
  const op = (name: string, length: number, impl: (b: BuilderRecord, args: ArrayLike<unknown>, what: string) => OperandRecord | OperandRecord[]) =>
    method(BuilderPrototype, name, length, (self, a) => {
      const b = builders.get(self) ?? fail(`${name}: this is not an MLGraphBuilder`);
      if (b.built) failAs('InvalidStateError', `${name}: the builder has already built its graph`);
      const r = impl(b, a, name);
      return Array.isArray(r) ? kit.array(...r.map(makeOperand)) : makeOperand(r);
    });
  const operand = (b: BuilderRecord, v: unknown, what: string): OperandRecord => {
    const r = operands.get(v) ?? fail(`${what} is not an MLOperand`);
    if (r.builder !== b) fail(`${what} comes from another MLGraphBuilder`);
    return r;
  };
  const optOperand = (b: BuilderRecord, o: object | undefined, k: string, what: string): OperandRecord | null => {
    const v = member(o, k);
    return v === undefined ? null : operand(b, v, `${what}: ${k}`);
  };
  const float = (r: OperandRecord, what: string) => {
    if (r.dataType !== 'float32') fail(`${what}: needs float32 operands, not ${r.dataType}`);
  };
  const node = (b: BuilderRecord, opName: string, inputs: (OperandRecord | null)[], attrs: Record<string, unknown>, shape: number[], dataType: MLOperandDataType): OperandRecord => ({
    builder: b,
    dataType,
    shape,
    kind: 'op',
    node: { op: opName, inputs, attrs },
    index: 0,
  });

  op('input', 2, (b, a, what) => {
    const name = a[0];
    if (typeof name !== 'string' || name === '') fail(`${what}: the name must be a non-empty string`);
    if (b.names.includes(name as string)) fail(`${what}: an input named '${String(name)}' exists already`);
    const d = readDescriptor(a[1], `${what}('${String(name)}')`);
    b.names.push(name as string);
    return { builder: b, dataType: d.dataType, shape: d.shape, kind: 'input', name: name as string };
  });
  op('constant', 2, (b, a, what) => {
    if (typeof a[0] === 'string') {
      // constant(type, value): a scalar
      const dataType = readDataType(a[0], what);
      const v = a[1];
      const Host = HOST_ARRAYS[dataType];
      const one = new Host(1) as unknown as { [i: number]: unknown; buffer: ArrayBuffer };
      if (typeof v !== 'bigint' && (typeof v !== 'number' || Number.isNaN(v) || (!Number.isFinite(v) && dataType !== 'float32'))) fail(`${what}: ${String(v)} is not a valid ${dataType} value`);
      if (dataType === 'int64' || dataType === 'uint64') one[0] = typeof v === 'bigint' ? v : BigInt(Math.trunc(v as number));
      else one[0] = Number(v);
      return { builder: b, dataType, shape: [], kind: 'constant', bytes: realmBytes(new Uint8Array(one.buffer)) };
    }
    const d = readDescriptor(a[0], what);
    const bytes = readBytes(a[1], d.dataType, sizeOf(d.shape), what);
    return { builder: b, dataType: d.dataType, shape: d.shape, kind: 'constant', bytes: realmBytes(bytes) };
  });

  // element-wise binary operations (numpy broadcasting)
  const broadcast = (x: number[], y: number[], what: string): number[] => {
    const n = Math.max(x.length, y.length);
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const p = x[x.length - n + i] ?? 1;
      const q = y[y.length - n + i] ?? 1;
      if (p !== q && p !== 1 && q !== 1) fail(`${what}: shapes [${x}] and [${y}] do not broadcast`);
      out.push(p === 1 ? q : p);
    }
    return out;
  };
  for (const [name, onnx] of [
    ['add', 'Add'],
    ['sub', 'Sub'],
    ['mul', 'Mul'],
    ['div', 'Div'],
    ['max', 'Max'],
    ['min', 'Min'],
    ['pow', 'Pow'],
  ] as const) {
    op(name, 2, (b, a, what) => {
      const x = operand(b, a[0], `${what}: a`);
      const y = operand(b, a[1], `${what}: b`);
      if (x.dataType !== y.dataType) fail(`${what}: operands of types ${x.dataType} and ${y.dataType}`);
      return node(b, onnx, [x, y], {}, broadcast(x.shape, y.shape, what), x.dataType);
    });
  }
  for (const [name, onnx, floatOnly] of [
    ['relu', 'Relu', false],
    ['sigmoid', 'Sigmoid', true],
    ['tanh', 'Tanh', true],
    ['gelu', 'Gelu', true],
  ] as const) {
    op(name, 1, (b, a, what) => {
      const x = operand(b, a[0], `${what}: input`);
      if (floatOnly) float(x, what);
      return node(b, onnx, [x], {}, x.shape, x.dataType);
    });
  }
  const axisOf = (v: unknown, rank: number, what: string): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= rank) fail(`${what}: axis ${String(v)} is not in [0, ${rank})`);
    return v as number;
  };
  op('softmax', 2, (b, a, what) => {
    const x = operand(b, a[0], `${what}: input`);
    float(x, what);
    // NON-SPEC: an omitted axis is the last one (the 2-D softmax of earlier drafts)
    const axis = a[1] === undefined || (typeof a[1] === 'object' && a[1] !== null) ? x.shape.length - 1 : axisOf(a[1], x.shape.length, what);
    return node(b, 'Softmax', [x], { axis }, x.shape, x.dataType);
  });

  // conv2d, convTranspose2d (https://www.w3.org/TR/webnn/#api-mlgraphbuilder-conv2d)
  /** Permutations to NCHW / to OIHW (conv) or IOHW (transposed conv) from each layout. */
  const TO_NCHW = { nchw: null, nhwc: [0, 3, 1, 2] } as const;
  const FROM_NCHW = [0, 2, 3, 1];
  const FILTER_PERM: Record<string, number[] | null> = { oihw: null, hwio: [3, 2, 0, 1], ohwi: [0, 3, 1, 2], ihwo: [3, 0, 1, 2], iohw: null, hwoi: [3, 2, 0, 1] };
  const permute = (shape: number[], perm: readonly number[] | null) => (perm ? perm.map((p) => shape[p]!) : shape);
  const convLike = (name: 'conv2d' | 'convTranspose2d') =>
    op(name, 3, (b, a, what) => {
      const transposed = name === 'convTranspose2d';
      const x = operand(b, a[0], `${what}: input`);
      const w = operand(b, a[1], `${what}: filter`);
      float(x, what);
      float(w, what);
      if (x.shape.length !== 4 || w.shape.length !== 4) fail(`${what}: input and filter must be 4-D (shapes [${x.shape}] and [${w.shape}])`);
      const o = dict(a[2], `${what}: options`);
      const padding = optInts(o, 'padding', what, 4, [0, 0, 0, 0]);
      const strides = optInts(o, 'strides', what, 2, [1, 1], 1);
      const dilations = optInts(o, 'dilations', what, 2, [1, 1], 1);
      const groups = optNumber(o, 'groups', what, 1);
      if (!Number.isInteger(groups) || groups < 1) fail(`${what}: groups must be a positive integer`);
      const inputLayout = optEnum(o, 'inputLayout', what, ['nchw', 'nhwc'] as const, 'nchw');
      const filterLayout = transposed
        ? optEnum(o, 'filterLayout', what, ['iohw', 'hwoi', 'ohwi'] as const, 'iohw')
        : optEnum(o, 'filterLayout', what, ['oihw', 'hwio', 'ohwi', 'ihwo'] as const, 'oihw');
      // convTranspose2d's ohwi is O,H,W,I → IOHW
      const filterPerm = transposed && filterLayout === 'ohwi' ? [3, 0, 1, 2] : FILTER_PERM[filterLayout]!;
      const [n, c, h, wd] = permute(x.shape, TO_NCHW[inputLayout]) as [number, number, number, number];
      const f = permute(w.shape, filterPerm) as [number, number, number, number]; // OIHW or IOHW
      const [kh, kw] = [f[2], f[3]];
      const ekh = (kh - 1) * dilations[0]! + 1;
      const ekw = (kw - 1) * dilations[1]! + 1;
      let outC: number;
      let oh: number;
      let ow: number;
      let outputPadding = [0, 0];
      if (!transposed) {
        if (c !== f[1] * groups) fail(`${what}: input has ${c} channels, filter expects ${f[1]} × ${groups} groups`);
        if (f[0] % groups) fail(`${what}: ${f[0]} output channels are not divisible into ${groups} groups`);
        outC = f[0];
        oh = Math.floor((h + padding[0]! + padding[1]! - ekh) / strides[0]!) + 1;
        ow = Math.floor((wd + padding[2]! + padding[3]! - ekw) / strides[1]!) + 1;
      } else {
        if (c !== f[0]) fail(`${what}: input has ${c} channels, filter expects ${f[0]}`);
        outC = f[1] * groups;
        outputPadding = optInts(o, 'outputPadding', what, 2, [0, 0]);
        const base = [(h - 1) * strides[0]! + ekh - padding[0]! - padding[1]!, (wd - 1) * strides[1]! + ekw - padding[2]! - padding[3]!];
        const sizes = member(o, 'outputSizes');
        if (sizes !== undefined) {
          const s = readInts(sizes, `${what}: outputSizes`, 2, 1);
          outputPadding = [s[0]! - base[0]!, s[1]! - base[1]!];
          if (outputPadding.some((p, i) => p < 0 || p >= strides[i]!)) fail(`${what}: outputSizes [${s}] cannot be reached with strides [${strides}]`);
        } else if (outputPadding.some((p, i) => p >= strides[i]!)) fail(`${what}: outputPadding [${outputPadding}] must be smaller than strides [${strides}]`);
        [oh, ow] = [base[0]! + outputPadding[0]!, base[1]! + outputPadding[1]!];
      }
      if (oh < 1 || ow < 1) fail(`${what}: the output would be empty (${oh}×${ow})`);
      const bias = optOperand(b, o, 'bias', what);
      if (bias && (bias.shape.length !== 1 || bias.shape[0] !== outC)) fail(`${what}: bias must have shape [${outC}], not [${bias.shape}]`);
      const shape = inputLayout === 'nhwc' ? [n, oh, ow, outC] : [n, outC, oh, ow];
      return node(
        b,
        transposed ? 'ConvTranspose' : 'Conv',
        [x, w, bias],
        {
          nhwc: inputLayout === 'nhwc',
          filterPerm,
          pads: [padding[0], padding[2], padding[1], padding[3]],
          strides,
          dilations,
          group: groups,
          outputPadding,
        },
        shape,
        x.dataType,
      );
    });
  convLike('conv2d');
  convLike('convTranspose2d');

  // pooling (https://www.w3.org/TR/webnn/#api-mlgraphbuilder-pool2d)
  for (const [name, onnx] of [
    ['maxPool2d', 'MaxPool'],
    ['averagePool2d', 'AveragePool'],
  ] as const) {
    op(name, 2, (b, a, what) => {
      const x = operand(b, a[0], `${what}: input`);
      float(x, what);
      if (x.shape.length !== 4) fail(`${what}: input must be 4-D, not [${x.shape}]`);
      const o = dict(a[1], `${what}: options`);
      const layout = optEnum(o, 'layout', what, ['nchw', 'nhwc'] as const, 'nchw');
      const [n, c, h, w] = permute(x.shape, TO_NCHW[layout]) as [number, number, number, number];
      const win = optInts(o, 'windowDimensions', what, 2, [h, w], 1);
      const padding = optInts(o, 'padding', what, 4, [0, 0, 0, 0]);
      const strides = optInts(o, 'strides', what, 2, [1, 1], 1);
      const dilations = optInts(o, 'dilations', what, 2, [1, 1], 1);
      const rounding = optEnum(o, 'roundingType', what, ['floor', 'ceil'] as const, 'floor');
      const extent = (i: number, size: number) => (size + padding[2 * i]! + padding[2 * i + 1]! - ((win[i]! - 1) * dilations[i]! + 1)) / strides[i]! + 1;
      // NON-SPEC: in ceil mode a last window that would start in the end padding is dropped, as ONNX
      // (and so onnxruntime) does; the spec's formula would keep a window of padding only
      const round = (v: number, ceil: boolean, i = 0, size = 0) => {
        if (!ceil) return Math.floor(v - 1) + 1;
        const out = Math.ceil(v - 1) + 1;
        return (out - 1) * strides[i]! >= size + padding[2 * i]! ? out - 1 : out;
      };
      let ceil = rounding === 'ceil';
      let out = [round(extent(0, h), ceil, 0, h), round(extent(1, w), ceil, 1, w)];
      const sizes = member(o, 'outputSizes');
      if (sizes !== undefined) {
        const s = readInts(sizes, `${what}: outputSizes`, 2, 1);
        const floors = [round(extent(0, h), false), round(extent(1, w), false)];
        const ceils = [round(extent(0, h), true, 0, h), round(extent(1, w), true, 1, w)];
        if (s[0] === floors[0] && s[1] === floors[1]) ceil = false;
        else if (s[0] === ceils[0] && s[1] === ceils[1]) ceil = true;
        else fail(`${what}: outputSizes [${s}] is neither [${floors}] (floor) nor [${ceils}] (ceil)`);
        out = s;
      }
      if (out[0]! < 1 || out[1]! < 1) fail(`${what}: window [${win}] does not fit the input [${h}, ${w}]`);
      const shape = layout === 'nhwc' ? [n, out[0]!, out[1]!, c] : [n, c, out[0]!, out[1]!];
      return node(b, onnx, [x], { nhwc: layout === 'nhwc', kernel: win, pads: [padding[0], padding[2], padding[1], padding[3]], strides, dilations, ceil: ceil ? 1 : 0 }, shape, x.dataType);
    });
  }

  op('matmul', 2, (b, a, what) => {
    const x = operand(b, a[0], `${what}: a`);
    const y = operand(b, a[1], `${what}: b`);
    if (x.dataType !== y.dataType) fail(`${what}: operands of types ${x.dataType} and ${y.dataType}`);
    if (x.shape.length < 2 || y.shape.length < 2) fail(`${what}: operands must have rank ≥ 2 (shapes [${x.shape}] and [${y.shape}])`);
    const [m, k] = x.shape.slice(-2) as [number, number];
    const [k2, n] = y.shape.slice(-2) as [number, number];
    if (k !== k2) fail(`${what}: [${x.shape}] × [${y.shape}]: inner dimensions ${k} and ${k2} differ`);
    return node(b, 'MatMul', [x, y], {}, [...broadcast(x.shape.slice(0, -2), y.shape.slice(0, -2), what), m, n], x.dataType);
  });
  op('gemm', 3, (b, a, what) => {
    const x = operand(b, a[0], `${what}: a`);
    const y = operand(b, a[1], `${what}: b`);
    float(x, what);
    float(y, what);
    if (x.shape.length !== 2 || y.shape.length !== 2) fail(`${what}: a and b must be 2-D (shapes [${x.shape}] and [${y.shape}])`);
    const o = dict(a[2], `${what}: options`);
    const aT = optBool(o, 'aTranspose', false);
    const bT = optBool(o, 'bTranspose', false);
    const [m, k] = aT ? [x.shape[1]!, x.shape[0]!] : [x.shape[0]!, x.shape[1]!];
    const [k2, n] = bT ? [y.shape[1]!, y.shape[0]!] : [y.shape[0]!, y.shape[1]!];
    if (k !== k2) fail(`${what}: inner dimensions ${k} and ${k2} differ`);
    const c = optOperand(b, o, 'c', what);
    if (c && broadcast([m, n], c.shape, `${what}: c`).join() !== [m, n].join()) fail(`${what}: c of shape [${c.shape}] does not broadcast to [${m}, ${n}]`);
    return node(b, 'Gemm', [x, y, c], { alpha: optNumber(o, 'alpha', what, 1), beta: optNumber(o, 'beta', what, 1), transA: aT ? 1 : 0, transB: bT ? 1 : 0 }, [m, n], x.dataType);
  });

  op('batchNormalization', 4, (b, a, what) => {
    const x = operand(b, a[0], `${what}: input`);
    float(x, what);
    const o = dict(a[3], `${what}: options`);
    const axis = member(o, 'axis') === undefined ? 1 : axisOf(member(o, 'axis'), x.shape.length, what);
    if (x.shape.length < 2) fail(`${what}: input must have rank ≥ 2, not [${x.shape}]`);
    const channels = x.shape[axis]!;
    const vec = (r: OperandRecord | null, k: string) => {
      if (r && (r.shape.length !== 1 || r.shape[0] !== channels)) fail(`${what}: ${k} must have shape [${channels}], not [${r.shape}]`);
      return r;
    };
    const mean = vec(operand(b, a[1], `${what}: mean`), 'mean');
    const variance = vec(operand(b, a[2], `${what}: variance`), 'variance');
    return node(
      b,
      'BatchNormalization',
      [x, mean, variance, vec(optOperand(b, o, 'scale', what), 'scale'), vec(optOperand(b, o, 'bias', what), 'bias')],
      { axis, epsilon: optNumber(o, 'epsilon', what, 1e-5) },
      x.shape,
      x.dataType,
    );
  });
  op('layerNormalization', 2, (b, a, what) => {
    const x = operand(b, a[0], `${what}: input`);
    float(x, what);
    const o = dict(a[1], `${what}: options`);
    const rank = x.shape.length;
    const axes = member(o, 'axes') === undefined ? Array.from({ length: Math.max(rank - 1, 0) }, (_, i) => i + 1) : readInts(member(o, 'axes'), `${what}: axes`);
    if (axes.some((ax) => ax >= rank) || new Set(axes).size !== axes.length) fail(`${what}: axes [${axes}] must be distinct and below the rank ${rank}`);
    const want = axes.map((ax) => x.shape[ax]!);
    for (const k of ['scale', 'bias']) {
      const r = optOperand(b, o, k, what);
      if (r && r.shape.join() !== want.join()) fail(`${what}: ${k} must have shape [${want}], not [${r.shape}]`);
    }
    return node(b, 'LayerNormalization', [x, optOperand(b, o, 'scale', what), optOperand(b, o, 'bias', what)], { axes, epsilon: optNumber(o, 'epsilon', what, 1e-5) }, x.shape, x.dataType);
  });

  op('reshape', 2, (b, a, what) => {
    const x = operand(b, a[0], `${what}: input`);
    const shape = readInts(a[1], `${what}: newShape`, undefined, 1);
    if (sizeOf(shape) !== sizeOf(x.shape)) fail(`${what}: [${x.shape}] has ${sizeOf(x.shape)} elements, [${shape}] holds ${sizeOf(shape)}`);
    return node(b, 'Reshape', [x], { shape }, shape, x.dataType);
  });
  op('transpose', 2, (b, a, what) => {
    const x = operand(b, a[0], `${what}: input`);
    const o = dict(a[1], `${what}: options`);
    const rank = x.shape.length;
    const perm = member(o, 'permutation') === undefined ? Array.from({ length: rank }, (_, i) => rank - 1 - i) : readInts(member(o, 'permutation'), `${what}: permutation`, rank);
    if ([...perm].sort((p, q) => p - q).some((p, i) => p !== i)) fail(`${what}: [${perm}] is not a permutation of ${rank} axes`);
    return node(b, 'Transpose', [x], { perm }, permute(x.shape, perm), x.dataType);
  });
  op('concat', 2, (b, a, what) => {
    if (!kit.isArray(a[0])) fail(`${what}: inputs must be an array of MLOperands`);
    const n = R.get(a[0] as object, 'length') as number;
    if (n < 1) fail(`${what}: no inputs`);
    const xs = Array.from({ length: n }, (_, i) => operand(b, R.get(a[0] as object, i), `${what}: inputs[${i}]`));
    const first = xs[0]!;
    const axis = axisOf(a[1], first.shape.length, what);
    const shape = [...first.shape];
    for (const [i, x] of xs.entries()) {
      if (i === 0) continue;
      if (x.dataType !== first.dataType || x.shape.length !== shape.length || x.shape.some((d, j) => j !== axis && d !== first.shape[j]))
        fail(`${what}: inputs[${i}] [${x.shape}] ${x.dataType} does not fit [${first.shape}] ${first.dataType} along axis ${axis}`);
      shape[axis]! += x.shape[axis]!;
    }
    return node(b, 'Concat', xs, { axis }, shape, first.dataType);
  });
  op('slice', 4, (b, a, what) => {
    const x = operand(b, a[0], `${what}: input`);
    const rank = x.shape.length;
    const starts = readInts(a[1], `${what}: starts`, rank);
    const sizes = readInts(a[2], `${what}: sizes`, rank, 1);
    const strides = optInts(dict(a[3], `${what}: options`), 'strides', what, rank, Array(rank).fill(1), 1);
    starts.forEach((s, i) => s + sizes[i]! > x.shape[i]! && fail(`${what}: axis ${i}: start ${s} + size ${sizes[i]} exceeds ${x.shape[i]}`));
    return node(
      b,
      'Slice',
      [x],
      { starts, ends: starts.map((s, i) => s + sizes[i]!), steps: strides },
      sizes.map((s, i) => Math.ceil(s / strides[i]!)),
      x.dataType,
    );
  });
  op('split', 3, (b, a, what) => {
    const x = operand(b, a[0], `${what}: input`);
    const o = dict(a[2], `${what}: options`);
    const axis = member(o, 'axis') === undefined ? 0 : axisOf(member(o, 'axis'), x.shape.length, what);
    const dim = x.shape[axis]!;
    let splits: number[];
    if (typeof a[1] === 'number') {
      if (!Number.isInteger(a[1]) || a[1] < 1 || dim % a[1]) fail(`${what}: ${String(a[1])} does not divide axis ${axis} of size ${dim}`);
      splits = Array(a[1] as number).fill(dim / (a[1] as number));
    } else {
      splits = readInts(a[1], `${what}: splits`, undefined, 1);
      if (splits.reduce((p, q) => p + q, 0) !== dim) fail(`${what}: splits [${splits}] do not sum to ${dim}`);
    }
    const n: NodeRecord = { op: 'Split', inputs: [x], attrs: { axis, splits } };
    return splits.map((s, index) => ({ builder: b, dataType: x.dataType, shape: x.shape.map((d, i) => (i === axis ? s : d)), kind: 'op' as const, node: n, index }));
  });
  op('clamp', 2, (b, a, what) => {
    const x = operand(b, a[0], `${what}: input`);
    const o = dict(a[1], `${what}: options`);
    const min = optNumber(o, 'minValue', what, -Infinity);
    const max = optNumber(o, 'maxValue', what, Infinity);
    if (min > max) fail(`${what}: minValue ${min} is greater than maxValue ${max}`);
    return node(b, 'Clip', [x], { min, max }, x.shape, x.dataType);
  });
  op('resample2d', 2, (b, a, what) => {
    const x = operand(b, a[0], `${what}: input`);
    float(x, what);
    if (x.shape.length !== 4) fail(`${what}: input must be 4-D, not [${x.shape}]`);
    const o = dict(a[1], `${what}: options`);
    const mode = optEnum(o, 'mode', what, ['nearest-neighbor', 'linear'] as const, 'nearest-neighbor');
    const axes = optInts(o, 'axes', what, 2, [2, 3]);
    if (!(axes[1] === axes[0]! + 1 && axes[1]! < 4)) fail(`${what}: axes [${axes}] must be two consecutive axes ([0,1], [1,2] or [2,3])`);
    const sizes = member(o, 'sizes');
    const shape = [...x.shape];
    const scales = [1, 1, 1, 1];
    if (sizes !== undefined) {
      const s = readInts(sizes, `${what}: sizes`, 2, 1);
      axes.forEach((ax, i) => (shape[ax] = s[i]!));
    } else {
      const v = member(o, 'scales');
      const sc =
        v === undefined
          ? [1, 1]
          : (() => {
              if (!kit.isArray(v) || R.get(v as object, 'length') !== 2) fail(`${what}: scales must be two positive numbers`);
              return [R.get(v as object, 0), R.get(v as object, 1)].map((q) => (typeof q === 'number' && q > 0 ? q : fail(`${what}: scales must be two positive numbers`)));
            })();
      axes.forEach((ax, i) => {
        scales[ax] = sc[i]!;
        shape[ax] = Math.floor(x.shape[ax]! * sc[i]!);
      });
      if (shape.some((d) => d < 1)) fail(`${what}: scales [${sc}] leave an empty output`);
    }
    return node(b, 'Resize', [x], { mode: mode === 'linear' ? 'linear' : 'nearest', sizes: sizes === undefined ? null : shape, scales }, shape, x.dataType);
  });

  // ---- build ---------------------------------------------------------------------------------------
  const GraphPrototype = klass('MLGraph');
  const graphs = host.stampedKind<GraphRecord, StoredGraph>('webnn.MLGraph', GraphPrototype, {
    // the session is host state: not written (decode makes it again)
    encode: ({ session: _session, ...g }) => ({ ...g, model: models.encode(g.hash, g.model) }),
    decode: (s) => {
      const g: GraphRecord = { ...s, model: models.decode(s.hash, s.model, 'MLGraph') };
      if (!g.destroyed) sessionFor(g); // the session is made now, awaited by the first dispatch
      return g;
    },
  });
  promiseMethod(BuilderPrototype, 'build', 1, (self, a) => {
    const b = builders.get(self) ?? fail('build: this is not an MLGraphBuilder');
    if (b.built) failAs('InvalidStateError', 'build: the builder has already built its graph');
    const outs = dict(a[0], 'build: outputs') ?? fail('build: outputs must be a record of MLOperands');
    const named: [string, OperandRecord][] = [];
    for (const k of R.ownKeys(outs)) {
      if (typeof k !== 'string') continue;
      const d = R.getOwnPropertyDescriptor(outs, k);
      if (!d?.enumerable) continue;
      const r = operand(b, R.get(outs, k), `build: outputs['${k}']`);
      if (r.kind !== 'op') fail(`build: outputs['${k}'] is an input or a constant, not the result of an operation`);
      named.push([k, r]);
    }
    if (!named.length) fail('build: no outputs');
    const { bytes, inputs, outputs } = emitModel(named);
    b.built = true;
    const rec: GraphRecord = { context: b.context, inputs, outputs, hash: models.hash(bytes), model: bytes, destroyed: false };
    return guestPromise(
      'build',
      () => sessionFor(rec),
      () => {
        const g = kit.create(GraphPrototype);
        graphs.set(g, rec);
        return g;
      },
    );
  });
  method(GraphPrototype, 'destroy', 0, (self) => {
    const g = graphs.get(self) ?? fail('destroy: this is not an MLGraph');
    if (g.destroyed) return undefined;
    g.destroyed = true;
    const key = `${g.hash}|${g.context.provider}`;
    const entry = sessions.get(key);
    if (entry && --entry.refs === 0) {
      sessions.delete(key);
      void entry.session.then(
        (s) => s.release(),
        () => {},
      );
    }
    return undefined;
  });

  /** The ONNX model of the operations that lead to `outputs`; inputs and outputs get positional names. */
  function emitModel(outputs: [string, OperandRecord][]): { bytes: Uint8Array; inputs: Port[]; outputs: Port[] } {
    const g = new (loadBuilder().GraphBuilder)('webnn', 20);
    const floatAttr = loadBuilder().float;
    const names = new Map<OperandRecord, string>();
    const done = new Map<NodeRecord, string[]>();
    const inputs: Port[] = [];
    const ints = (k: string, v: readonly number[]) => g.ints(k, v);
    const scalar = (k: string, v: number) => g.weight(k, [], Float32Array.of(v));
    const perm = (x: string, p: readonly number[] | null) => (p ? g.node('Transpose', [x], { perm: [...p] }) : x);
    const nameOf = (r: OperandRecord): string => {
      let n = names.get(r);
      if (n !== undefined) return n;
      if (r.kind === 'input') {
        n = g.input(`input_${inputs.length}`, r.shape, ONNX_TYPE[r.dataType]);
        inputs.push({ name: r.name!, onnx: n, dataType: r.dataType, shape: r.shape });
      } else if (r.kind === 'constant') {
        n = g.constant('constant', r.shape, ONNX_TYPE[r.dataType], hostView(r.bytes).slice());
      } else {
        n = emitNode(r.node!)[r.index ?? 0]!;
      }
      names.set(r, n);
      return n;
    };
    const emitNode = (nd: NodeRecord): string[] => {
      const hit = done.get(nd);
      if (hit) return hit;
      const ins = nd.inputs.map((r) => (r ? nameOf(r) : ''));
      const at = nd.attrs as Record<string, any>;
      let outs: string[];
      switch (nd.op) {
        case 'Conv':
        case 'ConvTranspose': {
          const x = perm(ins[0]!, at.nhwc ? TO_NCHW.nhwc : null);
          const w = perm(ins[1]!, at.filterPerm);
          const attrs: Record<string, number[] | number> = { pads: at.pads, strides: at.strides, dilations: at.dilations, group: at.group };
          if (nd.op === 'ConvTranspose') attrs.output_padding = at.outputPadding;
          const y = g.node(nd.op, ins[2] ? [x, w, ins[2]] : [x, w], attrs);
          outs = [at.nhwc ? perm(y, FROM_NCHW) : y];
          break;
        }
        case 'MaxPool':
        case 'AveragePool': {
          const x = perm(ins[0]!, at.nhwc ? TO_NCHW.nhwc : null);
          const y = g.node(nd.op, [x], { kernel_shape: at.kernel, pads: at.pads, strides: at.strides, dilations: at.dilations, ceil_mode: at.ceil });
          outs = [at.nhwc ? perm(y, FROM_NCHW) : y];
          break;
        }
        case 'Gemm':
          outs = [g.node('Gemm', ins[2] ? ins : ins.slice(0, 2), { alpha: floatAttr(at.alpha), beta: floatAttr(at.beta), transA: at.transA, transB: at.transB })];
          break;
        case 'Softmax':
          outs = [g.node('Softmax', ins, { axis: at.axis })];
          break;
        case 'BatchNormalization': {
          const r = nd.inputs[0]!;
          const c = r.shape[at.axis]!;
          const [x, mean, variance, scale, bias] = ins as [string, string, string, string, string];
          // ONNX normalizes along axis 1: move the channel axis there and back
          const rest = r.shape.map((_, i) => i).filter((i) => i !== at.axis);
          const move = at.axis === 1 ? null : [rest[0]!, at.axis as number, ...rest.slice(1)];
          const inverse = move ? move.map((_, i) => move.indexOf(i)) : null;
          const y = g.node('BatchNormalization', [perm(x, move), scale || g.weight('ones', [c], new Float32Array(c).fill(1)), bias || g.weight('zeros', [c], new Float32Array(c)), mean, variance], {
            epsilon: floatAttr(at.epsilon),
          });
          outs = [perm(y, inverse)];
          break;
        }
        case 'LayerNormalization': {
          const r = nd.inputs[0]!;
          const axes: number[] = at.axes;
          const [x, scale, bias] = ins as [string, string, string];
          const reduce = (v: string) => g.node('ReduceMean', [v, ints('axes', axes)], { keepdims: 1, noop_with_empty_axes: 1 });
          const d = g.node('Sub', [x, reduce(x)]);
          const variance = reduce(g.node('Mul', [d, d]));
          let y = g.node('Div', [d, g.node('Sqrt', [g.node('Add', [variance, scalar('epsilon', at.epsilon)])])]);
          // scale and bias have the shape of the axes in the order given: sort them, then broadcast
          const order = axes.map((_, i) => i).sort((p, q) => axes[p]! - axes[q]!);
          const sorted = order.every((p, i) => p === i) ? null : order;
          const bshape = r.shape.map((dim, i) => (axes.includes(i) ? dim : 1));
          const shaped = (v: string) => g.node('Reshape', [perm(v, sorted), ints('shape', bshape)]);
          if (scale) y = g.node('Mul', [y, shaped(scale)]);
          if (bias) y = g.node('Add', [y, shaped(bias)]);
          outs = [y];
          break;
        }
        case 'Reshape':
          outs = [g.node('Reshape', [ins[0]!, ints('shape', at.shape)])];
          break;
        case 'Transpose':
          outs = [g.node('Transpose', ins, { perm: at.perm })];
          break;
        case 'Concat':
          outs = [g.node('Concat', ins, { axis: at.axis })];
          break;
        case 'Slice':
          outs = [
            g.node('Slice', [
              ins[0]!,
              ints('starts', at.starts),
              ints('ends', at.ends),
              ints(
                'axes',
                at.starts.map((_: number, i: number) => i),
              ),
              ints('steps', at.steps),
            ]),
          ];
          break;
        case 'Split': {
          const names = (at.splits as number[]).map(() => g.fresh('split_out'));
          g.node('Split', [ins[0]!, ints('split', at.splits)], { axis: at.axis }, { outputs: names });
          outs = names;
          break;
        }
        case 'Clip': {
          const r = nd.inputs[0]!;
          const bound = (k: string, v: number) => {
            if (!Number.isFinite(v) && r.dataType !== 'float32') return '';
            const Host = HOST_ARRAYS[r.dataType];
            const one = new Host(1) as unknown as { [i: number]: unknown; buffer: ArrayBuffer };
            one[0] = r.dataType === 'int64' || r.dataType === 'uint64' ? BigInt(v) : v;
            return g.constant(k, [], ONNX_TYPE[r.dataType], new Uint8Array(one.buffer));
          };
          outs = [g.node('Clip', [ins[0]!, bound('min', at.min), bound('max', at.max)])];
          break;
        }
        case 'Resize': {
          const inputs = at.sizes ? [ins[0]!, '', '', ints('sizes', at.sizes)] : [ins[0]!, '', g.weight('scales', [4], Float32Array.from(at.scales))];
          outs = [g.node('Resize', inputs, { mode: at.mode, coordinate_transformation_mode: 'half_pixel', nearest_mode: 'round_prefer_floor' })];
          break;
        }
        default:
          outs = [g.node(nd.op, ins)];
      }
      done.set(nd, outs);
      return outs;
    };
    const ports: Port[] = outputs.map(([name, r], i) => {
      const onnx = `output_${i}`;
      g.node('Identity', [nameOf(r)], {}, { outputs: [onnx] });
      g.output(onnx, r.shape, ONNX_TYPE[r.dataType]);
      return { name, onnx, dataType: r.dataType, shape: r.shape };
    });
    return { bytes: g.bytes(), inputs, outputs: ports };
  }

  // ---- MLTensor, dispatch, compute ---------------------------------------------------------------
  const TensorPrototype = klass('MLTensor');
  const tensors = host.stampedKind<TensorRecord>('webnn.MLTensor', TensorPrototype);
  const tensorOf = (t: unknown, what: string) => {
    const r = tensors.get(t) ?? fail(`${what} is not an MLTensor`);
    if (r.destroyed) failAs('InvalidStateError', `${what} was destroyed`);
    return r;
  };
  getter(TensorPrototype, 'dataType', (t) => (tensors.get(t) ?? fail('this is not an MLTensor')).dataType);
  getter(TensorPrototype, 'shape', (t) => kit.array(...(tensors.get(t) ?? fail('this is not an MLTensor')).shape));
  getter(TensorPrototype, 'readable', (t) => (tensors.get(t) ?? fail('this is not an MLTensor')).readable);
  getter(TensorPrototype, 'writable', (t) => (tensors.get(t) ?? fail('this is not an MLTensor')).writable);
  getter(TensorPrototype, 'constant', () => false);
  method(TensorPrototype, 'destroy', 0, (self) => {
    (tensors.get(self) ?? fail('destroy: this is not an MLTensor')).destroyed = true;
  });

  promiseMethod(ContextPrototype, 'createTensor', 1, (self, a) => {
    const context = contextOf(self, 'createTensor: this');
    const d = readDescriptor(a[0], 'createTensor');
    const o = a[0] as object;
    const rec: TensorRecord = {
      context,
      dataType: d.dataType,
      shape: d.shape,
      bytes: new kit.arrays.Uint8Array!(sizeOf(d.shape) * BYTES[d.dataType]),
      readable: Boolean(R.get(o, 'readable')),
      writable: Boolean(R.get(o, 'writable')),
      destroyed: false,
      error: null,
    };
    return guestPromise(
      'createTensor',
      async () => rec,
      () => {
        const t = kit.create(TensorPrototype);
        tensors.set(t, rec);
        return t;
      },
    );
  });
  /** The context and the tensor a read or a write names, checked: same context, created readable / writable. */
  const access = (self: unknown, tensor: unknown, what: 'readTensor' | 'writeTensor') => {
    const context = contextOf(self, `${what}: this`);
    const t = tensorOf(tensor, `${what}: tensor`);
    if (t.context !== context) fail(`${what}: the tensor belongs to another MLContext`);
    const flag = what === 'readTensor' ? 'readable' : 'writable';
    if (!t[flag]) fail(`${what}: the tensor was not created ${flag}`);
    return { context, t };
  };
  method(ContextPrototype, 'writeTensor', 2, (self, a) => {
    const { context, t } = access(self, a[0], 'writeTensor');
    const bytes = readBytes(a[1], t.dataType, sizeOf(t.shape), 'writeTensor');
    now(context, () => {
      hostView(t.bytes).set(bytes);
      t.error = null;
    });
    return undefined;
  });
  promiseMethod(ContextPrototype, 'readTensor', 2, (self, a) => {
    const { context, t } = access(self, a[0], 'readTensor');
    const into = a[1];
    if (into !== undefined) checkView(into, t.dataType, sizeOf(t.shape), 'readTensor');
    return guestPromise(
      'readTensor',
      () =>
        enqueue(context, () => {
          if (t.error) failAs('OperationError', `readTensor: ${t.error}`);
          return hostView(t.bytes).slice();
        }),
      (bytes) => {
        if (into !== undefined) return void writeInto(into, bytes);
        const out = new kit.arrays.Uint8Array!(bytes.byteLength);
        hostView(out).set(bytes);
        return Reflect.apply(taBuffer, out, []);
      },
    );
  });

  const graphOf = (v: unknown, context: ContextRecord, what: string): GraphRecord => {
    const g = graphs.get(v) ?? fail(`${what}: graph is not an MLGraph`);
    if (g.destroyed) failAs('InvalidStateError', `${what}: the graph was destroyed`);
    if (g.context !== context) fail(`${what}: the graph was built for another MLContext`);
    return g;
  };
  /** For each port, the guest value under its name in a record (TypeError when missing). */
  const byName = (record: unknown, ports: Port[], what: string): unknown[] => {
    const o = dict(record, what) ?? fail(`${what} must be a record`);
    return ports.map((p) => {
      const v = R.get(o, p.name);
      if (v === undefined) fail(`${what}: '${p.name}' is missing`);
      return v;
    });
  };
  const feedsOf = (g: GraphRecord, bytes: Uint8Array[]): Record<string, ort.Tensor> => {
    const feeds: Record<string, ort.Tensor> = {};
    g.inputs.forEach((p, i) => {
      const b = bytes[i]!;
      const Host = HOST_ARRAYS[p.dataType] as unknown as { new (b: ArrayBuffer, o: number, n: number): any };
      feeds[p.onnx] = new (loadRuntime().ort.Tensor)(p.dataType, new Host(b.buffer as ArrayBuffer, b.byteOffset, sizeOf(p.shape)), p.shape);
    });
    return feeds;
  };
  const resultBytes = (t: ort.Tensor): Uint8Array => {
    const d = t.data as ArrayBufferView;
    return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  };

  method(ContextPrototype, 'dispatch', 3, (self, a) => {
    const context = contextOf(self, 'dispatch: this');
    const g = graphOf(a[0], context, 'dispatch');
    const check = (ports: Port[], values: unknown[], what: string) =>
      values.map((v, i) => {
        const t = tensorOf(v, `${what}['${ports[i]!.name}']`);
        if (t.context !== context) fail(`${what}['${ports[i]!.name}'] belongs to another MLContext`);
        if (t.dataType !== ports[i]!.dataType || t.shape.join() !== ports[i]!.shape.join())
          fail(`${what}['${ports[i]!.name}']: a ${t.dataType} [${t.shape}] tensor where the graph has ${ports[i]!.dataType} [${ports[i]!.shape}]`);
        return t;
      });
    const ins = check(g.inputs, byName(a[1], g.inputs, 'dispatch: inputs'), 'dispatch: inputs');
    const outs = check(g.outputs, byName(a[2], g.outputs, 'dispatch: outputs'), 'dispatch: outputs');
    if (outs.some((t) => ins.includes(t)) || new Set(outs).size !== outs.length) fail('dispatch: a tensor is used twice among the outputs or as both input and output');
    const session = sessionFor(g);
    host.track(
      enqueue(context, async () => {
        try {
          const results = await (await session).run(
            feedsOf(
              g,
              ins.map((t) => hostView(t.bytes).slice()),
            ),
          );
          g.outputs.forEach((p, i) => {
            hostView(outs[i]!.bytes).set(resultBytes(results[p.onnx]!));
            outs[i]!.error = null;
          });
        } catch (e) {
          for (const t of outs) t.error = `dispatch failed: ${String((e as Error).message ?? e).split('\n')[0]}`;
        }
      }),
    );
    return undefined;
  });

  // The earlier drafts' compute(graph, inputs, outputs): results are written into the output views.
  // NON-SPEC: the views are not transferred (detached); the result record holds the same views.
  promiseMethod(ContextPrototype, 'compute', 3, (self, a) => {
    const context = contextOf(self, 'compute: this');
    const g = graphOf(a[0], context, 'compute');
    const inViews = byName(a[1], g.inputs, 'compute: inputs');
    const outViews = byName(a[2], g.outputs, 'compute: outputs');
    const bytes = inViews.map((v, i) => readBytes(v, g.inputs[i]!.dataType, sizeOf(g.inputs[i]!.shape), `compute: inputs['${g.inputs[i]!.name}']`));
    outViews.forEach((v, i) => checkView(v, g.outputs[i]!.dataType, sizeOf(g.outputs[i]!.shape), `compute: outputs['${g.outputs[i]!.name}']`));
    const session = sessionFor(g);
    return guestPromise(
      'compute',
      () => enqueue(context, async () => (await session).run(feedsOf(g, bytes))),
      (results) => {
        g.outputs.forEach((p, i) => writeInto(outViews[i], resultBytes(results[p.onnx]!)));
        return kit.record(['inputs', 'outputs'], [a[1], a[2]]);
      },
    );
  });
}
