// Explicit resource management, its built-ins (ES2026, https://tc39.es/proposal-explicit-resource-management/):
// Symbol.dispose, Symbol.asyncDispose, SuppressedError, DisposableStack, AsyncDisposableStack, and the
// dispose methods of %IteratorPrototype% and %AsyncIteratorPrototype%. (The `using` declarations are syntax:
// the compiler's.) A stack's [[DisposeCapability]] is a plain list of DisposableResource records.
// DisposeResources is written once (`vm.disposal.step`, on a capability in three slots: the `using`
// declarations' registers, or a stack's disposal); a stack's asynchronous disposal is a DisposeJob
// resumed by the engine's promise jobs, one per Await, as the compiled loop of `await using` is.
import type { Engine } from '../engine';
import type { HostCapability } from '../promise';
import { makeStamp } from '../realm';
import { type Ops, isObject, describe } from './common';

// The well-known symbols are one value for every realm of the process (an agent's realms share them).
const symbolDispose: unique symbol = Symbol('Symbol.dispose') as never;
const symbolAsyncDispose: unique symbol = Symbol('Symbol.asyncDispose') as never;

type Hint = 'sync-dispose' | 'async-dispose';

/**
 * https://tc39.es/ecma262/#sec-disposableresource-records. `call` says how [[DisposeMethod]] is called:
 * as `method.call(value)`, as adopt's closure (`method(value)`), or as GetDisposeMethod's closure around
 * a synchronous @@dispose used for async-dispose (its result is a promise settled by the call).
 */
export interface DisposableResource {
  value: unknown;
  hint: Hint;
  method: Function | undefined;
  call: 'method' | 'adopt' | 'sync-as-async';
}

/** A DisposableStack's or AsyncDisposableStack's slots. */
export interface DisposableStackRecord {
  state: 'pending' | 'disposed';
  /** [[DisposeCapability]].[[DisposableResourceStack]] */
  resources: DisposableResource[];
}

/** A stack's DisposeResources suspended at an Await (async-dispose): its capability as `vm.disposal.step` takes it. */
export interface DisposeJob {
  /** [resources as (value, method, mode) triples, the error so far, flags] */
  capability: unknown[];
  promise: HostCapability;
  onFulfilled: Function | null;
  onRejected: Function | null;
}

export function installResourceManagement(engine: Engine, ops: Ops): void {
  const realm = engine.realm;
  const vm = engine.vm;
  const promises = engine.promises;
  const g = realm.global as any;
  const I = realm.intrinsics;
  const syncStacks = makeStamp<DisposableStackRecord>();
  const asyncStacks = makeStamp<DisposableStackRecord>();

  // ---- Symbol.dispose, Symbol.asyncDispose ----------------------------------------------------
  for (const [name, sym] of [
    ['dispose', symbolDispose],
    ['asyncDispose', symbolAsyncDispose],
  ] as const) {
    Object.defineProperty(g.Symbol, name, { value: sym, writable: false, enumerable: false, configurable: false });
  }

  // ---- SuppressedError -----------------------------------------------------------------------
  const ErrorPrototype = I.Error.prototype;
  const SuppressedErrorPrototype = I.objectCreate(ErrorPrototype);
  /** An object with [[ErrorData]] of prototype `proto`, with the guest stack. */
  const newErrorObject = (proto: object): object => {
    const O = ops.R.construct(I.Error, []) as object;
    Object.setPrototypeOf(O, proto);
    vm.setGuestStack(O);
    return O;
  };
  const defineHidden = (O: object, key: string, value: unknown) => Object.defineProperty(O, key, { value, writable: true, enumerable: false, configurable: true });
  /** A newly created SuppressedError object (DisposeResources 3.e.iii.1.c-e), no user code runs. */
  const newSuppressedError = (error: unknown, suppressed: unknown): object => {
    const O = newErrorObject(SuppressedErrorPrototype);
    defineHidden(O, 'error', error);
    defineHidden(O, 'suppressed', suppressed);
    return O;
  };

  /** https://tc39.es/proposal-explicit-resource-management/#sec-suppressederror-constructor */
  const SuppressedError: Function = realm.native(
    'SuppressedError',
    3,
    (_t, a, newTarget) => {
      // 1. If NewTarget is undefined, let newTarget be the active function object.
      const nt = (newTarget ?? SuppressedError) as any;
      // 2. Let O be ? OrdinaryCreateFromConstructor(newTarget, "%SuppressedError.prototype%", « [[ErrorData]] »).
      const proto = nt.prototype;
      const O = newErrorObject(isObject(proto) ? proto : SuppressedErrorPrototype);
      // 3. If message is not undefined, CreateNonEnumerableDataPropertyOrThrow(O, "message", ? ToString(message)).
      if (a[2] !== undefined) defineHidden(O, 'message', ops.toString(a[2]));
      // 4-5. "error" and "suppressed".
      defineHidden(O, 'error', a[0]);
      defineHidden(O, 'suppressed', a[1]);
      return O;
    },
    true,
  );
  Object.setPrototypeOf(SuppressedError, g.Error);
  Object.defineProperty(SuppressedError, 'prototype', { value: SuppressedErrorPrototype, writable: false, enumerable: false, configurable: false });
  ops.defineValue(SuppressedErrorPrototype, 'constructor', SuppressedError);
  ops.defineValue(SuppressedErrorPrototype, 'message', '');
  ops.defineValue(SuppressedErrorPrototype, 'name', 'SuppressedError');
  ops.defineValue(g, 'SuppressedError', SuppressedError);

  // ---- the abstract operations ------------------------------------------------------------------

  /** https://tc39.es/proposal-explicit-resource-management/#sec-getdisposemethod */
  const getDisposeMethod = (V: unknown, hint: Hint): { method: Function | undefined; call: DisposableResource['call'] } => {
    if (hint === 'async-dispose') {
      // 1.a. Let method be ? GetMethod(V, @@asyncDispose).
      const method = ops.getMethod(V, symbolAsyncDispose);
      if (method !== undefined) return { method, call: 'method' };
      // b. Else a synchronous @@dispose, called by a closure that turns its completion into a promise.
      const syncMethod = ops.getMethod(V, symbolDispose);
      return { method: syncMethod, call: 'sync-as-async' };
    }
    // 2.a. Let method be ? GetMethod(V, @@dispose).
    return { method: ops.getMethod(V, symbolDispose), call: 'method' };
  };

  /**
   * https://tc39.es/proposal-explicit-resource-management/#sec-adddisposableresource (without a method)
   * steps 1.a-c: the resource to append, or null for a null or undefined sync-dispose value.
   */
  const createResource = (V: unknown, hint: Hint, missing: string): DisposableResource | null => {
    // 1.a. If V is either null or undefined and hint is sync-dispose, return.
    if ((V === null || V === undefined) && hint === 'sync-dispose') return null;
    // 1.c. Let resource be ? CreateDisposableResource(V, hint).
    if (V === null || V === undefined) return { value: undefined, hint, method: undefined, call: 'method' };
    // CreateDisposableResource 1.b.i. If V is not an Object, throw a TypeError exception.
    if (!isObject(V)) ops.throwType(`${describe(V)} is not an object`);
    // ii-iii. Let method be ? GetDisposeMethod(V, hint); if undefined, throw a TypeError exception.
    const { method, call } = getDisposeMethod(V, hint);
    if (method === undefined) ops.throwType(`${describe(V)} is not disposable${missing}`);
    return { value: V, hint, method, call };
  };
  const addResource = (stack: DisposableStackRecord, V: unknown, hint: Hint): void => {
    const resource = createResource(V, hint, '');
    // 3. Append resource to disposeCapability.[[DisposableResourceStack]].
    if (resource) stack.resources.push(resource);
  };

  // ---- DisposeResources (https://tc39.es/proposal-explicit-resource-management/#sec-disposeresources) ----
  // On a capability in three slots r..r+2: r a list of (value, method, mode) triples (or undefined),
  // r+1 the error so far, r+2 the flags below. For `using` declarations (compiler.ts disposing) the
  // slots are a frame's registers and the list a guest array (so a snapshot holds them); a stack's
  // disposal puts its resources in a host array of its own (stackCapability).
  const HAS_ERROR = 1,
    NEEDS_AWAIT = 2,
    HAS_AWAITED = 4;
  // mode: how [[DisposeMethod]] is called and awaited; ADOPT (a stack's adopt): as method(value), not value.method()
  const SYNC = 0,
    ASYNC = 1,
    SYNC_AS_ASYNC = 2,
    NULL_ASYNC = 3,
    ADOPT = 4;
  const modeOf = (r: DisposableResource): number =>
    (r.method === undefined ? NULL_ASYNC : r.hint === 'sync-dispose' ? SYNC : r.call === 'sync-as-async' ? SYNC_AS_ASYNC : ASYNC) | (r.call === 'adopt' ? ADOPT : 0);
  const joinError = (regs: unknown[], r: number, e: unknown): void => {
    const flags = regs[r + 2] as number;
    regs[r + 1] = flags & HAS_ERROR ? newSuppressedError(e, regs[r + 1]) : e;
    regs[r + 2] = flags | HAS_ERROR;
  };
  const append = (list: object, value: unknown) => {
    const a = list as unknown[];
    Object.defineProperty(a, a.length, { value, writable: true, enumerable: true, configurable: true });
  };
  vm.disposal = {
    add(list, V, async) {
      const resource = createResource(V, async ? 'async-dispose' : 'sync-dispose', `: its Symbol.${async ? 'asyncDispose' : 'dispose'} method is missing`);
      // AddDisposableResource 1.a: a null or undefined `using` value adds nothing.
      if (!resource) return list;
      const mode = modeOf(resource);
      const out = list ?? vm.createArrayFromList([]);
      append(out, resource.value);
      append(out, resource.method);
      append(out, mode);
      return out;
    },
    step(regs, r) {
      const list = regs[r] as unknown[] | undefined;
      let flags = regs[r + 2] as number;
      try {
        // DisposeResources 3: each resource in reverse list order
        while (list && list.length > 0) {
          const n = list.length;
          const mode = (list[n - 1] as number) & ~ADOPT;
          const adopt = ((list[n - 1] as number) & ADOPT) !== 0;
          // d. a sync resource after a null `await using` one: Await(undefined) first
          if (mode === SYNC && flags & NEEDS_AWAIT && !(flags & HAS_AWAITED)) {
            flags &= ~NEEDS_AWAIT;
            return { value: undefined };
          }
          const method = list[n - 2] as Function | undefined;
          const value = list[n - 3];
          list.length = n - 3;
          // f. null or undefined of `await using`: an Await is still needed
          if (mode === NULL_ASYNC) {
            flags |= NEEDS_AWAIT;
            continue;
          }
          let result: unknown;
          try {
            // e.i. Let result be Completion(Call(method, value)) (adopt's closure: onDispose(value))
            result = adopt ? ops.R.apply(method!, undefined, [value]) : ops.R.apply(method!, value, []);
          } catch (e) {
            regs[r + 2] = flags;
            joinError(regs, r, vm.toGuest(e));
            flags = regs[r + 2] as number;
            // GetDisposeMethod's closure turns the throw into a rejected promise, then awaited
            if (mode !== SYNC_AS_ASYNC) continue;
            flags |= HAS_AWAITED;
            return { value: undefined };
          }
          if (mode === SYNC) continue;
          // e.ii. Await(result) (the closure's promise is resolved with undefined); hasAwaited
          flags |= HAS_AWAITED;
          return { value: mode === SYNC_AS_ASYNC ? undefined : result };
        }
        // 4. If needsAwait is true and hasAwaited is false, Await(undefined).
        if (flags & NEEDS_AWAIT && !(flags & HAS_AWAITED)) {
          flags &= ~NEEDS_AWAIT;
          return { value: undefined };
        }
      } finally {
        regs[r + 2] = flags;
      }
      // 7. Return ? completion.
      if (flags & HAS_ERROR) throw regs[r + 1];
      return null;
    },
    join: joinError,
  };

  /** A stack's [[DisposeCapability]] as the capability `vm.disposal.step` takes; the stack's becomes empty (step 6). */
  const stackCapability = (stack: DisposableStackRecord): unknown[] => {
    const list = stack.resources.flatMap((r) => [r.value, r.method, modeOf(r)]);
    stack.resources = [];
    return [list, undefined, 0];
  };

  /** DisposeResources(a stack's capability, NormalCompletion(undefined)), every hint sync-dispose: nothing is awaited. */
  const disposeResourcesSync = (stack: DisposableStackRecord): void => {
    vm.disposal!.step(stackCapability(stack), 0);
  };

  /** DisposeResources(a stack's capability, NormalCompletion(undefined)) settling `promise` when done, resumed after each Await. */
  const disposeResourcesAsync = (stack: DisposableStackRecord, promise: HostCapability): void => {
    const job: DisposeJob = { capability: stackCapability(stack), promise, onFulfilled: null, onRejected: null };
    job.onFulfilled = realm.native('', 1, () => continueDispose(job));
    job.onRejected = realm.native('', 1, (_t, v) => {
      // an awaited disposal rejected: its reason joins the error so far
      joinError(job.capability, 0, v[0]);
      continueDispose(job);
    });
    continueDispose(job);
  };

  /** Dispose until the next Await (then wait for it) or the end (then settle the promise). */
  const continueDispose = (job: DisposeJob): void => {
    let next: { value: unknown } | null;
    try {
      next = vm.disposal!.step(job.capability, 0);
    } catch (e) {
      // 7. Return ? completion.
      job.promise.reject(vm.toGuest(e));
      return;
    }
    if (!next) return job.promise.resolve(undefined);
    let awaited: object;
    try {
      awaited = promises.promiseResolve(promises.Promise, next.value);
    } catch (e) {
      joinError(job.capability, 0, vm.toGuest(e));
      return continueDispose(job);
    }
    promises.performPromiseThen(awaited, job.onFulfilled, job.onRejected);
  };

  // ---- DisposableStack and AsyncDisposableStack ---------------------------------------------------

  const makeStackClass = (async: boolean) => {
    const name = async ? 'AsyncDisposableStack' : 'DisposableStack';
    const stamp = async ? asyncStacks : syncStacks;
    const hint: Hint = async ? 'async-dispose' : 'sync-dispose';
    const proto = I.objectCreate(I.ObjectPrototype) as any;
    const create = (newTarget: unknown): object => {
      // OrdinaryCreateFromConstructor(NewTarget, "%DisposableStack.prototype%", « [[DisposableState]], [[DisposeCapability]] »)
      const p = ops.realm.ops.get(newTarget, 'prototype') as any;
      const o = I.objectCreate(isObject(p) ? p : proto);
      stamp.set(o, { state: 'pending', resources: [] });
      return o;
    };
    const Ctor: Function = realm.native(
      name,
      0,
      (_t, _a, newTarget) => {
        // 1. If NewTarget is undefined, throw a TypeError exception.
        if (newTarget === undefined) ops.throwType(`Constructor ${name} requires 'new'`);
        // 2-5.
        return create(newTarget);
      },
      true,
    );
    Object.defineProperty(Ctor, 'prototype', { value: proto, writable: false, enumerable: false, configurable: false });
    // a stack's slots are a stamped record: a snapshot writes and rebuilds them (src/snapshot)
    vm.registerStampedKind(name, { stamp, proto });
    ops.defineValue(proto, 'constructor', Ctor);
    ops.defineValue(g, name, Ctor);

    /** RequireInternalSlot(this, [[DisposableState]]) */
    const slots = (t: unknown, method: string): DisposableStackRecord => {
      const s = stamp.get(t);
      if (!s) ops.throwType(`${name}.prototype.${method} called on incompatible receiver ${describe(t)}`);
      return s;
    };
    const pending = (t: unknown, method: string): DisposableStackRecord => {
      const s = slots(t, method);
      // If [[DisposableState]] is disposed, throw a ReferenceError exception.
      if (s.state === 'disposed') vm.throwError('ReferenceError', `${name} already disposed`);
      return s;
    };

    // https://tc39.es/proposal-explicit-resource-management/#sec-disposablestack.prototype.adopt
    realm.defineNative(proto, 'adopt', 2, (t, a) => {
      const s = pending(t, 'adopt');
      // 4. If IsCallable(onDispose) is false, throw a TypeError exception.
      if (typeof a[1] !== 'function') ops.throwType(`${describe(a[1])} is not a function`);
      // 5-7. AddDisposableResource(…, undefined, hint, F) where F calls onDispose(value).
      s.resources.push({ value: a[0], hint, method: a[1], call: 'adopt' });
      // 8. Return value.
      return a[0];
    });
    // https://tc39.es/proposal-explicit-resource-management/#sec-disposablestack.prototype.defer
    realm.defineNative(proto, 'defer', 1, (t, a) => {
      const s = pending(t, 'defer');
      if (typeof a[0] !== 'function') ops.throwType(`${describe(a[0])} is not a function`);
      // 5. Perform ? AddDisposableResource(…, undefined, hint, onDispose).
      s.resources.push({ value: undefined, hint, method: a[0], call: 'method' });
      return undefined;
    });
    // https://tc39.es/proposal-explicit-resource-management/#sec-disposablestack.prototype.use
    realm.defineNative(proto, 'use', 1, (t, a) => {
      const s = pending(t, 'use');
      // 4. Perform ? AddDisposableResource(…, value, hint).
      addResource(s, a[0], hint);
      return a[0];
    });
    // https://tc39.es/proposal-explicit-resource-management/#sec-disposablestack.prototype.move
    realm.defineNative(proto, 'move', 0, (t) => {
      const s = pending(t, 'move');
      // 4-6. A new stack of %DisposableStack.prototype% holding this stack's resources.
      const moved = create(Ctor);
      stamp.get(moved)!.resources = s.resources;
      // 7-8. This stack: a new empty capability, and disposed.
      s.resources = [];
      s.state = 'disposed';
      return moved;
    });
    // https://tc39.es/proposal-explicit-resource-management/#sec-get-disposablestack.prototype.disposed
    ops.defineAccessor(proto, 'disposed', (t) => slots(t, 'disposed').state === 'disposed', undefined);

    let dispose: Function;
    if (!async) {
      // https://tc39.es/proposal-explicit-resource-management/#sec-disposablestack.prototype.dispose
      dispose = realm.defineNative(proto, 'dispose', 0, (t) => {
        const s = slots(t, 'dispose');
        // 3. If disposed, return undefined.
        if (s.state === 'disposed') return undefined;
        // 4-5. Set state to disposed; Return ? DisposeResources(…, NormalCompletion(undefined)).
        s.state = 'disposed';
        disposeResourcesSync(s);
        return undefined;
      });
    } else {
      // https://tc39.es/proposal-explicit-resource-management/#sec-asyncdisposablestack.prototype.disposeAsync
      dispose = realm.defineNative(proto, 'disposeAsync', 0, (t) => {
        // 2. Let promiseCapability be ! NewPromiseCapability(%Promise%).
        const capability = promises.newPromise();
        const s = stamp.get(t);
        // 3. Without [[AsyncDisposableState]], reject with a TypeError.
        if (!s) capability.reject(vm.error('TypeError', `${name}.prototype.disposeAsync called on incompatible receiver ${describe(t)}`));
        // 4. If disposed, resolve with undefined.
        else if (s.state === 'disposed') capability.resolve(undefined);
        else {
          // 5-8. Set state to disposed; settle with DisposeResources' completion.
          s.state = 'disposed';
          disposeResourcesAsync(s, capability);
        }
        return capability.promise;
      });
    }
    // DisposableStack.prototype[@@dispose] is dispose; AsyncDisposableStack.prototype[@@asyncDispose] is disposeAsync.
    ops.defineValue(proto, async ? symbolAsyncDispose : symbolDispose, dispose);
    Object.defineProperty(proto, Symbol.toStringTag, { value: name, writable: false, enumerable: false, configurable: true });
  };
  makeStackClass(false);
  makeStackClass(true);

  // ---- %IteratorPrototype%[@@dispose], %AsyncIteratorPrototype%[@@asyncDispose] -----------------

  // https://tc39.es/proposal-explicit-resource-management/#sec-%iteratorprototype%-@@dispose
  realm.defineNative(
    I.IteratorPrototype,
    '[Symbol.dispose]',
    0,
    (t) => {
      // 2. Let return be ? GetMethod(O, "return").
      const ret = ops.getMethod(t, 'return');
      // 3. If return is not undefined, perform ? Call(return, O, « »).
      if (ret !== undefined) ops.R.apply(ret, t, []);
      return undefined;
    },
    symbolDispose,
  );
  // https://tc39.es/proposal-explicit-resource-management/#sec-%asynciteratorprototype%-@@asyncdispose
  const unwrap = realm.native('', 1, () => undefined);
  realm.defineNative(
    I.AsyncIteratorPrototype,
    '[Symbol.asyncDispose]',
    0,
    (t) => {
      // 2. Let promiseCapability be ! NewPromiseCapability(%Promise%).
      const capability = promises.newPromiseCapability(promises.Promise, false);
      try {
        // 3-4. Let return be Completion(GetMethod(O, "return")); IfAbruptRejectPromise.
        const ret = ops.getMethod(t, 'return');
        // 5. If return is undefined, resolve with undefined.
        if (ret === undefined) promises.capabilityResolve(capability, undefined);
        else {
          // 6.a-d. Let result be Completion(Call(return, O)); PromiseResolve(%Promise%, result).
          const result = ops.R.apply(ret, t, []);
          const wrapper = promises.promiseResolve(promises.Promise, result);
          // e-g. PerformPromiseThen(resultWrapper, unwrap (returns undefined), undefined, promiseCapability).
          promises.performPromiseThen(wrapper, unwrap, undefined, capability);
        }
      } catch (e) {
        promises.capabilityReject(capability, vm.toGuest(e));
      }
      return capability.promise;
    },
    symbolAsyncDispose,
  );
}
