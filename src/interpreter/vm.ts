// The virtual machine: frames, environments and handlers are plain records; a guest→guest call pushes
// a frame and never recurses on the host stack. Guest values are real V8 objects of the guest realm.
import { Iterators, type DirectStep } from './iterators';
import { Finalization } from './weak';
import { types } from 'node:util';
import { Op } from './opcodes';
import { type Code, CodeFlag, type ScopeDesc, offsetAt, packedArray } from './code';
import { ExtOp, type TemplateSite, type PrivateNameDesc, type GlobalDecls, CompileError, compileLazy } from './compiler';
import { type Realm, makeStamp, type ErrorType, type RealmOps } from './realm';
import { THIS } from './scope';
import { rewriteModifiers, RegExpRewriteError } from './regexp-compat';

/** Code kinds the inline call path leaves to `invoke` (constructors, generators, async). */
// (an uncompiled Code takes the general path once: prepareCall compiles it)
const FAST_CALL_EXCLUDED = CodeFlag.ClassConstructor | CodeFlag.Generator | CodeFlag.Async | CodeFlag.Lazy;

/**
 * One small host function per property name (and per strictness for stores), so that V8 gives each
 * name its own inline cache instead of one megamorphic cache at the VM's single load site.
 * These run on guest *objects* only (primitives go through the guest realm's prototypes).
 */
class PropertyAccessors {
  private readonly loads = new Map<string, (o: any) => unknown>();
  private readonly strictStores = new Map<string, (o: any, v: unknown) => void>();
  private readonly sloppyStores = new Map<string, (o: any, v: unknown) => void>();
  /** Compiles inside the guest realm, so that getters, setters and traps run there. */
  constructor(private readonly compile: (src: string) => unknown) {}
  load(name: string): (o: any) => unknown {
    let f = this.loads.get(name);
    if (!f) {
      f = this.compile(`(function (o) { "use strict"; return o${member(name)}; })`) as (o: any) => unknown;
      this.loads.set(name, f);
    }
    return f;
  }
  /** A strict store throws V8's own TypeError on failure; a sloppy one fails silently, as sloppy code must. */
  store(name: string, strict: boolean): (o: any, v: unknown) => void {
    const map = strict ? this.strictStores : this.sloppyStores;
    let f = map.get(name);
    if (!f) {
      f = this.compile(`(function (o, v) { ${strict ? '"use strict"; ' : ''}o${member(name)} = v; })`) as (o: any, v: unknown) => void;
      map.set(name, f);
    }
    return f;
  }
}

function member(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

/** The argument list of a frame whose arguments went straight into registers (never written). */
const NO_ARGS = Object.freeze([] as unknown[]) as unknown[];
/**
 * NewArray's engine lists are copies of this (never written), not `[]` literals in the loop: a literal's
 * allocation site records the elements kind of what the guest puts in its lists, and each change it
 * records (a program's first list of objects after the warm-up's) threw away V8's optimized loop, or the
 * compile of it in progress — 150–300 ms before every program's loop ran optimized. Its elements are of
 * the generic kind from the start (it held an object once): ArrayPush into a list of small integers
 * compiled to a check that the value is one, and a program's first other value threw the loop away
 * ("not a Smi").
 */
const EMPTY_LIST: unknown[] = [null];
EMPTY_LIST.length = 0;

/** What `loop` returns when it stops to be entered again at `VM.current` (see the call instruction). */
const REENTER: unique symbol = Symbol('reenter') as never;
/**
 * A guest loop's back-edges between two entries of `loop` (the Jump instruction returns REENTER and `run`
 * enters it again at the same place). A guest loop without guest calls runs in one activation of `loop`,
 * and V8's optimized code of a function serves its next call: without these returns the running
 * activation waits for a second, on-stack-replacement compile of this large function (240–900 ms on a
 * loaded 2-core machine, after the first), and for another after each deoptimization. At 1024 V8 still
 * made that second compile in most short programs (bench/warmup-ab.js, 2026-11-27: loop compiles 2–3 → 1
 * in grain, loop, linked and strings at 128, process CPU −7 to −28 %; steady state unchanged, interp-ab 1.01).
 */
const REENTER_BACK_EDGES = 128;

/** A sloppy mapped arguments object's link to its function's parameters (V8 keeps them in a realm closure). */
export interface MappedParams {
  /** How many parameters the function has, and how many arguments it was given (indices below both are mapped). */
  n: number;
  argc: number;
  get: (i: number) => unknown;
  set: (i: number, v: unknown) => void;
}

/** The TypeError of a store into undefined or null: the key is named only when it is a primitive (ToPropertyKey of an object runs guest code, which PutValue's ToObject throws before). */
function cannotSet(o: undefined | null, key: unknown): string {
  return (typeof key === 'object' && key !== null) || typeof key === 'function' ? `Cannot set properties of ${o}` : `Cannot set properties of ${o} (setting '${String(key)}')`;
}

/** Call-site cache marks for callees that are not guest functions (Op.Call). */
const NATIVE = {};
/** The call-site cache mark of a native the fast path must not call as it is: RegExp (its pattern modifiers, VM.regExp). */
const SLOW_NATIVE = {};

/**
 * The `using` declarations' operations on a DisposeCapability kept in three registers of a frame
 * (r: a guest array of value, method, mode triples or undefined; r+1: the error so far; r+2: flags).
 */
export interface DisposalHooks {
  /** AddDisposableResource(list, value, hint): the list (made on the first resource). */
  add(list: object | undefined, value: unknown, async: boolean): object | undefined;
  /** DisposeResources until an Await: the value to await, or null when done (throws the error so far). */
  step(regs: unknown[], r: number): { value: unknown } | null;
  /** A throw completion of an awaited disposal joins the error so far. */
  join(regs: unknown[], r: number, error: unknown): void;
}

/** The value of a binding in its temporal dead zone. */
export const HOLE: unique symbol = Symbol('hole') as never;

export class Env {
  extra: Map<string, { value: unknown }> | null = null;
  constructor(
    public vars: unknown[],
    public readonly desc: ScopeDesc | null,
    public readonly parent: Env | null,
    /** A `with` statement's object environment. */
    public readonly object: object | null,
  ) {}
}

export interface ClassInfo {
  fields: { key: unknown; init: Function | undefined; isPrivate: boolean }[];
  privateMethods: PrivateName[];
  /** Static private methods and accessors: the constructor gets them at ClassFinish. */
  staticPrivateMethods: PrivateName[];
  staticElements: { kind: 'field' | 'block'; key: unknown; init: Function | undefined; isPrivate: boolean }[];
}

/** A guest function's record: its code and the environment it closes over. */
export interface Closure {
  code: Code;
  env: Env | null;
  home: object | undefined;
  fn: Function;
  classInfo: ClassInfo | null;
  /** Module of the function (for import.meta and dynamic import). */
  module: unknown;
}

export class PrivateName {
  kind: 'field' | 'method' | 'accessor' = 'field';
  value: Function | undefined = undefined;
  getter: Function | undefined = undefined;
  setter: Function | undefined = undefined;
  constructor(readonly description: string) {}
}

export type GeneratorStateName = 'suspendedStart' | 'suspendedYield' | 'executing' | 'completed';

export interface GeneratorState {
  frame: Frame | null;
  state: GeneratorStateName;
  async: boolean;
  /** Async generators: queued requests. */
  queue: { kind: number; value: unknown; capability: PromiseCapability }[];
}

export interface PromiseCapability {
  promise: object;
  resolve: (v: unknown) => void;
  reject: (v: unknown) => void;
}

export class Frame {
  pc = 0;
  sp: number;
  env: Env | null;
  fnEnv: Env | null = null;
  caller: Frame | null = null;
  /** Entered from host code: finishing it returns from `run`. */
  boundary = false;
  construct = false;
  gen: GeneratorState | null = null;
  asyncCap: PromiseCapability | null = null;
  /** An async frame has handed its promise to the caller (later completions go nowhere). */
  delivered = false;
  argsObj: object | undefined = undefined;
  /** Parameters shared with a mapped arguments object: they live in V8's closure behind these. */
  mappedParams: MappedParams | null = null;
  /** The module whose body (or a function of which) runs in this frame. */
  module: unknown = null;
  depth = 0;
  constructor(
    readonly code: Code,
    readonly closure: Closure | null,
    readonly stack: unknown[],
    env: Env | null,
    public thisValue: unknown,
    readonly newTarget: unknown,
    readonly args: unknown[],
  ) {
    this.env = env;
    this.sp = code.nregs;
  }
}

/**
 * An iterator record's `next` resolved once (GetIterator) to the engine's step for V8's iterators
 * (`Iterators.direct`), null for any other `next`; absent on a record made elsewhere or restored (resolved
 * at its first step). A symbol key: records are written out and checked by their string keys, so no
 * snapshot holds it (and a delta's refill of a record, which empties it whole, drops it).
 */
const DIRECT_STEP: unique symbol = Symbol('direct step');

interface IteratorRecord {
  iterator: any;
  next: any;
  done: boolean;
  [DIRECT_STEP]?: DirectStep | null;
  /**
   * Array mode: `iterator` is the array itself and this is the next index. Used when the array's
   * iteration is V8's own and untouched: it is what V8's array iterator would do, without the
   * iterator object (whose position V8 hides from a snapshot) or a result object per step.
   */
  index?: number;
}

interface ForInState {
  keys: string[];
  i: number;
  object: any;
}

/** Host services the VM needs from the engine (promises, modules, eval, console). */
export interface VMHost {
  newPromiseCapability(): PromiseCapability;
  promiseResolve(value: unknown): object;
  awaitValue(frame: Frame, value: unknown): void;
  directEval(vm: VM, frame: Frame, source: unknown, strict: boolean): unknown;
  importMeta(module: unknown): object;
  dynamicImport(module: unknown, specifier: unknown, options: unknown, scriptFile: string): object;
  asyncGeneratorYield?(frame: Frame, value: unknown): { value: unknown; kind: number } | null;
  /** How many jobs the engine's queue holds. */
  pendingJobs(): number;
  /** Host code called a guest function while no guest code ran, and the function queued jobs. */
  hostCallQueuedJobs(): void;
}

const enum Resume {
  Normal = 0,
  Throw = 1,
  Return = 2,
}

/** An imported binding: a slot of another module's environment, or a namespace object. */
export interface ImportCell {
  env: Env | null;
  slot: number;
  name: string;
  namespace?: object;
}

export class GuestThrow {
  constructor(readonly value: unknown) {}
}

/** Thrown by a safe-point hook to abandon the running program (after a snapshot with --stop); no guest handler sees it. */
export class SafepointStop {
  constructor(readonly reason: string) {}
}

/**
 * Objects whose state is a record stamped on them (vm.stampedKinds). A kind whose record holds host
 * state (an onnxruntime session, model bytes) says how to write it as a record of guest values
 * (`encode`, at capture) and how to make the live record from that again (`decode`, at restore).
 */
export interface StampedKind {
  stamp: { get(o: unknown): unknown; set(o: object, v: never): void };
  proto: object;
  encode?: (record: never) => object;
  decode?: (record: never) => object;
}

/**
 * Whether a function of `code` is made by a sloppy wrapper, which gives it V8's own `caller` and
 * `arguments` properties (non-configurable, null whenever no V8 activation of it is running).
 */
export function hasSloppyWrapper(code: Code): boolean {
  return (code.flags & CodeFlag.Constructor) !== 0 && !code.strict && !(code.flags & CodeFlag.ClassConstructor);
}

export class VM {
  readonly closures = makeStamp<Closure>();
  readonly generators = makeStamp<GeneratorState>();
  readonly privates = makeStamp<Map<PrivateName, unknown>>();
  /** What V8 hides of proxies and bound functions, recorded when the guest makes them. */
  readonly proxies = makeStamp<{ target: object; handler: object; revoked: boolean; revocable?: boolean }>();
  readonly boundFunctions = makeStamp<{ target: Function; boundThis: unknown; boundArgs: unknown[] }>();
  /** Weak collection entries recorded on their keys (weak.ts): collection → value. */
  readonly weakEntries = makeStamp<Map<object, unknown>>();
  /** The same for symbol keys (held weakly: V8 11 takes unregistered symbols as weak keys; TypeScript's lib does not know). */
  readonly weakSymbolEntries: { get(k: symbol): Map<object, unknown> | undefined; set(k: symbol, v: Map<object, unknown>): void } = new WeakMap() as never;
  /** FinalizationRegistry cleanups and registrations (weak.ts), for the snapshot room. */
  readonly finalization = new Finalization();
  /**
   * Objects whose whole state is a record stamped on them by an engine built-in (iterator helpers…),
   * by kind: the stamp and the prototype such objects are made with. The snapshot room reads and
   * rebuilds them through this table.
   */
  readonly stampedKinds = new Map<string, StampedKind>();
  /** Register a stamped kind: the one way engine built-ins and host services (HostServices.stampedKind) add one. */
  registerStampedKind(kind: string, entry: StampedKind): void {
    if (this.stampedKinds.has(kind)) throw new Error(`snapvm: stamped kind '${kind}' registered twice`);
    this.stampedKinds.set(kind, entry);
  }
  /** V8's iterators over arrays, Maps, Sets and strings, with their sources and positions (iterators.ts). */
  readonly iterators: Iterators;
  /** Built-in objects no property path reaches (prototypes of engine-made objects), named for snapshots. */
  readonly hiddenIntrinsics: [string, object][] = [];
  /** A revocable proxy's revoke function → the proxy's record (for the snapshot room). */
  readonly revokers = makeStamp<{ proxy: object; record: { target: object; handler: object; revoked: boolean } }>();
  readonly globalLex = new Map<string, { value: unknown; isConst: boolean }>();
  private readonly accessors: PropertyAccessors;
  depth = 0;
  current: Frame | null = null;
  /** Called at each loop back-edge with the running frame (null: no safe points, the usual case). */
  safepoint: ((frame: Frame) => void) | null = null;
  /** Back-edges left before the loop returns to be entered again (REENTER_BACK_EDGES). */
  private backEdgesLeft = 1; // (the first back-edge re-enters: the warm-up's engines run that code early)
  readonly factories = new Map<string, Function>();
  readonly enterFromHost: (rec: Closure, thisArg: unknown, args: ArrayLike<unknown>, newTarget: unknown) => unknown;
  host!: VMHost;
  /** AddDisposableResource and DisposeResources for `using` declarations (builtins/resource-management.ts). */
  disposal: DisposalHooks | null = null;
  readonly I: Realm['intrinsics'];
  readonly global: any;
  generatorPrototype!: object;
  evalFunction: unknown = undefined;
  /** Proxy.revocable (intrinsics.ts): a proxy and its engine-made revoke function. */
  makeRevocableProxy!: (target: unknown, handler: unknown) => { proxy: object; revoke: Function };
  generatorFunctionPrototype!: object;
  asyncFunctionPrototype!: object;
  asyncGeneratorFunctionPrototype!: object;
  asyncGeneratorPrototype!: object;
  /** The realm's Function.prototype.call / apply, recognised by the call instruction. */
  private readonly fnCall: unknown;
  private readonly fnApply: unknown;
  private readonly iterResultFactory: (value: unknown, done: boolean) => object;
  private readonly argumentsFactory: (...args: unknown[]) => object;
  private readonly strictArgumentsFactory: (...args: unknown[]) => object;
  readonly protoOf: Record<string, object>;
  /** The realm's Reflect and operations: whatever may run guest code runs in the guest realm. */
  private readonly R: typeof Reflect;
  private readonly ops: RealmOps;

  constructor(
    readonly realm: Realm,
    readonly frameLimit: number,
  ) {
    this.I = realm.intrinsics;
    this.global = realm.global;
    this.R = realm.R;
    // a host-made copy: the realm's own object has a map of the realm's context, a different one per
    // engine, and V8's optimized `loop` (shared by all engines) deoptimized on each new engine's first
    // `this.ops.…` at a site another engine had reached first (the warm-up's private one, warmup.ts)
    this.ops = Object.freeze(Object.fromEntries(Object.entries(realm.ops))) as RealmOps;
    this.accessors = new PropertyAccessors((src) => realm.realmEval(src));
    this.iterators = new Iterators(realm);
    // A sloppy wrapper receives V8's coerced `this`: the context's own global stands for ours.
    const contextGlobal = realm.realmEval('globalThis');
    this.enterFromHost = (rec, thisArg, args, newTarget) => this.callFromHost(rec, thisArg === contextGlobal ? this.global : thisArg, Array.prototype.slice.call(args), newTarget);
    // NOTE: guest exceptions cross host frames as the raw guest value; host errors are converted by toGuest.
    this.fnCall = realm.realmEval('Function.prototype.call');
    this.fnApply = realm.realmEval('Function.prototype.apply');
    this.iterResultFactory = realm.realmEval('(function (value, done) { return { value, done }; })');
    // (an arguments object's @@iterator is %Array.prototype.values%: the wrapped one, iterators.ts)
    const argumentsFactory = (directive: string) =>
      realm.realmEval<(values: Function) => (...args: unknown[]) => object>(`(function (values) { return function () { ${directive}arguments[Symbol.iterator] = values; return arguments; }; })`)(
        this.I.ArrayValues,
      );
    this.argumentsFactory = argumentsFactory('');
    this.strictArgumentsFactory = argumentsFactory('"use strict"; ');
    const g = realm.global as any;
    this.protoOf = {
      string: g.String.prototype,
      number: g.Number.prototype,
      boolean: g.Boolean.prototype,
      symbol: g.Symbol.prototype,
      bigint: g.BigInt.prototype,
    };
  }

  iterResult(value: unknown, done: boolean): object {
    return this.iterResultFactory(value, done);
  }

  // ---- errors ----
  /** A guest error of `type`; its stack is the guest stack. */
  error(type: ErrorType, message: string): Error {
    const e = this.realm.error(type, message);
    this.setGuestStack(e);
    return e;
  }
  throwError(type: ErrorType, message: string): never {
    throw this.error(type, message);
  }
  /** `Name: message` of an error-like object, as V8 heads a stack (no message: just the name). */
  describeError(e: object): string {
    // read in the realm: name and message may be guest getters
    const n = this.ops.get(e, 'name');
    const m = this.ops.get(e, 'message');
    const name = n === undefined ? 'Error' : this.ops.toStr(n);
    const message = m === undefined ? '' : this.ops.toStr(m);
    return message === '' ? name : `${name}: ${message}`;
  }
  setGuestStack(e: object): void {
    try {
      const head = this.describeError(e);
      Object.defineProperty(e, 'stack', { value: head + this.stackTrace(), writable: true, enumerable: false, configurable: true });
    } catch {
      /* frozen or exotic error object: keep what it has */
    }
  }
  /** `\n    at name (file:line:col)` for each guest frame, innermost first. */
  stackTrace(limit = 10, hideUntil?: unknown): string {
    let out = '';
    let n = 0;
    let start = this.current;
    if (hideUntil !== undefined) {
      // Error.captureStackTrace(o, fn): frames up to and including fn's are left out
      for (let f = start; f; f = f.caller) {
        if (f.closure?.fn === hideUntil) {
          start = f.caller;
          break;
        }
      }
    }
    for (let f = start; f && n < limit; f = f.caller, n++) {
      const off = offsetAt(f.code, f.pc - 1);
      const { line, column } = off >= 0 ? f.code.source.position(off) : { line: 0, column: 0 };
      const name = f.code.kind === 'script' || f.code.kind === 'module' ? '' : f.code.name || '<anonymous>';
      const loc = `${f.code.file}:${line}:${column}`;
      out += name ? `\n    at ${name} (${loc})` : `\n    at ${loc}`;
    }
    return out;
  }

  /** Errors raised by host operations (V8 created them in the host realm) become guest errors. */
  toGuest(e: unknown): unknown {
    if (isHost(e, GuestThrow)) return e.value;
    // a safe-point hook abandons the program: no guest handler sees it (nor the host object it is)
    if (isHost(e, SafepointStop)) throw e;
    if (isHost(e, Error)) {
      if (process.env.SNAPVM_DEBUG) process.stderr.write(`snapvm host error: ${e.stack}\n`);
      // A host-realm error: never hand it to guest code (its constructor leads to the host Function).
      const name = e.name as ErrorType;
      const type: ErrorType = ['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError'].includes(name) ? name : 'Error';
      const msg = (e as any).code === 'ERR_STACK_OVERFLOW' || /Maximum call stack/.test(e.message) ? 'Maximum call stack size exceeded' : e.message;
      return this.error(type, msg);
    }
    return e;
  }

  // ---- functions ----
  makeFunction(code: Code, env: Env | null, home: object | undefined, module: unknown): Function {
    const flags = code.flags;
    const constructible = (flags & CodeFlag.Constructor) !== 0;
    const sloppy = hasSloppyWrapper(code);
    const key = `${sloppy ? 's' : constructible ? 'c' : 'm'}${code.length}`;
    let factory = this.factories.get(key) as any;
    if (!factory) {
      const params = Array.from({ length: code.length }, (_, i) => `p${i}`).join(', ');
      const directive = sloppy ? '' : "'use strict'; ";
      factory = this.realm.realmEval(
        constructible
          ? `(function (enter, rec, name) { ${directive}return { [name]: function (${params}) { return enter(rec, this, arguments, new.target); } }[name]; })`
          : `(function (enter, rec, name) { 'use strict'; return { [name](${params}) { return enter(rec, this, arguments, undefined); } }[name]; })`,
      );
      this.factories.set(key, factory);
    }
    const rec: Closure = { code, env, home, fn: undefined as never, classInfo: null, module };
    const fn = factory(this.enterFromHost, rec, code.name) as Function;
    rec.fn = fn;
    this.closures.set(fn, rec);
    if (flags & (CodeFlag.Generator | CodeFlag.Async)) {
      Object.setPrototypeOf(fn, flags & CodeFlag.Generator ? (flags & CodeFlag.Async ? this.asyncGeneratorFunctionPrototype : this.generatorFunctionPrototype) : this.asyncFunctionPrototype);
    }
    if (flags & CodeFlag.Generator) {
      const proto = this.I.objectCreate(flags & CodeFlag.Async ? this.asyncGeneratorPrototype : this.generatorPrototype);
      Object.defineProperty(fn, 'prototype', { value: proto, writable: true, enumerable: false, configurable: false });
    }
    return fn;
  }

  closureOf(f: unknown): Closure | undefined {
    return this.closures.get(f);
  }

  // ---- entry points ----
  /** Run a top-level code (script, eval, module body) with the given environment and this, from pc `start` (a module's body after the functions its link made). */
  runCode(code: Code, env: Env | null, thisValue: unknown, module: unknown = null, caller: Frame | null = null, start = 0): unknown {
    const frame = new Frame(code, null, code.template.slice(), env, thisValue, undefined, []);
    frame.pc = start;
    frame.boundary = true;
    if (code.flags & CodeFlag.Async) frame.asyncCap = this.host.newPromiseCapability();
    frame.caller = caller ?? this.current;
    frame.module = module;
    return this.run(frame);
  }

  callFromHost(rec: Closure, thisArg: unknown, args: unknown[], newTarget: unknown): unknown {
    // No guest frame below: a host call (V8 calling a guest thenable's `then` for the host's `await`, an
    // embedder calling a function it was given), whose jobs only the engine's drain runs. (Only jobs it
    // queued: the engine's own calls at depth 0, at install or restore, must not drain a queue.)
    if (this.depth === 0) {
      const before = this.host.pendingJobs();
      try {
        return this.enterGuest(rec, thisArg, args, newTarget);
      } finally {
        if (this.host.pendingJobs() > before) this.host.hostCallQueuedJobs();
      }
    }
    return this.enterGuest(rec, thisArg, args, newTarget);
  }

  private enterGuest(rec: Closure, thisArg: unknown, args: unknown[], newTarget: unknown): unknown {
    const frame = this.prepareCall(rec, thisArg, args, newTarget, newTarget !== undefined);
    if (frame === null) return this.lastResult;
    frame.boundary = true;
    frame.caller = this.current;
    return this.run(frame);
  }

  private lastResult: unknown = undefined;

  /**
   * Build the frame for a call to a guest closure. Returns null when the call completed without a
   * frame (class constructor errors are thrown).
   */
  prepareCall(rec: Closure, thisArg: unknown, args: unknown[], newTarget: unknown, construct: boolean): Frame | null {
    const code = rec.code;
    if (code.flags & CodeFlag.Lazy) {
      try {
        compileLazy(code);
      } catch (e) {
        // the whole script was parsed and analysed at load: only an engine limit lands here
        if (e instanceof CompileError) this.throwError('SyntaxError', e.message);
        throw e;
      }
    }
    const flags = code.flags;
    if (construct) {
      if (!(flags & CodeFlag.Constructor)) this.throwError('TypeError', `${code.name || 'anonymous'} is not a constructor`);
      if (flags & CodeFlag.Derived) thisArg = HOLE;
      else {
        if (thisArg === undefined || typeof thisArg !== 'object' || thisArg === null || (this.closures.get(newTarget) === undefined && false)) {
          thisArg = this.ordinaryCreateFromConstructor(newTarget);
        }
      }
    } else if (flags & CodeFlag.ClassConstructor) {
      this.throwError('TypeError', `Class constructor ${code.name} cannot be invoked without 'new'`);
    } else if (flags & CodeFlag.SloppyThis && !(flags & CodeFlag.Arrow)) {
      if (thisArg === undefined || thisArg === null) thisArg = this.global;
      else if (typeof thisArg !== 'object' && typeof thisArg !== 'function') thisArg = this.I.Object(thisArg);
    }
    if (this.depth >= this.frameLimit) this.throwError('RangeError', 'Maximum call stack size exceeded');
    const stack = code.template.slice();
    const regs = code.paramRegs;
    if (regs !== null) for (let i = 0; i < regs.length && i < args.length; i++) stack[regs[i]!] = args[i];
    if (code.thisReg >= 0) stack[code.thisReg] = thisArg;
    const frame = new Frame(code, rec, stack, rec.env, thisArg, newTarget, args);
    frame.construct = construct;
    frame.module = rec.module;
    if (flags & CodeFlag.Async && !(flags & CodeFlag.Generator)) frame.asyncCap = this.host.newPromiseCapability();
    if (construct && flags & CodeFlag.ClassConstructor && !(flags & CodeFlag.Derived)) {
      this.initializeInstanceElements(thisArg as object, rec);
    }
    return frame;
  }

  ordinaryCreateFromConstructor(newTarget: unknown, fallback: object = this.I.ObjectPrototype): object {
    let proto = this.ops.get(newTarget, 'prototype') as any;
    if (proto === null || (typeof proto !== 'object' && typeof proto !== 'function')) proto = fallback;
    return this.I.objectCreate(proto);
  }

  initializeInstanceElements(obj: object, rec: Closure): void {
    const info = rec.classInfo;
    if (!info) return;
    for (const pn of info.privateMethods) this.privateAdd(obj, pn, pn.value);
    for (const f of info.fields) {
      const value = f.init ? this.R.apply(f.init, obj, [f.key]) : undefined;
      if (f.isPrivate) this.privateAdd(obj, f.key as PrivateName, value);
      else this.createDataPropertyOrThrow(obj, f.key as PropertyKey, value);
    }
  }

  createDataPropertyOrThrow(obj: object, key: PropertyKey, value: unknown): void {
    if (!this.R.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true })) {
      this.throwError('TypeError', `Cannot define property ${String(key)}`);
    }
  }

  privateAdd(obj: object, pn: PrivateName, value: unknown): void {
    let m = this.privates.get(obj);
    if (!m) {
      m = new Map();
      this.privates.set(obj, m);
    }
    if (m.has(pn)) this.throwError('TypeError', `Cannot initialize ${pn.description} twice on the same object`);
    m.set(pn, value);
  }

  privateGet(obj: unknown, pn: PrivateName): unknown {
    const m = this.privates.get(obj);
    if (!m || !m.has(pn)) this.throwError('TypeError', `Cannot read private member ${pn.description} from an object whose class did not declare it`);
    if (pn.kind === 'accessor') {
      if (!pn.getter) this.throwError('TypeError', `'${pn.description}' was defined without a getter`);
      return this.R.apply(pn.getter, obj, []);
    }
    return m.get(pn);
  }

  privateSet(obj: unknown, pn: PrivateName, value: unknown): void {
    const m = this.privates.get(obj);
    if (!m || !m.has(pn)) this.throwError('TypeError', `Cannot write private member ${pn.description} to an object whose class did not declare it`);
    if (pn.kind === 'accessor') {
      if (!pn.setter) this.throwError('TypeError', `'${pn.description}' was defined without a setter`);
      this.R.apply(pn.setter, obj, [value]);
      return;
    }
    if (pn.kind === 'method') this.throwError('TypeError', `Private method '${pn.description}' is not writable`);
    m.set(pn, value);
  }

  // ---- property access on any value ----
  getV(o: any, key: any): unknown {
    if (o !== null && (typeof o === 'object' || typeof o === 'function')) return this.ops.get(o, key);
    return this.getPrimitive(o, key);
  }
  /**
   * `o[key]` of the element instructions (GetElem…) off their array fast path: V8's lookup in the realm
   * for an object, else the primitive's. (The fast path stays written in each of the three cases in
   * `loop`: moved in here, it was not shown neutral on the shared machine. In `bench/interp-ab.js`
   * bench/programs/loop.js, which has no element access at all, ran 1.29×, 1.19×, 1.02× and 0.98× the
   * time, bubble.js 0.78–1.10×; the three cases made one, loop.js 1.25×; a copy of the same build, loop.js
   * 0.95× (2026-11-27, load 4–15). V8 compiles `loop` as a whole, so any case can move every other's code.)
   */
  getElem(o: any, key: any): unknown {
    if (o !== null && (typeof o === 'object' || typeof o === 'function')) return this.ops.get(o, key);
    if (o === undefined || o === null) this.getPrimitive(o, key);
    return this.getPrimitive(o, this.toPropertyKey(key));
  }
  getPrimitive(o: any, key: any): unknown {
    if (o === undefined || o === null) {
      // no ToString of an object key: the base's TypeError comes first (GetValue step 3.a)
      const k = typeof key === 'symbol' ? key.toString() : key !== null && (typeof key === 'object' || typeof key === 'function') ? 'object' : String(key);
      this.throwError('TypeError', `Cannot read properties of ${o} (reading '${k}')`);
    }
    if (typeof o === 'string') {
      // The String exotic object's own properties: length and the index properties.
      if (key === 'length') return o.length;
      const idx = typeof key === 'number' ? key : typeof key === 'string' && String(+key) === key ? +key : -1;
      if (idx >= 0 && idx < o.length && (idx | 0) === idx && !Object.is(idx, -0)) return o[idx];
    }
    const proto = this.protoOf[typeof o]!;
    return this.R.get(proto, key, o);
  }
  setV(o: any, key: any, v: unknown, strict: boolean): void {
    if (o !== null && (typeof o === 'object' || typeof o === 'function')) {
      // strict: V8's own TypeError on failure; sloppy: fails silently
      if (strict) this.ops.set(o, key, v);
      else this.ops.setSloppy(o, key, v);
      return;
    }
    if (o === undefined || o === null) this.throwError('TypeError', cannotSet(o, key));
    const ok = this.R.set(this.protoOf[typeof o]!, key, v, o);
    if (!ok && strict) this.throwError('TypeError', `Cannot create property '${String(key)}' on ${typeof o} '${String(o)}'`);
  }
  toObject(o: any): object {
    if (o === undefined || o === null) this.throwError('TypeError', `Cannot convert undefined or null to object`);
    return typeof o === 'object' || typeof o === 'function' ? o : this.I.Object(o);
  }
  toPropertyKey(k: unknown): PropertyKey {
    if (typeof k === 'string' || typeof k === 'symbol') return k;
    if (typeof k === 'number') return String(k);
    if (k !== null && (typeof k === 'object' || typeof k === 'function')) return this.ops.toKey(k);
    return String(k);
  }
  isConstructor(f: unknown): boolean {
    if (typeof f !== 'function') return false;
    const rec = this.closures.get(f);
    if (rec) return (rec.code.flags & CodeFlag.Constructor) !== 0;
    // a proxy or bound function has [[Construct]] when its target does (asked without running a trap)
    const proxy = this.proxies.get(f);
    if (proxy !== undefined) return this.isConstructor(proxy.target);
    const bound = this.boundFunctions.get(f);
    if (bound !== undefined) return this.isConstructor(bound.target);
    try {
      this.R.construct(String, [], f);
      return true;
    } catch {
      return false;
    }
  }

  // ---- iteration ----
  getIterator(obj: any, async: boolean, arrayMode = true): IteratorRecord {
    if (async) {
      const m = this.getV(obj, Symbol.asyncIterator);
      if (m === undefined || m === null) {
        const sync = this.getIterator(obj, false, false);
        return this.createAsyncFromSyncIterator(sync);
      }
      if (typeof m !== 'function') this.throwError('TypeError', 'object is not async iterable');
      const it = this.R.apply(m, obj, []);
      if (it === null || (typeof it !== 'object' && typeof it !== 'function')) this.throwError('TypeError', 'Result of the Symbol.asyncIterator method is not an object');
      return { iterator: it, next: this.ops.get(it, 'next'), done: false };
    }
    const m = this.getV(obj, Symbol.iterator);
    if (typeof m !== 'function') this.throwError('TypeError', `${describe(obj)} is not iterable`);
    if (m === this.I.ArrayValues && arrayMode && Array.isArray(obj) && this.proxies.get(obj) === undefined && this.arrayIterationPlain()) {
      return { iterator: obj, next: undefined, done: false, index: 0 };
    }
    const it = this.R.apply(m, obj, []);
    if (it === null || (typeof it !== 'object' && typeof it !== 'function')) this.throwError('TypeError', 'Result of the Symbol.iterator method is not an object');
    const next = this.ops.get(it, 'next');
    return { iterator: it, next, done: false, [DIRECT_STEP]: this.iterators.direct.get(next) ?? null };
  }
  createAsyncFromSyncIterator(sync: IteratorRecord): IteratorRecord {
    return (this.host as any).createAsyncFromSyncIterator(sync);
  }
  /** V8's array iteration is as built: `next` untouched, no `return` anywhere on the iterator's prototype chain. */
  private arrayIterationPlain(): boolean {
    const aip = this.I.ArrayIteratorPrototype;
    const d = Reflect.getOwnPropertyDescriptor(aip, 'next');
    if (!d || d.value !== this.I.ArrayIteratorNext) return false;
    for (let o: object | null = aip; o !== null; o = Reflect.getPrototypeOf(o)) {
      if (this.proxies.get(o) !== undefined || Reflect.getOwnPropertyDescriptor(o, 'return') !== undefined) return false;
    }
    return true;
  }

  /** An array-mode record as V8's iterator object, for the protocol steps array mode does not cover. */
  private materialize(rec: IteratorRecord): void {
    if (rec.index === undefined) return;
    const it = this.R.apply(this.I.ArrayValues, rec.iterator, []) as any;
    for (let i = 0; i < rec.index; i++) this.R.apply(this.I.ArrayIteratorNext, it, []);
    rec.iterator = it;
    rec.next = this.I.ArrayIteratorNext;
    rec[DIRECT_STEP] = this.iterators.direct.get(rec.next) ?? null;
    rec.index = undefined;
  }

  iteratorStep(rec: IteratorRecord): { done: boolean; value: unknown } {
    if (rec.index !== undefined) {
      const a = rec.iterator as unknown[];
      const i = rec.index;
      if (i >= (this.ops.get(a, 'length') as number)) {
        rec.done = true;
        return { done: true, value: undefined };
      }
      rec.index = i + 1;
      return { done: false, value: this.ops.get(a, i) };
    }
    // (V8's iterators: the engine's `next` wrapper's step, taken without the call through it)
    let direct = rec[DIRECT_STEP];
    if (direct === undefined) direct = rec[DIRECT_STEP] = this.iterators.direct.get(rec.next) ?? null;
    if (direct !== null) {
      const r = direct(rec.iterator);
      if (!r.done) return r;
      rec.done = true;
      return { done: true, value: undefined };
    }
    if (typeof rec.next !== 'function') this.throwError('TypeError', `${describe(rec.next)} is not a function`);
    const r = this.R.apply(rec.next, rec.iterator, []);
    if (r === null || (typeof r !== 'object' && typeof r !== 'function')) this.throwError('TypeError', `Iterator result ${describe(r)} is not an object`);
    if (this.ops.get(r, 'done')) {
      rec.done = true;
      return { done: true, value: undefined };
    }
    return { done: false, value: this.ops.get(r, 'value') };
  }
  iteratorClose(rec: IteratorRecord): void {
    if (rec.index !== undefined) {
      if (this.arrayIterationPlain()) return; // V8's array iterator has no `return`
      this.materialize(rec);
    }
    const ret = this.getV(rec.iterator, 'return');
    if (ret === undefined || ret === null) return;
    if (typeof ret !== 'function') this.throwError('TypeError', 'iterator.return is not a function');
    const r = this.R.apply(ret, rec.iterator, []);
    if (r === null || (typeof r !== 'object' && typeof r !== 'function')) this.throwError('TypeError', 'iterator.return() did not return an object');
  }
  iteratorCloseOnThrow(rec: IteratorRecord): void {
    try {
      if (rec.index !== undefined) {
        if (this.arrayIterationPlain()) return;
        this.materialize(rec);
      }
      const ret = this.getV(rec.iterator, 'return');
      if (ret !== undefined && ret !== null) this.R.apply(ret as Function, rec.iterator, []);
    } catch {
      /* the original throw wins */
    }
  }
  iterableToList(v: unknown): unknown[] {
    if (Array.isArray(v) && this.ops.get(v, Symbol.iterator) === this.I.ArrayValues && this.arrayIteratorIntact()) return this.R.apply(this.ops.slice, v, []) as unknown[];
    const rec = this.getIterator(v, false);
    const out: unknown[] = [];
    for (;;) {
      const s = this.iteratorStep(rec);
      if (s.done) return out;
      out.push(s.value);
    }
  }
  private arrayIteratorIntact(): boolean {
    return this.ops.get(this.I.ArrayIteratorPrototype, 'next') === this.I.ArrayIteratorNext;
  }

  /** [[OwnPropertyKeys]] for for-in and CopyDataProperties: V8's, unless builtins/arguments-keys.ts puts the spec's steps in front (a proxy over a mapped arguments object). */
  ownPropertyKeys = (o: object): PropertyKey[] => this.R.ownKeys(o);

  forInKeys(o: any): ForInState {
    const keys: string[] = [];
    if (o !== null && o !== undefined) {
      const obj = this.toObject(o);
      const seen = new Set<string>();
      for (let cur: any = obj; cur !== null; cur = this.R.getPrototypeOf(cur)) {
        for (const k of this.ownPropertyKeys(cur)) {
          if (typeof k !== 'string') continue;
          if (seen.has(k)) continue;
          seen.add(k);
          const d = this.R.getOwnPropertyDescriptor(cur, k);
          if (d && d.enumerable) keys.push(k);
        }
      }
      return { keys, i: 0, object: obj };
    }
    return { keys, i: 0, object: null };
  }

  // ---- global and dynamic names ----
  /** GlobalDeclarationInstantiation (script) or EvalDeclarationInstantiation at global level (eval: deletable vars). */
  declareGlobals(d: GlobalDecls, isEval = false): void {
    const g = this.global;
    for (const { name } of d.lexical) {
      if (this.globalLex.has(name)) this.throwError('SyntaxError', `Identifier '${name}' has already been declared`);
      const desc = this.R.getOwnPropertyDescriptor(g, name);
      if (desc && !desc.configurable) this.throwError('SyntaxError', `Identifier '${name}' has already been declared`);
    }
    for (const name of [...d.vars, ...d.functions]) {
      if (this.globalLex.has(name)) this.throwError('SyntaxError', `Identifier '${name}' has already been declared`);
    }
    for (const name of d.functions) {
      const desc = this.R.getOwnPropertyDescriptor(g, name);
      if (desc && !desc.configurable && !(desc.writable && desc.enumerable) && !('value' in desc && desc.writable && desc.enumerable))
        this.throwError('TypeError', `Cannot redefine global function ${name}`);
      if (!desc && !this.R.isExtensible(g)) this.throwError('TypeError', `Cannot define global function ${name}`);
    }
    for (const name of d.vars) {
      if (!this.R.getOwnPropertyDescriptor(g, name) && !this.R.isExtensible(g)) this.throwError('TypeError', `Cannot define global variable ${name}`);
    }
    for (const { name, isConst } of d.lexical) this.globalLex.set(name, { value: HOLE, isConst });
    for (const name of d.vars) {
      if (!Object.hasOwn(g, name)) Object.defineProperty(g, name, { value: undefined, writable: true, enumerable: true, configurable: isEval });
    }
  }

  /** Initialize a name: global lexical binding, global function, or a by-name binding. */
  initName(env: Env | null, name: string, value: unknown, frame: Frame): void {
    for (let e = env; e; e = e.parent) {
      if (e.object) continue;
      if (e.desc) {
        const i = e.desc.index.get(name);
        if (i !== undefined) {
          e.vars[i] = value;
          return;
        }
      }
      if (e.extra?.has(name)) {
        e.extra.get(name)!.value = value;
        return;
      }
    }
    const lex = this.globalLex.get(name);
    if (lex) {
      lex.value = value;
      return;
    }
    const g = this.global;
    const desc = this.R.getOwnPropertyDescriptor(g, name);
    if (frame.code.kind === 'eval' && !desc) {
      Object.defineProperty(g, name, { value, writable: true, enumerable: true, configurable: true });
    } else if (typeof value === 'function' && (!desc || desc.configurable)) {
      Object.defineProperty(g, name, { value, writable: true, enumerable: true, configurable: frame.code.kind === 'eval' });
    } else this.ops.set(g, name, value);
  }

  getGlobal(name: string): unknown {
    const lex = this.globalLex.get(name);
    if (lex) {
      if (lex.value === HOLE) this.throwError('ReferenceError', `Cannot access '${name}' before initialization`);
      return lex.value;
    }
    const g = this.global;
    if (this.ops.has(name, g)) return this.ops.get(g, name);
    return this.throwError('ReferenceError', `${name} is not defined`);
  }
  setGlobal(name: string, v: unknown, strict: boolean): void {
    const lex = this.globalLex.get(name);
    if (lex) {
      if (lex.value === HOLE) this.throwError('ReferenceError', `Cannot access '${name}' before initialization`);
      if (lex.isConst) this.throwError('TypeError', 'Assignment to constant variable.');
      lex.value = v;
      return;
    }
    const g = this.global;
    if (strict && !this.ops.has(name, g)) this.throwError('ReferenceError', `${name} is not defined`);
    this.setV(g, name, v, strict);
  }

  /** Find a binding by name through the environment chain. */
  lookup(env: Env | null, name: string): { env: Env; slot: number } | { object: any } | { cell: { value: unknown } } | null {
    for (let e = env; e; e = e.parent) {
      if (e.object) {
        const o: any = e.object;
        if (this.ops.has(name, o)) {
          const uns = this.ops.get(o, Symbol.unscopables);
          if (uns !== null && (typeof uns === 'object' || typeof uns === 'function') && this.ops.get(uns, name)) continue;
          return { object: o };
        }
        continue;
      }
      if (e.desc) {
        const i = e.desc.index.get(name);
        if (i !== undefined) return { env: e, slot: i };
      }
      if (e.extra) {
        const c = e.extra.get(name);
        if (c) return { cell: c };
      }
    }
    return null;
  }

  getName(env: Env | null, name: string, frame: Frame): unknown {
    return this.readName(this.lookup(env, name), name, frame);
  }

  /** GetValue of a name resolved to `r` (lookup's answer). */
  private readName(r: ReturnType<VM['lookup']>, name: string, frame: Frame): unknown {
    if (r === null) {
      if (name === THIS) return frame.thisValue;
      if (name.startsWith('%')) return undefined;
      return this.getGlobal(name);
    }
    if ('object' in r) {
      // an object environment's GetBindingValue: HasProperty again, then Get (a proxy sees both);
      // a binding gone meanwhile is undefined, or a ReferenceError for strict code
      if (this.ops.has(name, r.object)) return this.ops.get(r.object, name);
      if (frame.code.strict) this.throwError('ReferenceError', `${name} is not defined`);
      return undefined;
    }
    if ('cell' in r) return r.cell.value;
    const v = r.env.vars[r.slot];
    if (v === HOLE)
      this.throwError(
        'ReferenceError',
        name === THIS ? "Must call super constructor in derived class before accessing 'this' or returning from derived constructor" : `Cannot access '${name}' before initialization`,
      );
    return v;
  }

  setName(env: Env | null, name: string, v: unknown, strict: boolean): void {
    this.writeName(this.lookup(env, name), name, v, strict);
  }

  /**
   * A reference resolved once, for a compound assignment or update of a name under `with` or a sloppy
   * direct eval (ecma262 ResolveBinding, then GetValue and PutValue on the same binding): the
   * with-object, the number of environments up to the declarative one, or undefined (the global one).
   * A guest value (it lives in a frame register, which a snapshot writes as it is).
   */
  resolveRef(env: Env | null, name: string): unknown {
    const r = this.lookup(env, name);
    // null: unresolvable (https://tc39.es/ecma262/#sec-putvalue: a strict PutValue throws even when the
    // right-hand side has made the name since)
    if (r === null) return this.globalRef(name);
    if ('object' in r) return r.object;
    let d = 0;
    for (let e = env; e; e = e.parent, d++) if ('env' in r ? e === r.env : e.extra?.get(name) === r.cell) return d;
    return undefined;
  }

  /** `resolveRef` of a name no environment holds: the global one (undefined), or null when unresolvable. */
  globalRef(name: string): undefined | null {
    return this.globalLex.get(name) !== undefined || this.ops.has(name, this.global) ? undefined : null;
  }

  /** Whether the global binding `name` (found) stays resolvable: a lexical, or a non-configurable property. */
  private permanentGlobal(name: string): boolean {
    if (this.globalLex.get(name) !== undefined) return true;
    // (a proxy would see the look: not cached)
    if (this.proxies.get(this.global) !== undefined) return false;
    const d = this.R.getOwnPropertyDescriptor(this.global, name);
    return d !== undefined && !d.configurable;
  }

  /** The binding a `resolveRef` answer names, seen from the same environment (null: the global one). */
  private refBinding(env: Env | null, ref: unknown, name: string): ReturnType<VM['lookup']> {
    if (ref === undefined || ref === null) return null;
    if (typeof ref !== 'number') return { object: ref };
    let e = env;
    for (let i = 0; i < ref && e; i++) e = e.parent;
    if (!e) return null;
    const slot = e.desc?.index.get(name);
    if (slot !== undefined) return { env: e, slot };
    const cell = e.extra?.get(name);
    return cell ? { cell } : null; // (an eval-made binding deleted since: the global one)
  }

  /** PutValue to a name resolved to `r` (lookup's answer). */
  private writeName(r: ReturnType<VM['lookup']>, name: string, v: unknown, strict: boolean): void {
    if (r === null) return this.setGlobal(name, v, strict);
    if ('object' in r) {
      // an object environment's SetMutableBinding: HasProperty (observable through a proxy), then Set
      if (!this.ops.has(name, r.object) && strict) this.throwError('ReferenceError', `${name} is not defined`);
      this.setV(r.object, name, v, strict);
      return;
    }
    if ('cell' in r) {
      r.cell.value = v;
      return;
    }
    const kinds = r.env.desc!.kinds;
    const kind = kinds[r.slot];
    if (r.env.vars[r.slot] === HOLE) this.throwError('ReferenceError', `Cannot access '${name}' before initialization`);
    if (kind === 3) this.throwError('TypeError', 'Assignment to constant variable.');
    if (kind === 4) {
      if (strict) this.throwError('TypeError', 'Assignment to constant variable.');
      return;
    }
    r.env.vars[r.slot] = v;
  }

  // ---- the interpreter loop ----
  /** Run `entry` (a boundary frame) until it completes; returns its completion value. */
  run(entry: Frame): unknown {
    const saved = this.current;
    entry.depth = this.depth;
    let frame = entry;
    this.current = frame;
    this.depth++;
    try {
      for (;;) {
        try {
          let result = this.loop(frame);
          while (result === REENTER) {
            const f = this.current!;
            // a guest function's entry (a call made by the loop): a safe point too
            if (f.pc === 0 && this.safepoint !== null) this.safepoint(f);
            result = this.loop(f);
          }
          return result;
        } catch (err) {
          // (out of line: `run` is hot, one return to it per call, and TurboFan compiles it smaller so)
          const handler = this.unwind(err);
          if (handler === null) return this.lastResult;
          frame = handler;
        }
      }
    } finally {
      this.current = saved;
      this.depth = entry.depth;
    }
  }

  /**
   * Unwind a throw from the running frame to the nearest handler: returns the frame to go on with (at its
   * handler), or null when a boundary frame's async function turned the throw into a rejected promise
   * (its `run` returns `lastResult`); a throw no frame up to the boundary handles is thrown on.
   */
  private unwind(err: unknown): Frame | null {
    if (isHost(err, SafepointStop)) throw err;
    const thrown = this.toGuest(err);
    // errors V8's built-ins throw carry no stack (the realm captures none): give them the guest's
    if (isHost(thrown, this.I.Error)) {
      const d = Object.getOwnPropertyDescriptor(thrown, 'stack');
      if (!d || ('value' in d && d.value === undefined)) this.setGuestStack(thrown);
    }
    // unwind to a handler
    let f: Frame | null = this.current;
    let handled = false;
    while (f) {
      const h = f.code.handlers;
      const pc = f.pc - 1;
      for (let i = 0; i < h.length; i += 4) {
        if (pc >= h[i]! && pc < h[i + 1]!) {
          const r = h[i + 3]!;
          f.sp = f.stack[r] as number;
          f.env = f.stack[r + 1] as Env;
          f.stack[f.sp++] = thrown;
          f.pc = h[i + 2]!;
          handled = true;
          break;
        }
      }
      if (handled) break;
      // no handler in f: the frame ends abruptly
      const wasBoundary = f.boundary;
      const done = this.abruptEnd(f, thrown);
      if (done === 'delivered') {
        // an async frame turned the throw into a rejected promise
        if (wasBoundary) return null;
        f = this.current;
        handled = true;
        break;
      }
      if (f.boundary) {
        this.current = f.caller;
        throw thrown;
      }
      f = f.caller;
      this.current = f;
      this.depth--;
    }
    if (!handled) throw thrown;
    this.current = f;
    return f;
  }

  /** A frame ends with a throw. Async frames reject their promise instead. */
  private abruptEnd(f: Frame, thrown: unknown): 'delivered' | 'propagate' {
    if (f.gen) {
      f.gen.state = 'completed';
      f.gen.frame = null;
      if (f.gen.async) {
        (this.host as any).asyncGeneratorComplete(f.gen, thrown, true);
        this.deliverSuspend(f, undefined);
        return 'delivered';
      }
      return 'propagate';
    }
    if (f.asyncCap) {
      f.asyncCap.reject(thrown);
      this.deliverSuspend(f, f.delivered ? undefined : f.asyncCap.promise);
      return 'delivered';
    }
    return 'propagate';
  }

  /** A frame leaves the VM stack (suspends or completes): hand `value` to its resumer. */
  private deliverSuspend(f: Frame, value: unknown): void {
    if (f.asyncCap) f.delivered = true;
    this.depth--;
    if (f.boundary) {
      this.lastResult = value;
      this.current = f.caller;
      f.boundary = false;
      return;
    }
    const caller = f.caller!;
    caller.stack[caller.sp++] = value;
    this.current = caller;
  }

  /**
   * Go on with a chain of frames restored from a safe-point snapshot: `top` is the innermost, the
   * chain ends at a boundary frame (the turn's entry from the host). Returns the entry's result.
   */
  continueRunning(top: Frame): unknown {
    let n = 0;
    for (let f: Frame | null = top; f; f = f.caller) n++;
    this.current = null;
    this.depth = n - 1;
    try {
      return this.run(top);
    } finally {
      this.depth = 0;
    }
  }

  /** Resume a suspended frame (generator or await) from host code. */
  resume(f: Frame, value: unknown, mode: number): unknown {
    f.boundary = true;
    f.caller = this.current;
    f.stack[f.sp++] = value;
    f.stack[f.sp++] = mode;
    if (f.caller === null && this.depth === 0) f.depth = 0;
    return this.run(f);
  }

  private loop(frame: Frame): unknown {
    // Entering a frame (at the start, after a call, after a return) loads its registers here; every
    // instruction that switches frames saves the old frame's pc and sp first and continues `enter`.
    enter: for (;;) {
      const code = frame.code;
      const ops = code.ops;
      const consts = code.consts;
      const stack = frame.stack;
      let sp = frame.sp;
      let pc = frame.pc;
      let env = frame.env;
      const strict = code.strict;
      const accessors = code.accessors;
      for (;;) {
        const op = ops[pc++]!;
        frame.pc = pc;
        switch (op) {
          case Op.Undef:
            stack[sp++] = undefined;
            break;
          case Op.Null:
            stack[sp++] = null;
            break;
          case Op.True:
            stack[sp++] = true;
            break;
          case Op.False:
            stack[sp++] = false;
            break;
          case Op.Hole:
            stack[sp++] = HOLE;
            break;
          case Op.Const:
            stack[sp++] = consts[ops[pc++]!];
            break;
          case Op.Int:
            stack[sp++] = ops[pc++];
            break;
          case Op.Pop:
            sp--;
            break;
          case Op.Dup:
            stack[sp] = stack[sp - 1];
            sp++;
            break;
          case Op.Swap: {
            const t = stack[sp - 1];
            stack[sp - 1] = stack[sp - 2];
            stack[sp - 2] = t;
            break;
          }
          case Op.GetReg:
            stack[sp++] = stack[ops[pc++]!];
            break;
          case Op.SetReg:
            stack[ops[pc++]!] = stack[--sp];
            break;
          case Op.GetRegChecked: {
            const v = stack[ops[pc++]!];
            const k = ops[pc++]!;
            if (v === HOLE) {
              frame.sp = sp;
              this.tdz(consts[k] as string);
            }
            stack[sp++] = v;
            break;
          }
          case Op.SetRegChecked: {
            const r = ops[pc++]!;
            const k = ops[pc++]!;
            if (stack[r] === HOLE) {
              frame.sp = sp;
              this.tdz(consts[k] as string);
            }
            stack[r] = stack[--sp];
            break;
          }
          case Op.GetEnv: {
            let e = env!;
            for (let d = ops[pc++]!; d > 0; d--) e = e.parent!;
            stack[sp++] = e.vars[ops[pc++]!];
            break;
          }
          case Op.SetEnv: {
            let e = env!;
            for (let d = ops[pc++]!; d > 0; d--) e = e.parent!;
            e.vars[ops[pc++]!] = stack[--sp];
            break;
          }
          case Op.InitEnv: {
            let e = env!;
            for (let d = ops[pc++]!; d > 0; d--) e = e.parent!;
            e.vars[ops[pc++]!] = stack[--sp];
            break;
          }
          case Op.GetEnvChecked: {
            let e = env!;
            for (let d = ops[pc++]!; d > 0; d--) e = e.parent!;
            const v = e.vars[ops[pc++]!];
            const k = ops[pc++]!;
            if (v === HOLE) {
              frame.sp = sp;
              this.tdz(consts[k] as string);
            }
            stack[sp++] = v;
            break;
          }
          case Op.SetEnvChecked: {
            let e = env!;
            for (let d = ops[pc++]!; d > 0; d--) e = e.parent!;
            const slot = ops[pc++]!;
            const k = ops[pc++]!;
            if (e.vars[slot] === HOLE) {
              frame.sp = sp;
              this.tdz(consts[k] as string);
            }
            e.vars[slot] = stack[--sp];
            break;
          }
          case Op.PushEnv: {
            const desc = consts[ops[pc++]!] as ScopeDesc;
            const vars = new Array(desc.names.length);
            const kinds = desc.kinds;
            for (let i = 0; i < vars.length; i++) vars[i] = kinds[i] === 1 || kinds[i] === 3 ? HOLE : undefined;
            env = new Env(vars, desc, env, null);
            frame.env = env;
            if (frame.fnEnv === null && desc.kind === 'function') frame.fnEnv = env;
            break;
          }
          case Op.PopEnv:
            env = env!.parent;
            frame.env = env;
            break;
          case ExtOp.TrySave: {
            const r = ops[pc++]!;
            stack[r] = sp;
            stack[r + 1] = env;
            break;
          }
          case Op.GetGlobal: {
            const k = ops[pc++]!;
            const name = consts[k] as string;
            frame.sp = sp;
            if (this.globalLex.size === 0 || this.globalLex.get(name) === undefined) {
              // one load through the name's own accessor; only `undefined` needs the `in` check
              const g = this.global;
              const v = ((accessors[k] ??= this.accessors.load(name)) as (o: any) => unknown)(g);
              if (v !== undefined || this.ops.has(name, g)) {
                stack[sp++] = v;
                break;
              }
            }
            stack[sp++] = this.getGlobal(name);
            break;
          }
          case Op.SetGlobal: {
            const name = consts[ops[pc++]!] as string;
            const s = ops[pc++]! === 1;
            frame.sp = sp;
            this.setGlobal(name, stack[--sp], s);
            break;
          }
          case Op.GetProp: {
            const o = stack[sp - 1] as any;
            const k = ops[pc++]!;
            if (o !== null && (typeof o === 'object' || typeof o === 'function')) {
              const load = (accessors[k] ??= this.accessors.load(consts[k] as string)) as (o: any) => unknown;
              stack[sp - 1] = load(o);
            } else stack[sp - 1] = this.getPrimitive(o, consts[k]);
            break;
          }
          case Op.GetRegPropMethod: {
            const o = stack[ops[pc++]!] as any;
            const k = ops[pc++]!;
            if (o !== null && (typeof o === 'object' || typeof o === 'function')) {
              const load = (accessors[k] ??= this.accessors.load(consts[k] as string)) as (o: any) => unknown;
              stack[sp++] = load(o);
            } else stack[sp++] = this.getPrimitive(o, consts[k]);
            stack[sp++] = o;
            break;
          }
          case Op.GetPropMethod: {
            const o = stack[sp - 1] as any;
            const k = ops[pc++]!;
            if (o !== null && (typeof o === 'object' || typeof o === 'function')) {
              const load = (accessors[k] ??= this.accessors.load(consts[k] as string)) as (o: any) => unknown;
              stack[sp - 1] = load(o);
            } else stack[sp - 1] = this.getPrimitive(o, consts[k]);
            stack[sp++] = o;
            break;
          }
          case Op.GetRegProp:
          case Op.GetRegPropKeep: {
            const o = stack[ops[pc++]!] as any;
            const k = ops[pc++]!;
            if (op === Op.GetRegPropKeep) stack[sp++] = o;
            if (o !== null && (typeof o === 'object' || typeof o === 'function')) {
              const load = (accessors[k] ??= this.accessors.load(consts[k] as string)) as (o: any) => unknown;
              stack[sp++] = load(o);
            } else stack[sp++] = this.getPrimitive(o, consts[k]);
            break;
          }
          case Op.GetReg2:
            stack[sp++] = stack[ops[pc++]!];
            stack[sp++] = stack[ops[pc++]!];
            break;
          case Op.SetProp:
          case Op.SetPropPop: {
            const v = stack[--sp];
            const o = stack[sp - 1] as any;
            const k = ops[pc++]!;
            frame.sp = sp;
            if (o !== null && (typeof o === 'object' || typeof o === 'function')) {
              // stores live at the slot after the load of the same name
              const store = (accessors[k + consts.length] ??= this.accessors.store(consts[k] as string, strict)) as (o: any, v: unknown) => void;
              store(o, v);
            } else this.setV(o, consts[k], v, strict);
            if (op === Op.SetProp) stack[sp - 1] = v;
            else sp--;
            break;
          }
          case Op.GetElem: {
            const key = stack[--sp] as any;
            const o = stack[sp - 1] as any;
            frame.sp = sp + 1;
            // an array's element by a number: V8's keyed load here, without a call into the realm
            stack[sp - 1] = typeof key === 'number' && Array.isArray(o) ? o[key] : this.getElem(o, key);
            break;
          }
          case ExtOp.GetRegElem: {
            const o = stack[ops[pc++]!] as any;
            const key = stack[ops[pc++]!] as any;
            frame.sp = sp;
            stack[sp] = typeof key === 'number' && Array.isArray(o) ? o[key] : this.getElem(o, key);
            sp++;
            break;
          }
          case Op.GetElemKeep: {
            const key = stack[sp - 1] as any;
            const o = stack[sp - 2] as any;
            frame.sp = sp;
            stack[sp - 1] = typeof key === 'number' && Array.isArray(o) ? o[key] : this.getElem(o, key);
            break;
          }
          case Op.SetElem: {
            const v = stack[--sp];
            const key = stack[--sp];
            const o = stack[sp - 1];
            frame.sp = sp + 2;
            this.setV(o, key, v, strict);
            stack[sp - 1] = v;
            break;
          }
          case ExtOp.SetElemRaw:
          case ExtOp.SetElemPop: {
            // o key v -> v (or nothing) ; the key is converted after the value is evaluated (spec order quirk)
            const v = stack[--sp];
            const key = stack[--sp];
            const o = stack[sp - 1] as any;
            frame.sp = sp + 2;
            // strict code's store to an array's element: V8's keyed store here (a failure throws as the realm's would)
            if (strict && typeof key === 'number' && Array.isArray(o)) o[key] = v;
            else {
              if (o === undefined || o === null) this.throwError('TypeError', cannotSet(o, key));
              this.setV(o, typeof key === 'string' || typeof key === 'symbol' || typeof key === 'number' ? key : this.toPropertyKey(key), v, strict);
            }
            if (op === ExtOp.SetElemRaw) stack[sp - 1] = v;
            else sp--;
            break;
          }
          case Op.Add: {
            const b = stack[--sp] as any;
            const a = stack[sp - 1] as any;
            if (typeof a === 'number' && typeof b === 'number') stack[sp - 1] = a + b;
            else if (typeof a === 'string' && typeof b === 'string') stack[sp - 1] = a + b;
            else {
              frame.sp = sp + 1;
              stack[sp - 1] = this.ops.add(a, b);
            }
            break;
          }
          case Op.Sub: {
            const b = stack[--sp] as any;
            const a = stack[sp - 1] as any;
            if (typeof a === 'number' && typeof b === 'number') stack[sp - 1] = a - b;
            else {
              frame.sp = sp + 1;
              stack[sp - 1] = this.ops.sub(a, b);
            }
            break;
          }
          case Op.Mul: {
            const b = stack[--sp] as any;
            const a = stack[sp - 1] as any;
            if (typeof a === 'number' && typeof b === 'number') stack[sp - 1] = a * b;
            else {
              frame.sp = sp + 1;
              stack[sp - 1] = this.ops.mul(a, b);
            }
            break;
          }
          case Op.Div: {
            const b = stack[--sp] as any;
            const a = stack[sp - 1] as any;
            if (typeof a === 'number' && typeof b === 'number') stack[sp - 1] = a / b;
            else {
              frame.sp = sp + 1;
              stack[sp - 1] = this.ops.div(a, b);
            }
            break;
          }
          case Op.Mod: {
            const b = stack[--sp] as any;
            const a = stack[sp - 1] as any;
            if (typeof a === 'number' && typeof b === 'number') stack[sp - 1] = a % b;
            else {
              frame.sp = sp + 1;
              stack[sp - 1] = this.ops.mod(a, b);
            }
            break;
          }
          case Op.BitAnd: {
            const b = stack[--sp] as any;
            const a = stack[sp - 1] as any;
            if (typeof a === 'number' && typeof b === 'number') stack[sp - 1] = a & b;
            else {
              frame.sp = sp + 1;
              stack[sp - 1] = this.ops.band(a, b);
            }
            break;
          }
          case Op.BitOr: {
            const b = stack[--sp] as any;
            const a = stack[sp - 1] as any;
            if (typeof a === 'number' && typeof b === 'number') stack[sp - 1] = a | b;
            else {
              frame.sp = sp + 1;
              stack[sp - 1] = this.ops.bor(a, b);
            }
            break;
          }
          case Op.Eq: {
            const b = stack[--sp];
            frame.sp = sp + 1;
            stack[sp - 1] = looseEquals(this.ops, stack[sp - 1], b);
            break;
          }
          case Op.Ne: {
            const b = stack[--sp];
            frame.sp = sp + 1;
            stack[sp - 1] = !looseEquals(this.ops, stack[sp - 1], b);
            break;
          }
          case Op.StrictEq: {
            const b = stack[--sp];
            stack[sp - 1] = stack[sp - 1] === b;
            break;
          }
          case Op.StrictNe: {
            const b = stack[--sp];
            stack[sp - 1] = stack[sp - 1] !== b;
            break;
          }
          case Op.Neg: {
            const a = stack[sp - 1] as any;
            frame.sp = sp;
            stack[sp - 1] = typeof a === 'number' ? -a : this.ops.neg(a);
            break;
          }
          case Op.Not:
            stack[sp - 1] = !stack[sp - 1];
            break;
          case Op.Inc: {
            const v = stack[sp - 1] as any;
            stack[sp - 1] = typeof v === 'number' ? v + 1 : v + 1n;
            break;
          }
          case Op.Dec: {
            const v = stack[sp - 1] as any;
            stack[sp - 1] = typeof v === 'number' ? v - 1 : v - 1n;
            break;
          }
          case Op.ToNumeric: {
            const v = stack[sp - 1] as any;
            if (typeof v !== 'number' && typeof v !== 'bigint') {
              frame.sp = sp;
              stack[sp - 1] = this.ops.toNumeric(v);
            }
            break;
          }
          case ExtOp.AddInt: {
            const a = stack[sp - 1] as any;
            const n = ops[pc++]!;
            if (typeof a === 'number') stack[sp - 1] = a + n;
            else {
              frame.sp = sp;
              stack[sp - 1] = this.ops.add(a, n);
            }
            break;
          }
          case ExtOp.SubInt: {
            const a = stack[sp - 1] as any;
            const n = ops[pc++]!;
            if (typeof a === 'number') stack[sp - 1] = a - n;
            else {
              frame.sp = sp;
              stack[sp - 1] = this.ops.sub(a, n);
            }
            break;
          }
          // the less frequent register-plus-constant operators share one case (the loop function's size sets
          // how long V8 takes to optimize it, which every program waits for); intArith is small and inlined
          case ExtOp.MulInt:
          case ExtOp.BitAndInt:
          case ExtOp.BitOrInt:
          case ExtOp.ShlInt:
          case ExtOp.ShrInt:
          case ExtOp.UShrInt: {
            const a = stack[sp - 1] as any;
            const n = ops[pc++]!;
            if (typeof a === 'number') stack[sp - 1] = intArith(op, a, n);
            else {
              frame.sp = sp;
              stack[sp - 1] = this.intArithSlow(op, a, n);
            }
            break;
          }
          case Op.IncReg: {
            const r = ops[pc++]!;
            const v = stack[r] as any;
            if (typeof v === 'number') stack[r] = v + 1;
            else stack[r] = this.incDecSlow(v, 1);
            break;
          }
          case Op.DecReg: {
            const r = ops[pc++]!;
            const v = stack[r] as any;
            if (typeof v === 'number') stack[r] = v - 1;
            else stack[r] = this.incDecSlow(v, -1);
            break;
          }
          case Op.JumpIfNotLt: {
            const target = ops[pc]!;
            const b = stack[--sp] as any;
            const a = stack[--sp] as any;
            pc++;
            if (!(typeof a === 'number' && typeof b === 'number' ? a < b : this.ops.lt(a, b))) pc = target;
            break;
          }
          case Op.JumpIfNotLe: {
            const target = ops[pc]!;
            const b = stack[--sp] as any;
            const a = stack[--sp] as any;
            pc++;
            if (!(typeof a === 'number' && typeof b === 'number' ? a <= b : this.ops.le(a, b))) pc = target;
            break;
          }
          case Op.JumpIfNotGt: {
            const target = ops[pc]!;
            const b = stack[--sp] as any;
            const a = stack[--sp] as any;
            pc++;
            if (!(typeof a === 'number' && typeof b === 'number' ? a > b : this.ops.gt(a, b))) pc = target;
            break;
          }
          case Op.JumpIfNotGe: {
            const target = ops[pc]!;
            const b = stack[--sp] as any;
            const a = stack[--sp] as any;
            pc++;
            if (!(typeof a === 'number' && typeof b === 'number' ? a >= b : this.ops.ge(a, b))) pc = target;
            break;
          }
          case ExtOp.JumpIfNotLtInt: {
            const target = ops[pc]!;
            const n = ops[pc + 1]!;
            const a = stack[--sp] as any;
            pc += 2;
            if (!(typeof a === 'number' ? a < n : this.ops.lt(a, n))) pc = target;
            break;
          }
          // `<` against a constant is the common loop test and has its own case; the other three share one
          case ExtOp.JumpIfNotLeInt:
          case ExtOp.JumpIfNotGtInt:
          case ExtOp.JumpIfNotGeInt: {
            const target = ops[pc]!;
            const n = ops[pc + 1]!;
            const a = stack[--sp] as any;
            pc += 2;
            if (!(typeof a === 'number' ? intCompare(op, a, n) : this.intCompareSlow(op, a, n))) pc = target;
            break;
          }
          case ExtOp.PostIncReg:
          case ExtOp.PostDecReg: {
            const r = ops[pc++]!;
            const v = stack[r] as any;
            if (typeof v === 'number') {
              stack[sp++] = v;
              stack[r] = op === ExtOp.PostIncReg ? v + 1 : v - 1;
            } else {
              frame.sp = sp;
              const old = this.numericOfRegister(v);
              stack[r] = this.incDecSlow(old, op === ExtOp.PostIncReg ? 1 : -1);
              stack[sp++] = old;
            }
            break;
          }
          case ExtOp.PreIncReg:
          case ExtOp.PreDecReg: {
            const r = ops[pc++]!;
            const v = stack[r] as any;
            let n: unknown;
            if (typeof v === 'number') n = op === ExtOp.PreIncReg ? v + 1 : v - 1;
            else {
              frame.sp = sp;
              n = this.incDecSlow(v, op === ExtOp.PreIncReg ? 1 : -1);
            }
            stack[r] = n;
            stack[sp++] = n;
            break;
          }
          case Op.JumpIfNotStrictEq: {
            const target = ops[pc]!;
            const b = stack[--sp];
            const a = stack[--sp];
            pc++;
            if (a !== b) pc = target;
            break;
          }
          case Op.JumpIfStrictEq: {
            const target = ops[pc]!;
            const b = stack[--sp];
            const a = stack[--sp];
            pc++;
            if (a === b) pc = target;
            break;
          }
          case Op.JumpIfNotEq: {
            const target = ops[pc]!;
            const b = stack[--sp];
            const a = stack[--sp];
            pc++;
            if (!looseEquals(this.ops, a, b)) pc = target;
            break;
          }
          case Op.JumpIfEq: {
            const target = ops[pc]!;
            const b = stack[--sp];
            const a = stack[--sp];
            pc++;
            if (looseEquals(this.ops, a, b)) pc = target;
            break;
          }
          case Op.Jump: {
            const target = ops[pc]!;
            if (target < pc) {
              if (this.safepoint !== null) {
                // a loop back-edge: a safe point (the frame's state is saved as if about to run the loop's head)
                frame.pc = target;
                frame.sp = sp;
                frame.env = env;
                this.safepoint(frame);
              }
              if (--this.backEdgesLeft <= 0 && target !== 0) {
                // every REENTER_BACK_EDGES back-edges `run` enters the loop again (see REENTER_BACK_EDGES)
                this.backEdgesLeft = REENTER_BACK_EDGES;
                frame.pc = target;
                frame.sp = sp;
                frame.env = env;
                return REENTER;
              }
            }
            pc = target;
            break;
          }
          case Op.JumpIfFalse: {
            const target = ops[pc]!;
            pc++;
            if (!stack[--sp]) pc = target;
            break;
          }
          case Op.JumpIfTrue: {
            const target = ops[pc]!;
            pc++;
            if (stack[--sp]) pc = target;
            break;
          }
          case Op.JumpIfFalseKeep: {
            const target = ops[pc]!;
            pc++;
            if (!stack[sp - 1]) pc = target;
            break;
          }
          case Op.JumpIfTrueKeep: {
            const target = ops[pc]!;
            pc++;
            if (stack[sp - 1]) pc = target;
            break;
          }
          case Op.JumpIfNotNullishKeep: {
            const v = stack[sp - 1];
            const target = ops[pc]!;
            pc++;
            if (v !== undefined && v !== null) pc = target;
            break;
          }
          case ExtOp.JumpIfNullish: {
            const v = stack[sp - 1];
            const target = ops[pc]!;
            pc++;
            if (v === undefined || v === null) pc = target;
            break;
          }
          case ExtOp.JumpIfNotNullishPop: {
            const v = stack[--sp];
            const target = ops[pc]!;
            pc++;
            if (v !== undefined && v !== null) pc = target;
            break;
          }
          case ExtOp.JumpIfNullishPop: {
            const v = stack[--sp];
            const target = ops[pc]!;
            pc++;
            if (v === undefined || v === null) pc = target;
            break;
          }
          case Op.JumpIfUndefined: {
            const target = ops[pc]!;
            pc++;
            if (stack[sp - 1] === undefined) pc = target;
            break;
          }
          case Op.Throw:
            frame.sp = sp;
            throw stack[--sp];
          case Op.Return:
          case Op.ReturnUndef: {
            let value = op === Op.Return ? stack[--sp] : undefined;
            const f = frame;
            f.sp = sp;
            f.pc = pc;
            // The operand stack grew past the registers: later frames of this code start that long,
            // so that V8's stores to them stay in bounds.
            if (stack.length > code.template.length) code.template = packedArray(stack.length);
            if (f.construct && (value === null || (typeof value !== 'object' && typeof value !== 'function'))) value = this.constructResult(f, value);
            const result = f.gen === null && f.asyncCap === null ? value : this.completeSuspendable(f, value);
            this.depth--;
            if (f.boundary) {
              this.current = f.caller;
              return result;
            }
            frame = f.caller!;
            this.current = frame;
            frame.stack[frame.sp++] = result;
            continue enter;
          }
          case Op.Call: {
            // Fast path: a plain guest function (no class, generator or async machinery).
            let argc = ops[pc]!;
            let fn = stack[sp - argc - 2];
            if (fn === this.fnCall || (fn === this.fnApply && argc <= 2)) {
              // f.call(t, …) / f.apply(t, list) of a guest function: a frame, not a trip through V8
              const nsp = this.unwrapCallApply(stack, sp, argc, fn === this.fnCall);
              if (nsp >= 0) {
                const base = sp - argc - 2;
                sp = nsp;
                argc = sp - base - 2;
                fn = stack[base];
              }
            }
            if (typeof fn === 'function') {
              // the site's last callee and its record (a function's record never changes), or what
              // kind of native it is
              const sites = code.callSites;
              let cached: unknown;
              if (sites[pc] === fn) cached = sites[pc + 1];
              else {
                cached = this.closures.get(fn) ?? (fn === this.I.RegExp ? SLOW_NATIVE : NATIVE);
                sites[pc] = fn;
                sites[pc + 1] = cached;
              }
              if (cached === NATIVE) {
                // a native function (a V8 built-in or an engine native): call it through the realm
                const args = stack.slice(sp - argc, sp);
                const thisArg = stack[sp - argc - 1];
                sp -= argc + 2;
                frame.sp = sp;
                frame.pc = ++pc;
                const result = this.R.apply(fn as Function, thisArg, args);
                stack[sp++] = result;
                break;
              }
              const rec = cached as Closure;
              if (cached !== SLOW_NATIVE && (rec.code.flags & FAST_CALL_EXCLUDED) === 0 && this.depth < this.frameLimit) {
                const c2 = rec.code;
                const regs = c2.paramRegs;
                const nstack = c2.template.slice();
                let args: unknown[];
                if (regs !== null) {
                  // arguments go straight into the callee's parameter registers
                  const base = sp - argc;
                  const n = Math.min(argc, regs.length);
                  for (let i = 0; i < n; i++) nstack[regs[i]!] = stack[base + i];
                  args = NO_ARGS;
                } else args = stack.slice(sp - argc, sp);
                sp -= argc + 2;
                let thisArg = stack[sp + 1];
                if (c2.flags & CodeFlag.SloppyThis && !(c2.flags & CodeFlag.Arrow)) {
                  if (thisArg === undefined || thisArg === null) thisArg = this.global;
                  else if (typeof thisArg !== 'object' && typeof thisArg !== 'function') thisArg = this.I.Object(thisArg);
                }
                if (c2.thisReg >= 0) nstack[c2.thisReg] = thisArg;
                const nf = new Frame(c2, rec, nstack, rec.env, thisArg, undefined, args);
                nf.module = rec.module;
                nf.caller = frame;
                nf.depth = this.depth;
                frame.pc = pc + 1;
                frame.sp = sp;
                this.depth++;
                this.current = nf;
                // Leave the loop and let `run` enter it again with the callee: V8 then runs every
                // activation of `loop` briefly, so its optimized code serves the next entry and no
                // second (on-stack replacement) compilation of this large function is needed.
                return REENTER;
              }
            }
            frame.sp = sp;
            frame.pc = pc;
            const nf = this.invoke(frame, op);
            if (nf === null) {
              sp = frame.sp;
              pc = frame.pc;
              break;
            }
            frame = this.push(frame, nf);
            // a plain function entered as the fast path's are (its first call, still lazy, comes this way): `run`
            // takes its entry's safe point
            if ((nf.code.flags & FAST_CALL_EXCLUDED) === 0) return REENTER;
            continue enter;
          }
          case Op.New: {
            // Fast path: `new F(…)` of a plain guest constructor function (not a class)
            const argc = ops[pc]!;
            const fn = stack[sp - argc - 1];
            const sites = code.callSites;
            let rec: Closure | undefined;
            if (sites[pc] === fn) rec = sites[pc + 1] as Closure;
            else {
              rec = typeof fn === 'function' ? this.closures.get(fn) : undefined;
              if (rec !== undefined) {
                sites[pc] = fn;
                sites[pc + 1] = rec;
              }
            }
            if (rec !== undefined && (rec.code.flags & (CodeFlag.Constructor | CodeFlag.ClassConstructor)) === CodeFlag.Constructor) {
              const args = stack.slice(sp - argc, sp);
              sp -= argc + 1;
              frame.sp = sp;
              frame.pc = pc + 1;
              const nf = this.prepareCall(rec, undefined, args, fn, true)!;
              frame = this.push(frame, nf);
              // a constructor's entry: with a safe-point hook set, `run` takes its safe point as for a call (a
              // return to `run` per `new` without one cost 5 % on a loop of `new`; a hook call here, a block of
              // this loop no warm-up runs, would throw the optimized loop away once a hook is set)
              if (this.safepoint !== null) return REENTER;
              continue enter;
            }
            frame.sp = sp;
            frame.pc = pc;
            const nf = this.invoke(frame, op);
            if (nf === null) {
              sp = frame.sp;
              pc = frame.pc;
              break;
            }
            frame = this.push(frame, nf);
            // (a class constructor's too: a constructor is never a generator or async, and prepareCall compiled it)
            if (this.safepoint !== null) return REENTER;
            continue enter;
          }
          case ExtOp.ApplyArguments:
            // the list itself when the call is the realm's apply (it spreads it); otherwise the object
            stack[sp] = stack[sp - 3] === this.fnApply ? frame.args : (frame.argsObj ?? this.createArguments(frame));
            sp++;
            break;
          case ExtOp.Arg: {
            const i = ops[pc++]!;
            stack[sp++] = frame.args[i];
            break;
          }
          case Op.This:
            stack[sp++] = frame.thisValue;
            break;
          case Op.NewArray:
            stack[sp++] = EMPTY_LIST.slice();
            break;
          case Op.NewObject:
            stack[sp++] = this.I.newObject();
            break;
          case Op.ArrayPush: {
            const v = stack[--sp];
            (stack[sp - 1] as unknown[]).push(v);
            break;
          }
          case ExtOp.GlobalThis:
            stack[sp++] = this.global;
            break;
          case Op.TailCall:
          case Op.CallSpread:
          case Op.NewSpread:
          case Op.SuperCall:
          case Op.SuperCallSpread:
          case ExtOp.DefaultDerivedCtor:
          case Op.GenStart:
          case Op.Yield:
          case ExtOp.YieldRaw:
          case Op.Await:
            // Rare instructions that may switch frames: `run` enters the loop again at `current`.
            frame.sp = sp;
            frame.pc = pc;
            frame.env = env;
            return this.frameOp(frame, op);
          default:
            // Rare instructions run out of line so that this loop stays small enough to optimize well.
            frame.sp = sp;
            frame.env = env;
            this.coldOp(frame, op);
            sp = frame.sp;
            pc = frame.pc;
            env = frame.env;
            break;
        }
      }
    }
  }

  /**
   * Instructions that may leave the frame (tail and spread calls, generator start, yield, await):
   * they work on the frame's saved registers and return REENTER, after which `run` enters the loop
   * at `current`, or the value a boundary frame's `run` returns.
   */
  private frameOp(frame: Frame, op: number): unknown {
    const code = frame.code;
    const ops = code.ops;
    const stack = frame.stack;
    let sp = frame.sp;
    let pc = frame.pc;
    switch (op) {
      case Op.TailCall: {
        // A proper tail call: the callee's frame takes this frame's place (same caller, depth and
        // boundary), so tail recursion runs in constant space.
        const argc = ops[pc]!;
        const fn = stack[sp - argc - 2];
        const rec = typeof fn === 'function' ? this.closures.get(fn) : undefined;
        if (rec !== undefined && (rec.code.flags & FAST_CALL_EXCLUDED) === 0 && !frame.construct && frame.gen === null && frame.asyncCap === null) {
          const args = stack.slice(sp - argc, sp);
          const nf = this.prepareCall(rec, stack[sp - argc - 1], args, undefined, false)!;
          nf.caller = frame.caller;
          nf.depth = frame.depth;
          nf.boundary = frame.boundary;
          this.current = nf;
          return REENTER;
        }
        frame.sp = sp;
        frame.pc = pc;
        const nf = this.invoke(frame, Op.Call);
        if (nf === null) return REENTER;
        this.push(frame, nf);
        return REENTER;
      }
      case Op.CallSpread:
      case Op.NewSpread:
      case Op.SuperCall:
      case Op.SuperCallSpread:
      case ExtOp.DefaultDerivedCtor: {
        frame.sp = sp;
        frame.pc = pc;
        const nf = this.invoke(frame, op);
        if (nf === null) return REENTER;
        this.push(frame, nf);
        return REENTER;
      }
      case Op.GenStart: {
        frame.sp = sp;
        frame.pc = pc;
        const f = frame;
        const isAsync = (code.flags & CodeFlag.Async) !== 0;
        const state: GeneratorState = { frame: f, state: 'suspendedStart', async: isAsync, queue: [] };
        f.gen = state;
        const proto = (f.closure!.fn as any).prototype;
        const obj = this.I.objectCreate(proto !== null && typeof proto === 'object' ? proto : isAsync ? this.asyncGeneratorPrototype : this.generatorPrototype);
        this.generators.set(obj, state);
        this.depth--;
        if (f.boundary) {
          this.current = f.caller;
          f.boundary = false;
          return obj;
        }
        this.current = f.caller;
        f.caller!.stack[f.caller!.sp++] = obj;
        return REENTER;
      }
      case Op.Yield:
      case ExtOp.YieldRaw: {
        const value = stack[--sp];
        if (op === ExtOp.YieldRaw) pc++;
        frame.sp = sp;
        frame.pc = pc;
        const f = frame;
        f.gen!.state = 'suspendedYield';
        let result: unknown;
        if (f.gen!.async) {
          const next = (this.host as any).asyncGeneratorYield(f.gen, value) as { value: unknown; kind: number } | null;
          if (next !== null) {
            // ES2025 AsyncGeneratorYield: with a request queued the generator goes on at once, as resumed by it
            f.stack[f.sp++] = next.value;
            f.stack[f.sp++] = next.kind;
            return REENTER;
          }
          result = undefined;
        } else result = op === ExtOp.YieldRaw ? value : this.iterResult(value, false);
        this.depth--;
        // generator frames are always resumed from host code (next/throw/return)
        this.current = f.caller;
        f.boundary = false;
        return result;
      }
      case Op.Await: {
        const value = stack[--sp];
        frame.sp = sp;
        frame.pc = pc;
        const f = frame;
        this.host.awaitValue(f, value);
        // leave the VM stack; the promise job resumes the frame later
        const wasBoundary = f.boundary;
        const delivered = f.delivered;
        this.depth--;
        if (f.asyncCap) f.delivered = true;
        if (wasBoundary) {
          this.current = f.caller;
          f.boundary = false;
          return f.asyncCap && !delivered ? f.asyncCap.promise : undefined;
        }
        this.current = f.caller;
        f.caller!.stack[f.caller!.sp++] = f.asyncCap && !delivered ? f.asyncCap.promise : undefined;
        return REENTER;
      }
      default:
        throw new Error(`snapvm: unknown opcode ${op} at ${pc - 1} in ${code.name}`);
    }
  }

  /**
   * `[call, f, t, a…]` → `[f, t, a…]` and `[apply, f, t, list]` → `[f, t, …list]` on the operand
   * stack when f is a plain guest function: returns the new sp, or -1 to leave the call as it is.
   */
  private unwrapCallApply(stack: unknown[], sp: number, argc: number, isCall: boolean): number {
    const target = stack[sp - argc - 1];
    const trec = typeof target === 'function' ? this.closures.get(target) : undefined;
    if (trec === undefined || this.depth >= this.frameLimit) return -1;
    if (trec.code.flags & CodeFlag.Lazy) {
      // compiled now, so a first call is a frame too (a compile error is thrown by the call's general path)
      try {
        compileLazy(trec.code);
      } catch (e) {
        if (e instanceof CompileError) return -1;
        throw e;
      }
    }
    if ((trec.code.flags & FAST_CALL_EXCLUDED) !== 0) return -1;
    const base = sp - argc - 2;
    if (isCall) {
      stack[base] = target;
      if (argc === 0) {
        stack[base + 1] = undefined;
        return sp;
      }
      for (let i = 0; i < argc; i++) stack[base + 1 + i] = stack[base + 2 + i];
      return sp - 1;
    }
    const list = argc === 2 ? stack[sp - 1] : undefined;
    if (!(list === undefined || list === null || typeof list === 'object')) return -1;
    // the running frame's own argument list (ExtOp.ApplyArguments) is read as it is
    const items = list === undefined || list === null ? [] : list === this.current!.args ? (list as unknown[]) : (this.R.apply(this.ops.slice, list, []) as unknown[]);
    stack[base] = target;
    stack[base + 1] = argc >= 1 ? stack[base + 2] : undefined;
    sp = base + 2;
    for (let i = 0; i < items.length; i++) stack[sp++] = items[i];
    return sp;
  }

  /** A constructor's frame returned a non-object `value`: the object `new` gives. */
  private constructResult(f: Frame, value: unknown): unknown {
    if (f.code.flags & CodeFlag.Derived) {
      if (value !== undefined) {
        // thrown by [[Construct]] after the body has returned: no handler of the constructor's own sees it
        f.pc = f.code.ops.length + 1;
        this.throwError('TypeError', 'Derived constructors may only return object or undefined');
      }
      return this.derivedThis(f);
    }
    return f.thisValue;
  }

  /** A generator or async frame returns `value`: what its resumer receives. */
  private completeSuspendable(f: Frame, value: unknown): unknown {
    if (f.gen) {
      f.gen.state = 'completed';
      f.gen.frame = null;
      if (f.gen.async) {
        (this.host as any).asyncGeneratorComplete(f.gen, value, false);
        return undefined;
      }
      return this.iterResult(value, true);
    }
    const cap = f.asyncCap!;
    cap.resolve(value);
    const result = f.delivered ? undefined : cap.promise;
    f.delivered = true;
    return result;
  }

  /** Instructions that are rare in hot code: they work on the frame's saved registers. */
  private coldOp(frame: Frame, op: number): void {
    const code = frame.code;
    const ops = code.ops;
    const consts = code.consts;
    const stack = frame.stack;
    const strict = code.strict;
    let sp = frame.sp;
    let pc = frame.pc;
    let env = frame.env;
    switch (op) {
      case Op.CopyEnv:
        env = new Env(env!.vars.slice(), env!.desc, env!.parent, null);
        frame.env = env;
        break;
      case Op.In: {
        const o = stack[--sp] as any;
        const key = stack[sp - 1] as any;
        frame.sp = sp + 1;
        if (o === null || (typeof o !== 'object' && typeof o !== 'function'))
          this.throwError('TypeError', `Cannot use 'in' operator to search for '${typeof key === 'symbol' ? key.toString() : String(key)}' in ${describe(o)}`);
        stack[sp - 1] = this.ops.has(key, o);
        break;
      }
      case Op.DefineField: {
        const v = stack[--sp];
        const key = stack[--sp] as PropertyKey;
        frame.sp = sp + 2;
        Object.defineProperty(stack[sp - 1] as object, key, { value: v, writable: true, enumerable: true, configurable: true });
        break;
      }
      case Op.ArrayFinish:
        stack[sp - 1] = this.createArrayFromList(stack[sp - 1] as unknown[]);
        break;
      case Op.IterStep: {
        const it = stack[--sp] as IteratorRecord;
        frame.sp = sp;
        const r = this.iteratorStep(it);
        if (this.ops.get(r, 'done')) pc = ops[pc]!;
        else {
          pc++;
          stack[sp++] = this.ops.get(r, 'value');
        }
        break;
      }
      case Op.Resume: {
        const mode = stack[--sp] as number;
        if (mode === Resume.Normal) pc = ops[pc]!;
        else if (mode === Resume.Throw) {
          frame.sp = sp;
          throw stack[--sp];
        } else pc++;
        break;
      }
      case ExtOp.GetImport: {
        let e = env!;
        for (let d = ops[pc++]!; d > 0; d--) e = e.parent!;
        const cell = e.vars[ops[pc++]!] as ImportCell;
        frame.sp = sp;
        stack[sp++] = this.readImport(cell);
        break;
      }
      case Op.Closure: {
        const c = consts[ops[pc++]!] as Code;
        const home = frame.closure?.home;
        stack[sp++] = this.makeFunction(c, env, home, frame.module);
        break;
      }
      case ExtOp.PushWith: {
        frame.sp = sp;
        const o = this.toObject(stack[--sp]);
        env = new Env([], null, env, o);
        frame.env = env;
        break;
      }
      case Op.TypeofGlobal: {
        const name = consts[ops[pc++]!] as string;
        frame.sp = sp;
        const lex = this.globalLex.get(name);
        if (lex) stack[sp++] = typeOf(this.getGlobal(name));
        else stack[sp++] = this.ops.has(name, this.global) ? typeOf(this.ops.get(this.global, name)) : 'undefined';
        break;
      }
      case Op.GetName:
        frame.sp = sp;
        stack[sp] = this.getName(env, consts[ops[pc++]!] as string, frame);
        sp++;
        break;
      case Op.SetName: {
        const name = consts[ops[pc++]!] as string;
        const f = ops[pc++]!;
        frame.sp = sp;
        // f: bit 0 strict; above it, environments to skip first (Annex B's var copy out of a block)
        let e = env;
        for (let h = f >> 1; h > 0; h--) e = e!.parent;
        this.setName(e, name, stack[--sp], (f & 1) === 1);
        break;
      }
      case Op.InitName:
        frame.sp = sp;
        this.initName(env, consts[ops[pc++]!] as string, stack[--sp], frame);
        break;
      case Op.TypeofName: {
        const name = consts[ops[pc++]!] as string;
        frame.sp = sp;
        const r = this.lookup(env, name);
        if (r === null && !this.globalLex.has(name) && !this.ops.has(name, this.global)) stack[sp++] = 'undefined';
        else stack[sp++] = typeOf(this.getName(env, name, frame));
        break;
      }
      case Op.DeleteName: {
        const name = consts[ops[pc++]!] as string;
        frame.sp = sp;
        const r = this.lookup(env, name);
        if (r === null) stack[sp++] = this.globalLex.has(name) ? false : this.R.deleteProperty(this.global, name);
        else if ('object' in r) stack[sp++] = this.R.deleteProperty(r.object, name);
        else if ('cell' in r) {
          for (let e = env; e; e = e.parent) if (e.extra?.get(name) === r.cell) e.extra.delete(name);
          stack[sp++] = true;
        } else stack[sp++] = false;
        break;
      }
      case Op.GetNameWithThis: {
        const name = consts[ops[pc++]!] as string;
        frame.sp = sp;
        const r = this.lookup(env, name);
        stack[sp++] = this.readName(r, name, frame);
        stack[sp++] = r !== null && 'object' in r ? r.object : undefined;
        break;
      }
      case Op.DeclareGlobals:
        frame.sp = sp;
        this.declareGlobals(consts[ops[pc++]!] as GlobalDecls, code.kind === 'eval');
        break;
      case Op.DeclareEvalVars:
        frame.sp = sp;
        this.declareEvalVars(env, consts[ops[pc++]!] as GlobalDecls, frame);
        break;
      case Op.ThrowConstAssign:
        frame.sp = sp;
        pc++;
        this.throwError('TypeError', 'Assignment to constant variable.');
      case Op.DeleteProp: {
        const key = consts[ops[pc++]!] as string;
        const s = ops[pc++]! === 1;
        frame.sp = sp;
        stack[sp - 1] = this.deleteProperty(stack[sp - 1], key, s);
        break;
      }
      case Op.DeleteElem: {
        const s = ops[pc++]! === 1;
        const key = stack[--sp];
        frame.sp = sp + 1;
        stack[sp - 1] = this.deleteProperty(stack[sp - 1], key, s);
        break;
      }
      case Op.InstanceOf: {
        const c = stack[--sp] as any;
        frame.sp = sp + 1;
        stack[sp - 1] = this.instanceOf(stack[sp - 1], c);
        break;
      }
      case Op.ToPropertyKey:
        frame.sp = sp;
        stack[sp - 1] = this.toPropertyKey(stack[sp - 1]);
        break;
      case Op.DefineMethod: {
        const kind = ops[pc++]!;
        const enumerable = ops[pc++]! === 1;
        const f = stack[--sp] as Function;
        const key = stack[--sp] as PropertyKey;
        const target = stack[sp - 1] as object;
        frame.sp = sp + 2;
        const rec = this.closures.get(f);
        if (rec) rec.home = target;
        if (kind === 0) Object.defineProperty(target, key, { value: f, writable: true, enumerable, configurable: true });
        else if (kind === 1) Object.defineProperty(target, key, { get: f as () => unknown, enumerable, configurable: true });
        else Object.defineProperty(target, key, { set: f as (v: unknown) => void, enumerable, configurable: true });
        break;
      }
      case Op.CopyDataProps: {
        const src = stack[--sp] as any;
        frame.sp = sp + 1;
        this.copyDataProperties(stack[sp - 1] as object, src, null);
        break;
      }
      case ExtOp.ObjectRest: {
        const excluded = stack[--sp] as PropertyKey[];
        const src = stack[--sp];
        frame.sp = sp + 2;
        const target = this.I.newObject();
        this.copyDataProperties(target, src, excluded);
        stack[sp++] = target;
        break;
      }
      case ExtOp.RequireObjectCoercible: {
        const v = stack[sp - 1];
        frame.sp = sp;
        if (v === undefined || v === null) this.throwError('TypeError', `Cannot destructure '${v}' as it is ${v}.`);
        break;
      }
      case Op.SetProtoLiteral: {
        const v = stack[--sp];
        if (v === null || typeof v === 'object' || typeof v === 'function') Object.setPrototypeOf(stack[sp - 1] as object, v as object | null);
        break;
      }
      case Op.SetFunctionName: {
        const prefix = consts[ops[pc++]!] as string;
        const f = stack[sp - 1] as Function;
        const key = stack[sp - 2];
        const base = typeof key === 'symbol' ? (key.description === undefined ? '' : `[${key.description}]`) : String(key);
        const name = prefix ? `${prefix} ${base}` : base;
        frame.sp = sp;
        const own = this.R.getOwnPropertyDescriptor(f, 'name');
        if (!own || (own.configurable && (this.closures.get(f) || own.value === ''))) {
          Object.defineProperty(f, 'name', { value: name, writable: false, enumerable: false, configurable: true });
        }
        break;
      }
      case Op.GetSuper: {
        const thisv = stack[--sp];
        const key = stack[--sp] as PropertyKey;
        const home = stack[sp - 1] as object;
        frame.sp = sp + 2;
        const proto = this.R.getPrototypeOf(home);
        if (proto === null)
          this.throwError('TypeError', typeof key === 'object' || typeof key === 'function' ? 'Cannot read properties of null' : `Cannot read properties of null (reading '${String(key)}')`);
        stack[sp - 1] = this.R.get(proto, key, thisv);
        break;
      }
      case Op.GetPrivate: {
        const pn = stack[--sp] as PrivateName;
        frame.sp = sp + 1;
        stack[sp - 1] = this.privateGet(stack[sp - 1], pn);
        break;
      }
      case Op.SetPrivate: {
        const v = stack[--sp];
        const pn = stack[--sp] as PrivateName;
        frame.sp = sp + 2;
        this.privateSet(stack[sp - 1], pn, v);
        stack[sp - 1] = v;
        break;
      }
      case Op.HasPrivate: {
        const o = stack[--sp];
        const pn = stack[sp - 1] as PrivateName;
        frame.sp = sp + 1;
        if (o === null || (typeof o !== 'object' && typeof o !== 'function')) this.throwError('TypeError', "Cannot use 'in' operator to search for a private field in a non-object");
        stack[sp - 1] = this.privates.get(o)?.has(pn) ?? false;
        break;
      }
      case Op.NewPrivateName:
        stack[sp++] = new PrivateName((consts[ops[pc++]!] as PrivateNameDesc).description);
        break;
      case Op.Exp: {
        const b = stack[--sp] as any;
        const a = stack[sp - 1] as any;
        if (typeof a === 'number' && typeof b === 'number') stack[sp - 1] = a ** b;
        else {
          frame.sp = sp + 1;
          stack[sp - 1] = this.ops.exp(a, b);
        }
        break;
      }
      case Op.Plus: {
        const a = stack[sp - 1] as any;
        frame.sp = sp;
        stack[sp - 1] = typeof a === 'number' ? a : this.ops.plus(a);
        break;
      }
      case Op.BitNot: {
        const a = stack[sp - 1] as any;
        frame.sp = sp;
        stack[sp - 1] = typeof a === 'number' ? ~a : this.ops.bnot(a);
        break;
      }
      case Op.ToString: {
        const v = stack[sp - 1];
        if (typeof v !== 'string') {
          frame.sp = sp;
          if (typeof v === 'symbol') this.throwError('TypeError', 'Cannot convert a Symbol value to a string');
          stack[sp - 1] = this.ops.toStr(v);
        }
        break;
      }
      case Op.ThrowError: {
        const type = consts[ops[pc++]!] as ErrorType;
        const msg = consts[ops[pc++]!] as string;
        frame.sp = sp;
        this.throwError(type, msg);
      }
      case Op.DirectEval:
      case ExtOp.DirectEvalSpread: {
        const argc = op === Op.DirectEval ? ops[pc++]! : 0;
        const s = (ops[pc++]! & 1) === 1;
        const args = op === Op.DirectEval ? stack.slice(sp - argc, sp) : (stack[--sp] as unknown[]);
        sp -= argc;
        const thisArg = stack[--sp];
        const fn = stack[--sp] as any;
        frame.sp = sp;
        frame.pc = pc;
        if (fn === this.evalFunction) {
          stack[sp++] = args.length === 0 ? undefined : this.host.directEval(this, frame, args[0], s);
        } else {
          if (typeof fn !== 'function') this.throwError('TypeError', 'eval is not a function');
          stack[sp++] = this.R.apply(fn, thisArg, args);
        }
        break;
      }
      case Op.TemplateObject: {
        const site = consts[ops[pc++]!] as TemplateSite;
        if (site.cache === undefined) site.cache = this.templateObject(site);
        stack[sp++] = site.cache;
        break;
      }
      case ExtOp.Rest: {
        const i = ops[pc++]!;
        stack[sp++] = this.createArrayFromList(frame.args.slice(i));
        break;
      }
      case Op.Arguments:
        stack[sp++] = this.createArguments(frame);
        break;
      case Op.NewTarget:
        stack[sp++] = frame.newTarget;
        break;
      case Op.HomeObject:
        stack[sp++] = frame.closure?.home;
        break;
      case Op.ActiveFunction:
        stack[sp++] = frame.closure?.fn;
        break;
      case ExtOp.BindThisReg: {
        const r = ops[pc++]!;
        frame.sp = sp;
        if (stack[r] !== HOLE) this.throwError('ReferenceError', 'Super constructor may only be called once');
        stack[r] = stack[--sp];
        break;
      }
      case ExtOp.BindThisEnv: {
        let e = env!;
        for (let d = ops[pc++]!; d > 0; d--) e = e.parent!;
        const slot = ops[pc++]!;
        frame.sp = sp;
        if (e.vars[slot] !== HOLE) this.throwError('ReferenceError', 'Super constructor may only be called once');
        e.vars[slot] = stack[--sp];
        break;
      }
      case ExtOp.BindThisDynamic: {
        frame.sp = sp;
        const r = this.lookup(env, THIS);
        const v = stack[--sp];
        if (r && 'env' in r) {
          if (r.env.vars[r.slot] !== HOLE) this.throwError('ReferenceError', 'Super constructor may only be called once');
          r.env.vars[r.slot] = v;
        }
        break;
      }
      case Op.RunFieldInit: {
        const f = stack[--sp];
        const obj = stack[--sp] as object;
        frame.sp = sp;
        const rec = this.closures.get(f);
        if (rec) this.initializeInstanceElements(obj, rec);
        break;
      }
      case Op.MakeClass: {
        const c = consts[ops[pc++]!] as Code;
        const hasHeritage = ops[pc++]! === 1;
        frame.sp = sp;
        let protoParent: object | null = this.I.ObjectPrototype;
        let ctorParent: object = this.I.FunctionPrototype;
        if (hasHeritage) {
          const sup = stack[--sp] as any;
          if (sup === null) {
            protoParent = null;
          } else {
            if (!this.isConstructor(sup)) this.throwError('TypeError', `Class extends value ${this.proxies.get(sup as object) !== undefined ? 'a proxy' : describe(sup)} is not a constructor or null`);
            const pp = this.ops.get(sup, 'prototype') as any;
            if (pp !== null && typeof pp !== 'object' && typeof pp !== 'function') this.throwError('TypeError', 'Class extends value does not have valid prototype property');
            protoParent = pp;
            ctorParent = sup;
          }
        }
        const proto = this.I.objectCreate(protoParent);
        const F = this.makeFunction(c, env, proto, frame.module);
        const rec = this.closures.get(F)!;
        rec.classInfo = { fields: [], privateMethods: [], staticPrivateMethods: [], staticElements: [] };
        Object.setPrototypeOf(F, ctorParent);
        Object.defineProperty(F, 'prototype', { value: proto, writable: false, enumerable: false, configurable: false });
        Object.defineProperty(proto, 'constructor', { value: F, writable: true, enumerable: false, configurable: true });
        stack[sp++] = proto;
        stack[sp++] = F;
        break;
      }
      case ExtOp.ClassElement: {
        // target key fn|undefined ; kind 0 instance field, 1 static field, 2 static block
        const kind = ops[pc++]!;
        const ctorRec = this.classRec(stack[ops[pc++]!]);
        const init = stack[--sp] as Function | undefined;
        const key = stack[--sp];
        const target = stack[--sp] as any;
        const isPrivate = isHost(key, PrivateName);
        if (init) {
          const r = this.closures.get(init);
          if (r) r.home = target;
        }
        if (kind === 0) ctorRec.classInfo!.fields.push({ key, init, isPrivate });
        else ctorRec.classInfo!.staticElements.push({ kind: kind === 2 ? 'block' : 'field', key, init, isPrivate });
        break;
      }
      case ExtOp.DefinePrivateMethod: {
        const kind = ops[pc++]!;
        const isStatic = ops[pc++]! === 1;
        const ctorRec = this.classRec(stack[ops[pc++]!]);
        const f = stack[--sp] as Function;
        const pn = stack[--sp] as PrivateName;
        const target = stack[sp - 1] as object;
        const r = this.closures.get(f);
        if (r) r.home = target;
        if (kind === 0) {
          pn.kind = 'method';
          pn.value = f;
        } else {
          pn.kind = 'accessor';
          if (kind === 1) pn.getter = f;
          else pn.setter = f;
        }
        const list = isStatic ? ctorRec.classInfo!.staticPrivateMethods : ctorRec.classInfo!.privateMethods;
        if (!list.includes(pn)) list.push(pn);
        break;
      }
      case ExtOp.ClassFinish: {
        const F = stack[sp - 1] as Function;
        frame.sp = sp;
        const rec = this.closures.get(F)!;
        for (const pn of rec.classInfo!.staticPrivateMethods) this.privateAdd(F, pn, pn.value);
        for (const el of rec.classInfo!.staticElements) {
          if (el.kind === 'block') this.R.apply(el.init!, F, []);
          else {
            const v = el.init ? this.R.apply(el.init, F, [el.key]) : undefined;
            if (el.isPrivate) this.privateAdd(F, el.key as PrivateName, v);
            else this.createDataPropertyOrThrow(F, el.key as PropertyKey, v);
          }
        }
        break;
      }
      case Op.ArrayHole:
        (stack[sp - 1] as unknown[]).push(HOLE);
        break;
      case Op.ArraySpread: {
        const v = stack[--sp];
        frame.sp = sp + 1;
        const a = stack[sp - 1] as unknown[];
        // (an index loop: a host for-of over a realm array would step through the realm's wrapped iterator, iterators.ts)
        const list = this.iterableToList(v);
        for (let i = 0; i < list.length; i++) a[a.length] = list[i];
        break;
      }
      case Op.RegExpLiteral: {
        const r = consts[ops[pc++]!] as { pattern: string; flags: string; error?: string };
        if (r.error !== undefined) {
          frame.sp = sp;
          frame.pc = pc;
          this.throwError('SyntaxError', r.error);
        }
        stack[sp++] = new this.I.RegExp(r.pattern, r.flags);
        break;
      }
      case Op.GetIterator:
        frame.sp = sp;
        stack[sp - 1] = this.getIterator(stack[sp - 1], false);
        break;
      case Op.GetAsyncIterator:
        frame.sp = sp;
        stack[sp - 1] = this.getIterator(stack[sp - 1], true);
        break;
      case Op.IterValue: {
        const it = stack[sp - 1] as IteratorRecord;
        frame.sp = sp;
        if (it.done) stack[sp - 1] = undefined;
        else {
          try {
            stack[sp - 1] = this.iteratorStep(it).value;
          } catch (e) {
            it.done = true;
            throw e;
          }
        }
        break;
      }
      case Op.IterRest: {
        const it = stack[sp - 1] as IteratorRecord;
        frame.sp = sp;
        const out: unknown[] = [];
        while (!it.done) {
          let r: { done: boolean; value: unknown };
          try {
            r = this.iteratorStep(it);
          } catch (e) {
            it.done = true;
            throw e;
          }
          if (r.done) break;
          out.push(r.value);
        }
        stack[sp - 1] = this.createArrayFromList(out);
        break;
      }
      case Op.IterClose: {
        const it = stack[--sp] as IteratorRecord;
        frame.sp = sp;
        if (!it.done) {
          it.done = true; // (closed once: a throw from its `return` is not a reason to close it again)
          this.iteratorClose(it);
        }
        break;
      }
      case ExtOp.IterCloseThrow: {
        const it = stack[--sp] as IteratorRecord;
        const exc = stack[--sp];
        frame.sp = sp;
        if (!it.done) this.iteratorCloseOnThrow(it);
        throw exc;
      }
      case ExtOp.AsyncIterNext: {
        const it = stack[--sp] as IteratorRecord;
        frame.sp = sp;
        this.materialize(it);
        stack[sp++] = this.R.apply(it.next, it.iterator, []);
        break;
      }
      case ExtOp.AsyncIterStep: {
        const r = stack[--sp] as any;
        frame.sp = sp;
        if (r === null || (typeof r !== 'object' && typeof r !== 'function')) this.throwError('TypeError', `Iterator result ${describe(r)} is not an object`);
        if (this.ops.get(r, 'done')) pc = ops[pc]!;
        else {
          pc++;
          stack[sp++] = this.ops.get(r, 'value');
        }
        break;
      }
      // https://tc39.es/ecma262/#sec-asynciteratorclose for a normal completion (break, continue,
      // return): the compiler awaits the pushed result, then AsyncIterCloseResult checks it
      case ExtOp.AsyncIterClose: {
        const t = ops[pc++]!;
        const it = stack[--sp] as IteratorRecord;
        frame.sp = sp;
        // closed once: a throw from `return` (or its rejection) reaches the loop's handler, which must not close again
        it.done = true;
        const ret = this.getV(it.iterator, 'return');
        if (ret === undefined || ret === null) pc = t;
        else {
          if (typeof ret !== 'function') this.throwError('TypeError', 'iterator.return is not a function');
          stack[sp++] = this.R.apply(ret, it.iterator, []);
          frame.sp = sp;
        }
        break;
      }
      case ExtOp.AsyncIterCloseResult: {
        const r = stack[--sp];
        frame.sp = sp;
        if (r === null || (typeof r !== 'object' && typeof r !== 'function')) this.throwError('TypeError', `iterator.return() resolved to ${describe(r)}, not an object`);
        break;
      }
      case ExtOp.AsyncIterCloseThrow: {
        const it = stack[--sp] as IteratorRecord;
        const exc = stack[--sp];
        frame.sp = sp;
        // NON-SPEC: on a throw completion return()'s result is not awaited (the throw wins either way; only ticks differ)
        if (!it.done) {
          it.done = true;
          this.iteratorCloseOnThrow(it);
        }
        throw exc;
      }
      case Op.ForInPrepare:
        frame.sp = sp;
        stack[sp - 1] = this.forInKeys(stack[sp - 1]);
        break;
      case Op.ForInStep: {
        const st = stack[--sp] as ForInState;
        frame.sp = sp;
        let found = false;
        while (st.i < st.keys.length) {
          const k = st.keys[st.i++]!;
          if (this.ops.has(k, st.object)) {
            stack[sp++] = k;
            found = true;
            break;
          }
        }
        if (found) pc++;
        else pc = ops[pc]!;
        break;
      }
      case Op.YieldStarStep: {
        const isAsync = ops[pc++]! === 1;
        const mode = stack[--sp] as number;
        const received = stack[--sp];
        const it = stack[--sp] as IteratorRecord;
        frame.sp = sp;
        const r = this.yieldStarStep(it, received, mode, isAsync);
        if (isAsync) {
          // the mode stays on the stack below the promise-like result to await (a snapshot keeps it)
          stack[sp++] = r.flag;
          stack[sp++] = r.value;
        } else {
          stack[sp++] = r.value;
          stack[sp++] = r.flag;
        }
        break;
      }
      case ExtOp.YieldStarCheck: {
        const res = stack[--sp] as any;
        const mode = stack[--sp] as number;
        frame.sp = sp;
        if (res === null || (typeof res !== 'object' && typeof res !== 'function')) this.throwError('TypeError', 'iterator result is not an object');
        if (mode === -1) {
          // throw() was missing: the iterator was closed; protocol violation
          this.throwError('TypeError', "The iterator does not provide a 'throw' method");
        }
        const done = !!this.ops.get(res, 'done');
        stack[sp++] = this.ops.get(res, 'value');
        stack[sp++] = done ? (mode === 2 ? 2 : 1) : 0;
        break;
      }
      case ExtOp.MappedArguments: {
        const n = ops[pc++]!;
        stack[sp++] = this.createMappedArguments(frame, n);
        break;
      }
      case ExtOp.MappedGet:
        stack[sp++] = frame.mappedParams!.get(ops[pc++]!);
        break;
      case ExtOp.MappedSet:
        frame.mappedParams!.set(ops[pc++]!, stack[--sp]);
        break;
      // explicit resource management (the `using` list is three registers, see compiler.ts disposing)
      case ExtOp.UsingAdd: {
        const r = ops[pc++]!;
        const async = ops[pc++]! === 1;
        frame.sp = sp;
        stack[r] = this.disposal!.add(stack[r] as object | undefined, stack[sp - 1], async);
        break;
      }
      case ExtOp.UsingDispose: {
        const t = ops[pc++]!;
        const r = ops[pc++]!;
        frame.sp = sp;
        const step = this.disposal!.step(stack, r);
        if (step) stack[sp++] = step.value;
        else pc = t;
        break;
      }
      case ExtOp.UsingJoin:
        this.disposal!.join(stack, ops[pc++]!, stack[--sp]);
        break;
      case ExtOp.ImportMeta:
        stack[sp++] = this.host.importMeta(frame.module);
        break;
      case ExtOp.ResolveNameRef: {
        const name = consts[ops[pc++]!] as string;
        frame.sp = sp;
        stack[ops[pc++]!] = this.resolveRef(env, name);
        break;
      }
      case ExtOp.ResolveGlobalRef: {
        // The site's call-site slot holds the global object once the name was found there for good (a
        // lexical, or a property that cannot be deleted): no look again while that is the global.
        const sites = code.callSites;
        const at = pc;
        const name = consts[ops[pc++]!] as string;
        const r = ops[pc++]!;
        if (sites[at] === this.global) {
          stack[r] = undefined;
          break;
        }
        frame.sp = sp;
        const ref = this.globalRef(name);
        if (ref === undefined && this.permanentGlobal(name)) sites[at] = this.global;
        stack[r] = ref;
        break;
      }
      case ExtOp.RefKey: {
        const o = stack[ops[pc++]!];
        frame.sp = sp;
        if (o === undefined || o === null) this.getPrimitive(o, stack[sp - 1]);
        stack[sp - 1] = this.toPropertyKey(stack[sp - 1]);
        break;
      }
      case ExtOp.IsEvalCallee: {
        const argc = ops[pc++]!;
        stack[sp] = stack[sp - argc - 2] === this.evalFunction;
        sp++;
        break;
      }
      case ExtOp.SuperBase:
        stack[sp - 1] = this.R.getPrototypeOf(stack[sp - 1] as object);
        break;
      case ExtOp.GetSuperRef: {
        const thisv = stack[--sp];
        const key = stack[--sp] as PropertyKey;
        const base = stack[sp - 1];
        frame.sp = sp + 2;
        if (base === null) this.getPrimitive(base, key);
        stack[sp - 1] = this.R.get(base as object, key, thisv);
        break;
      }
      case ExtOp.SetSuperRef: {
        const v = stack[--sp];
        const thisv = stack[--sp];
        const key = stack[--sp] as PropertyKey;
        const base = stack[sp - 1];
        frame.sp = sp + 3;
        if (base === null) this.throwError('TypeError', 'Cannot set properties of null');
        // (the message names a key only when it is one already: converting it again would run guest code twice)
        if (!this.R.set(base as object, key, v, thisv) && strict)
          this.throwError(
            'TypeError',
            typeof key === 'string' || typeof key === 'symbol' ? `Cannot assign to read only property '${String(key)}' of object` : 'Cannot assign to read only property of object',
          );
        stack[sp - 1] = v;
        break;
      }
      case ExtOp.GetNameRef: {
        const name = consts[ops[pc++]!] as string;
        const ref = stack[ops[pc++]!];
        frame.sp = sp;
        stack[sp++] = this.readName(this.refBinding(env, ref, name), name, frame);
        break;
      }
      case ExtOp.SetNameRef: {
        const name = consts[ops[pc++]!] as string;
        const ref = stack[ops[pc++]!];
        const s = ops[pc++]! === 1;
        frame.sp = sp;
        // (undefined: the global binding, found when the reference was resolved)
        if (ref === undefined) this.setGlobal(name, stack[--sp], s);
        else if (ref === null && s) this.throwError('ReferenceError', `${name} is not defined`);
        else this.writeName(this.refBinding(env, ref, name), name, stack[--sp], s);
        break;
      }
      case ExtOp.DynamicImport: {
        frame.sp = sp;
        const options = stack[--sp];
        const spec = stack[--sp];
        stack[sp++] = this.host.dynamicImport(frame.module, spec, options, code.source.referrer ?? code.file);
        break;
      }
      // value compares, shifts and XOR of non-constant operands (the compiler fuses the usual ones), and a few more
      // that hot code rarely runs: out of `loop`, so TurboFan compiles a smaller hot function
      case Op.Rot3: {
        const c = stack[sp - 1];
        stack[sp - 1] = stack[sp - 2];
        stack[sp - 2] = stack[sp - 3];
        stack[sp - 3] = c;
        break;
      }
      case Op.GetPropKeep: {
        const o = stack[sp - 1] as any;
        const k = ops[pc++]!;
        if (o !== null && (typeof o === 'object' || typeof o === 'function')) {
          const load = (code.accessors[k] ??= this.accessors.load(consts[k] as string)) as (o: any) => unknown;
          stack[sp++] = load(o);
        } else stack[sp++] = this.getPrimitive(o, consts[k]);
        break;
      }
      case Op.BitXor: {
        const b = stack[--sp] as any;
        const a = stack[sp - 1] as any;
        if (typeof a === 'number' && typeof b === 'number') stack[sp - 1] = a ^ b;
        else {
          frame.sp = sp + 1;
          stack[sp - 1] = this.ops.bxor(a, b);
        }
        break;
      }
      case Op.Shl: {
        const b = stack[--sp] as any;
        const a = stack[sp - 1] as any;
        if (typeof a === 'number' && typeof b === 'number') stack[sp - 1] = a << b;
        else {
          frame.sp = sp + 1;
          stack[sp - 1] = this.ops.shl(a, b);
        }
        break;
      }
      case Op.Shr: {
        const b = stack[--sp] as any;
        const a = stack[sp - 1] as any;
        if (typeof a === 'number' && typeof b === 'number') stack[sp - 1] = a >> b;
        else {
          frame.sp = sp + 1;
          stack[sp - 1] = this.ops.shr(a, b);
        }
        break;
      }
      case Op.UShr: {
        const b = stack[--sp] as any;
        const a = stack[sp - 1] as any;
        if (typeof a === 'number' && typeof b === 'number') stack[sp - 1] = a >>> b;
        else {
          frame.sp = sp + 1;
          stack[sp - 1] = this.ops.ushr(a, b);
        }
        break;
      }
      case Op.Lt: {
        const b = stack[--sp] as any;
        const a = stack[sp - 1] as any;
        if (typeof a === 'number' && typeof b === 'number') stack[sp - 1] = a < b;
        else {
          frame.sp = sp + 1;
          stack[sp - 1] = this.ops.lt(a, b);
        }
        break;
      }
      case Op.Le: {
        const b = stack[--sp] as any;
        const a = stack[sp - 1] as any;
        if (typeof a === 'number' && typeof b === 'number') stack[sp - 1] = a <= b;
        else {
          frame.sp = sp + 1;
          stack[sp - 1] = this.ops.le(a, b);
        }
        break;
      }
      case Op.Gt: {
        const b = stack[--sp] as any;
        const a = stack[sp - 1] as any;
        if (typeof a === 'number' && typeof b === 'number') stack[sp - 1] = a > b;
        else {
          frame.sp = sp + 1;
          stack[sp - 1] = this.ops.gt(a, b);
        }
        break;
      }
      case Op.Ge: {
        const b = stack[--sp] as any;
        const a = stack[sp - 1] as any;
        if (typeof a === 'number' && typeof b === 'number') stack[sp - 1] = a >= b;
        else {
          frame.sp = sp + 1;
          stack[sp - 1] = this.ops.ge(a, b);
        }
        break;
      }
      case Op.Typeof:
        stack[sp - 1] = typeOf(stack[sp - 1]);
        break;
      case ExtOp.IsNullish: {
        const v = stack[sp - 1];
        stack[sp - 1] = v === undefined || v === null;
        break;
      }
      case ExtOp.IsNotNullish: {
        const v = stack[sp - 1];
        stack[sp - 1] = v !== undefined && v !== null;
        break;
      }
      default:
        throw new Error(`snapvm: unknown opcode ${op} at ${pc - 1} in ${code.name}`);
    }
    frame.sp = sp;
    frame.pc = pc;
    frame.env = env;
  }

  /** Make `callee` the running frame, called from `caller`. */
  private push(caller: Frame, callee: Frame): Frame {
    callee.caller = caller;
    callee.depth = this.depth;
    this.depth++;
    this.current = callee;
    return callee;
  }

  /**
   * Every kind of call (call, new, spread, super, default derived constructor) with the frame's
   * saved registers. Returns the frame to enter for a guest callee, or null when the result has
   * been pushed (native callee).
   */
  private invoke(frame: Frame, op: number): Frame | null {
    const at = frame.pc - 1; // the call instruction (for error messages)
    const ops = frame.code.ops;
    const stack = frame.stack;
    let pc = frame.pc;
    let sp = frame.sp;
    let fn: any, thisArg: unknown, args: unknown[], newTarget: unknown, construct: boolean;
    if (op === Op.Call) {
      const argc = ops[pc++]!;
      args = stack.slice(sp - argc, sp);
      sp -= argc;
      thisArg = stack[--sp];
      fn = stack[--sp];
      construct = false;
      newTarget = undefined;
    } else if (op === Op.CallSpread) {
      args = stack[--sp] as unknown[];
      thisArg = stack[--sp];
      fn = stack[--sp];
      construct = false;
      newTarget = undefined;
    } else if (op === Op.New || op === Op.NewSpread) {
      if (op === Op.New) {
        const argc = ops[pc++]!;
        args = stack.slice(sp - argc, sp);
        sp -= argc;
      } else args = stack[--sp] as unknown[];
      fn = stack[--sp];
      newTarget = fn;
      thisArg = undefined;
      construct = true;
      if (!this.isConstructor(fn)) this.throwError('TypeError', `${this.calleeDescription(frame, at)} is not a constructor`);
    } else {
      // super(...): the parent of the active function, with this frame's new.target
      if (op === ExtOp.DefaultDerivedCtor) {
        args = frame.args;
        fn = frame.closure!.fn;
        newTarget = frame.newTarget;
      } else {
        if (op === Op.SuperCall) {
          const argc = ops[pc++]!;
          args = stack.slice(sp - argc, sp);
          sp -= argc;
        } else args = stack[--sp] as unknown[];
        newTarget = stack[--sp];
        fn = stack[--sp];
      }
      fn = this.R.getPrototypeOf(fn);
      if (!this.isConstructor(fn)) this.throwError('TypeError', 'Super constructor is not a constructor');
      thisArg = undefined;
      construct = true;
    }
    frame.sp = sp;
    frame.pc = pc;
    const rec = typeof fn === 'function' ? this.closures.get(fn) : undefined;
    if (rec !== undefined) {
      const nf = this.prepareCall(rec, thisArg, args, newTarget, construct);
      if (nf === null) {
        stack[frame.sp++] = this.lastResult;
        return null;
      }
      return nf;
    }
    if (typeof fn !== 'function') {
      this.throwError('TypeError', `${this.calleeDescription(frame, at)} is not a function`);
    }
    stack[frame.sp++] =
      fn === this.I.RegExp ? this.regExp(args, construct ? (newTarget as Function) : undefined) : construct ? this.R.construct(fn, args, newTarget as Function) : this.R.apply(fn, thisArg, args);
    return null;
  }

  /**
   * `new RegExp(…)` (`newTarget`) and `RegExp(…)` (undefined): V8's, and when V8 rejects a string pattern
   * with modifier groups, the same pattern rewritten for it (regexp-compat.ts; a pattern it cannot
   * rewrite is a SyntaxError saying why). Called without `new`, RegExp constructs with itself as
   * NewTarget once its pattern is not returned as it is (ecma262 §22.2.4.1 steps 2-4), which V8 did not.
   */
  regExp(args: unknown[], newTarget: Function | undefined): unknown {
    try {
      return newTarget === undefined ? this.R.apply(this.I.RegExp, undefined, args) : this.R.construct(this.I.RegExp, args, newTarget);
    } catch (e) {
      const [pattern, flags] = args;
      if (typeof pattern !== 'string' || (flags !== undefined && typeof flags !== 'string')) throw e;
      let r: { pattern: string; flags: string } | null;
      try {
        r = rewriteModifiers(pattern, flags ?? '');
      } catch (re) {
        if (re instanceof RegExpRewriteError) this.throwError('SyntaxError', re.message);
        throw re;
      }
      if (r === null) throw e;
      return this.R.construct(this.I.RegExp, [r.pattern, r.flags], newTarget ?? this.I.RegExp);
    }
  }

  readImport(cell: ImportCell): unknown {
    if (cell.namespace) return cell.namespace;
    const v = cell.env!.vars[cell.slot];
    if (v === HOLE) this.throwError('ReferenceError', `Cannot access '${cell.name}' before initialization`);
    return v;
  }

  /** The record of the class being defined, whose constructor the class element's register operand names. */
  private classRec(F: unknown): Closure {
    const r = typeof F === 'function' ? this.closures.get(F) : undefined;
    if (!r?.classInfo) throw new Error('snapvm: class element outside a class definition');
    return r;
  }

  yieldStarStep(it: IteratorRecord, received: unknown, mode: number, isAsync: boolean): { value: unknown; flag: number } {
    this.materialize(it);
    const iterator = it.iterator;
    let r: any;
    if (mode === Resume.Normal) {
      r = this.R.apply(it.next, iterator, [received]);
    } else if (mode === Resume.Throw) {
      const t = this.getV(iterator, 'throw');
      if (t === undefined || t === null) {
        // close the iterator, then it's a protocol error
        if (isAsync) {
          const ret = this.getV(iterator, 'return');
          if (ret !== undefined && ret !== null) this.R.apply(ret as Function, iterator, []);
        } else this.iteratorClose(it);
        this.throwError('TypeError', "The iterator does not provide a 'throw' method");
      }
      r = this.R.apply(t as Function, iterator, [received]);
    } else {
      const ret = this.getV(iterator, 'return');
      if (ret === undefined || ret === null) {
        // (async: flag 3, the value returned as it is; the compiled code awaits it once, yield* step 7.c.iii)
        if (isAsync) return { value: received, flag: 3 };
        return { value: received, flag: 2 };
      }
      r = this.R.apply(ret as Function, iterator, [received]);
    }
    if (isAsync) return { value: r, flag: mode === Resume.Return ? 2 : 0 };
    if (r === null || (typeof r !== 'object' && typeof r !== 'function')) this.throwError('TypeError', `Iterator result ${describe(r)} is not an object`);
    if (this.ops.get(r, 'done')) return { value: this.ops.get(r, 'value'), flag: mode === Resume.Return ? 2 : 1 };
    return { value: r, flag: 0 };
  }

  private derivedThis(f: Frame): unknown {
    const code = f.code;
    let v: unknown = HOLE;
    // find the this binding: a register named in the frame's code, or the function env
    const envThis = f.fnEnv?.desc?.index.get(THIS);
    if (envThis !== undefined) v = f.fnEnv!.vars[envThis];
    else {
      if (code.thisReg >= 0) v = f.stack[code.thisReg];
    }
    if (v === HOLE) this.throwError('ReferenceError', "Must call super constructor in derived class before accessing 'this' or returning from derived constructor");
    return v;
  }

  /** `x++` / `x--` on a register that does not hold a number: TDZ, ToNumeric, BigInt. */
  private incDecSlow(v: any, delta: number): unknown {
    const n = this.numericOfRegister(v);
    if (typeof n === 'bigint') return delta > 0 ? n + 1n : n - 1n;
    return n + delta;
  }

  /** ToNumeric of a register's value for `++`/`--` (a `let` still in its TDZ throws). */
  private numericOfRegister(v: unknown): number | bigint {
    if (v === HOLE) this.throwError('ReferenceError', 'Cannot access a variable before initialization');
    return this.ops.toNumeric(v);
  }

  /** A fused register-plus-constant operator (MulInt…UShrInt) whose left operand is not a number. */
  private intArithSlow(op: number, a: unknown, n: number): unknown {
    switch (op) {
      case ExtOp.MulInt:
        return this.ops.mul(a, n);
      case ExtOp.BitAndInt:
        return this.ops.band(a, n);
      case ExtOp.BitOrInt:
        return this.ops.bor(a, n);
      case ExtOp.ShlInt:
        return this.ops.shl(a, n);
      case ExtOp.ShrInt:
        return this.ops.shr(a, n);
      default:
        return this.ops.ushr(a, n);
    }
  }

  /** JumpIfNotLeInt / GtInt / GeInt's comparison when the left operand is not a number. */
  private intCompareSlow(op: number, a: unknown, n: number): boolean {
    if (op === ExtOp.JumpIfNotLeInt) return this.ops.le(a, n);
    return op === ExtOp.JumpIfNotGtInt ? this.ops.gt(a, n) : this.ops.ge(a, n);
  }

  private tdz(name: string): never {
    if (name === THIS) this.throwError('ReferenceError', "Must call super constructor in derived class before accessing 'this' or returning from derived constructor");
    this.throwError('ReferenceError', `Cannot access '${name}' before initialization`);
  }

  /** The callee's source text of the call instruction that starts at `pc` (for error messages). */
  private calleeDescription(frame: Frame, pc: number): string {
    const names = frame.code.calleeNames;
    for (let i = 0; i < names.length; i += 2) if (names[i] === pc) return frame.code.consts[names[i + 1]!] as string;
    return 'expression';
  }

  instanceOf(v: unknown, c: any): boolean {
    if (c === null || (typeof c !== 'object' && typeof c !== 'function')) this.throwError('TypeError', "Right-hand side of 'instanceof' is not callable");
    return this.ops.instanceOf(v, c);
  }

  deleteProperty(o: any, key: unknown, strict: boolean): boolean {
    if (o === undefined || o === null) this.throwError('TypeError', `Cannot convert undefined or null to object`);
    const obj = typeof o === 'object' || typeof o === 'function' ? o : this.I.Object(o);
    const k = this.toPropertyKey(key);
    const ok = strict ? this.R.deleteProperty(obj, k) : this.R.deleteProperty(obj, k);
    if (!ok && strict) this.throwError('TypeError', `Cannot delete property '${String(k)}' of ${describe(o)}`);
    return ok;
  }

  copyDataProperties(target: object, src: any, excluded: PropertyKey[] | null): void {
    if (src === null || src === undefined) return;
    const from = this.toObject(src);
    for (const k of this.ownPropertyKeys(from)) {
      if (excluded && excluded.includes(k)) continue;
      const d = this.R.getOwnPropertyDescriptor(from, k);
      if (d && d.enumerable) {
        Object.defineProperty(target, k, { value: this.ops.get(from, k), writable: true, enumerable: true, configurable: true });
      }
    }
  }

  /** CreateArrayFromList (HOLE entries stay holes): guest setters on Array.prototype never run. */
  createArrayFromList(list: unknown[]): unknown[] {
    if (!list.includes(HOLE)) return this.realm.arrayFromList(list);
    const a = this.I.newArray();
    for (let i = 0; i < list.length; i++) {
      if (list[i] !== HOLE) Object.defineProperty(a, i, { value: list[i], writable: true, enumerable: true, configurable: true });
    }
    a.length = list.length;
    return a;
  }

  templateObject(site: TemplateSite): unknown {
    const raw = this.createArrayFromList(site.raw);
    const cooked = this.createArrayFromList(site.cooked);
    Object.freeze(raw);
    Object.defineProperty(cooked, 'raw', { value: raw, writable: false, enumerable: false, configurable: false });
    return Object.freeze(cooked);
  }

  createArguments(frame: Frame): object {
    const code = frame.code;
    let a: any;
    if (code.strict || code.paramNames.some((n) => n === '')) {
      a = this.R.apply(this.strictArgumentsFactory, undefined, frame.args);
    } else {
      a = this.R.apply(this.argumentsFactory, undefined, frame.args);
      // V8 made `callee` a writable, configurable data property: a store keeps its attributes and
      // the object's shape (defineProperty would cost ten times as much)
      a.callee = frame.closure!.fn;
    }
    frame.argsObj = a;
    return a;
  }

  private readonly mappedFactories = new Map<number, Function>();
  /** Mapped arguments objects → their parameters (for the snapshot room). */
  readonly mappedArguments = new WeakMap<object, MappedParams>();

  /** A sloppy mapped arguments object, made by V8 for a realm function with the same parameters. */
  createMappedArguments(frame: Frame, n: number): object {
    const { argsObj, params } = this.mappedArgumentsObject(n, frame.args);
    Object.defineProperty(argsObj, 'callee', { value: frame.closure!.fn, writable: true, enumerable: false, configurable: true });
    frame.mappedParams = params;
    frame.argsObj = argsObj;
    return argsObj;
  }

  /** A mapped arguments object over `n` parameters, made by a realm function called with `args`. */
  mappedArgumentsObject(n: number, args: unknown[]): { argsObj: object; params: MappedParams } {
    let factory = this.mappedFactories.get(n);
    if (!factory) {
      const ps = Array.from({ length: n }, (_, i) => `p${i}`);
      const cases = (body: (p: string, i: number) => string) => ps.map((p, i) => `case ${i}: ${body(p, i)}`).join(' ');
      factory = this.realm.realmEval<(values: Function) => Function>(
        `(function (values) { return function (${ps.join(', ')}) { arguments[Symbol.iterator] = values; return [arguments, function (i) { switch (i) { ${cases((p) => `return ${p};`)} } }, function (i, v) { switch (i) { ${cases((p) => `${p} = v; break;`)} } }]; }; })`,
      )(this.I.ArrayValues);
      this.mappedFactories.set(n, factory);
    }
    const [a, get, set] = this.R.apply(factory, undefined, args) as [object, (i: number) => unknown, (i: number, v: unknown) => void];
    const params = { n, argc: args.length, get, set };
    this.mappedArguments.set(a, params);
    return { argsObj: a, params };
  }

  declareEvalVars(env: Env | null, d: GlobalDecls, frame: Frame): void {
    // The caller's variable environment: the nearest function env (or global).
    let varEnv: Env | null = env;
    while (varEnv && !(varEnv.desc && (varEnv.desc.kind === 'function' || varEnv.desc.kind === 'arrow'))) varEnv = varEnv.parent;
    const names = [...d.vars, ...d.functions];
    // The DirectEval that called this eval (the caller's pc has just passed it) says where it is: in a
    // parameter list with expressions, its vars may not redeclare a parameter or `arguments`
    // (EvalDeclarationInstantiation step 3.d: the parameters' environment lies between the eval and the
    // function's var environment); in a function whose top-level lexical declarations share the var
    // environment (simple parameters), not those either.
    const caller = frame.caller;
    const site = caller ? caller.code.ops[caller.pc - 1]! : 0;
    if (varEnv && (site & 6) !== 0) {
      const desc = varEnv.desc!;
      for (const n of names) {
        const i = desc.index.get(n);
        if (i !== undefined && ((site & 2) !== 0 || desc.kinds[i] === 1 || desc.kinds[i] === 3)) this.throwError('SyntaxError', `Identifier '${n}' has already been declared`);
      }
    }
    // A var may not hoist over a lexical declaration of the same name.
    for (let e = env; e && e !== varEnv; e = e.parent) {
      if (e.desc)
        for (const n of names) {
          const i = e.desc.index.get(n);
          if (i !== undefined && e.desc.kinds[i] !== 0 && e.desc.kind !== 'catch') this.throwError('SyntaxError', `Identifier '${n}' has already been declared`);
        }
    }
    if (!varEnv) {
      for (const n of names) if (this.globalLex.has(n)) this.throwError('SyntaxError', `Identifier '${n}' has already been declared`);
      // steps 8-10: CanDeclareGlobalFunction / CanDeclareGlobalVar for every name before any is created
      const g = this.global;
      // (the host's descriptors: a realm one would read `value`, `writable`… through the guest's Object.prototype)
      for (const n of d.functions) {
        const desc = Reflect.getOwnPropertyDescriptor(g, n);
        if (desc ? !(desc.configurable || ('value' in desc && desc.writable && desc.enumerable)) : !this.R.isExtensible(g)) this.throwError('TypeError', `Cannot declare global function ${n}`);
      }
      for (const n of d.vars) if (!Object.hasOwn(g, n) && !this.R.isExtensible(g)) this.throwError('TypeError', `Cannot declare global variable ${n}`);
      // step 17: CreateGlobalFunctionBinding(fn, fo, true) makes a configurable property a writable, enumerable data
      // property (its value is the function, stored when the declarations are instantiated, before any eval code)
      for (const n of d.functions) {
        const desc = Reflect.getOwnPropertyDescriptor(g, n);
        if (desc?.configurable) this.R.defineProperty(g, n, { value: 'value' in desc ? desc.value : undefined, writable: true, enumerable: true, configurable: true });
      }
      for (const n of d.vars) if (!Object.hasOwn(this.global, n)) Object.defineProperty(this.global, n, { value: undefined, writable: true, enumerable: true, configurable: true });
      return;
    }
    for (const n of names) {
      if (varEnv.desc!.index.has(n)) continue;
      if (!varEnv.extra) varEnv.extra = new Map();
      if (!varEnv.extra.has(n)) varEnv.extra.set(n, { value: undefined });
    }
  }
}

/** MulInt…UShrInt on a number. */
function intArith(op: number, a: number, n: number): number {
  switch (op) {
    case ExtOp.MulInt:
      return a * n;
    case ExtOp.BitAndInt:
      return a & n;
    case ExtOp.BitOrInt:
      return a | n;
    case ExtOp.ShlInt:
      return a << n;
    case ExtOp.ShrInt:
      return a >> n;
    default:
      return a >>> n;
  }
}

/** JumpIfNotLeInt / GtInt / GeInt's comparison of a number. */
function intCompare(op: number, a: number, n: number): boolean {
  if (op === ExtOp.JumpIfNotLeInt) return a <= n;
  return op === ExtOp.JumpIfNotGtInt ? a > n : a >= n;
}

/** `a == b`; objects go through the realm (ToPrimitive may run guest code). */
function looseEquals(ops: RealmOps, a: unknown, b: unknown): boolean {
  // biome-ignore lint/suspicious/noDoubleEquals: the guest's `==` on primitives is the host's
  if (a === null || a === undefined || b === null || b === undefined) return a == b;
  // biome-ignore lint/suspicious/noDoubleEquals: the guest's `==` on primitives is the host's
  if (typeof a !== 'object' && typeof a !== 'function' && typeof b !== 'object' && typeof b !== 'function') return a == b;
  return ops.eq(a, b);
}

export { packedArray };

/**
 * `value instanceof C` for a host class, without running guest code: instanceof on a guest proxy
 * would run its getPrototypeOf trap from host code.
 */
export function isHost<T>(value: unknown, C: abstract new (...args: any[]) => T): value is T {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && !types.isProxy(value) && value instanceof C;
}

export function typeOf(v: unknown): string {
  return typeof v;
}

export function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return (v as Function).name ? `function ${(v as Function).name}` : 'function';
  if (v === null) return 'null';
  if (typeof v === 'object') return Array.isArray(v) ? 'array' : 'object';
  if (typeof v === 'symbol') return v.toString();
  return String(v);
}
