// NOT snapvm. A stand-in with the Engine API that runs guest code directly in Node's V8 through
// node:vm, so the conformance runner can be validated on real test262 before the interpreter
// exists, and so every run has a baseline to compare snapvm against (`--engine native`).
//
// It is honest about what it is: no VM, no snapshot, no isolation beyond what node:vm gives
// (which is not a security boundary: see DESIGN.md, principle 3), so the own safety tests are
// expected to fail on it. It does not report unhandled rejections. It needs the process flag
// --experimental-vm-modules for modules and dynamic import(); the runner's workers pass it.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vm from 'node:vm';
import { GuestError, type ConsoleLevel, type EngineOptions } from '../src/interpreter';

// node:vm's module classes are behind --experimental-vm-modules and absent from @types/node's
// default surface in some versions; this is the part used here.
interface VmModule {
  readonly identifier: string;
  readonly status: string;
  readonly error: unknown;
  readonly namespace: object;
  link(linker: (specifier: string, referrer: VmModule) => VmModule | Promise<VmModule>): Promise<void>;
  evaluate(): Promise<void>;
}
interface VmModuleApi {
  SourceTextModule: new (source: string, options: object) => VmModule;
  SyntheticModule: new (exports: string[], evaluate: (this: { setExport(n: string, v: unknown): void }) => void, options: object) => VmModule;
}

/** A parse failure of a module file, kept apart from link and evaluation errors (negative phase). */
class ModuleParseFailure {
  constructor(readonly error: unknown) {}
}

interface Timer {
  handle: NodeJS.Timeout;
  repeat: boolean;
}

export class NativeEngine {
  private readonly options: EngineOptions;
  private readonly realm: NativeRealm;
  /** Module evaluations started by evaluateModule, awaited by runEventLoop. */
  private readonly pending: Promise<void>[] = [];
  private readonly uncaught: GuestError[] = [];
  private readonly timers = new Map<number, Timer>();
  private nextTimerId = 1;
  private wake: (() => void) | undefined;

  constructor(options: EngineOptions = {}) {
    this.options = options;
    this.realm = new NativeRealm(this);
  }

  evaluateScript(source: string, filename = '<script>'): unknown {
    let script: vm.Script;
    try {
      script = this.realm.compileScript(source, filename);
    } catch (e) {
      throw toGuestError(e, 'syntax');
    }
    try {
      return script.runInContext(this.realm.context);
    } catch (e) {
      throw toGuestError(e, 'uncaught');
    }
  }

  evaluateModule(file: string): void {
    const realm = this.realm;
    let root: VmModule;
    try {
      root = realm.loadModule(path.resolve(file));
    } catch (e) {
      throw toGuestError(e instanceof ModuleParseFailure ? e.error : e, 'syntax');
    }
    // Attach the handler now so Node never sees this promise as unhandled.
    const done = realm.evaluateOnce(root).catch((e: unknown) => {
      throw e instanceof ModuleParseFailure ? toGuestError(e.error, 'syntax') : toGuestError(e, 'uncaught');
    });
    done.catch(() => undefined);
    this.pending.push(done);
  }

  async runEventLoop(): Promise<void> {
    for (;;) {
      for (const p of this.pending.splice(0)) await p;
      // Microtasks of the context run on Node's queue; one macrotask turn drains them.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const error = this.uncaught.shift();
      if (error) throw error;
      if (this.pending.length > 0) continue;
      if (this.timers.size === 0) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  // ---- host hooks the realm's bootstrap closes over ----

  print(text: string): void {
    if (this.options.onPrint) this.options.onPrint(text);
    else this.options.onConsole?.('log', [text]);
  }

  console(level: ConsoleLevel, args: unknown[]): void {
    this.options.onConsole?.(level, args);
  }

  setTimer(callback: (...args: unknown[]) => unknown, ms: number, args: unknown[], repeat: boolean): number {
    const id = this.nextTimerId++;
    const fire = (): void => {
      if (!repeat) this.timers.delete(id);
      try {
        callback(...args);
      } catch (e) {
        this.uncaught.push(toGuestError(e, 'uncaught'));
      }
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    };
    const delay = Math.max(0, Number.isFinite(ms) ? ms : 0);
    this.timers.set(id, { handle: repeat ? setInterval(fire, Math.max(1, delay)) : setTimeout(fire, delay), repeat });
    return id;
  }

  clearTimer(id: number): void {
    const timer = this.timers.get(id);
    if (!timer) return;
    this.timers.delete(id);
    if (timer.repeat) clearInterval(timer.handle);
    else clearTimeout(timer.handle);
    if (this.timers.size === 0) {
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    }
  }

  createRealm(): NativeRealm {
    return new NativeRealm(this);
  }
}

// The guest-side half of the host hooks, compiled in each realm. Host functions stay in this
// closure; the guest sees only functions of its own realm.
const BOOTSTRAP = `(function (host) {
  'use strict';
  var g = globalThis;
  function define(o, k, v) {
    Object.defineProperty(o, k, { value: v, writable: true, enumerable: false, configurable: true });
  }
  define(g, 'print', function print(value) { host.print(String(value)); });
  var $262 = {
    global: g,
    evalScript: function evalScript(source) { return host.evalScript(String(source)); },
    detachArrayBuffer: function detachArrayBuffer(buffer) { host.detach(buffer); return null; },
    gc: function gc() { host.gc(); },
    createRealm: function createRealm() { return host.createRealm(); },
  };
  define(g, '$262', $262);
  var console = {};
  ['log', 'info', 'debug', 'warn', 'error'].forEach(function (level) {
    define(console, level, function () { host.console(level, Array.prototype.slice.call(arguments)); });
  });
  define(g, 'console', console);
  function timer(name, repeat) {
    var f = { [name]: function (callback, ms) {
      if (typeof callback !== 'function') throw new TypeError(name + ': callback is not a function');
      return host.setTimer(callback, Number(ms), Array.prototype.slice.call(arguments, 2), repeat);
    } }[name];
    define(g, name, f);
  }
  timer('setTimeout', false);
  timer('setInterval', true);
  define(g, 'clearTimeout', function clearTimeout(id) { host.clearTimer(Number(id)); });
  define(g, 'clearInterval', function clearInterval(id) { host.clearTimer(Number(id)); });
  define(g, 'queueMicrotask', function queueMicrotask(callback) {
    if (typeof callback !== 'function') throw new TypeError('queueMicrotask: callback is not a function');
    Promise.resolve().then(function () { callback(); });
  });
})`;

class NativeRealm {
  readonly context: vm.Context;
  private readonly modules = new Map<string, VmModule>();
  private readonly evaluations = new Map<VmModule, Promise<void>>();
  private readonly errors: { SyntaxError: ErrorConstructor; TypeError: ErrorConstructor; Error: ErrorConstructor };

  constructor(engine: NativeEngine) {
    this.context = vm.createContext(Object.create(null));
    this.errors = vm.runInContext('({ SyntaxError, TypeError, Error })', this.context);
    const install = vm.runInContext(BOOTSTRAP, this.context) as (host: object) => void;
    install({
      print: (text: string) => engine.print(text),
      console: (level: ConsoleLevel, args: unknown[]) => engine.console(level, args),
      evalScript: (source: string) => this.evalScript(source),
      detach: (buffer: unknown) => this.detach(buffer),
      gc: () => this.gc(),
      createRealm: () => vm.runInContext('$262', engine.createRealm().context),
      setTimer: (cb: (...a: unknown[]) => unknown, ms: number, args: unknown[], repeat: boolean) => engine.setTimer(cb, ms, args, repeat),
      clearTimer: (id: number) => engine.clearTimer(id),
    });
  }

  compileScript(source: string, filename: string): vm.Script {
    return new vm.Script(source, {
      filename,
      importModuleDynamically: ((specifier: string) => this.importDynamically(specifier, filename)) as never,
    });
  }

  /** $262.evalScript: a parse error is thrown as this realm's SyntaxError (vm.Script throws the host's). */
  private evalScript(source: string): unknown {
    let script: vm.Script;
    try {
      script = this.compileScript(source, 'evalScript');
    } catch (e) {
      throw new this.errors.SyntaxError(e instanceof Error ? e.message : String(e));
    }
    return script.runInContext(this.context);
  }

  private detach(buffer: unknown): void {
    const isArrayBuffer = vm.runInContext(
      '(function (b) { try { Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, "byteLength").get.call(b); return true; } catch (e) { return false; } })',
      this.context,
    ) as (b: unknown) => boolean;
    if (!isArrayBuffer(buffer)) throw new this.errors.TypeError('detachArrayBuffer: not an ArrayBuffer');
    try {
      structuredClone(buffer, { transfer: [buffer as ArrayBuffer] });
    } catch (e) {
      throw new this.errors.TypeError(`detachArrayBuffer: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private gc(): void {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (!gc) throw new this.errors.Error('$262.gc: run node with --expose-gc');
    gc();
  }

  private vmModules(): VmModuleApi {
    const api = vm as unknown as Partial<VmModuleApi>;
    if (!api.SourceTextModule || !api.SyntheticModule) {
      throw new this.errors.Error('modules need node --experimental-vm-modules (the native stand-in engine)');
    }
    return api as VmModuleApi;
  }

  /** Parses (or returns the cached) module record of an absolute file path. */
  loadModule(file: string): VmModule {
    const cached = this.modules.get(file);
    if (cached) return cached;
    const api = this.vmModules();
    let source: string;
    try {
      source = fs.readFileSync(file, 'utf8');
    } catch {
      throw new this.errors.Error(`Cannot find module '${file}'`);
    }
    let mod: VmModule;
    if (file.endsWith('.json')) {
      const parse = vm.runInContext('JSON.parse', this.context) as (s: string) => unknown;
      const value = parse(source);
      mod = new api.SyntheticModule(
        ['default'],
        function () {
          this.setExport('default', value);
        },
        {
          context: this.context,
          identifier: file,
        },
      );
    } else {
      try {
        mod = new api.SourceTextModule(source, {
          context: this.context,
          identifier: file,
          initializeImportMeta: (meta: { url?: string }) => {
            meta.url = pathToFileURL(file).href;
          },
          importModuleDynamically: (specifier: string) => this.importDynamically(specifier, file),
        });
      } catch (e) {
        throw new ModuleParseFailure(e);
      }
    }
    this.modules.set(file, mod);
    return mod;
  }

  resolveImport(specifier: string, referrerFile: string): VmModule {
    const base = referrerFile.startsWith('<') || referrerFile === 'evalScript' ? process.cwd() : path.dirname(referrerFile);
    return this.loadModule(path.resolve(base, specifier));
  }

  /** Links and evaluates a module once; later callers share the first call's promise. */
  evaluateOnce(mod: VmModule): Promise<void> {
    let done = this.evaluations.get(mod);
    if (!done) {
      done = (async () => {
        if (mod.status === 'unlinked') await mod.link((s, r) => this.resolveImport(s, r.identifier));
        // V8 aborts the process when asked to evaluate a module in any other state (an errored
        // or still-evaluating member of a cycle); Node reports those through mod.error / status.
        if (mod.status === 'linked' || mod.status === 'evaluated') await mod.evaluate();
        if (mod.status === 'errored') throw mod.error;
      })();
      this.evaluations.set(mod, done);
    }
    return done;
  }

  /** import(): Node's vm hands the guest the namespace of the module returned here (or its error). */
  private async importDynamically(specifier: string, referrerFile: string): Promise<VmModule> {
    let mod: VmModule;
    try {
      mod = this.resolveImport(specifier, referrerFile);
    } catch (e) {
      throw e instanceof ModuleParseFailure ? e.error : e;
    }
    // Evaluate after the importing module's own synchronous evaluation, as a native import() does
    // (its loading is always asynchronous); evaluating at once would run the target too early.
    await Promise.resolve();
    try {
      await this.evaluateOnce(mod);
    } catch (e) {
      if (e instanceof ModuleParseFailure) throw e.error;
      if (mod.status !== 'errored') throw e; // a link error; for an evaluation error Node rethrows mod.error
    }
    return mod;
  }
}

/** Wraps a thrown guest value the way snapvm's GuestError does. */
function toGuestError(value: unknown, kind: GuestError['kind']): GuestError {
  if (value instanceof GuestError) return value;
  let summary: string;
  let stack = '';
  try {
    if (value !== null && (typeof value === 'object' || typeof value === 'function')) {
      const v = value as { name?: unknown; message?: unknown; stack?: unknown; constructor?: { name?: unknown } };
      const name = typeof v.name === 'string' ? v.name : String(v.constructor?.name ?? 'Object');
      summary = `${name}: ${String(v.message ?? '')}`;
      if (typeof v.stack === 'string') stack = v.stack;
    } else {
      summary = typeof value === 'symbol' ? value.toString() : String(value);
    }
  } catch {
    summary = '<a thrown value whose description threw>';
  }
  return new GuestError(value, summary, stack || summary, kind);
}
