// Restore: run a snapshot program in a fresh engine, giving it `$`, the restore interface that
// rebuilds what plain JavaScript cannot express (closures over saved environments, suspended
// frames, promise records, the job queue, timers). The program runs as guest code: a snapshot from
// a stranger can do nothing a guest program could not.
import { types } from 'node:util';
import { Engine, type EngineOptions } from '../interpreter/index';
import {
  Env,
  Frame,
  HOLE,
  PrivateName,
  type Closure,
  type GeneratorState,
  type Code,
  codeTree,
  compileLazy,
  declareCode,
  getPromiseRecord,
  type PromiseRecord,
  type BuiltinClosure,
  TemplateSite,
  type Job,
  type ModuleRecord,
  type ModuleStep,
  MODULE_STEP_KINDS,
  type IteratorKind,
  type IteratorMode,
} from '../interpreter/state';
import { FORMAT_VERSION, SnapshotError, readHeader, engineSection, isObject, type SnapshotHeader } from './format';
import { readCanonical } from './reader';
import { TypedRestore, newRestoredRecords, type RestoredRecords } from './typed';
import type { HostRestore } from './host';

type RawRecord = { kind: string; fields: unknown[] };

/** What a restore made, by id: compiled units, records, objects (`$o`). A delta continues from it (delta.ts). */
export interface RestoreTable {
  units: Code[][];
  recs: unknown[];
  objs: unknown[];
}

/** The record kind (what `$.rec` names it) of a record of an earlier state (the engine's own, or an earlier restore's). */
export function recordKind(r: object, modules: Set<unknown>): string {
  if (Array.isArray(r)) return 'list';
  if (r instanceof Frame) return 'Frame';
  if (r instanceof Env) return 'Env';
  if (r instanceof PrivateName) return 'PrivateName';
  if (modules.has(r)) return 'Module';
  const cap = r as { promise?: unknown; resolve?: unknown };
  if (typeof cap.resolve === 'function' && Object.getPrototypeOf(cap.resolve) === Function.prototype && getPromiseRecord(cap.promise)) return 'hostCapability';
  return 'object';
}

/**
 * Sort a record of an earlier state into `made` by its kind (recordKind, returned). Used for a delta's
 * base records, and by delta.ts's check of a whole state.
 */
export function adoptRecord(r: object, id: number, modules: Set<unknown>, made: RestoredRecords): string {
  const kind = recordKind(r, modules);
  if (kind === 'list') made.lists.add(r);
  else if (kind === 'Frame') made.frames.add(r as Frame), made.frameIds.set(r as Frame, id);
  else if (kind === 'Module') made.modules.add(r);
  else if (kind === 'hostCapability') made.capabilities.add(r);
  else if (kind === 'object') made.objects.add(r);
  return kind;
}

export class Restorer {
  private readonly units: Code[][];
  /** Records by id: environments, frames, private names, host objects and lists. */
  private readonly recs: unknown[];
  private readonly raw = new Map<number, RawRecord>();
  private readonly tokens = new WeakMap<object, number>();
  private readonly holeToken: object;
  private readonly byPath: ReadonlyMap<string, object>;
  private linked = false;
  /** The records this restore made, by kind, and the checker of every engine position (typed.ts). */
  private readonly made: RestoredRecords = newRestoredRecords();
  private readonly typed: TypedRestore;
  /** Records made before their fields (promise functions, module steps): each takes one `$.rec(id, "object", …)`. */
  private readonly placeholders = new Map<number, 'promise function' | 'module step'>();
  /** Records of stamped kinds with a `decode`: written record → live record. */
  private readonly decoded = new Map<unknown, unknown>();

  constructor(
    private readonly engine: Engine,
    /** The embedder's objects (host.ts): a page's DOM. */
    private readonly host: HostRestore | null = null,
    /** The table to fill (a delta continues the table of the state it applies to: delta.ts). */
    table: RestoreTable | null = null,
  ) {
    this.units = table?.units ?? [];
    this.recs = table?.recs ?? [];
    this.byPath = engine.builtinsByPath;
    this.holeToken = Object.freeze(engine.realm.intrinsics.objectCreate(null));
    this.typed = new TypedRestore(engine, this.made);
    if (this.recs.length) {
      const modules = new Set<unknown>(engine.modules.modules.values());
      this.recs.forEach((r, id) => this.adopt(r, id, modules));
    }
  }

  /**
   * The records of the state a delta applies to (the engine's own, or an earlier restore's): they may
   * stand where the engine expects a record of their kind, and a delta may give one new fields.
   */
  private readonly earlier = new Map<number, string>();
  private adopt(r: unknown, id: number, modules: Set<unknown>): void {
    if (isObject(r)) this.earlier.set(id, adoptRecord(r, id, modules, this.made));
  }

  private bad(what: string): never {
    throw new SnapshotError(`damaged snapshot: ${what}`);
  }

  /**
   * A buffer made by `make`; a maximum length this V8 cannot reserve (a forged one) is a damaged snapshot, not
   * V8's bare RangeError. The memory budget's refusal (a RangeError too) goes through as it is.
   */
  private allocate<T>(what: string, max: unknown, make: () => T): T {
    const refusals = this.engine.options.memoryBudget?.refusals;
    try {
      return make();
    } catch (e) {
      // (the guest realm's constructor throws that realm's RangeError)
      if (max !== undefined && (e as Error)?.name === 'RangeError' && this.engine.options.memoryBudget?.refusals === refusals)
        this.bad(`${what} whose maximum length ${String(max)} cannot be allocated`);
      throw e;
    }
  }

  private num(v: unknown, what: string): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < -1) this.bad(`${what} is not an index`);
    return v;
  }

  /** Code c of unit u, declared (its enclosing bodies compiled: their scope layouts and its name are known); with `body`, compiled too. */
  private code(u: unknown, c: unknown, body = false): Code {
    const codes = this.units[this.num(u, 'a unit')];
    const code = codes?.[this.num(c, 'a code index')];
    if (!code) this.bad(`no function ${String(c)} in unit ${String(u)}`);
    declareCode(code);
    if (body) compileLazy(code);
    return code;
  }

  private envRec(id: unknown): Env | null {
    if (id === -1) return null;
    const e = this.recs[this.num(id, 'an environment')];
    if (!(e instanceof Env)) this.bad(`record ${String(id)} is not an environment`);
    return e;
  }

  /** A value written by `internal()`: tokens become records, the hole marker the TDZ value. */
  private readonly nsTokens = new WeakMap<object, number>();

  private resolve(v: unknown): unknown {
    if (!isObject(v)) return v;
    if (v === this.holeToken) return HOLE;
    const ns = this.nsTokens.get(v);
    if (ns !== undefined) {
      const m = this.recs[ns] as ModuleRecord | undefined;
      if (!isObject(m) || this.engine.modules.modules.get(m.file) !== m) this.bad('a namespace of an unknown module');
      return this.engine.modules.namespace(m);
    }
    const id = this.tokens.get(v);
    if (id === undefined) return v;
    if (!(id in this.recs)) this.bad(`reference to record ${id}, which the snapshot never made`);
    if (!this.linked && !(this.recs[id] instanceof Env) && !this.earlier.has(id)) this.bad(`reference to record ${id} before link()`);
    return this.recs[id];
  }

  /** A host copy of a guest array (holes kept); a proxy is no list (reading one would run its traps from host code). */
  private list(v: unknown, what: string): unknown[] {
    if (!Array.isArray(v) || types.isProxy(v)) this.bad(`${what} is not a list`);
    const n = v.length;
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) if (i in v) out[i] = v[i];
    return out;
  }

  // ---- records ----

  private rec(id: number, kind: string, fields: unknown[]): void {
    if (this.linked) this.bad('a record after link()');
    if (this.raw.has(id)) this.bad(`record ${id} made twice`);
    this.raw.set(id, { kind, fields });
    const earlier = this.earlier.get(id);
    if (earlier !== undefined) {
      // a record of the agreed state, emptied by the delta (its fields are linked below): of the same kind
      if (earlier !== kind) this.bad(`record ${id} given as a ${kind} record, which it is not`);
      if (kind === 'hostCapability') {
        // made again (its resolving functions close over its promise), in the same record
        const old = this.recs[id] as object;
        delete this.recs[id];
        this.make(id, kind, fields);
        Object.assign(old, this.recs[id]);
        this.recs[id] = old;
      }
      return;
    }
    if (id in this.recs) {
      // a placeholder made earlier (promise functions, module steps) takes its fields from one object record
      if (kind !== 'object' || !this.placeholders.has(id)) this.bad(`record ${id} made twice`);
      this.made.objects.add(this.recs[id] as object);
      return;
    }
    this.make(id, kind, fields);
  }

  private make(id: number, kind: string, fields: unknown[]): void {
    switch (kind) {
      case 'object':
        this.recs[id] = {};
        this.made.objects.add(this.recs[id] as object);
        break;
      case 'list':
        this.recs[id] = [];
        this.made.lists.add(this.recs[id] as object);
        break;
      case 'PrivateName':
        this.recs[id] = new PrivateName(String(fields[0]));
        break;
      case 'Module':
        this.recs[id] = {};
        this.made.modules.add(this.recs[id] as object);
        break;
      case 'Frame':
        this.recs[id] = Object.create(Frame.prototype);
        this.made.frames.add(this.recs[id] as object);
        this.made.frameIds.set(this.recs[id] as object, id);
        break;
      case 'hostCapability': {
        const promise = fields[0] as object;
        if (!getPromiseRecord(promise)) this.bad('a capability whose promise is not a promise');
        const promises = this.engine.promises;
        let done = false;
        this.recs[id] = {
          promise,
          resolve: (v: unknown) => {
            if (!done) (done = true), promises.resolvePromise(promise, v);
          },
          reject: (r: unknown) => {
            if (!done) (done = true), promises.rejectPromise(promise, r);
          },
        };
        this.made.capabilities.add(this.recs[id] as object);
        break;
      }
      default:
        this.bad(`unknown record kind '${kind}'`);
    }
  }

  private link(): void {
    if (this.linked) this.bad('link() twice');
    this.linked = true;
    // module records first, adopted by the loader: other records may name their namespaces
    const modules = [...this.raw].filter(([, r]) => r.kind === 'Module');
    for (const [id, { fields }] of modules) this.linkModule(this.recs[id] as ModuleRecord, fields);
    this.engine.modules.adopt(modules.map(([id]) => this.recs[id] as ModuleRecord));
    const field = { value: undefined as unknown, writable: true, enumerable: true, configurable: true };
    for (const [id, { kind, fields }] of this.raw) {
      const r = this.recs[id] as any;
      switch (kind) {
        case 'object':
          // own data fields, defined: an assignment of a field named `__proto__` would give the host
          // record a guest prototype (a proxy's get trap would then see the record when an absent field is read)
          for (let i = 0; i + 1 < fields.length; i += 2) {
            field.value = this.resolve(fields[i + 1]);
            Object.defineProperty(r, String(fields[i]), field);
          }
          break;
        case 'list':
          for (const v of fields) r.push(this.resolve(v));
          break;
        case 'PrivateName': {
          const pn = r as PrivateName;
          const where = `private name ${id}`;
          pn.kind = this.typed.expect(fields[1], this.typed.oneOf('field', 'method', 'accessor'), where) as PrivateName['kind'];
          pn.value = this.typed.expect(fields[2], this.typed.value, `${where} value`) as Function | undefined;
          pn.getter = this.typed.expect(fields[3], this.typed.value, `${where} getter`) as Function | undefined;
          pn.setter = this.typed.expect(fields[4], this.typed.value, `${where} setter`) as Function | undefined;
          break;
        }
        case 'Frame':
          this.linkFrame(r as Frame, fields);
          break;
      }
    }
    this.checkLinked();
  }

  /** Map/Set iterators to step once the collections are filled (phase 4). */
  private readonly iterations: (() => void)[] = [];

  private linkModule(r: ModuleRecord, fields: unknown[]): void {
    const [file, u, status, error, env, requested, imports, localExports, indirectExports, starExports, meta, promise] = fields;
    const code = this.code(u, 0);
    if (code.kind !== 'module' || typeof file !== 'string') this.bad('a module record without module code');
    const e = this.resolve(env);
    if (!(e instanceof Env)) this.bad('a module record without its environment');
    const t = this.typed;
    const where = `module record ${file}`;
    const mf = t.moduleFields;
    Object.assign(r, {
      file,
      code,
      env: e,
      status: t.expect(status, t.oneOf('linking', 'linked', 'evaluating', 'evaluated', 'error'), `${where} status`),
      error: t.expect(error, t.value, `${where} error`),
      requested: t.expect(this.resolve(requested), mf.requested, `${where} requested modules`),
      imports: t.expect(this.resolve(imports), mf.imports, `${where} imports`),
      localExports: t.expect(this.resolve(localExports), mf.exports, `${where} local exports`),
      indirectExports: t.expect(this.resolve(indirectExports), mf.exports, `${where} indirect exports`),
      starExports: t.expect(this.resolve(starExports), mf.starExports, `${where} star exports`),
      namespace: null,
      meta: t.expect(meta ?? null, t.value, `${where} import.meta`),
      promise: t.expect(promise ?? null, t.value, `${where} promise`),
    });
  }

  private linkFrame(f: Frame, fields: unknown[]): void {
    const [u, c, fn, pc, sp, stack, env, fnEnv, thisValue, newTarget, args, argsObj, gen, asyncCap, construct, delivered, caller, boundary, module] = fields;
    const code = this.code(u, c, true);
    const closure = fn === undefined ? null : this.engine.vm.closures.get(fn);
    if (fn !== undefined && !closure) this.bad('a frame whose function is not a guest function');
    const values = this.list(stack, 'a frame stack').map((v) => this.resolve(v));
    if (typeof pc !== 'number' || pc < 0 || pc >= code.ops.length) this.bad('a frame position outside its code');
    if (values.length !== sp || (sp as number) < code.nregs) this.bad('a frame stack of the wrong size');
    while (values.length < code.nregs) values.push(undefined);
    const w = f as any;
    w.code = code;
    w.closure = closure ?? null;
    w.stack = values;
    w.pc = pc;
    w.sp = sp;
    w.env = this.resolve(env);
    w.fnEnv = this.resolve(fnEnv);
    w.thisValue = this.resolve(thisValue);
    w.newTarget = newTarget;
    w.args = this.resolve(args);
    w.argsObj = argsObj;
    w.gen = this.resolve(gen);
    w.asyncCap = this.resolve(asyncCap);
    w.construct = construct === true;
    w.delivered = delivered === true;
    w.caller = caller === null || caller === undefined ? null : this.resolve(caller);
    w.boundary = boundary === true;
    if (w.caller !== null && !(w.caller instanceof Frame)) this.bad('a frame whose caller is not a frame');
    w.mappedParams = isObject(argsObj) ? (this.engine.vm.mappedArguments.get(argsObj) ?? null) : null;
    w.module = module === null || module === undefined ? null : this.resolve(module);
    w.depth = 0;
    if ((w.env !== null && !(w.env instanceof Env)) || !Array.isArray(w.args)) this.bad('a frame with a broken environment or argument list');
  }

  /**
   * After link(): every frame checked against its code (first how each can resume, then its
   * registers, stack, environments and fields), and the state of each promise function and
   * module step against its schema. Records are typed where they are used (typed.ts).
   */
  private checkLinked(): void {
    const frames: Frame[] = [];
    for (const [id, { kind }] of this.raw) if (kind === 'Frame') frames.push(this.recs[id] as Frame);
    for (const f of frames) this.typed.frameResumeKinds(f);
    // a delta's new records may name a frame of the state it applies to that it left as it was (a new
    // await reaction on an async function that stopped at the same await again): how that one resumes too
    for (const [id, kind] of this.earlier) if (kind === 'Frame' && !this.raw.has(id)) this.typed.frameResumeKinds(this.recs[id] as Frame);
    for (const f of frames) this.typed.checkFrame(f);
    for (const [id, what] of this.placeholders) {
      if (!this.raw.has(id)) this.bad(`${what} ${id} without its record`);
      this.typed.expect(this.recs[id], what === 'module step' ? this.typed.moduleStep : this.typed.builtinClosure, `${what} ${id}`);
    }
  }

  /** A record id not used yet (ids name one record each). */
  private freshId(id: unknown, what: string): number {
    const n = this.num(id, what);
    if (n in this.recs) this.bad(`record ${n} made twice`);
    return n;
  }

  // ---- the `$` object the snapshot program calls ----

  /** The restore interface as guest functions on a realm object (`$` of a snapshot program run as guest code). */
  makeInterface(): object {
    const realm = this.engine.realm;
    const $ = realm.intrinsics.objectCreate(null) as Record<string, unknown>;
    for (const [name, impl] of Object.entries(this.operations())) {
      const value = typeof impl === 'function' ? realm.native(name, impl.length, (_t, args) => impl(...Array.prototype.slice.call(args))) : impl;
      Object.defineProperty($, name, { value, enumerable: true });
    }
    return $;
  }

  private ops: Record<string, unknown> | null = null;

  /** The restore interface's operations, host-side (reader.ts calls them directly). */
  operations(): Record<string, unknown> {
    if (this.ops) return this.ops;
    const engine = this.engine;
    const realm = engine.realm;
    const vm = engine.vm;
    const I = realm.intrinsics;
    const $: Record<string, unknown> = {};
    this.ops = $;
    const def = (name: string, impl: (...a: any[]) => unknown) => {
      $[name] = impl;
    };
    $.hole = this.holeToken;
    def('format', (v: unknown) => {
      if (v !== FORMAT_VERSION) this.bad(`format ${String(v)}`);
    });
    def('builtin', (path: unknown) => {
      const o = this.byPath.get(String(path));
      if (!o) this.bad(`no built-in ${String(path)} in this engine`);
      return o;
    });
    def('unit', (id: number, file: string, kind: 'script' | 'module' | 'eval', strict: boolean, dynamicOuter: boolean, inFunction: number, selfHosted: boolean, text: string) => {
      if (typeof text !== 'string' || typeof file !== 'string') this.bad('a compile unit without source text');
      if (kind !== 'script' && kind !== 'eval' && kind !== 'module') this.bad(`a compile unit of kind '${String(kind)}'`);
      const root = engine.compile(text, file, kind, strict === true, dynamicOuter === true, inFunction ? { method: inFunction === 2 } : null, selfHosted === true);
      this.units[this.num(id, 'a unit')] = codeTree(root);
    });
    def('closure', (u: unknown, c: unknown, env: unknown) => {
      const code = this.code(u, c);
      const e = this.envRec(env);
      this.typed.checkClosureEnv(code, e, this.units[u as number]!, `a closure of ${code.name || 'an anonymous function'} (${code.file})`);
      return vm.makeFunction(code, e, undefined, null);
    });
    def('env', (id: unknown, parent: unknown, u: unknown, c: unknown, k: unknown) => {
      const code = this.code(u, c, true);
      const desc = k === -1 ? code.moduleDesc : code.consts[this.num(k, 'a scope layout')];
      if (!desc || !(desc as any).names) this.bad('an environment with an unknown scope layout');
      const n = (desc as any).names.length;
      const vars = new Array(n);
      for (let i = 0; i < n; i++) vars[i] = undefined;
      this.recs[this.freshId(id, 'an environment')] = new Env(vars, desc as any, this.envRec(parent), null);
    });
    def('withEnv', (id: unknown, parent: unknown, object: unknown) => {
      if (!isObject(object)) this.bad('a with environment without an object');
      if (this.typed.value(object) !== null) this.bad('a with environment whose object is not a guest object');
      this.recs[this.freshId(id, 'an environment')] = new Env([], null, this.envRec(parent), object);
    });
    def('slots', (id: unknown, values: unknown) => {
      const e = this.envRec(id)!;
      const list = this.list(values, 'environment slots');
      if (!e.desc || list.length !== e.vars.length) this.bad('an environment with the wrong number of slots');
      const imports = this.typed.importsOf(e);
      const resolved = list.map((v) => this.resolve(v));
      resolved.forEach((v, i) => this.typed.slot(e, i, v, `environment ${String(id)}`, imports));
      for (let i = 0; i < resolved.length; i++) e.vars[i] = resolved[i];
    });
    def('extra', (id: unknown, name: unknown, value: unknown) => {
      const e = this.envRec(id)!;
      (e.extra ??= new Map()).set(String(name), { value: this.typed.expect(this.resolve(value), this.typed.value, `environment ${String(id)} binding '${String(name)}'`) });
    });
    def('ref', (id: unknown) => {
      const token = Object.freeze(I.objectCreate(null));
      this.tokens.set(token, this.num(id, 'a record reference'));
      return token;
    });
    def('rec', (id: unknown, kind: unknown, fields: unknown) => this.rec(this.num(id, 'a record'), String(kind), this.list(fields, 'record fields')));
    def('link', () => this.link());
    def('promiseFunction', (id: unknown, kind: unknown) => {
      const kinds = ['resolve', 'reject', 'executor', 'allResolveElement', 'allSettledElement', 'anyRejectElement', 'thenFinally', 'catchFinally', 'valueThunk', 'thrower'];
      if (!kinds.includes(kind as string)) this.bad(`a promise function of kind ${String(kind)}`);
      const placeholder = { kind } as BuiltinClosure;
      const n = this.freshId(id, 'a record');
      this.recs[n] = placeholder;
      this.placeholders.set(n, 'promise function');
      return engine.promises.makeBuiltinClosure(placeholder);
    });
    def('promise', () => engine.promises.createPromise());
    def('promiseState', (p: unknown, rec: unknown) => {
      const target = getPromiseRecord(p);
      const r = this.resolve(rec) as PromiseRecord;
      if (!target || !isObject(r)) this.bad('a promise state for something that is not a promise');
      this.typed.expect(r, this.typed.promiseRecord, 'a promise state');
      Object.assign(target, r);
      // the table names the promise's own record from now on (a delta updates it in place)
      const id = isObject(rec) ? this.tokens.get(rec) : undefined;
      if (id !== undefined) this.recs[id] = target;
    });
    def('generator', () => I.objectCreate(null));
    def('generatorState', (obj: unknown, rec: unknown) => {
      const st = this.resolve(rec) as GeneratorState;
      if (!isObject(obj) || !isObject(st) || this.typed.value(obj) !== null || vm.generators.get(obj) !== undefined) this.bad('a generator state');
      this.typed.expect(st, this.typed.generatorState, 'a generator state');
      vm.generators.set(obj, st);
    });
    const revokers = new Map<object, Function>();
    def('proxy', (target: unknown, handler: unknown, state: unknown, revocable: unknown) => {
      const P = this.byPath.get('globalThis.Proxy') as any;
      if (state !== 'live') {
        // a revoked proxy: made over stand-ins, then revoked (a callable one over a function)
        const stand = state === 'callable' ? realm.realmEval('(function () {})') : I.newObject();
        const { proxy, revoke } = vm.makeRevocableProxy(stand, I.newObject());
        realm.R.apply(revoke, undefined, []);
        revokers.set(proxy, revoke);
        return proxy;
      }
      if (!isObject(target) || !isObject(handler)) this.bad('a proxy without a target and a handler');
      if (revocable === true) {
        const { proxy, revoke } = vm.makeRevocableProxy(target, handler);
        revokers.set(proxy, revoke);
        return proxy;
      }
      return realm.R.construct(P, [target, handler]);
    });
    def('revoker', (proxy: unknown) => {
      const r = isObject(proxy) ? revokers.get(proxy) : undefined;
      if (!r) this.bad('a revoke function for something that is not a revocable proxy');
      return r;
    });
    def('resize', (buf: unknown, n: unknown) => {
      try {
        (ArrayBuffer.prototype as any).resize.call(buf, n);
      } catch {
        this.bad('a buffer that cannot take its length');
      }
    });
    def('detach', (buf: unknown) => {
      try {
        structuredClone(buf, { transfer: [buf as ArrayBuffer] });
      } catch {
        this.bad('a detached buffer that cannot be detached');
      }
    });
    def('arrayBuffer', (b64: unknown, max: unknown) => {
      const AB = this.byPath.get('globalThis.ArrayBuffer') as any;
      if (b64 === null) {
        const b = new AB(0);
        structuredClone(b, { transfer: [b] });
        return b;
      }
      const bytes = Buffer.from(String(b64), 'base64');
      // a resizable buffer is made at its length (what a memory budget counts) and grown to its maximum with
      // the host's resize, which counts nothing (views on it are then in bounds); `resize` at the end gives it its own
      if (max !== undefined && !(Number.isSafeInteger(max) && (max as number) >= bytes.length)) this.bad('a resizable ArrayBuffer whose maximum length is not an integer at least its length');
      const buf = this.allocate('a resizable ArrayBuffer', max, () => {
        if (max === undefined) return new AB(bytes.length);
        const b = new AB(bytes.length, { maxByteLength: max });
        (ArrayBuffer.prototype as any).resize.call(b, max);
        return b;
      });
      new Uint8Array(buf).set(bytes);
      return buf;
    });
    def('sharedArrayBuffer', (b64: unknown, max: unknown) => {
      const SAB = this.byPath.get('globalThis.SharedArrayBuffer') as any;
      const bytes = Buffer.from(String(b64), 'base64');
      // a growable one comes with its maximum length
      if (max !== undefined && !(Number.isSafeInteger(max) && (max as number) >= bytes.length)) this.bad('a growable SharedArrayBuffer whose maximum length is not an integer at least its length');
      const buf = this.allocate('a growable SharedArrayBuffer', max, () => (max === undefined ? new SAB(bytes.length) : new SAB(bytes.length, { maxByteLength: max })));
      new Uint8Array(buf).set(bytes);
      return buf;
    });
    def('error', () => new (this.byPath.get('globalThis.Error') as ErrorConstructor)());
    // (its @@iterator is the engine's %Array.prototype.values%, as in the VM's arguments objects)
    const argumentsFactory = realm.realmEval<(values: Function) => () => object>('(function (values) { return function () { arguments[Symbol.iterator] = values; return arguments; }; })')(
      realm.intrinsics.ArrayValues,
    );
    def('arguments', () => argumentsFactory());
    def('mappedArguments', (n: unknown, argc: unknown) => {
      const count = (v: unknown, what: string) => (Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= 65535 ? (v as number) : this.bad(what));
      return vm.mappedArgumentsObject(count(n, 'a parameter count'), new Array(count(argc, 'an argument count')).fill(undefined)).argsObj;
    });
    def('mapParameters', (o: unknown, values: unknown, states: unknown) => {
      const m = isObject(o) ? vm.mappedArguments.get(o) : undefined;
      const vs = this.list(values, 'parameter values');
      const st = this.list(states, 'argument states');
      if (!m || vs.length !== m.n || st.length !== m.argc) this.bad('parameters for something that is not a mapped arguments object');
      st.forEach((s, i) => {
        if (s === 2) Reflect.deleteProperty(o as object, i);
        else if (s === 0 && i < m.n) {
          // a present but unmapped index: deleting and defining it again breaks the mapping
          const d = Reflect.getOwnPropertyDescriptor(o as object, i)!;
          Reflect.deleteProperty(o as object, i);
          Reflect.defineProperty(o as object, i, d);
        } else if (s !== 0 && s !== 1) this.bad('an argument state');
      });
      vs.forEach((v, i) => m.set(i, v));
    });
    def('props', (o: unknown, kv: unknown) => {
      // (reader.ts hands this operation a host array: it is copied here and never kept)
      // (capture never writes a proxy's properties; the host's defineProperty would hand its trap a host-realm descriptor)
      if (types.isProxy(o)) this.bad('properties for a proxy');
      const list = this.list(kv, 'properties');
      // one descriptor for the whole list (defineProperty reads it and keeps nothing of it)
      const d = { value: undefined as unknown, writable: true, enumerable: true, configurable: true };
      for (let i = 0; i + 1 < list.length; i += 2) {
        d.value = list[i + 1];
        Object.defineProperty(o, list[i] as PropertyKey, d);
      }
    });
    def('moduleStep', (id: unknown, kind: unknown) => {
      if (!(MODULE_STEP_KINDS as readonly unknown[]).includes(kind)) this.bad(`a module step of kind ${String(kind)}`);
      const placeholder = { kind } as ModuleStep; // its fields come with the records
      const n = this.freshId(id, 'a record');
      this.recs[n] = placeholder;
      this.placeholders.set(n, 'module step');
      return engine.modules.makeStep(placeholder);
    });
    def('modules', (list: unknown) => {
      // link() adopted them in the order of their records; this names every one of them once, in the loader's order
      const records = this.list(list, 'modules').map((m) => this.resolve(m) as ModuleRecord);
      if (records.some((m) => !isObject(m) || engine.modules.modules.get(m.file) !== m) || new Set(records).size !== engine.modules.modules.size || records.length !== engine.modules.modules.size)
        this.bad('a module list');
      engine.modules.adopt(records);
    });
    def('nsref', (id: unknown) => {
      const token = Object.freeze(I.objectCreate(null));
      this.nsTokens.set(token, this.num(id, 'a module'));
      return token;
    });
    def('namespace', (m: unknown) => {
      const rec = this.resolve(m) as ModuleRecord;
      if (!isObject(rec) || engine.modules.modules.get(rec.file) !== rec) this.bad('a namespace of an unknown module');
      return engine.modules.namespace(rec);
    });
    def('module', (fn: unknown, m: unknown) => {
      const rec = vm.closures.get(fn);
      const mod = this.resolve(m) as ModuleRecord;
      if (!rec || !isObject(mod) || engine.modules.modules.get(mod.file) !== mod) this.bad('a module for something that is not a guest function');
      rec.module = mod;
    });
    def('iterator', (kind: unknown, mode: unknown, source: unknown, pos: unknown, done: unknown, string: unknown, flags: unknown) => {
      // a V8 iterator over an array, Map, Set or string, or a RegExp string iterator (interpreter/iterators.ts)
      if (!['array', 'map', 'set', 'string', 'regexp'].includes(kind as string) || !['keys', 'values', 'entries'].includes(mode as string))
        this.bad(`an iterator of kind ${String(kind)}/${String(mode)}`);
      if ((isObject(source) && (this.tokens.has(source) || this.nsTokens.has(source) || source === this.holeToken)) || this.typed.value(source) !== null)
        this.bad('an iterator over something that is not a guest value');
      try {
        const { iterator, finish } = vm.iterators.make(kind as IteratorKind, mode as IteratorMode, source, this.num(pos, 'an iterator position'), done === true, { string, flags });
        if (finish)
          this.iterations.push(() => {
            try {
              finish();
            } catch (e) {
              this.bad(`an iterator that cannot be stepped to its position (${(e as Error).message})`);
            }
          });
        return iterator;
      } catch (e) {
        if (e instanceof SnapshotError) throw e;
        this.bad(`an iterator that cannot be made (${e instanceof Error ? e.message : 'its source is of the wrong kind'})`);
      }
    });
    def('iteratorAt', (it: unknown, pos: unknown, done: unknown) => {
      // a known V8 iterator moved in place by a delta, once the collections are filled
      const n = this.num(pos, 'an iterator position');
      if (!isObject(it) || !vm.iterators.made.get(it)) this.bad('a position for something that is not an iterator the engine made');
      this.iterations.push(() => {
        try {
          vm.iterators.advance(it as object, n, done === true);
        } catch (e) {
          this.bad(`an iterator that cannot be moved to its position (${(e as Error).message})`);
        }
      });
    });
    def('stamped', (kind: unknown) => {
      const k = vm.stampedKinds.get(String(kind));
      if (!k) this.bad(`an object of unknown kind '${String(kind)}'`);
      return I.objectCreate(k.proto);
    });
    def('stampRecord', (o: unknown, kind: unknown, rec: unknown) => {
      const k = vm.stampedKinds.get(String(kind));
      const r = this.resolve(rec);
      if (!k || !isObject(o) || !isObject(r) || k.stamp.get(o) !== undefined) this.bad(`a record for an object of kind '${String(kind)}'`);
      // an engine built-in's record has its schema; a host service's is plain data its decode reads
      this.typed.expect(r, (Object.hasOwn(this.typed.stamped, String(kind)) ? this.typed.stamped[String(kind)] : undefined) ?? this.typed.serviceData, `the record of a ${String(kind)}`);
      let live = r;
      if (k.decode) {
        // once per record, so objects that shared a live record share it again
        live = this.decoded.get(r) ?? k.decode(r as never);
        this.decoded.set(r, live);
      }
      k.stamp.set(o, live as never);
    });
    def('elems', (a: unknown, values: unknown) => {
      if (!Array.isArray(a) || types.isProxy(a) || !Array.isArray(values)) this.bad('elements for something that is not an array');
      const n = values.length;
      for (let i = 0; i < n; i++) {
        if (i in values) Object.defineProperty(a, i, { value: values[i], writable: true, enumerable: true, configurable: true });
      }
    });
    def('mapEntries', (m: unknown, kv: unknown) => {
      const list = this.list(kv, 'map entries');
      for (let i = 0; i + 1 < list.length; i += 2) Map.prototype.set.call(m, list[i], list[i + 1]);
    });
    def('setEntries', (s: unknown, vs: unknown) => {
      for (const v of this.list(vs, 'set entries')) Set.prototype.add.call(s, v);
    });
    def('home', (fn: unknown, home: unknown) => {
      const rec = vm.closures.get(fn);
      if (!rec) this.bad('a home object for something that is not a guest function');
      rec.home = home as object;
    });
    def('classInfo', (fn: unknown, fields: unknown, privateMethods: unknown, staticElements: unknown, staticPrivate: unknown) => {
      const rec = vm.closures.get(fn) as Closure | undefined;
      if (!rec) this.bad('class elements for something that is not a guest function');
      const el = (e: unknown) => {
        const [key, init, isPrivate] = this.list(e, 'a class element');
        const k = this.typed.expect(this.resolve(key), isPrivate === true ? this.typed.privateName : this.typed.value, 'a class element key');
        return { key: k, init: this.typed.expect(init, this.typed.value, 'a class element initializer') as Function | undefined, isPrivate: isPrivate === true };
      };
      rec.classInfo = {
        fields: this.list(fields, 'class fields').map(el),
        privateMethods: this.list(privateMethods, 'private methods').map((p) => this.typed.expect(this.resolve(p), this.typed.privateName, 'a private method') as PrivateName),
        staticElements: this.list(staticElements, 'static elements').map((e) => {
          const [kind, ...rest] = this.list(e, 'a static element');
          return { kind: kind === 'block' ? 'block' : 'field', ...el(rest) };
        }),
        staticPrivateMethods: this.list(staticPrivate, 'static private methods').map((p) => this.typed.expect(this.resolve(p), this.typed.privateName, 'a static private method') as PrivateName),
      };
    });
    def('privateField', (obj: unknown, pn: unknown, value: unknown) => {
      const name = this.resolve(pn);
      if (!(name instanceof PrivateName) || !isObject(obj)) this.bad('a private field');
      vm.privateAdd(obj, name, this.typed.expect(this.resolve(value), this.typed.value, `private field ${name.description}`));
    });
    def('template', (u: unknown, c: unknown, k: unknown, obj: unknown) => {
      const site = this.code(u, c, true).consts[this.num(k, 'a template site')];
      if (!(site instanceof TemplateSite)) this.bad('a template object for something that is not a template');
      site.cache = obj;
    });
    def('lexical', (name: unknown, value: unknown, isConst: unknown) => {
      vm.globalLex.set(String(name), { value: this.typed.expect(this.resolve(value), this.typed.valueOrHole, `global binding '${String(name)}'`), isConst: isConst === true });
    });
    def('jobs', (list: unknown) => {
      // phase 4 has begun: every collection is filled, so iterators over them can be stepped
      for (const make of this.iterations.splice(0)) make();
      for (const j of this.list(list, 'jobs')) {
        const job = this.typed.expect(this.resolve(j), this.typed.job, 'a job') as Job;
        engine.queue.enqueue(job);
      }
    });
    def('timers', (list: unknown, nextId: unknown, nextSeq: unknown) => {
      const timers = engine.timers;
      const now = timers.now();
      for (const t of this.list(list, 'timers')) {
        const [id, callback, args, remaining, interval, repeat, seq] = this.list(t, 'a timer');
        if (typeof callback !== 'function' || this.typed.value(callback) !== null) this.bad('a timer without a callback');
        const targs = this.list(args, 'timer arguments');
        targs.forEach((a, i) => this.typed.expect(a, this.typed.value, `timer ${String(id)} argument ${i}`));
        timers.timers.set(id as number, {
          id: id as number,
          callback,
          args: targs,
          due: now + (remaining as number),
          interval: interval as number,
          repeat: repeat === true,
          seq: seq as number,
        });
      }
      timers.nextId = nextId as number;
      timers.nextSeq = nextSeq as number;
    });
    def('rejections', (list: unknown) => {
      for (const p of this.list(list, 'rejections')) {
        if (!getPromiseRecord(p)) this.bad('a rejection of something that is not a promise');
        engine.rejections.pending.push(p as object);
      }
    });
    def('turn', (n: unknown, mainTurnDone: unknown) => {
      engine.loop.turn = this.num(n, 'a turn');
      engine.mainTurnDone = mainTurnDone !== false;
    });
    // the embedder's objects (host.ts): its state first, then its objects by name, then its links
    const host = () => this.host ?? this.bad("a snapshot of an embedder's objects (a page): restore it with the embedder (snapvm restore reads the header)");
    const json = (text: unknown): unknown => {
      try {
        return JSON.parse(String(text));
      } catch {
        this.bad('embedder data that is not JSON');
      }
    };
    def('hostState', (data: unknown) => host().state(json(data)));
    def('host', (ref: unknown) => host().make(json(ref)));
    def('hostLinks', (data: unknown, values: unknown) => host().links(json(data), this.list(values, 'embedder links')));
    def('running', (top: unknown, inTimerTurn: unknown) => {
      const f = this.typed.expect(this.resolve(top), this.typed.frame('loop'), 'the running computation') as Frame;
      let n = 0;
      for (let g: Frame | null = f; g; g = g.caller) if (++n > vm.frameLimit) this.bad('a running computation deeper than the frame limit');
      engine.pendingFrame = f;
      engine.pendingTimerTurn = inTimerTurn === true;
    });
    return $;
  }
}

export interface RestoreOptions extends EngineOptions {}

/** Run a snapshot program as guest code, handing it `$` (the general path: any JavaScript is accepted). */
function runAsGuest(code: string, engine: Engine, restorer: Restorer): void {
  let program: unknown;
  try {
    program = engine.evaluateScript(`(function ($) {\n${code}\n})`, '<snapshot>');
  } catch (e) {
    throw new SnapshotError(`damaged snapshot: ${(e as Error).message}`);
  }
  engine.realm.R.apply(program as Function, undefined, [restorer.makeInterface()]);
}

/** Rebuild an engine from a snapshot's text. The engine is returned only when the whole state is back. */
export function restore<E extends Engine = Engine>(code: string, options: RestoreOptions = {}, EngineClass: new (o: EngineOptions) => E = Engine as any): E {
  return restoreWithTable(code, options, EngineClass).engine;
}

/** `restore`, also returning what it made by id (null when the text ran on the general path). */
export function restoreWithTable<E extends Engine = Engine>(
  code: string,
  options: RestoreOptions = {},
  EngineClass: new (o: EngineOptions) => E = Engine as any,
): { engine: E; table: RestoreTable | null } {
  const header = readHeader(code);
  return restoreInto(code, () => ({ engine: new EngineClass(engineOptions(options, header)), host: null }));
}

/** The options of the engine a snapshot is restored into: the caller's, else the snapshot's header's. */
export function engineOptions(options: EngineOptions, header: SnapshotHeader): EngineOptions {
  return {
    ...options,
    test262Host: options.test262Host ?? header.options.test262Host,
    frameLimit: options.frameLimit ?? header.options.frameLimit ?? undefined,
    // the caller's options win (a server restoring a stranger's snapshot fixes them)
    argv: options.argv ?? header.options.argv ?? undefined,
  };
}

/**
 * Rebuild into engines `make` gives (with the embedder's restore side, for a page); called once, or a
 * second time when the text is not the canonical one capture writes.
 */
export function restoreWith<E extends Engine>(code: string, make: () => { engine: E; host: HostRestore | null }): E {
  return restoreWithHostTable(code, make).engine;
}

/** `restoreWith`, also returning the table of what it made by id (null when the text ran on the general path): an embedder's start for deltas. */
export function restoreWithHostTable<E extends Engine>(code: string, make: () => { engine: E; host: HostRestore | null }): { engine: E; table: RestoreTable | null } {
  readHeader(code);
  return restoreInto(code, make);
}

/** `restoreWith`, also returning the table of what it made by id (null when the text ran on the general path). */
function restoreInto<E extends Engine>(code: string, make: () => { engine: E; host: HostRestore | null }): { engine: E; table: RestoreTable | null } {
  // (the caller has read the header)
  let { engine, host } = make();
  let table: RestoreTable | null = { units: [], recs: [], objs: [] };
  try {
    // the canonical text capture writes is read directly; any other program runs as guest code,
    // from the start in a fresh engine
    const section = engineSection(code);
    if (!readCanonical(section, engine, new Restorer(engine, host, table).operations(), table.objs)) {
      ({ engine, host } = make());
      table = null;
      runAsGuest(section, engine, new Restorer(engine, host));
    }
  } catch (e) {
    if (e instanceof SnapshotError) throw e;
    const msg = isObject(e) && typeof (e as any).message === 'string' ? (e as any).message : engine.format([engine.vm.toGuest(e)]);
    throw new SnapshotError(msg.startsWith('damaged snapshot') ? msg : `damaged snapshot: ${msg}`);
  }
  return { engine, table };
}
