// The embedding API's types. The Engine class (engine.ts) implements them; the CLI, the conformance
// runner, and the later snapshot / page / offload rooms use only these and index.ts.

import type { MemoryBudget } from './memory-budget';

export type ConsoleLevel = 'log' | 'info' | 'debug' | 'warn' | 'error';

/** Host memory freed only after a collection and a task of the host's event loop (Engine.reclaim). */
export interface HostReclaim {
  /** Whether to collect now (asked after each turn). */
  wanted(): boolean;
  /** Ask for the collection; what it finds is freed in a later task of the host's event loop. */
  collect(): void;
}

export interface EngineOptions {
  /**
   * The interpreter loop's warm-up program (warmup.ts), if no engine of this process has run it yet.
   * Default (undefined): once this engine's program has run a few dozen safe points (Engine.deferWarmUp),
   * so a short program never pays it. `true`: at once, while the engine is made (benchmarks that time
   * only the program's run). `false`: not for this engine (a client that sends its heavy work to an
   * edge server: start-up matters more there).
   */
  warmUp?: boolean;
  /** Maximum depth of guest frames before a guest RangeError (default 100 000). */
  frameLimit?: number;
  /**
   * Compile a function's body to bytecode on its first call, not with its script (default true): a
   * start-up or a restore compiles only what runs. Syntax errors are still reported when the script
   * loads (the whole script is parsed and analysed then). false compiles everything at once.
   */
  lazyCompile?: boolean;
  /** Proper tail calls in strict code (ES2015): tail recursion in constant space, but tail-calling frames vanish from stack traces. Default false. */
  properTailCalls?: boolean;
  /** Receives each console call: the level and the guest arguments (guest-realm values). */
  onConsole?: (level: ConsoleLevel, args: unknown[]) => void;
  /** `process.argv`-like list the CLI hands to the guest as `snapvm.argv` (not `process`). */
  argv?: string[];
  /** Define test262's host hooks: `print`, `$262` (global, evalScript, detachArrayBuffer, gc, createRealm). */
  test262Host?: boolean;
  /** Where `print` writes (test262 host); defaults to onConsole('log', …). */
  onPrint?: (text: string) => void;
  /**
   * The folder ES module files may be loaded from (static imports and `import()`): a file must lie in it,
   * and its real path (symbolic links resolved) in its real path. null: no module files at all (an edge
   * server running strangers' snapshots). Default: any file the process can read (trusted embedders).
   */
  moduleRoot?: string | null;
  /** Folders a module file inside `moduleRoot` may link into (real paths checked): a page's installed packages. */
  moduleLinkRoots?: readonly string[];
  /** Host services to install into the guest realm before any guest code runs (e.g. src/ml's `ort`). */
  services?: HostService[];
  /**
   * A bound on the bytes the guest allocates outside the V8 heap (array buffers, typed arrays,
   * WebAssembly memories): an allocation past it is a guest RangeError (memory-budget.ts). An edge
   * server's sessions have one; without it the guest's constructors are V8's own.
   */
  memoryBudget?: MemoryBudget;
}

/**
 * What a host service (the ML room's `ort`, later WebNN and the DOM) gets to install guest APIs.
 * Everything it hands to guest code must be made through these (realm functions, realm objects,
 * realm errors, guest promises): no host object may reach guest code (DESIGN.md, principle 3).
 */
export interface HostServices {
  /** The guest global object. */
  readonly global: Record<PropertyKey, unknown>;
  /** The realm's Reflect: reads of guest values that may run guest code (getters, proxies) go through it. */
  readonly R: typeof Reflect;
  /** A function of the guest realm whose behaviour is `impl` (a constructor when `construct`). */
  native(name: string, length: number, impl: (thisArg: unknown, args: ArrayLike<unknown>, newTarget: unknown) => unknown, construct?: boolean): Function;
  /** Evaluate engine-written source in the realm (never guest text): factories, captured built-ins. */
  realmEval<T = unknown>(src: string): T;
  /** A guest-realm error of this type. */
  error(type: 'Error' | 'TypeError' | 'RangeError', message: string): Error;
  /** A guest promise settled from the host (settle it with guest values only). */
  newPromise(): { promise: object; resolve(value: unknown): void; reject(reason: unknown): void };
  /** Keep the event loop running until this host work settles (settle the guest promise inside it). */
  track(work: Promise<unknown>): void;
  /**
   * A kind of guest object whose state is a hidden record `R` (made with `proto`), which snapshots
   * write and restore. Records are plain objects whose fields are guest values, plain host arrays
   * and objects of the same sort; a record holding other host state gives `encode` (→ such a record)
   * and `decode` (→ the live record again, synchronously: start async work there and await it later).
   */
  stampedKind<R extends object, E extends object = R>(
    kind: string,
    proto: object,
    codec?: { encode(record: R): E; decode(encoded: E): R },
  ): { get(o: unknown): R | undefined; set(o: object, record: R): void };
}

/**
 * Installs a guest API. `key` names what it installs when that does not depend on the service's
 * options (snapshots compare an engine with a fresh twin made with services of the same keys).
 */
export type HostService = ((host: HostServices) => void) & { readonly key?: string };

/** A guest exception that reached the host: uncaught, unhandled rejection, or a syntax error. */
export class GuestError extends Error {
  constructor(
    /** The thrown guest value. */
    readonly value: unknown,
    /** `Name: message` of the guest error (or the thrown value's string form). */
    readonly summary: string,
    /** The guest stack: summary line then `    at fn (file:line:col)` lines. */
    readonly guestStack: string,
    readonly kind: 'uncaught' | 'unhandled-rejection' | 'syntax',
  ) {
    super(summary);
    this.name = 'GuestError';
  }
}
