// The embedding API: one Engine owns a realm, a VM, the job queue, timers and the module map.
// Two engines in one process share nothing (STYLE.md, habit 6).
import type * as acorn from 'acorn';
import * as path from 'node:path';
import { Realm, makeStamp } from './realm';
import { VM, Frame, GuestThrow, SafepointStop, isHost } from './vm';
import { compileProgram, CompileError } from './compiler';
import { SourceFile, type Code } from './code';
import { JobQueue } from './jobs';
import { installPromise, type PromiseIntrinsics, RejectionTracker } from './promise';
import { Timers, EventLoop, installTimers } from './timers';
import { type EngineOptions, GuestError, type ConsoleLevel, type HostServices, type HostReclaim } from './api';
import { THIS, NEW_TARGET, containsArguments } from './scope';
import { installIntrinsics } from './intrinsics';
import { ModuleLoader } from './modules';
import { formatValues, describeThrown } from './inspect';
import { builtinPaths } from './state';
import { WARMUP_SOURCE, WARMUP_PRIVATE_SOURCE, WARMUP_SHARES, WARMUP_AFTER_SAFEPOINTS } from './warmup';
import { unitCache, UnitSyntaxError, syntaxErrorText } from './units';

/** V8's state, not an engine's: the interpreter loop's type feedback is gathered once per process (warmup.ts). */
let warmedUp = false;

/** Run `source` (of the warm-up program, warmup.ts) in `engine`'s realm, and the jobs it queues. */
function runWarmUp(engine: Engine, source: string): void {
  try {
    engine.vm.runCode(engine.compile(source, '<warmup>', 'script'), null, engine.realm.global);
    engine.runJobs();
  } catch {
    // only a speed aid (an engine with a tiny frameLimit cannot run it): nothing depends on it
  }
}

/**
 * The warm-up in two private engines, a share of its values in turn (WARMUP_SHARES): V8's optimized `loop` is
 * shared by all engines, and each engine has its own functions (the realm's, the VM's closures) and
 * its own objects' maps. Where the loop's type feedback has seen one engine's only, the optimized loop
 * expects them, and a program's engine reaching that place deoptimizes it ("wrong call target", "wrong
 * map"); and V8 may start that compile before the warm-up ends, so both engines take the first share.
 */
function runPrivateWarmUp(): void {
  let engines: Engine[];
  try {
    engines = [new Engine({ warmUp: false }, 'warm-up'), new Engine({ warmUp: false }, 'warm-up')];
  } catch {
    return; // (only a speed aid, run from a guest's safe point: a host failure making them, e.g. a deep stack, is not the program's)
  }
  for (const e of engines) runWarmUp(e, WARMUP_PRIVATE_SOURCE);
  for (const [from, to, rounds, e] of WARMUP_SHARES) runWarmUp(engines[e]!, `__snapvmWarmupRun(${from}, ${to}, ${rounds});`);
}

/** Engines waiting for the warm-up (Engine.deferWarmUp): the safe points each has left before it. */
const warmUpWaits = new WeakMap<VM, number>();

/**
 * The safe-point hook of an engine waiting for the warm-up, called as `vm.safepoint(frame)`: one function
 * for every engine, never garbage. V8's optimized `loop` inlines the hook it saw there; a closure per
 * engine, dropped once the warm-up had run, died at the next full collection and took that optimized
 * loop with it ("weak objects"): another compile of it, and a slow stretch, in every program.
 */
function warmUpHook(this: VM): void {
  const left = (warmUpWaits.get(this) ?? 1) - 1;
  if (left > 0 && !warmedUp) {
    warmUpWaits.set(this, left);
    return;
  }
  warmUpWaits.delete(this);
  if (this.safepoint === warmUpHook) this.safepoint = null;
  if (warmedUp) return;
  warmedUp = true;
  runPrivateWarmUp();
}

export class Engine {
  readonly realm: Realm;
  readonly vm: VM;
  readonly queue: JobQueue;
  readonly timers: Timers;
  readonly loop: EventLoop;
  readonly promises: PromiseIntrinsics;
  readonly rejections = new RejectionTracker();
  readonly modules: ModuleLoader;
  readonly options: EngineOptions;
  private readonly builtinTable: Map<object, string>;
  private finishBuiltins: (() => void) | null;
  /**
   * The realm's built-ins with the path that reaches each in a fresh engine (state.ts). The Intl.Segmenter
   * entries are added on the first read (they cost ICU's start-up, 30–40 ms per process).
   */
  get builtins(): Map<object, string> {
    if (this.finishBuiltins !== null) {
      this.finishBuiltins();
      this.finishBuiltins = null;
    }
    return this.builtinTable;
  }
  private builtinsByPathMap: Map<string, object> | null = null;
  /** The reverse of `builtins`: each built-in by its path (made once per engine, on first use). */
  get builtinsByPath(): ReadonlyMap<string, object> {
    return (this.builtinsByPathMap ??= new Map([...this.builtins].map(([o, p]) => [p, o])));
  }
  /** The innermost frame of a computation a safe-point snapshot caught running (runEventLoop finishes it first). */
  pendingFrame: Frame | null = null;
  /** …caught inside a timer turn: finishing it ends that turn. */
  pendingTimerTurn = false;
  /** Turn 1 (the main program and its microtasks) has ended: a restored engine starts past it. */
  mainTurnDone = false;
  /** The first uncaught error of the current turn (reported by runEventLoop). */
  private uncaught: GuestError | null = null;
  /**
   * Host memory the embedder frees only after a collection and a task of the host's event loop (a page's
   * dropped canvases: dom/canvas.ts). runEventLoop asks it after each turn, so every loop that runs the
   * engine (a page's, the edge client's, the edge worker's) reclaims alike.
   */
  reclaim: HostReclaim | null = null;
  /** runEventLoop is running (between its awaits too): it drains the queue itself. */
  private looping = false;
  /** A host microtask will drain the queue (drainForHost). */
  private hostDrainQueued = false;

  /**
   * `role` 'warm-up': one of the private warm-up engines, never snapshot, so without the built-in table (its
   * walk, twice more per process, was what made V8 optimize it: 35–50 ms of CPU).
   */
  constructor(options: EngineOptions = {}, role: 'program' | 'warm-up' = 'program') {
    this.options = options;
    this.realm = new Realm();
    this.vm = new VM(this.realm, options.frameLimit ?? 100_000);
    this.queue = new JobQueue({ onUncaught: (e) => this.reportUncaught(e), apply: this.realm.R.apply });
    this.timers = new Timers();
    this.promises = installPromise(this.realm, this.queue, {
      resumeAwait: (frame, value, rejected) => {
        this.vm.resume(frame as Frame, value, rejected ? 1 : 0);
      },
      rejectionTracker: this.rejections.track,
      thenCalled: () => this.drainForHost(),
    });
    installTimers(this.realm, this.timers, this.queue);
    this.loop = new EventLoop(this.queue, this.timers, { realTime: true, onUncaught: (e) => this.reportUncaught(e), apply: this.realm.R.apply });
    this.modules = new ModuleLoader(this, options.moduleRoot, options.moduleLinkRoots);
    const promises = this.promises;
    const vm = this.vm;
    this.vm.host = {
      newPromiseCapability: () => {
        const c = promises.newPromise();
        return { promise: c.promise, resolve: (v) => c.resolve(v), reject: (r) => c.reject(r) };
      },
      promiseResolve: (v) => promises.promiseResolve(promises.Promise, v),
      awaitValue: (frame, value) => {
        const p = promises.promiseResolve(promises.Promise, value);
        promises.performPromiseThen(p, { kind: 'await', continuation: frame, rejected: false }, { kind: 'await', continuation: frame, rejected: true });
      },
      directEval: (_vm, frame, source, strict) => this.directEval(frame, source, strict),
      importMeta: (module) => this.modules.importMeta(module),
      dynamicImport: (module, specifier, options, file) => this.modules.dynamicImport(module, specifier, options, file),
      pendingJobs: () => this.queue.size,
      hostCallQueuedJobs: () => this.drainForHost(),
    };
    installIntrinsics(this, vm, options);
    if (!warmedUp && options.warmUp === true) {
      warmedUp = true;
      runWarmUp(this, WARMUP_SOURCE); // at once, in this realm: no guest code has run yet
    } else if (!warmedUp && options.warmUp === undefined) this.deferWarmUp();
    for (const service of options.services ?? []) service(this.hostServices());
    // last: what services install counts as built-in (a restoring engine is made with the same services)
    if (role === 'warm-up') {
      this.builtinTable = new Map();
      this.finishBuiltins = () => {
        throw new Error('snapvm invariant: a warm-up engine has no built-in table (it is never snapshot)');
      };
    } else ({ paths: this.builtinTable, finish: this.finishBuiltins } = builtinPaths(this.realm, vm));
  }

  /**
   * A `then` on a guest promise while the engine is idle is the host's: its own `await` of a promise
   * evaluateScript returned (V8 calls `then` from a host microtask). The reaction is a job of this
   * engine's queue, which only the engine drains: without a drain the host's continuation never ran, and
   * with nothing else pending Node exited early. So the queue is drained in a host microtask, as
   * runJobs would (an uncaught error waits for the next turn's report); timers still need runEventLoop.
   * The same after a host call of a guest function, while the engine is idle, that queued jobs
   * (VM.callFromHost): a guest thenable's own `then`, which V8 calls for the host's `await`, runs on the VM
   * (its safe points and the hook's budget), and the jobs it queues (queueMicrotask, a guest promise's
   * then) settle the await.
   */
  private drainForHost(): void {
    if (this.hostDrainQueued || !this.idle()) return;
    this.hostDrainQueued = true;
    queueMicrotask(() => {
      this.hostDrainQueued = false;
      if (this.idle()) this.queue.runJobs();
    });
  }

  /** No guest code, job or event loop of this engine is running (the host has control), and no computation caught at a safe point waits to finish first. */
  private idle(): boolean {
    return this.vm.depth === 0 && !this.queue.draining && !this.looping && this.pendingFrame === null;
  }

  /**
   * The interpreter loop's warm-up (warmup.ts), once per process, when a program of this engine reaches
   * its WARMUP_AFTER_SAFEPOINTS-th safe point — before V8 optimizes the loop — and never for a program
   * too short to get there (it costs ~40 ms and V8's compile of the loop, ~0.1 s of CPU). It runs in
   * private engines: this one's guest code has run by then and must not see it. A safe-point hook set
   * meanwhile (a snapshot at a safe point) replaces this one.
   */
  private deferWarmUp(): void {
    warmUpWaits.set(this.vm, WARMUP_AFTER_SAFEPOINTS);
    this.vm.safepoint = warmUpHook;
  }

  /** The plug-in point for host services (api.ts, HostServices). */
  private hostServices(): HostServices {
    const realm = this.realm;
    return {
      global: realm.global,
      R: realm.R,
      native: (name, length, impl, construct) => realm.native(name, length, impl, construct),
      realmEval: (src) => realm.realmEval(src),
      error: (type, message) => realm.error(type, message),
      newPromise: () => this.promises.newPromise(),
      track: (work) => this.loop.track(work),
      stampedKind: (kind, proto, codec) => {
        const stamp = makeStamp<any>();
        this.vm.registerStampedKind(kind, { stamp, proto, encode: codec?.encode as never, decode: codec?.decode as never });
        return stamp;
      },
    };
  }

  /** Console output: the options' sink, or the process's stdout/stderr. */
  console(level: ConsoleLevel, args: unknown[]): void {
    if (this.options.onConsole) this.options.onConsole(level, args);
    else {
      const line = this.format(args) + '\n';
      if (level === 'error' || level === 'warn') process.stderr.write(line);
      else process.stdout.write(line);
    }
  }

  /** Format guest values as Node's console does, without running guest code (inspect.ts). */
  format(args: unknown[]): string {
    return formatValues(this.vm, this.realm, args);
  }

  /**
   * Make `target`, an object of the guest realm, the guest's global object (the DOM room's window):
   * the built-ins and the engine's intrinsics move onto it. Only before any guest code has run, since
   * compiled code and global declarations are bound to the global they ran against.
   */
  adoptGlobal(target: object): void {
    if (this.vm.globalLex.size !== 0 || this.queue.size !== 0 || this.timers.size !== 0) throw new Error('snapvm: adoptGlobal after guest code ran');
    let proto: object | null = target;
    while (proto !== null && proto !== this.realm.intrinsics.ObjectPrototype) proto = this.realm.R.getPrototypeOf(proto);
    if (proto === null) throw new Error('snapvm: adoptGlobal needs an object of the guest realm');
    this.realm.adoptGlobal(target);
    // NON-SPEC bookkeeping: the VM keeps its own reference to the global (vm.ts stays untouched here).
    (this.vm as unknown as { global: object }).global = target;
  }

  // ---- scripts ----
  /** The ESTree of `source` from the process's unit cache (units.ts): shared, so read-only. Throws GuestError (syntax). */
  parse(source: string, file: string, sourceType: 'script' | 'module'): acorn.Node {
    try {
      return unitCache.ast(source, file, { kind: sourceType, strict: false, dynamicOuter: false, inFunction: null });
    } catch (e) {
      throw this.asGuestSyntaxError(e, file, source);
    }
  }

  /**
   * An error a parse or compile of `source` raised, as it reaches the guest: a UnitSyntaxError becomes a
   * GuestError holding a guest SyntaxError (with the source line in its stack); any other error is returned as is.
   */
  private asGuestSyntaxError(e: unknown, file: string, source: string): unknown {
    if (!(e instanceof UnitSyntaxError)) return e;
    const { message, stack } = syntaxErrorText(e, file, source);
    const value = this.realm.error('SyntaxError', message);
    Object.defineProperty(value, 'stack', { value: stack, writable: true, configurable: true, enumerable: false });
    return new GuestError(value, `SyntaxError: ${message}`, stack, 'syntax');
  }

  compile(source: string, file: string, kind: 'script' | 'module' | 'eval', strict = false, dynamicOuter = false, inFunction: { method: boolean } | null = null, selfHosted = false): Code {
    return this.compileUnit(source, file, kind, strict, dynamicOuter, inFunction, selfHosted).code;
  }

  /** `compile`, with the unit's ESTree beside the code (read-only: shared through the unit cache). */
  compileUnit(
    source: string,
    file: string,
    kind: 'script' | 'module' | 'eval',
    strict = false,
    dynamicOuter = false,
    inFunction: { method: boolean } | null = null,
    selfHosted = false,
  ): { code: Code; ast: acorn.Node } {
    try {
      const { ast, analysis, order } = unitCache.unit(source, file, { kind, strict, dynamicOuter, inFunction });
      const sourceFile = new SourceFile(file, source);
      const code = compileProgram(ast, kind, { file: sourceFile, dynamicOuter, properTailCalls: this.options.properTailCalls, selfHosted, lazy: this.options.lazyCompile !== false }, analysis, order);
      sourceFile.unit = { kind, strict, dynamicOuter, inFunction, selfHosted };
      sourceFile.root = code;
      return { code, ast };
    } catch (e) {
      if (e instanceof CompileError) throw this.asGuestSyntaxError(new UnitSyntaxError(e.message, e.offset), file, source);
      throw this.asGuestSyntaxError(e, file, source);
    }
  }

  /**
   * Run a script in the global scope; returns its completion value. Throws GuestError. The host may
   * `await` a guest promise it returns: the engine's microtasks run for it (drainForHost), its timers
   * only in runEventLoop.
   */
  evaluateScript(source: string, file = '<script>'): unknown {
    const code = this.compile(source, file, 'script');
    return this.guard(() => this.vm.runCode(code, null, this.realm.global));
  }

  /** Script evaluation for guest callers ($262.evalScript): throws guest values. */
  evaluateScriptGuest(source: string, file = '<evalScript>'): unknown {
    let code: Code;
    try {
      code = this.compile(source, file, 'script');
    } catch (e) {
      if (isHost(e, GuestError)) throw e.value;
      throw e;
    }
    return this.vm.runCode(code, null, this.realm.global);
  }

  /**
   * Load, link and evaluate an ES module from a file (its completion may be async: run the loop).
   * With `source`, the module is that text named `file` (a page's inline module script); its imports
   * resolve against the folder of `file`.
   */
  evaluateModule(file: string, source?: string): void {
    this.guard(() => this.modules.evaluateEntry(path.resolve(file), source));
  }

  /** Drain the microtask queue. */
  runJobs(): void {
    this.queue.runJobs();
    this.checkTurn();
  }

  /**
   * Run microtasks and timers until nothing is left. Rejects with the first uncaught error.
   * `afterTurn(n)` runs after each turn (turn 1 is the main program with its microtasks, each later
   * turn one timer callback with its microtasks); returning true stops the loop there.
   */
  async runEventLoop(afterTurn?: (turn: number) => boolean | void): Promise<void> {
    this.looping = true;
    try {
      await this.runEventLoopTurns(afterTurn);
    } finally {
      this.looping = false;
    }
  }

  private async runEventLoopTurns(afterTurn?: (turn: number) => boolean | void): Promise<void> {
    if (this.pendingFrame) {
      // a restore from a safe point: finish the computation that was running, then its turn
      const top = this.pendingFrame;
      this.pendingFrame = null;
      this.guard(() => this.vm.continueRunning(top));
      if (this.pendingTimerTurn) {
        this.pendingTimerTurn = false;
        this.runJobs();
        this.loop.turn++;
        if (afterTurn?.(this.loop.turn + 1)) return;
      }
    }
    this.runJobs();
    if (!this.mainTurnDone) {
      this.mainTurnDone = true;
      if (afterTurn?.(1)) return;
    }
    let stopped = false;
    for (let resumed = false; ; resumed = true) {
      let reclaim = false;
      await this.loop.run(() => {
        this.checkTurn();
        if (afterTurn && afterTurn(this.loop.turn + 1)) stopped = true;
        else reclaim = this.reclaim?.wanted() === true;
        return stopped || reclaim;
      }, resumed);
      if (!reclaim) break;
      await this.reclaimNow();
    }
    if (!stopped) this.checkTurn();
  }

  /** Collect what `reclaim` holds, and give the host's event loop the task in which it is freed. */
  async reclaimNow(): Promise<void> {
    this.reclaim?.collect();
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** End of a turn: report an uncaught exception or unhandled rejection. */
  private checkTurn(): void {
    if (!this.uncaught) {
      const unhandled = this.rejections.takeUnhandled();
      if (unhandled.length) this.uncaught = this.guestError(unhandled[0]!.reason, 'unhandled-rejection');
    }
    if (this.uncaught) {
      const e = this.uncaught;
      this.uncaught = null;
      throw e;
    }
  }

  private reportUncaught(e: unknown): void {
    if (isHost(e, SafepointStop)) throw e;
    if (isHost(e, GuestError)) {
      if (!this.uncaught) this.uncaught = e;
      return;
    }
    if (!this.uncaught) this.uncaught = this.guestError(isHost(e, GuestThrow) ? e.value : this.vm.toGuest(e), 'uncaught');
  }

  private guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (isHost(e, GuestError) || isHost(e, SafepointStop)) throw e;
      if (isHost(e, GuestThrow)) throw this.guestError(e.value, 'uncaught');
      throw this.guestError(this.vm.toGuest(e), 'uncaught');
    }
  }

  /** Wrap a thrown guest value for the host, with its summary and guest stack. */
  guestError(value: unknown, kind: GuestError['kind']): GuestError {
    // read without running guest code: data properties only, no ToString on objects (inspect.ts)
    const described = describeThrown(this.vm, this.realm, value);
    const summary = described ? described.summary : `Uncaught ${this.format([value])}`;
    return new GuestError(value, summary, described ? described.stack : summary, kind);
  }

  // ---- eval ----
  private directEval(frame: Frame, source: unknown, strict: boolean): unknown {
    if (typeof source !== 'string') return source;
    const env = frame.env;
    const home = this.vm.lookup(env, '%home');
    const inFunction = this.vm.lookup(env, '%new.target') !== null ? { method: home !== null && 'env' in home && home.env.vars[home.slot] !== undefined } : null;
    const { code, ast } = this.compileGuestUnit(source, 'eval', strict, true, '<eval>', inFunction);
    // early errors that depend on the caller (PerformEval step 10): parsed once, checked per call
    for (const name of (ast as { outerPrivateNames?: string[] }).outerPrivateNames ?? [])
      if (this.vm.lookup(env, '#' + name) === null) this.vm.throwError('SyntaxError', `Private field '#${name}' must be declared in an enclosing class`);
    if (inFieldInitializer(frame) && containsArguments(ast)) this.vm.throwError('SyntaxError', "'arguments' is not allowed in class field initializer or static initialization block");
    code.source.referrer = frame.code.source.referrer ?? frame.code.file;
    const binding = (name: string, fallback: unknown) => {
      const r = this.vm.lookup(env, name);
      return r && 'env' in r ? r.env.vars[r.slot] : fallback;
    };
    const evalFrame = new Frame(code, frame.closure, code.template.slice(), env, binding(THIS, frame.thisValue), binding(NEW_TARGET, frame.newTarget), frame.args);
    evalFrame.boundary = true;
    evalFrame.caller = frame;
    evalFrame.module = frame.module;
    return this.vm.run(evalFrame);
  }

  /** Compile guest-provided source (eval, Function): syntax errors become guest SyntaxErrors. */
  compileGuest(source: string, kind: 'script' | 'eval', strict: boolean, dynamicOuter: boolean, file = '<eval>', inFunction: { method: boolean } | null = null): Code {
    return this.compileGuestUnit(source, kind, strict, dynamicOuter, file, inFunction).code;
  }

  /** `compileGuest`, with the unit's ESTree beside the code (one unit-cache lookup). */
  private compileGuestUnit(source: string, kind: 'script' | 'eval', strict: boolean, dynamicOuter: boolean, file: string, inFunction: { method: boolean } | null): { code: Code; ast: acorn.Node } {
    try {
      return this.compileUnit(source, file, kind, strict, dynamicOuter, inFunction);
    } catch (e) {
      if (isHost(e, GuestError)) throw new GuestThrow(e.value);
      throw e;
    }
  }

  /** Indirect eval: global code. */
  indirectEval(source: unknown): unknown {
    if (typeof source !== 'string') return source;
    const code = this.compileGuest(source, 'eval', false, false);
    const caller = this.vm.current?.code;
    if (caller) code.source.referrer = caller.source.referrer ?? caller.file;
    return this.vm.runCode(code, null, this.realm.global);
  }
}

/** Whether a direct eval in this frame is in a class field initializer (arrows and evals between are transparent). */
function inFieldInitializer(frame: Frame): boolean {
  for (let f: Frame | null = frame; f; f = f.code.kind === 'eval' ? f.caller : null) {
    let c: Code | null = f.code;
    while (c && (c.kind === 'arrow' || c.kind === 'asyncArrow')) c = c.parent;
    if (c?.kind === 'fieldInit') return true;
  }
  return false;
}
