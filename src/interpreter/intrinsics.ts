// Built-ins the engine owns in the guest realm (DESIGN.md, principle 2): the function constructors
// and eval (their code is interpreted), generator objects (saved frames), Function.prototype.toString
// (source text of interpreted functions), console, and test262's host hooks.
import type { Engine } from './engine';
import type { EngineOptions } from './api';
import type { VM, GeneratorState } from './vm';
import { installModernBuiltins } from './builtins';
import { installMemoryBudget } from './memory-budget';
import { installWeakCollections } from './weak';
import { installSelfHosted } from './selfhosted';
import { nativeSource } from './code';
import { isObject } from './realm';

export function installIntrinsics(engine: Engine, vm: VM, options: EngineOptions): void {
  const realm = engine.realm;
  const g = realm.global as any;
  const I = realm.intrinsics;
  const run = <T>(src: string) => realm.realmEval<T>(src);

  // Generator and async function prototypes: V8's objects, with the engine's behaviour.
  vm.generatorFunctionPrototype = run('Object.getPrototypeOf(function* () {})');
  vm.asyncFunctionPrototype = run('Object.getPrototypeOf(async function () {})');
  vm.asyncGeneratorFunctionPrototype = run('Object.getPrototypeOf(async function* () {})');
  vm.generatorPrototype = (vm.generatorFunctionPrototype as any).prototype;
  vm.asyncGeneratorPrototype = (vm.asyncGeneratorFunctionPrototype as any).prototype;

  // V8's own next/return/throw stay in use for generators of realm code that the engine does not run
  // (a DOM library loaded into the realm, src/dom): a receiver without the engine's record goes to them.
  const gp = vm.generatorPrototype as Record<string, Function>;
  const nativeResume = [gp.next!, gp.throw!, gp.return!];
  const genResume = (thisArg: unknown, value: unknown, mode: number, method: string): unknown => {
    const st = vm.generators.get(thisArg);
    if (!st) return realm.R.apply(nativeResume[mode]!, thisArg, [value]);
    if (st.async) vm.throwError('TypeError', `${method} method called on incompatible receiver ${String(typeof thisArg === 'object' ? '#<Object>' : thisArg)}`);
    return resumeGenerator(vm, st, value, mode);
  };
  realm.defineNative(gp, 'next', 1, (t, a) => genResume(t, a[0], 0, 'Generator.prototype.next'));
  realm.defineNative(gp, 'return', 1, (t, a) => genResume(t, a[0], 2, 'Generator.prototype.return'));
  realm.defineNative(gp, 'throw', 1, (t, a) => genResume(t, a[0], 1, 'Generator.prototype.throw'));
  installAsyncGenerators(engine, vm);

  // Function constructors: the source is parsed and interpreted.
  const makeCtor = (name: string, prefix: string, proto: object) => {
    const ctor = realm.native(
      name,
      1,
      (_t, args, newTarget) => {
        const fn = createDynamicFunction(engine, prefix, Array.prototype.slice.call(args)) as Function;
        // GetPrototypeFromConstructor(newTarget, proto), after the source is parsed (`class F extends Function`)
        if (newTarget !== undefined && newTarget !== ctor) {
          const p = realm.R.get(newTarget as Function, 'prototype');
          if (isObject(p)) realm.R.setPrototypeOf(fn, p);
        }
        return fn;
      },
      true,
    );
    Object.defineProperty(ctor, 'prototype', { value: proto, writable: false, enumerable: false, configurable: false });
    Object.defineProperty(proto, 'constructor', { value: ctor, writable: false, enumerable: false, configurable: true });
    return ctor;
  };
  const FunctionCtor = makeCtor('Function', 'function', I.FunctionPrototype);
  Object.defineProperty(I.FunctionPrototype, 'constructor', { value: FunctionCtor, writable: true, enumerable: false, configurable: true });
  Object.setPrototypeOf(FunctionCtor, I.FunctionPrototype);
  g.Function = FunctionCtor;
  Object.defineProperty(g, 'Function', { enumerable: false });
  const GenFn = makeCtor('GeneratorFunction', 'function*', vm.generatorFunctionPrototype);
  Object.setPrototypeOf(GenFn, FunctionCtor);
  const AsyncFn = makeCtor('AsyncFunction', 'async function', vm.asyncFunctionPrototype);
  Object.setPrototypeOf(AsyncFn, FunctionCtor);
  const AsyncGenFn = makeCtor('AsyncGeneratorFunction', 'async function*', vm.asyncGeneratorFunctionPrototype);
  Object.setPrototypeOf(AsyncGenFn, FunctionCtor);

  // Error constructors: V8 builds the error, the engine gives it a guest stack (V8 captures none: the
  // realm's Error.stackTraceLimit is undefined and fixed, realm.ts, so no host frame ever shows).
  let ErrorWrapper: Function | null = null;
  for (const name of ['Error', 'TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError', 'AggregateError'] as const) {
    const Orig = g[name] as Function;
    const W: Function = realm.native(
      name,
      Orig.length,
      (_t, args, newTarget) => {
        const e = realm.R.construct(Orig, Array.prototype.slice.call(args), (newTarget ?? W) as Function) as object;
        vm.setGuestStack(e);
        return e;
      },
      true,
    );
    Object.defineProperty(W, 'prototype', { value: Orig.prototype, writable: false, enumerable: false, configurable: false });
    Object.defineProperty(Orig.prototype, 'constructor', { value: W, writable: true, enumerable: false, configurable: true });
    if (name === 'Error') {
      ErrorWrapper = W;
      // V8's Error.captureStackTrace(obj), with the guest stack (libraries use it).
      realm.defineNative(W, 'captureStackTrace', 2, (_t, args) => {
        const o = args[0];
        if (o === null || (typeof o !== 'object' && typeof o !== 'function')) vm.throwError('TypeError', 'Invalid argument');
        Object.defineProperty(o, 'stack', { value: `${vm.describeError(o as object)}${vm.stackTrace(10, args[1])}`, writable: true, enumerable: false, configurable: true });
        return undefined;
      });
    } else Object.setPrototypeOf(W, ErrorWrapper);
    Object.defineProperty(g, name, { value: W, writable: true, enumerable: false, configurable: true });
  }
  // WebAssembly's error constructors inherit from %Error%: the guest's, not V8's own (which would hand
  // guest code the constructor whose prepareStackTrace Node consults: test/safety-redteam.test.ts)
  for (const name of ['CompileError', 'LinkError', 'RuntimeError']) {
    const C = g.WebAssembly?.[name];
    if (typeof C === 'function') Object.setPrototypeOf(C, ErrorWrapper);
  }

  // Proxy and bind keep records the engine can read (V8 hides a proxy's target and handler and a
  // bound function's target, this and arguments).
  const OrigProxy = g.Proxy as ProxyConstructor;
  const origBindForProxy = (I.FunctionPrototype as any).bind as Function;
  const ProxyImpl = realm.native(
    'Proxy',
    2,
    (_t, args, newTarget) => {
      if (newTarget === undefined) vm.throwError('TypeError', "Constructor Proxy requires 'new'");
      const p = new OrigProxy(args[0] as object, args[1] as ProxyHandler<object>);
      vm.proxies.set(p, { target: args[0] as object, handler: args[1] as object, revoked: false });
      return p;
    },
    true,
  );
  // %Proxy% is a constructor without a `prototype`: a bound function is one.
  const ProxyW = Reflect.apply(origBindForProxy, ProxyImpl, [undefined]) as Function;
  Object.defineProperty(ProxyW, 'name', { value: 'Proxy', configurable: true });
  realm.defineNative(ProxyW, 'revocable', 2, (_t, args) => {
    const { proxy, revoke } = vm.makeRevocableProxy(args[0], args[1]);
    const result = I.newObject() as any;
    // CreateDataProperty: an assignment could run a setter the guest put on Object.prototype
    Object.defineProperty(result, 'proxy', { value: proxy, writable: true, enumerable: true, configurable: true });
    Object.defineProperty(result, 'revoke', { value: revoke, writable: true, enumerable: true, configurable: true });
    return result;
  });
  /** Proxy.revocable's work, also how a restore rebuilds a revocable proxy and its revoke function. */
  vm.makeRevocableProxy = (target, handler) => {
    const { proxy, revoke } = realm.R.apply(OrigProxy.revocable, OrigProxy, [target, handler]) as { proxy: object; revoke: () => void };
    const record = { target: target as object, handler: handler as object, revoked: false, revocable: true };
    vm.proxies.set(proxy, record);
    const revokeFn = realm.native('', 0, () => {
      record.revoked = true;
      revoke();
      return undefined;
    });
    vm.revokers.set(revokeFn, { proxy, record });
    return { proxy, revoke: revokeFn };
  };
  Object.defineProperty(g, 'Proxy', { value: ProxyW, writable: true, enumerable: false, configurable: true });
  const origBind = (I.FunctionPrototype as any).bind as Function;
  realm.defineNative(I.FunctionPrototype, 'bind', 1, (t, args) => {
    const list = Array.prototype.slice.call(args);
    const bound = realm.R.apply(origBind, t, list) as Function;
    vm.boundFunctions.set(bound, { target: t as Function, boundThis: list[0], boundArgs: list.slice(1) });
    return bound;
  });

  // eval
  const evalFn = realm.native('eval', 1, (_t, args) => engine.indirectEval(args[0]));
  vm.evalFunction = evalFn;
  Object.defineProperty(g, 'eval', { value: evalFn, writable: true, enumerable: false, configurable: true });

  // Function.prototype.toString: source text for interpreted functions.
  const originalToString = (I.FunctionPrototype as any).toString as Function;
  realm.defineNative(I.FunctionPrototype, 'toString', 0, (t) => {
    const rec = vm.closureOf(t);
    if (rec) return rec.code.sourceText || nativeSource(rec.code.name);
    const nat = realm.natives.get(t);
    if (nat) return nativeSource(nat.name);
    if (typeof t !== 'function') vm.throwError('TypeError', "Function.prototype.toString requires that 'this' be a Function");
    const text = realm.R.apply(originalToString, t, []) as string;
    const v8Native = /^function (.*)\(\) \{ \[native code\] \}$/.exec(text);
    return v8Native ? nativeSource(v8Native[1]!) : text;
  });

  // console
  const consoleObj = I.newObject() as any;
  for (const level of ['log', 'info', 'debug', 'warn', 'error'] as const) {
    realm.defineNative(consoleObj, level, 0, (_t, args) => {
      engine.console(level, Array.prototype.slice.call(args));
      return undefined;
    });
  }
  Object.defineProperty(g, 'console', { value: consoleObj, writable: true, enumerable: false, configurable: true });

  installWeakCollections(realm, vm);
  installV8PromiseReturns(engine);
  installModernBuiltins(engine);
  installSelfHosted(engine);
  if (options.argv) {
    // the program's arguments (the CLI's `snapvm run FILE args…`), as guest strings
    const host = I.newObject();
    Object.defineProperty(host, 'argv', { value: vm.createArrayFromList(options.argv.map(String)), writable: false, enumerable: true, configurable: false });
    Object.defineProperty(g, 'snapvm', { value: Object.freeze(host), writable: true, enumerable: false, configurable: true });
  }
  if (options.test262Host) installTest262Host(engine, options);
  // last: the engine's own built-ins above (ArrayBuffer.prototype.transfer) are wrapped too
  if (options.memoryBudget) installMemoryBudget(engine, options.memoryBudget);
}

/**
 * V8's own promise-returning built-ins (WebAssembly.compile/instantiate, Atomics.waitAsync) would hand
 * guests V8's %Promise%: reactions out of the engine's sight, and rejections the engine does not track
 * reach Node's reporter, which calls the reason's inspect hook with host functions (an escape to the
 * host's `process`: test/safety-redteam.test.ts). Each returns an engine promise instead, settled when
 * V8's settles (tracked host work: the event loop waits for it); V8's never reaches guest code. So a
 * waitAsync with no timeout that is never notified holds the loop, as it would a browser tab (on the edge:
 * until the wall-time budget); untracked, a notify from the same agent would settle it after the loop ended.
 */
function installV8PromiseReturns(engine: Engine): void {
  const realm = engine.realm;
  const g = realm.global as any;
  const then = realm.realmEval<Function>('Promise.prototype.then'); // V8's: the context's own global keeps it
  const adopt = (v8Promise: unknown): object => {
    const capability = engine.promises.newPromise();
    const onFulfilled = (v: unknown) => capability.resolve(v);
    const onRejected = (e: unknown) => capability.reject(e);
    engine.loop.track(new Promise<void>((done) => void realm.R.apply(then, v8Promise, [(v: unknown) => (onFulfilled(v), done()), (e: unknown) => (onRejected(e), done())])));
    return capability.promise;
  };
  for (const name of ['compile', 'instantiate'] as const) {
    const original = g.WebAssembly?.[name];
    if (typeof original === 'function') realm.defineNative(g.WebAssembly, name, original.length, (_t, a) => adopt(realm.R.apply(original, g.WebAssembly, a as unknown[])));
  }
  const waitAsync = g.Atomics?.waitAsync;
  if (typeof waitAsync === 'function') {
    realm.defineNative(g.Atomics, 'waitAsync', waitAsync.length, (_t, a) => {
      // (V8's result object, fresh: plain data properties)
      const result = realm.R.apply(waitAsync, g.Atomics, a as unknown[]) as { async: boolean; value: unknown };
      if (result.async) result.value = adopt(result.value);
      return result;
    });
  }
}

export function resumeGenerator(vm: VM, st: GeneratorState, value: unknown, mode: number): unknown {
  if (st.state === 'executing') vm.throwError('TypeError', 'Generator is already running');
  if (st.state === 'completed') {
    if (mode === 1) throw value;
    return vm.iterResult(mode === 2 ? value : undefined, true);
  }
  const f = st.frame!;
  if (st.state === 'suspendedStart') {
    if (mode !== 0) {
      st.state = 'completed';
      st.frame = null;
      if (mode === 1) throw value;
      return vm.iterResult(value, true);
    }
    st.state = 'executing';
    f.boundary = true;
    f.caller = vm.current;
    try {
      return vm.run(f);
    } catch (e) {
      st.state = 'completed';
      st.frame = null;
      throw e;
    }
  }
  st.state = 'executing';
  try {
    return vm.resume(f, value, mode);
  } catch (e) {
    st.state = 'completed';
    st.frame = null;
    throw e;
  }
}

/** CreateDynamicFunction: `new Function(p…, body)` and the generator/async variants. */
function createDynamicFunction(engine: Engine, prefix: string, args: unknown[]): unknown {
  const vm = engine.vm;
  const toStr = (v: unknown) => {
    if (typeof v === 'symbol') vm.throwError('TypeError', 'Cannot convert a Symbol value to a string');
    return engine.realm.ops.toStr(v);
  };
  const params = args.slice(0, -1).map(toStr).join(',');
  const body = args.length ? toStr(args[args.length - 1]) : '';
  const source = `(${prefix} anonymous(${params}\n) {\n${body}\n})`;
  // Parameters and body must each parse on their own: no `}) , (function () {` splicing.
  let ast: any;
  try {
    ast = engine.parse(source, '<anonymous>', 'script');
    const st = ast.body;
    if (st.length !== 1 || st[0].type !== 'ExpressionStatement' || st[0].expression.type !== 'FunctionExpression' || st[0].expression.start !== 1 || st[0].expression.end !== source.length - 1)
      throw Object.assign(new Error('Arguments of Function do not form a function'), { pos: 0 });
    const fnNode = st[0].expression;
    const bodyStart = source.indexOf('\n) {\n');
    if (fnNode.body.start !== bodyStart + 3) throw Object.assign(new Error('Unexpected token in parameter list'), { pos: 0 });
  } catch (e) {
    const msg = (e as any)?.value !== undefined ? null : (e as Error).message;
    if (msg !== null) vm.throwError('SyntaxError', msg);
    throw (e as any).value;
  }
  const code = engine.compileGuest(source.slice(1, -1) === '' ? source : source, 'script', false, false, '<anonymous>');
  const fn = vm.runCode(code, null, engine.realm.global) as Function;
  const rec = vm.closureOf(fn);
  if (rec) (rec.code as { sourceText: string }).sourceText = source.slice(1, -1);

  return fn;
}

/** Async generators (ecma262 §27.6): a request queue in front of a saved frame. */
function installAsyncGenerators(engine: Engine, vm: VM): void {
  const realm = engine.realm;
  const promises = () => engine.promises;
  const host = vm.host as any;

  const drain = (st: GeneratorState) => {
    // AsyncGeneratorDrainQueue / resume next
    while (st.queue.length) {
      const req = st.queue[0]!;
      if (st.state === 'executing') return;
      if (st.state === 'completed') {
        if (req.kind === 0) {
          st.queue.shift();
          req.capability.resolve(vm.iterResult(undefined, true));
          continue;
        }
        if (req.kind === 1) {
          st.queue.shift();
          req.capability.reject(req.value);
          continue;
        }
        // return: await the value, then resolve {value, done: true}
        st.state = 'executing';
        let p: object;
        try {
          p = promises().promiseResolve(promises().Promise, req.value);
        } catch (e) {
          // AsyncGeneratorAwaitReturn step 6: PromiseResolve threw (a broken promise): the request is rejected
          st.state = 'completed';
          st.queue.shift();
          req.capability.reject(vm.toGuest(e));
          continue;
        }
        const onF = realm.native('', 1, (_t, a) => {
          st.state = 'completed';
          st.queue.shift();
          req.capability.resolve(vm.iterResult(a[0], true));
          drain(st);
          return undefined;
        });
        const onR = realm.native('', 1, (_t, a) => {
          st.state = 'completed';
          st.queue.shift();
          req.capability.reject(a[0]);
          drain(st);
          return undefined;
        });
        promises().performPromiseThen(p, onF, onR);
        return;
      }
      if (st.state === 'suspendedStart' && req.kind !== 0) {
        st.state = 'completed';
        st.frame = null;
        continue;
      }
      const f = st.frame!;
      const start = st.state === 'suspendedStart';
      st.state = 'executing';
      if (start) {
        f.boundary = true;
        f.caller = vm.current;
        vm.run(f);
      } else vm.resume(f, req.value, req.kind);
      return;
    }
  };

  host.asyncGeneratorYield = (st: GeneratorState, value: unknown) => {
    st.state = 'suspendedYield';
    const req = st.queue.shift()!;
    req.capability.resolve(vm.iterResult(value, false));
    // ES2025 AsyncGeneratorYield steps 10-11: a request already queued resumes the generator now,
    // without suspending it (the VM pushes it as a resumption and goes on in the frame)
    if (!st.queue.length) return null;
    st.state = 'executing';
    const next = st.queue[0]!;
    return { value: next.value, kind: next.kind };
  };
  host.asyncGeneratorComplete = (st: GeneratorState, value: unknown, isThrow: boolean) => {
    st.state = 'completed';
    const req = st.queue.shift();
    if (req) {
      if (isThrow) req.capability.reject(value);
      else req.capability.resolve(vm.iterResult(value, true));
    }
    if (st.queue.length) engine.queue.enqueue({ kind: 'microtask', callback: realm.native('', 0, () => (drain(st), undefined)) });
  };
  host.createAsyncFromSyncIterator = (sync: { iterator: any; next: any; done: boolean }) => {
    const obj = realm.intrinsics.objectCreate(realm.intrinsics.AsyncIteratorPrototype) as any;
    // https://tc39.es/ecma262/#sec-asyncfromsynciteratorcontinuation: the unwrapping reaction settles the
    // promise returned (step 12's PerformPromiseThen with promiseCapability), not a promise it is resolved with
    // (that took two more ticks and a `then` lookup)
    /** A promise rejected with `e` (IfAbruptRejectPromise). */
    const rejected = (e: unknown) => {
      const cap = promises().newPromise();
      cap.reject(vm.toGuest(e));
      return cap.promise;
    };
    // (closeOnRejection, next and throw: a value whose PromiseResolve throws closes the sync iterator first)
    const wrap = (r: any, closeOnRejection = true) => {
      try {
        if (r === null || (typeof r !== 'object' && typeof r !== 'function')) vm.throwError('TypeError', 'iterator result is not an object');
        const done = !!realm.ops.get(r, 'done');
        const value = realm.ops.get(r, 'value');
        let p: object;
        try {
          p = promises().promiseResolve(promises().Promise, value);
        } catch (e) {
          if (!done && closeOnRejection) vm.iteratorCloseOnThrow(sync);
          throw e;
        }
        const onF = realm.native('', 1, (_t, a) => vm.iterResult(a[0], done));
        const onR = done
          ? undefined
          : realm.native('', 1, (_t, a) => {
              try {
                vm.iteratorCloseOnThrow(sync);
              } catch {
                /* ignore */
              }
              throw a[0];
            });
        return promises().performPromiseThen(p, onF, onR, promises().newPromiseCapability(promises().Promise, false))!;
      } catch (e) {
        return rejected(e);
      }
    };
    realm.defineNative(obj, 'next', 1, (_t, a) => {
      try {
        return wrap(realm.R.apply(sync.next, sync.iterator, a.length ? [a[0]] : []));
      } catch (e) {
        return rejected(e);
      }
    });
    realm.defineNative(obj, 'return', 1, (_t, a) => {
      try {
        const ret = vm.getV(sync.iterator, 'return');
        if (ret === undefined || ret === null) {
          const cap = promises().newPromise();
          cap.resolve(vm.iterResult(a[0], true));
          return cap.promise;
        }
        return wrap(realm.R.apply(ret as Function, sync.iterator, a.length ? [a[0]] : []), false);
      } catch (e) {
        return rejected(e);
      }
    });
    realm.defineNative(obj, 'throw', 1, (_t, a) => {
      try {
        const th = vm.getV(sync.iterator, 'throw');
        if (th === undefined || th === null) {
          // IteratorClose with a normal completion: an error of `return` rejects instead of the TypeError
          vm.iteratorClose(sync);
          vm.throwError('TypeError', "The iterator does not provide a 'throw' method");
        }
        return wrap(realm.R.apply(th as Function, sync.iterator, a.length ? [a[0]] : []));
      } catch (e) {
        return rejected(e);
      }
    });
    return { iterator: obj, next: obj.next, done: false };
  };

  const enqueue = (thisArg: unknown, value: unknown, kind: number, method: string) => {
    const cap = promises().newPromise();
    const st = vm.generators.get(thisArg);
    if (!st || !st.async) {
      cap.reject(vm.error('TypeError', `${method} method called on incompatible receiver`));
      return cap.promise;
    }
    st.queue.push({ kind, value, capability: { promise: cap.promise, resolve: (v) => cap.resolve(v), reject: (r) => cap.reject(r) } });
    if (st.state !== 'executing') {
      try {
        drain(st);
      } catch (e) {
        /* errors are delivered through the request promises */
        void e;
      }
    }
    return cap.promise;
  };
  const agp = vm.asyncGeneratorPrototype;
  realm.defineNative(agp, 'next', 1, (t, a) => enqueue(t, a[0], 0, 'AsyncGenerator.prototype.next'));
  realm.defineNative(agp, 'return', 1, (t, a) => enqueue(t, a[0], 2, 'AsyncGenerator.prototype.return'));
  realm.defineNative(agp, 'throw', 1, (t, a) => enqueue(t, a[0], 1, 'AsyncGenerator.prototype.throw'));
}

/** test262's INTERPRETING.md host hooks. */
function installTest262Host(engine: Engine, options: EngineOptions): void {
  const realm = engine.realm;
  const g = realm.global as any;
  const print = realm.native('print', 1, (_t, args) => {
    const text = engine.format(Array.prototype.slice.call(args));
    if (options.onPrint) options.onPrint(text);
    else engine.console('log', Array.prototype.slice.call(args));
    return undefined;
  });
  Object.defineProperty(g, 'print', { value: print, writable: true, enumerable: false, configurable: true });
  const $262 = realm.intrinsics.newObject() as any;
  $262.global = g;
  realm.defineNative($262, 'evalScript', 1, (_t, args) => engine.evaluateScriptGuest(String(args[0])));
  realm.defineNative($262, 'detachArrayBuffer', 1, (_t, args) => {
    structuredClone(args[0], { transfer: [args[0] as ArrayBuffer] });
    return null;
  });
  realm.defineNative($262, 'gc', 0, () => undefined);
  realm.defineNative($262, 'createRealm', 0, () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Engine } = require('./engine') as typeof import('./engine');
    const other = new Engine({ ...options, test262Host: true });
    return (other.realm.global as any).$262;
  });
  $262.agent = undefined;
  delete $262.agent;
  Object.defineProperty(g, '$262', { value: $262, writable: true, enumerable: false, configurable: true });
}
