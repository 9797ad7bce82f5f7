// Typed restore: every value a restore places in an engine position is checked against the kind
// that position must hold, before any guest code runs. A frame's registers and operand stack are
// checked against the bytecode verifier's shape at its pc (interpreter/verify.ts); environment
// slots against their declaration; every other engine record (generator states, promise states
// and reactions, jobs, capabilities, module records, iterator-helper records…) against a schema,
// field by field, recursively. A record where a guest value belongs (or a guest value where a
// record belongs, or a record of another kind) is a `SnapshotError` naming the position.
import { types } from 'node:util';
import type { Engine } from '../interpreter/index';
import {
  Env,
  Frame,
  HOLE,
  PrivateName,
  offsetAt,
  CodeFlag,
  Verifier,
  Kind,
  type Code,
  type Verified,
  type ResumeKind,
  type EnvShape,
  type ModuleRecord,
  MODULE_STEP_KINDS,
  getPromiseRecord,
} from '../interpreter/state';
import { SnapshotError, isObject } from './format';

/** A check: null when `v` fits, else what is wrong with it. */
type Check = (v: unknown) => string | null;

/** The records a restore made, by kind (only these may stand where the engine expects a record). */
export interface RestoredRecords {
  objects: WeakSet<object>;
  lists: WeakSet<object>;
  modules: WeakSet<object>;
  capabilities: WeakSet<object>;
  frames: WeakSet<object>;
  /** Frames by record id (for positions in messages). */
  frameIds: WeakMap<object, number>;
}

/** An empty RestoredRecords. */
export function newRestoredRecords(): RestoredRecords {
  return { objects: new WeakSet(), lists: new WeakSet(), modules: new WeakSet(), capabilities: new WeakSet(), frames: new WeakSet(), frameIds: new WeakMap() };
}

export class TypedRestore {
  /** Record → the schema it was checked against (a record has one type). */
  private readonly typeOf = new WeakMap<object, string>();
  /** Frame → the resume kinds its (pc, sp) allows; set when its shape was checked. */
  private readonly frameKinds = new WeakMap<Frame, ResumeKind[]>();

  constructor(
    private readonly engine: Engine,
    private readonly recs: RestoredRecords,
    /** The verifier's shapes are per Code: one verifier may serve every check of an engine (delta-check.ts). */
    private readonly verifier: Verifier = new Verifier(),
  ) {}

  fail(where: string, what: string): never {
    throw new SnapshotError(`damaged snapshot: ${where}: ${what}`);
  }

  /** Check `v` against `check` at `where` (a position such as "frame 3 (f at a.js:1:2) register 4"). */
  expect(v: unknown, check: Check, where: string): unknown {
    const err = check(v);
    if (err !== null) this.fail(where, err);
    return v;
  }

  // ---- what a value is ----

  /** A host object (engine record or any object of the host realm): never a guest value. */
  private isHostObject(v: unknown): boolean {
    return isObject(v) && !types.isProxy(v) && v instanceof Object;
  }

  describe(v: unknown): string {
    if (v === HOLE) return 'the TDZ marker';
    if (!isObject(v)) return `a guest value (${typeof v})`;
    if (v instanceof Env) return 'an environment';
    if (v instanceof Frame) return 'a frame';
    if (v instanceof PrivateName) return 'a private name';
    if (this.recs.lists.has(v)) return 'an engine list';
    if (this.recs.modules.has(v)) return 'a module record';
    if (this.recs.objects.has(v) || this.recs.capabilities.has(v)) return `an engine record${this.typeOf.has(v) ? ` (${this.typeOf.get(v)})` : ''}`;
    if (this.isHostObject(v)) return 'a host object';
    return 'a guest object';
  }

  // ---- checks ----

  readonly value: Check = (v) => (v === HOLE || this.isHostObject(v) ? `${this.describe(v)} where the engine holds a guest value` : null);
  readonly hole: Check = (v) => (v === HOLE ? null : `${this.describe(v)} where the engine holds the TDZ marker`);
  readonly valueOrHole: Check = (v) => (v === HOLE ? null : this.value(v));
  readonly privateName: Check = (v) => (v instanceof PrivateName ? null : `${this.describe(v)} where the engine holds a private name`);
  readonly env: Check = (v) => (v instanceof Env ? null : `${this.describe(v)} where the engine holds an environment`);
  readonly module: Check = (v) => (isObject(v) && this.recs.modules.has(v) ? null : `${this.describe(v)} where the engine holds a module record`);
  readonly bool: Check = (v) => (typeof v === 'boolean' ? null : `${this.describe(v)} where the engine holds a boolean`);
  readonly num: Check = (v) => (typeof v === 'number' ? null : `${this.describe(v)} where the engine holds a number`);
  readonly str: Check = (v) => (typeof v === 'string' ? null : `${this.describe(v)} where the engine holds a string`);
  readonly index: Check = (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? null : `${this.describe(v)} where the engine holds an index`);

  oneOf(...values: unknown[]): Check {
    return (v) => (values.includes(v) ? null : `${typeof v === 'string' ? JSON.stringify(v) : this.describe(v)} where the engine holds one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
  }
  /** `undefined` or what `c` accepts (undefined stands for an absent record). */
  opt(c: Check): Check {
    return (v) => (v === undefined ? null : c(v));
  }
  nullOr(c: Check): Check {
    return (v) => (v === null ? null : c(v));
  }
  /** What one of `cs` accepts. The error told is the deepest (a record of the right kind with a wrong field says which). */
  or(...cs: Check[]): Check {
    return (v) => {
      let told: string | null = null;
      for (const c of cs) {
        const e = c(v);
        if (e === null) return null;
        if (told === null || (e.includes(" field '") && !told.includes(" field '"))) told = e;
      }
      return told;
    };
  }

  /** An engine list whose items all fit `item`. */
  list(item: Check, name: string): Check {
    return (v) => {
      if (!isObject(v) || !this.recs.lists.has(v)) return `${this.describe(v)} where the engine holds a list (${name})`;
      const claimed = this.claim(v, `list of ${name}`);
      if (claimed !== undefined) return claimed;
      const a = v as unknown[];
      for (let i = 0; i < a.length; i++) {
        const e = item(a[i]);
        if (e !== null) return this.untype(v, `item ${i}: ${e}`);
      }
      return null;
    };
  }

  /** An engine record (`$.rec(id, "object", …)`) with the fields of `fields` only, each fitting its check. */
  record(name: string, fields: Record<string, Check>, capability = false): Check {
    return (v) => {
      if (!isObject(v) || !(capability ? this.recs.capabilities : this.recs.objects).has(v)) return `${this.describe(v)} where the engine holds a ${name}`;
      const claimed = this.claim(v, name);
      if (claimed !== undefined) return claimed;
      for (const k of Object.keys(v)) if (!Object.hasOwn(fields, k)) return this.untype(v, `a ${name} with an unknown field '${k}'`);
      for (const [k, c] of Object.entries(fields)) {
        const e = c((v as Record<string, unknown>)[k]);
        if (e !== null) return this.untype(v, `${name} field '${k}': ${e}`);
      }
      return null;
    };
  }

  /**
   * Give a record its type (once: a record used as two types is refused). Undefined: check its
   * fields now; null: it has this type already (checked, or being checked further up); else the error.
   */
  private claim(v: object, name: string): string | null | undefined {
    const t = this.typeOf.get(v);
    if (t === undefined) {
      this.typeOf.set(v, name);
      return undefined;
    }
    return t === name ? null : `an engine record used both as ${t} and as ${name}`;
  }
  private untype(v: object, err: string): string {
    this.typeOf.delete(v);
    return err;
  }

  // ---- schemas (field → kinds), written from the interpreter's records ----

  readonly iteratorRecord: Check = this.record('iterator record', {
    iterator: this.value,
    next: this.value,
    done: this.bool,
    index: this.opt(this.index),
  });
  readonly forInState: Check = this.record('for-in state', { keys: this.list(this.str, 'keys'), i: this.index, object: this.value });
  readonly engineList: Check = this.list(this.valueOrHole, 'guest values');
  readonly capability: Check = this.or(
    this.record('host capability', { promise: this.value, resolve: () => null, reject: () => null }, true),
    this.record('promise capability', { promise: this.value, resolve: this.value, reject: this.value }),
  );
  readonly awaitHandler: Check = this.record('await handler', { kind: this.oneOf('await'), continuation: this.frame('await'), rejected: this.bool });
  readonly reaction: Check = this.record('promise reaction', {
    capability: this.opt(this.capability),
    type: this.oneOf('fulfill', 'reject'),
    handler: this.or(this.value, this.awaitHandler),
  });
  readonly promiseRecord: Check = this.record('promise state', {
    state: this.oneOf('pending', 'fulfilled', 'rejected'),
    result: this.value,
    fulfillReactions: this.opt(this.list(this.reaction, 'reactions')),
    rejectReactions: this.opt(this.list(this.reaction, 'reactions')),
    isHandled: this.bool,
  });
  readonly generatorRequest: Check = this.record('async generator request', { kind: this.oneOf(0, 1, 2), value: this.value, capability: this.capability });
  // (the checks below are made once, with the checker: not again for each record checked)
  private readonly generatorStateRecord: Check = this.record('generator state', {
    frame: this.nullOr(this.frame(null)),
    state: this.oneOf('suspendedStart', 'suspendedYield', 'executing', 'completed'),
    async: this.bool,
    queue: this.list(this.generatorRequest, 'async generator requests'),
  });
  readonly generatorState: Check = (v) => this.generatorStateRecord(v) ?? this.generatorFrame(v as { frame: Frame | null; state: string });
  /** A job's record by its kind. */
  private readonly jobs = new Map<unknown, Check>([
    ['promiseReaction', this.record('promise reaction job', { kind: this.str, reaction: this.reaction, argument: this.value })],
    ['promiseResolveThenable', this.record('resolve-thenable job', { kind: this.str, promiseToResolve: this.value, thenable: this.value, then: this.value })],
    ['microtask', this.record('microtask job', { kind: this.str, callback: this.value })],
    ['await', this.record('await job', { kind: this.str, continuation: this.frame('await'), value: this.value, rejected: this.bool })],
  ]);
  readonly job: Check = (v) => {
    const check = this.jobs.get(isObject(v) && this.recs.objects.has(v) ? (v as { kind?: unknown }).kind : undefined);
    return check ? check(v) : `${this.describe(v)} where the engine holds a job`;
  };
  private readonly flag = this.record('flag', { value: this.bool });
  private readonly counter = this.record('counter', { value: this.num });
  /** The state of each kind of promise function. */
  private readonly builtinClosures: Map<unknown, Check> = (() => {
    const common = { kind: this.str };
    const element = { ...common, alreadyCalled: this.flag, index: this.index, capability: this.capability, remainingElements: this.counter };
    const resolving = this.record('resolving function state', { ...common, promise: this.value, alreadyResolved: this.flag });
    const finally_ = this.record('finally function state', { ...common, onFinally: this.value, constructor: this.value });
    return new Map<unknown, Check>([
      ['resolve', resolving],
      ['reject', resolving],
      ['executor', this.record('executor state', { ...common, capability: this.record('executor capability', { resolve: this.value, reject: this.value }) })],
      ['allResolveElement', this.record('Promise.all element state', { ...element, values: this.list(this.value, 'guest values') })],
      ['allSettledElement', this.record('Promise.allSettled element state', { ...element, status: this.oneOf('fulfilled', 'rejected'), values: this.list(this.value, 'guest values') })],
      ['anyRejectElement', this.record('Promise.any element state', { ...element, errors: this.list(this.value, 'guest values') })],
      ['thenFinally', finally_],
      ['catchFinally', finally_],
      ['valueThunk', this.record('value thunk state', { ...common, value: this.value })],
      ['thrower', this.record('thrower state', { ...common, reason: this.value })],
    ]);
  })();
  /** The state of a promise function (`$.promiseFunction` placeholder filled by its record). */
  readonly builtinClosure: Check = (v) => {
    const check = this.builtinClosures.get(isObject(v) ? (v as { kind?: unknown }).kind : undefined);
    return check ? check(v) : 'a promise function of unknown kind';
  };
  readonly moduleStep: Check = this.record('module step', {
    kind: this.oneOf(...MODULE_STEP_KINDS),
    module: this.nullOr(this.module),
    order: this.nullOr(this.list(this.module, 'modules')),
    next: this.num,
    promise: this.opt((v) => (getPromiseRecord(v) ? null : `${this.describe(v)} where the engine holds an import()'s promise`)),
  });
  private readonly importCellRecord: Check = this.record('import cell', { env: this.nullOr(this.env), slot: this.num, name: this.str, namespace: this.opt(this.value) });
  readonly importCell: Check = (v) => this.importCellRecord(v) ?? (this.cellInRange(v as { env: Env | null; slot: number }) ? null : 'an import cell outside its environment');
  private cellInRange(c: { env: Env | null; slot: number }): boolean {
    return c.env === null ? c.slot === -1 : Number.isInteger(c.slot) && c.slot >= 0 && c.slot < c.env.vars.length;
  }
  private readonly exportEntry = this.record('export entry', { exportName: this.str, localName: this.opt(this.str), module: this.opt(this.str), importName: this.opt(this.str) });
  readonly moduleFields = {
    requested: this.list(this.str, 'module names'),
    imports: this.list(this.record('import entry', { local: this.str, module: this.str, importName: this.str }), 'import entries'),
    exports: this.list(this.exportEntry, 'export entries'),
    starExports: this.list(this.str, 'module names'),
  };
  /**
   * The record of a host service's stamped kind (a tensor, a session…): plain data the service's own
   * `decode` reads — guest values, engine lists and records of plain data, any field names — and no
   * frame, environment, private name, capability or module record anywhere in it.
   */
  readonly serviceData: Check = (v) => {
    if (!isObject(v) || this.value(v) === null) return this.value(v);
    if (this.recs.lists.has(v)) {
      const a = v as unknown[];
      for (let i = 0; i < a.length; i++) {
        const e = this.serviceData(a[i]);
        if (e !== null) return `item ${i}: ${e}`;
      }
      return null;
    }
    if (!this.recs.objects.has(v)) return `${this.describe(v)} where a service's record holds plain data`;
    const claimed = this.claim(v, 'service data');
    if (claimed !== undefined) return claimed;
    for (const [k, f] of Object.entries(v)) {
      const e = this.serviceData(f);
      if (e !== null) return this.untype(v, `field '${k}': ${e}`);
    }
    return null;
  };

  /** Records stamped on objects by engine built-ins (`vm.stampedKinds`), by kind. */
  private readonly disposableStack: Check = this.record('disposable stack', {
    state: this.oneOf('pending', 'disposed'),
    resources: this.list(
      this.record('disposable resource', { value: this.value, hint: this.oneOf('sync-dispose', 'async-dispose'), method: this.value, call: this.oneOf('method', 'adopt', 'sync-as-async') }),
      'disposable resources',
    ),
  });
  readonly stamped: Record<string, Check> = {
    DisposableStack: this.disposableStack,
    AsyncDisposableStack: this.disposableStack,
    WrappedIterator: this.record('wrapped iterator', { iterated: this.iteratorRecord }),
    IteratorHelper: this.record('iterator helper', {
      kind: this.oneOf('map', 'filter', 'flatMap', 'take', 'drop', 'concat', 'chunks', 'windows', 'zip'),
      state: this.oneOf('suspendedStart', 'suspendedYield', 'executing', 'completed'),
      underlying: this.opt(this.iteratorRecord),
      fn: this.value,
      counter: this.opt(this.num),
      inner: this.opt(this.nullOr(this.iteratorRecord)),
      remaining: this.opt(this.num),
      iterables: this.opt(this.list(this.record('concat item', { openMethod: this.value, iterable: this.value }), 'concat items')),
      index: this.opt(this.num),
      size: this.opt(this.num),
      allowPartial: this.opt(this.bool),
      buffer: this.opt(this.list(this.value, 'guest values')),
      exhausted: this.opt(this.bool),
      iters: this.opt(this.list(this.nullOr(this.iteratorRecord), 'iterator records')),
      openIters: this.opt(this.list(this.iteratorRecord, 'iterator records')),
      mode: this.opt(this.oneOf('shortest', 'longest', 'strict')),
      padding: this.opt(this.list(this.value, 'guest values')),
      keys: this.opt(this.nullOr(this.list(this.value, 'guest values'))),
    }),
  };

  /** What a private-name slot, an import slot and a frame's own fields hold. */
  private readonly privateSlot: Check = this.or(this.privateName, this.hole);
  private readonly importSlot: Check = this.or(this.importCell, this.hole);
  private readonly frameArgs: Check = this.list(this.value, 'guest values');
  private readonly frameGen: Check = this.nullOr(this.generatorState);
  private readonly frameAsyncCap: Check = this.nullOr(this.capability);
  private readonly frameModule: Check = this.nullOr(this.module);
  private readonly callerFrame: Check = this.frame('call');

  // ---- environments ----

  /** A value for slot i of an environment, by its declaration. */
  slot(e: Env, i: number, v: unknown, where: string, imports: ReadonlySet<string> | null): void {
    const desc = e.desc!;
    const name = desc.names[i]!;
    const kind = desc.kinds[i]!;
    let check: Check;
    if (name.startsWith('#')) check = this.privateSlot;
    else if (imports?.has(name)) check = this.importSlot;
    else if (kind === 1 || kind === 3 || name.startsWith('%')) check = this.valueOrHole;
    else check = this.value;
    const err = check(v);
    if (err !== null) this.fail(`${where} slot ${i} ('${name}')`, err);
  }

  // ---- frames ----

  /** A frame record: `kind` is how the position that holds it resumes it (null: any way its pc allows). */
  frame(kind: ResumeKind | null): Check {
    return (v) => {
      if (!(v instanceof Frame) || !this.recs.frames.has(v)) return `${this.describe(v)} where the engine holds a frame`;
      const kinds = this.frameKinds.get(v);
      if (!kinds) return 'a frame that was never linked';
      if (kind !== null && !kinds.includes(kind))
        return `${this.frameName(v)} stopped at pc ${v.pc} cannot be resumed by ${RESUMERS[kind]} (it stopped ${kinds.map((k) => RESUMERS_AT[k]).join(' or ')})`;
      return null;
    };
  }

  private generatorFrame(st: { frame: Frame | null; state: string }): string | null {
    const f = st.frame;
    if (st.state === 'completed') return f === null ? null : 'a completed generator with a frame';
    if (f === null) return `a generator ${st.state} without a frame`;
    const want: ResumeKind[] = st.state === 'suspendedStart' ? ['start'] : st.state === 'suspendedYield' ? ['yield'] : ['await', 'loop', 'call'];
    const kinds = this.frameKinds.get(f)!;
    return kinds.some((k) => want.includes(k)) ? null : `a generator ${st.state} whose ${this.frameName(f)} stopped ${kinds.map((k) => RESUMERS_AT[k]).join(' or ')}`;
  }

  frameName(f: Frame): string {
    const code = f.code;
    const off = f.pc > 0 ? offsetAt(code, f.pc - 1) : -1;
    const pos = off >= 0 ? code.source.position(off) : { line: 0, column: 0 };
    const name = code.name || (code.kind === 'script' ? '<script>' : '<anonymous>');
    return `frame ${this.recs.frameIds.get(f) ?? '?'} (${name} at ${code.file}:${pos.line}:${pos.column})`;
  }

  /** First pass over the linked frames: how each can be resumed (its pc and sp against the verifier's shapes). */
  frameResumeKinds(f: Frame): void {
    const where = this.frameName(f);
    const v = this.verified(f.code, where);
    const kinds = (v.resume.get(f.pc) ?? []).filter((k) => f.sp === v.shapes.get(f.pc)!.kinds.length - SENT_IN[k]);
    if (!kinds.length) {
      const shape = v.shapes.get(f.pc);
      if (!shape) this.fail(where, `pc ${f.pc} is not a point where a frame stops (its entry, a loop head, after a call, a yield or an await)`);
      this.fail(where, `sp ${f.sp} does not fit pc ${f.pc} (the code holds ${(v.resume.get(f.pc) ?? []).map((k) => `${shape.kinds.length - SENT_IN[k]} ${RESUMERS_AT[k]}`).join(', ')})`);
    }
    this.frameKinds.set(f, kinds);
  }

  private verified(code: Code, where: string): Verified {
    try {
      return this.verifier.verify(code);
    } catch (e) {
      this.fail(where, (e as Error).message);
    }
  }

  /**
   * Second pass: every register and operand slot holds what the code holds at the frame's pc, the
   * environment chain nests as the code pushed it on the closure's environment (a handler's saved
   * environment too), and the other fields are guest values or records of their kinds.
   */
  checkFrame(f: Frame): void {
    const where = this.frameName(f);
    const code = f.code;
    const v = this.verified(code, where);
    const shape = v.shapes.get(f.pc)!;
    // the environment chain: what the code pushed, on the environment it started with
    const closure = f.closure;
    if (closure !== null && closure.code !== code) this.fail(where, 'a frame whose function runs other code');
    const ownCode = code.kind === 'script' || code.kind === 'module' || code.kind === 'eval';
    if ((closure === null) !== ownCode) this.fail(where, closure === null ? 'a function frame without its function' : 'a script frame with a function');
    const base = this.envBase(f.env, shape.envs, where, 'environment');
    if (closure !== null && base !== closure.env) this.fail(where, "an environment chain that does not end at its function's environment");
    if (code.kind === 'script' && base !== null) this.fail(where, 'a script frame inside an environment');
    if (code.kind === 'module' && (!(base instanceof Env) || base.desc !== code.moduleDesc)) this.fail(where, "a module frame outside its module's environment");
    if (f.fnEnv !== null) {
      let on = false;
      for (let e = f.env; e; e = e.parent) if (e === f.fnEnv) on = true;
      if (!on || f.fnEnv.desc?.kind !== 'function') this.fail(where, "a function environment that is not on the frame's chain");
    }
    // registers and operand stack
    for (let i = 0; i < f.sp; i++) {
      const k = shape.kinds[i]!;
      const x = f.stack[i];
      if (k === Kind.Value && this.value(x) === null) continue; // the usual case
      const slot = `${where} ${i < code.nregs ? 'register' : 'operand slot'} ${i}`;
      const checks: Check[] = [];
      if (k & Kind.SavedSp) checks.push((x) => (x === v.savedSp.get(i) ? null : 'not the sp its handler was saved with'));
      if (k & Kind.SavedEnv)
        checks.push((x) => ((x === null || x instanceof Env) && this.envBase(x, v.savedEnv.get(i - 1)!, slot, 'saved environment') === base ? null : 'not the environment its handler was saved with'));
      if (k & Kind.Value) checks.push(this.value);
      if (k & Kind.Hole) checks.push(this.hole);
      if (k & Kind.Iterator) checks.push(this.iteratorRecord);
      if (k & Kind.ForIn) checks.push(this.forInState);
      if (k & Kind.List) checks.push(this.engineList);
      if (k & Kind.PrivateName) checks.push(this.privateName);
      const err = this.or(...checks)(x);
      if (err !== null) this.fail(slot, `${this.describe(x)} where the code holds ${describeKinds(k)}${checks.length === 1 && err.startsWith('not ') ? ` (${err})` : ''}`);
    }
    this.expect(f.thisValue, code.flags & CodeFlag.Derived ? this.valueOrHole : this.value, `${where} this`);
    this.expect(f.args, this.frameArgs, `${where} arguments`);
    this.expect(f.newTarget, this.value, `${where} new.target`);
    this.expect(f.argsObj, this.value, `${where} arguments object`);
    this.expect(f.gen, this.frameGen, `${where} generator`);
    if (f.gen !== null && f.gen.frame !== f && f.gen.state !== 'completed') this.fail(where, 'a generator frame whose generator runs another frame');
    this.expect(f.asyncCap, this.frameAsyncCap, `${where} async capability`);
    this.expect(f.module, this.frameModule, `${where} module`);
    if (f.caller !== null) this.expect(f.caller, this.callerFrame, `${where} caller`);
  }

  /** Walk up `shape` from `e`, each environment of the layout the code pushed; the environment below them. */
  private envBase(e: Env | null, shape: EnvShape, where: string, what: string): Env | null {
    for (let j = shape.length - 1; j >= 0; j--) {
      const want = shape[j]!;
      const ok = e instanceof Env && (want === 'with' ? e.desc === null && e.object !== null : e.desc === want);
      if (!ok)
        this.fail(
          where,
          `${what}: ${e instanceof Env ? 'an environment of another scope' : this.describe(e)} where the code has pushed ${want === 'with' ? 'a with environment' : `the scope of ${want.names.join(', ') || '(no names)'}`}`,
        );
      e = (e as Env).parent;
    }
    return e;
  }

  /** Closure environments already checked, per code. */
  private readonly closureEnvs = new WeakMap<Code, Set<Env | null>>();

  /**
   * The environment a function closes over must nest as its code was created: the environments
   * its parent code had pushed at the Closure/MakeClass instruction, on the parent's own closure
   * environment, up to the compile unit's root (a script runs in none, a module in its module
   * environment, eval code in its caller's, which any environment may stand for).
   */
  checkClosureEnv(code: Code, env: Env | null, unit: Code[], where: string): void {
    let seen = this.closureEnvs.get(code);
    if (seen?.has(env)) return;
    const parent = code.parent;
    if (parent === null || code.source !== unit[0]?.source) this.fail(where, `${code.kind} code is no function`);
    let creates: Map<Code, EnvShape[]>;
    try {
      creates = this.verifier.creates(parent);
    } catch (e) {
      this.fail(where, (e as Error).message);
    }
    const shapes = creates.get(code) ?? [];
    let base: Env | null | undefined;
    let firstError: unknown = null;
    for (const shape of shapes) {
      try {
        base = this.envBase(env, shape, where, 'environment');
        break;
      } catch (e) {
        firstError ??= e;
      }
    }
    if (base === undefined) throw firstError ?? new SnapshotError(`damaged snapshot: ${where}: a function its parent code never creates`);
    if (parent.parent === null) {
      if (parent.kind === 'script' && base !== null) this.fail(where, 'a function of a script inside an environment the script never made');
      if (parent.kind === 'module' && (!(base instanceof Env) || base.desc !== parent.moduleDesc)) this.fail(where, "a module's function outside its module's environment");
    } else this.checkClosureEnv(parent, base, unit, where);
    if (!seen) this.closureEnvs.set(code, (seen = new Set()));
    seen.add(env);
  }

  /** A module's import locals (their slots hold import cells). */
  importsOf(e: Env): ReadonlySet<string> | null {
    // (one map of the module environments, made again only when the loader holds another number of modules)
    const modules = this.engine.modules.modules;
    if (this.moduleImports?.count !== modules.size) this.moduleImports = { count: modules.size, byEnv: importLocalsByEnv(this.engine) };
    return this.moduleImports.byEnv.get(e) ?? null;
  }
  private moduleImports: { count: number; byEnv: ReadonlyMap<Env, ReadonlySet<string>> } | null = null;
}

/** Each module environment's import locals: the slots that hold import cells (modules.ts links them). */
export function importLocalsByEnv(engine: Engine): Map<Env, ReadonlySet<string>> {
  const byEnv = new Map<Env, ReadonlySet<string>>();
  for (const m of engine.modules.modules.values() as Iterable<ModuleRecord>) if (!byEnv.has(m.env)) byEnv.set(m.env, new Set(m.imports.map((i) => i.local)));
  return byEnv;
}

/** How many values the resumer pushes before the frame runs on, by resume kind. */
const SENT_IN: Record<ResumeKind, number> = { loop: 0, start: 0, call: 1, yield: 2, await: 2 };
const RESUMERS: Record<ResumeKind, string> = { loop: 'a running computation', start: 'a generator start', call: 'a returning callee', yield: 'a generator resumption', await: 'an await continuation' };
const RESUMERS_AT: Record<ResumeKind, string> = {
  loop: 'at a safe point (a loop head or its entry)',
  start: 'at its generator start',
  call: 'waiting for a callee',
  yield: 'at a yield',
  await: 'at an await',
};

function describeKinds(k: number): string {
  const out: string[] = [];
  if (k & Kind.Value) out.push('a guest value');
  if (k & Kind.Hole) out.push('the TDZ marker');
  if (k & Kind.Iterator) out.push('an iterator record');
  if (k & Kind.ForIn) out.push('a for-in state');
  if (k & Kind.List) out.push('an engine list');
  if (k & Kind.PrivateName) out.push('a private name');
  if (k & Kind.SavedSp) out.push("a handler's saved sp");
  if (k & Kind.SavedEnv) out.push("a handler's saved environment");
  return out.join(' or ') || 'nothing';
}
