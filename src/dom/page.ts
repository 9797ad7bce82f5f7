// A web page running in a snapvm engine. happy-dom is evaluated *inside the guest realm* (a bundle
// built by bundle.ts), so every DOM object is a guest-realm object and leads to the guest's Function;
// its Node imports are capability shims, and the host services it may call are the functions made in
// `services` below — the whole trust boundary of the DOM room. Listeners, animation frames and timers
// are the engine's own records (ListenerRecord, Page.animationFrames, engine.timers), for the snapshot.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { randomFillSync } from 'node:crypto';
import { cachedDataVersionTag } from 'node:v8';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { GuestError } from '../interpreter/index';
// the package's engine (snapshot, safe-point hook): what the offload room drives a page's engine with
import { Engine } from '../index';
import type { ConsoleLevel, HostService, MemoryBudget } from '../interpreter/index';
import { bundlePath } from './bundle';
import { PageCanvases } from './canvas';
import { TYPED_ARRAYS, typedArrayBytes } from '../typed-arrays';
import { capture, restoreWithHostTable, SnapshotError, type RestoreTable, type Snapshot } from '../snapshot/index';
import { Birth, PageCapture, PageRestore, pageSnapshotInfo } from './snapshot';
import { browserForm, type BrowserFormStats } from './browser';
import { atomicWrite, inside, realPaths, withinRoots } from '../paths';

/** One `addEventListener` the page made (guest values as they are). */
export interface ListenerRecord {
  target: object;
  type: string;
  callback: unknown;
  capture: boolean;
  once: boolean;
  passive: boolean;
}

export interface PageOptions {
  /**
   * Folders outside the app's a symbolic link inside it may lead into (the engine's installed packages,
   * e.g. a model package); any other link out of the app's folder is refused.
   */
  linkRoots?: string[];
  /** Receives each console call (guest values); default: the engine's (stdout / stderr). */
  onConsole?: (level: ConsoleLevel, args: unknown[]) => void;
  /** An uncaught error in a script, listener, timer or frame; the page goes on, as a browser's does. Default: its guest stack on stderr. */
  onError?: (error: GuestError) => void;
  /** Wait real time between timers; default false: a virtual clock jumps to the next timer (deterministic, fast). */
  realTime?: boolean;
  width?: number;
  height?: number;
  /** 2D canvas through @napi-rs/canvas (default true; the library loads on the first canvas drawn). */
  canvas?: boolean;
  /** Called after each event-loop turn the page runs (timers, frames), with the turn's number; true stops `wait`. */
  afterTurn?: (turn: number) => boolean | void;
  /** The window's URL when it is not the file's (a restored page keeps its hash). */
  url?: string;
  /** Host services installed before the page's scripts run (src/ml's `ort` and WebNN; `navigator.ml` goes onto the window's navigator). */
  services?: HostService[];
  /** A bound on the bytes the page's scripts allocate outside the V8 heap (EngineOptions.memoryBudget): an edge server's. */
  memoryBudget?: MemoryBudget;
  /**
   * False on an edge server (a stranger's page): the page reads no file at all — fetch and script loads
   * of the app's files fail, modules have no root — and a restore does not look for the page's file.
   * Default true: the app's folder is readable.
   */
  files?: boolean;
}

/** Per page load: where the time went (ms). */
export interface PageTimings {
  /** Reading and evaluating the happy-dom bundle in the realm. */
  bundle: number;
  /** Building the window and making it the guest global. */
  window: number;
  /** Parsing the HTML, running the scripts, DOMContentLoaded and load. */
  load: number;
  /** A restored page: the whole restore, the fresh page in it (bundle, window, birth record), and rebuilding the document. */
  restore?: { total: number; page: number; document: number };
}

/**
 * Built-ins the engine replaced on the guest global whose V8 originals the bundle must not see: the bundle
 * runs in the realm's context, where a free `Map` or `Error` is V8's own, and happy-dom's classes extend them
 * (`class DOMException extends Error`, a listener map `extends Map`, the buffer package's Buffer under
 * Uint8Array), which would hand the originals to guest code as those constructors' [[Prototype]]
 * (test/dom-intrinsics.test.ts). Not here, with why: `Function` (one `new Function('return true')` feature
 * test), `eval` (none), `Proxy` (a proxy shows neither constructor nor prototype; happy-dom's live collections
 * stay V8 proxies, which page snapshots name as DOM objects).
 */
// (ArrayBuffer, SharedArrayBuffer and the typed arrays: with a memory budget the realm's are counted, V8's are not)
const REALM_BUILTINS = [
  'Map',
  'Set',
  'FinalizationRegistry',
  'Error',
  'AggregateError',
  'EvalError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'TypeError',
  'URIError',
  'ArrayBuffer',
  'SharedArrayBuffer',
  ...TYPED_ARRAYS,
];
/** Those this V8 may lack (the bundle then sees none, as it would without them). */
const OPTIONAL_BUILTINS = new Set<string>(['Float16Array']);
const BUNDLE_PARAMS = [
  '__snapvm_services',
  'globalThis',
  'setTimeout',
  'clearTimeout',
  'setInterval',
  'clearInterval',
  'setImmediate',
  'clearImmediate',
  'queueMicrotask',
  'Promise',
  'performance',
  'process',
  'console',
  '__snapvm_AsyncIteratorPrototype',
  ...REALM_BUILTINS,
];

/**
 * The happy-dom bundle compiled once per process (a V8 script is independent of the context it later
 * runs in; this is an immutable build output, not engine state). V8's code cache for it is kept beside
 * the bundle (written after the first page of a process that found none), so later processes skip
 * most of the compile.
 */
let bundleScript: { script: vm.Script; file: string; needsCache: boolean } | undefined;
function compiledBundle(): { script: vm.Script; file: string; needsCache: boolean } {
  if (bundleScript === undefined) {
    const file = bundlePath();
    if (!fs.existsSync(file)) throw new Error(`snapvm: the happy-dom bundle is missing (${file}); run \`npm run build\``);
    const source = `(function (${BUNDLE_PARAMS.join(', ')}) {\n${fs.readFileSync(file, 'utf8')}\nreturn __snapvm_happydom; })`;
    const cacheFile = bundleCacheFile(file);
    let cachedData: Buffer | undefined;
    try {
      if (fs.statSync(cacheFile).mtimeMs >= fs.statSync(file).mtimeMs) cachedData = fs.readFileSync(cacheFile);
    } catch {
      cachedData = undefined;
    }
    const script = new vm.Script(source, { filename: 'happy-dom', cachedData });
    bundleScript = { script, file, needsCache: cachedData === undefined || script.cachedDataRejected === true };
  }
  return bundleScript;
}

/** Where V8's code cache for the bundle is kept: one file per set of V8 flags (as the modules', cli/code-cache.ts), named when read or written. */
function bundleCacheFile(bundle: string): string {
  return `${bundle}.${cachedDataVersionTag()}.v8cache`;
}

/** Write V8's code cache for the bundle (once, atomically: parallel processes may race). */
function saveBundleCache(): void {
  const b = bundleScript;
  if (!b || !b.needsCache) return;
  b.needsCache = false;
  try {
    atomicWrite(bundleCacheFile(b.file), b.script.createCachedData());
  } catch {
    // a read-only install: compile each time
  }
}

/** The page controller (realm/page.js); its `snapshot` half serves page snapshots (snapshot.ts). */
export interface Controller {
  window: object;
  installGlobals(): void;
  snapshot: {
    addListener(target: unknown, type: string, listener: unknown, capture: boolean, once: boolean, passive: boolean): void;
    removeListener(target: unknown, type: string, listener: unknown, capture: boolean): void;
    canvasOf(ctx: object): object | null;
    canvasId(element: object): number;
    context2d(element: object): object;
  };
  PropertySymbol: Record<string, symbol>;
  /** Callbacks of the controller's timers (realm code): a pending fetch, a hashchange, a script a script inserted. */
  deliverFetch: Function;
  fireHashChange: Function;
  runInsertedScript: Function;
  dispatchInput: Function;
  listenerRejected: Function;
  load(html: string): void;
  click(selector: string): boolean;
  type(selector: string, text: string): boolean;
  key(selector: string, key: string): boolean;
  text(selector: string): string | null;
}

const FRAME_MS = 16;

export class Page {
  readonly engine: Engine;
  /** The page's HTML file, and the app's folder: fetch and script loads stay inside it. */
  readonly file: string;
  readonly root: string;
  private readonly linkRoots: string[];
  /** Whether the page may read the app's files (PageOptions.files). */
  private readonly files: boolean;
  readonly url: string;
  /** The window: the guest's global object. */
  readonly window: object;
  readonly listeners: ListenerRecord[] = [];
  /** Ids of engine timers that are animation frames (requestAnimationFrame returns the timer's id). */
  readonly animationFrames = new Set<number>();
  /** Uncaught errors so far (each also went to onError). */
  readonly errors: GuestError[] = [];
  readonly timings: PageTimings = { bundle: 0, window: 0, load: 0 };
  /** The native canvas behind each 2D context the page made (pixels for the snapshot). */
  readonly canvases = new PageCanvases();
  /** The page controller (realm code), for the DOM room. */
  readonly controller: Controller;
  /** What the page was before any script ran (page snapshots name happy-dom's objects by it). */
  readonly birth: Birth;
  private readonly onError: (error: GuestError) => void;
  private readonly afterTurn: ((turn: number) => boolean | void) | undefined;
  /** An afterTurn callback asked to stop (a snapshot with --stop): wait and the steps end. */
  stopped = false;
  /** The engine clock's time when the page was born: the page's clock (performance.now, frame times) counts from it. */
  private clockOrigin: number;

  constructor(file: string, options: PageOptions = {}) {
    this.file = path.resolve(file);
    this.root = path.dirname(this.file);
    this.linkRoots = options.linkRoots ?? [];
    this.files = options.files !== false;
    this.url = pathToFileURL(this.file).href;
    this.onError = options.onError ?? ((e) => void process.stderr.write(`Uncaught ${e.guestStack}\n`));
    this.afterTurn = options.afterTurn;
    // module scripts and their imports (static and import()) come from the app's folder only
    // (none on an edge server: import() of any module file fails there)
    const engine = new Engine({
      onConsole: options.onConsole,
      services: options.services,
      ...(options.memoryBudget ? { memoryBudget: options.memoryBudget } : {}),
      moduleRoot: this.files ? this.root : null,
      moduleLinkRoots: this.linkRoots,
    });
    this.engine = engine;
    engine.timers.realTime = options.realTime ?? false;
    const realm = engine.realm;

    let started = performance.now();
    const services = this.makeServices();
    // The bundle's global environment: the engine's global as it is now (built-ins, the engine's
    // Promise and timers) plus the few Node globals happy-dom reads. Never visible to the guest.
    const hostGlobal = realm.intrinsics.newObject() as Record<string, unknown>;
    for (const key of Reflect.ownKeys(realm.global)) Object.defineProperty(hostGlobal, key, Object.getOwnPropertyDescriptor(realm.global, key)!);
    realm.defineNative(hostGlobal, 'setImmediate', 1, (_t, a) => engine.timers.add(a[0] as Function, sliceArgs(a, 1), 0, false));
    realm.defineNative(hostGlobal, 'clearImmediate', 1, (_t, a) => void (typeof a[0] === 'number' && engine.timers.clear(a[0])));
    this.clockOrigin = engine.timers.now();
    const performanceObject = realm.intrinsics.newObject() as Record<string, unknown>;
    realm.defineNative(performanceObject, 'now', 0, () => this.clock());
    performanceObject.timeOrigin = Date.now();
    const processObject = realm.realmEval(`({ platform: 'linux', arch: 'x64', env: {}, versions: {} })`);
    const factory = compiledBundle().script.runInContext(realm.context) as Function;
    const g = hostGlobal;
    const builtins = REALM_BUILTINS.map((name) => {
      if (typeof g[name] !== 'function' && !OPTIONAL_BUILTINS.has(name)) throw new Error(`snapvm: the guest realm has no ${name} for the happy-dom bundle`);
      return g[name];
    });
    const exports = factory(
      services,
      g,
      g.setTimeout,
      g.clearTimeout,
      g.setInterval,
      g.clearInterval,
      g.setImmediate,
      g.clearImmediate,
      g.queueMicrotask,
      g.Promise,
      performanceObject,
      processObject,
      g.console,
      realm.intrinsics.AsyncIteratorPrototype,
      ...builtins,
    ) as {
      createPage(options: object): Controller;
    };
    this.timings.bundle = performance.now() - started;

    started = performance.now();
    const pageOptions = realm.intrinsics.newObject() as Record<string, unknown>;
    Object.assign(pageOptions, {
      canvas: options.canvas ?? true,
      url: options.url ?? this.url,
      width: options.width ?? 1024,
      height: options.height ?? 768,
      console: realm.global.console,
      performance: performanceObject,
    });
    this.controller = exports.createPage(pageOptions);
    // (a page that makes many canvases has those it dropped collected now and then, in whichever loop runs
    // it: a local run's, the edge client's or the edge worker's; canvas.ts)
    engine.reclaim = this.canvases;
    this.window = this.controller.window;
    // a service's `navigator` (WebNN's, holding `ml`) must not replace the window's: its members move onto it
    const serviceNavigator = realm.global.navigator as object | undefined;
    delete realm.global.navigator;
    engine.adoptGlobal(this.window);
    this.controller.installGlobals();
    // (before the birth record: what services add to the navigator belongs to every page)
    if (serviceNavigator) {
      const navigator = realm.R.get(this.window, 'navigator') as object;
      for (const key of realm.R.ownKeys(serviceNavigator)) realm.R.defineProperty(navigator, key, realm.R.getOwnPropertyDescriptor(serviceNavigator, key)!);
    }
    this.birth = new Birth(this.window, this.controller.PropertySymbol, engine.builtins, {
      deliverFetch: this.controller.deliverFetch,
      fireHashChange: this.controller.fireHashChange,
      runInsertedScript: this.controller.runInsertedScript,
      dispatchInput: this.controller.dispatchInput,
      listenerRejected: this.controller.listenerRejected,
    });
    this.timings.window = performance.now() - started;
    saveBundleCache();
  }

  /** Parse the page's HTML (its file's, or `html`) and run it up to the load event (scripts, DOMContentLoaded, load). */
  load(html?: string): void {
    const started = performance.now();
    html ??= fs.readFileSync(this.file, 'utf8');
    this.controller.load(html);
    this.checkpoint();
    this.timings.load = performance.now() - started;
    // the load is the page's first turn (as a script's main program is)
    this.engine.mainTurnDone = true;
    this.turnDone(1);
  }

  /** Run the event loop (timers, animation frames) for `ms` of the page's clock. */
  async wait(ms: number): Promise<void> {
    const timers = this.engine.timers;
    const end = timers.now() + ms;
    this.checkpoint();
    if (this.stopped) return;
    for (;;) {
      const next = timers.dueBy(end);
      if (!next) break;
      if (timers.realTime && next.due > timers.now()) {
        await sleep(next.due - timers.now());
        continue;
      }
      this.engine.loop.runTurn();
      this.checkpoint();
      if (this.turnDone(this.engine.loop.turn + 1)) return;
      if (this.engine.reclaim?.wanted()) await this.engine.reclaimNow();
    }
    if (timers.realTime) {
      if (end > timers.now()) await sleep(end - timers.now());
    } else if (timers.virtualTime < end) timers.virtualTime = end;
  }

  /** Run the event loop until nothing is left (a page with a frame loop never ends). */
  async runUntilIdle(): Promise<void> {
    for (;;) {
      try {
        await this.engine.runEventLoop((turn) => this.turnDone(turn));
        return;
      } catch (e) {
        this.report(e);
      }
    }
  }

  /** After turn `turn` (the load is turn 1): true once an afterTurn callback asked to stop. */
  private turnDone(turn: number): boolean {
    if (!this.stopped && this.afterTurn?.(turn)) this.stopped = true;
    return this.stopped;
  }

  /** The page's clock (ms): `performance.now()`, and the times animation frames get. */
  clock(): number {
    return this.engine.timers.now() - this.clockOrigin;
  }

  /** Set the page's clock (a restored page goes on from the snapshot's time; before its timers are put back). */
  setClock(ms: number): void {
    const timers = this.engine.timers;
    if (timers.realTime) this.clockOrigin = timers.now() - ms;
    else timers.virtualTime = this.clockOrigin + ms;
  }

  /** Write the page out (between event-loop turns): the heap with the document, listeners, timers, storage, canvases. */
  snapshot(): Snapshot {
    // (no portable section: a page runs in plain JavaScript only in a browser, as its browser form: browserForm())
    return capture(this.engine, null, { host: new PageCapture(this), portable: false });
  }

  /** Write the page out (between turns) as an HTML document a browser opens and continues (browser.ts); SnapshotError when it cannot run in a browser. */
  browserForm(): { html: string; stats: BrowserFormStats } {
    return browserForm(this, new PageCapture(this));
  }

  /**
   * A page from a page snapshot, ready to continue: a fresh page is born from the same file (the app's
   * folder must be where it was), its document is rebuilt from the snapshot, and then its heap. The
   * page's scripts do not run again.
   */
  static restore(code: string, options: PageOptions = {}): Page {
    return Page.restoreHosted(code, options, (page) => new PageRestore(page)).page;
  }

  /** `restore` through the embedder's restore side `host` makes (a page that moves by deltas: delta.ts), also returning the table of what it made by id. */
  static restoreHosted<H extends PageRestore>(code: string, options: PageOptions, makeHost: (page: Page) => H): { page: Page; host: H; table: RestoreTable | null } {
    const started = performance.now();
    const info = pageSnapshotInfo(code);
    let made: { page: Page; host: H; bornMs: number } | undefined;
    const { table } = restoreWithHostTable(code, () => {
      made = Page.bornFor(info, options, makeHost);
      return { engine: made.page.engine, host: made.host };
    });
    const { page, host, bornMs } = made!;
    page.timings.restore = { total: performance.now() - started, page: bornMs, document: host.documentMs };
    return { page, host, table };
  }

  /** A fresh page for the page a snapshot's header names (`info`), with its restore side: born as the page was, before any object is restored. */
  static bornFor<H extends PageRestore>(info: { file: string; url: string } | null, options: PageOptions, makeHost: (page: Page) => H): { page: Page; host: H; bornMs: number } {
    if (!info) throw new SnapshotError('not a page snapshot (its header names no page)');
    const { file, url } = info;
    if (options.files !== false && !fs.existsSync(file)) throw new SnapshotError(`the page's file ${file} is not there: a page is restored beside its app's files`);
    const t = performance.now();
    const page = new Page(file, { ...options, url });
    const bornMs = performance.now() - t;
    return { page, host: makeHost(page), bornMs };
  }

  click(selector: string): boolean {
    const found = this.controller.click(selector);
    this.checkpoint();
    return found;
  }

  type(selector: string, text: string): boolean {
    const found = this.controller.type(selector, text);
    this.checkpoint();
    return found;
  }

  key(selector: string, key: string): boolean {
    const found = this.controller.key(selector, key);
    this.checkpoint();
    return found;
  }

  /**
   * An input step (click, type, key) as a task of the page's event loop, to run before every timer waiting
   * (as the step runs at once when driven directly): an engine timer due now, whose callback is the
   * controller's `dispatchInput` (a birth path) with primitive arguments, so a snapshot carries it and an
   * edge server can run it as a turn (steps.ts `StepInput`). Returns the timer's id.
   */
  queueInput(kind: 'click' | 'type' | 'key', selector: string, text = ''): number {
    const args = this.engine.realm.intrinsics.newArray();
    args.push(kind, selector, text);
    return this.engine.timers.addFirst(this.controller.dispatchInput, args);
  }

  /** The input step a timer runs (queueInput), or null: for naming the handler a turn runs (the offload room's decision). */
  inputOf(timer: { callback: unknown; args: unknown[] }): { kind: string; selector: string } | null {
    if (timer.callback !== this.controller.dispatchInput) return null;
    return { kind: String(timer.args[0]), selector: String(timer.args[1]) };
  }

  /** The text content of the first element matching `selector`, or null. */
  text(selector: string): string | null {
    return this.controller.text(selector);
  }

  /** Drain the microtask queue (a microtask checkpoint), reporting what went uncaught. */
  checkpoint(): void {
    try {
      this.engine.runJobs();
    } catch (e) {
      this.report(e);
    }
  }

  private report(e: unknown): void {
    if (!(e instanceof GuestError)) throw e;
    this.errors.push(e);
    this.onError(e);
  }

  /** A path inside the app's folder for a file: URL, or null. */
  private appFile(url: string): string | null {
    if (!this.files) return null;
    let file: string;
    try {
      file = fileURLToPath(url);
    } catch {
      return null;
    }
    if (!inside(this.root, file)) return null;
    // a symbolic link may lead only into the app's folder or a link root
    let real: string;
    try {
      real = fs.realpathSync(file);
    } catch {
      return file; // not there: reading it fails as it should
    }
    return withinRoots(real, realPaths([this.root, ...this.linkRoots])) ? real : null;
  }

  /**
   * The host services happy-dom and the page controller may call: functions made in the guest realm
   * that take and return primitives or guest values only, and throw guest errors only.
   */
  private makeServices(): object {
    const engine = this.engine;
    const realm = engine.realm;
    const services = realm.intrinsics.newObject();
    const service = (name: string, length: number, impl: (args: ArrayLike<unknown>) => unknown) =>
      realm.defineNative(services, name, length, (_this, args) => {
        try {
          return impl(args);
        } catch (e) {
          if (e instanceof GuestError) throw e.value;
          // a host failure (file system…): its message only, as a guest error
          throw realm.error('Error', e instanceof Error ? e.message : String(e));
        }
      });
    service('randomFill', 1, (a) => {
      // the host's own %TypedArray% getters (a guest may redefine the realm's): no guest code runs here
      const view = typedArrayBytes(a[0]);
      if (view === null) throw realm.error('TypeError', "Failed to execute 'getRandomValues' on 'Crypto': parameter 1 is not an integer typed array");
      randomFillSync(view);
      return undefined;
    });
    // (the bundle's atob, realm/base64.js: happy-dom's HTML entity tables are decoded at load)
    service('decodeBase64', 1, (a) => Buffer.from(String(a[0]), 'base64').toString('latin1'));
    service('compileFunction', 2, (a) => engine.evaluateScript(String(a[0]), String(a[1])));
    service('runScript', 2, (a) => {
      try {
        // a src script is named by its path (error excerpts read it); an inline one by the page's URL
        const url = String(a[1]);
        engine.evaluateScript(String(a[0]), url === this.url ? url : scriptName(url));
      } catch (e) {
        this.report(e);
      }
    });
    service('runModule', 1, (a) => {
      const file = this.appFile(String(a[0]));
      if (file === null || !fs.existsSync(file)) return this.loadError(`Failed to load module script ${String(a[0])}: no such file in the app's folder`);
      try {
        engine.evaluateModule(file);
      } catch (e) {
        this.report(e);
      }
    });
    let inlineModules = 0;
    service('runInlineModule', 1, (a) => {
      // named after the page's file, so that its relative imports resolve in the app's folder
      try {
        engine.evaluateModule(`${this.file}#module-${++inlineModules}`, String(a[0]));
      } catch (e) {
        this.report(e);
      }
    });
    service('checkpoint', 0, () => this.checkpoint());
    service('readAppFile', 1, (a) => {
      const file = this.appFile(String(a[0]));
      if (file === null) return null;
      try {
        return fs.readFileSync(file, 'utf8');
      } catch {
        return null;
      }
    });
    this.canvases.install(service, (bytes, into) => {
      if (!ArrayBuffer.isView(into)) throw new TypeError('getImageData: not a typed array');
      Uint8ClampedArray.prototype.set.call(into, bytes);
    });
    service('toGuest', 1, (a) => engine.vm.toGuest(a[0]));
    service('reportError', 1, (a) => this.report(engine.guestError(a[0], 'uncaught')));
    service('reportLoadError', 1, (a) => this.loadError(String(a[0])));
    service('addListener', 6, (a) => {
      this.listeners.push({ target: a[0] as object, type: String(a[1]), callback: a[2], capture: a[3] === true, once: a[4] === true, passive: a[5] === true });
    });
    service('removeListener', 4, (a) => {
      const i = this.listeners.findIndex((r) => r.target === a[0] && r.type === a[1] && r.callback === a[2] && r.capture === a[3]);
      if (i >= 0) this.listeners.splice(i, 1);
    });
    service('requestAnimationFrame', 1, (a) => {
      // every frame callback requested before a frame boundary runs at that boundary, each as its own
      // turn, with the boundary's time as its timestamp
      const now = this.clock();
      const boundary = (Math.floor(now / FRAME_MS) + 1) * FRAME_MS;
      const args = realm.intrinsics.newArray();
      args.push(boundary);
      const id = engine.timers.add(a[0] as Function, args, boundary - now, false);
      this.animationFrames.add(id);
      for (const old of this.animationFrames) if (!engine.timers.timers.has(old)) this.animationFrames.delete(old);
      return id;
    });
    service('cancelAnimationFrame', 1, (a) => {
      const id = Number(a[0]);
      if (this.animationFrames.delete(id)) engine.timers.clear(id);
    });
    return services;
  }

  private loadError(message: string): undefined {
    const value = this.engine.realm.error('Error', message);
    this.report(new GuestError(value, `Error: ${message}`, `Error: ${message}`, 'uncaught'));
    return undefined;
  }
}

/** Scripts are named by their path on disk (error excerpts read them), inline ones by the page's. */
function scriptName(url: string): string {
  try {
    return url.startsWith('file:') ? fileURLToPath(url) : url;
  } catch {
    return url;
  }
}

function sliceArgs(a: ArrayLike<unknown>, from: number): unknown[] {
  const out: unknown[] = [];
  for (let i = from; i < a.length; i++) out.push(a[i]);
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.ceil(ms)));
}
