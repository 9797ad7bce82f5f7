// The Promise built-in (ecma262 §27.2), implemented by the engine because V8 hides a promise's state
// and reactions from a snapshot. A promise is an ordinary realm object stamped with a PromiseRecord;
// reactions and jobs are plain records in the engine's JobQueue; every built-in closure the spec
// creates (resolving functions, executors, combinator elements, finally callbacks) is a realm arrow
// whose whole state is a BuiltinClosure record stamped on it.
import { types } from 'node:util';
import { isObject, makeStamp, type ErrorType, type Realm } from './realm';
import { SafepointStop } from './vm';
import type { AwaitHandler, JobQueue, PromiseCapability, PromiseReaction, PromiseReactionJob, PromiseResolveThenableJob, ReactionHandler } from './jobs';

export type { AwaitHandler, PromiseCapability, PromiseReaction, ReactionHandler } from './jobs';

/** https://tc39.es/ecma262/#sec-properties-of-promise-instances */
export interface PromiseRecord {
  state: 'pending' | 'fulfilled' | 'rejected';
  result: unknown;
  /** NON-SPEC (allocation): `undefined` stands for an empty List, and for the spec's undefined once settled. */
  fulfillReactions: PromiseReaction[] | undefined;
  rejectReactions: PromiseReaction[] | undefined;
  isHandled: boolean;
}

export interface PromiseHooks {
  /** Resume the VM frame saved in `continuation` (an AwaitHandler's reaction, or an `await` job). */
  resumeAwait?(continuation: unknown, value: unknown, rejected: boolean): void;
  /** https://tc39.es/ecma262/#sec-host-promise-rejection-tracker */
  rejectionTracker?(promise: object, operation: 'reject' | 'handle'): void;
  /** `then` ran (the guest's, or the host's own `await` of a guest promise, which V8 makes a call of `then`). */
  thenCalled?(): void;
}

/** A host-side capability for a promise of the intrinsic %Promise% (async functions, host services). */
export interface HostCapability {
  promise: object;
  resolve(value: unknown): void;
  reject(reason: unknown): void;
}

type Flag = { value: boolean };
type Counter = { value: number };

/** The state of each built-in function the spec creates with CreateBuiltinFunction inside §27.2. */
export type BuiltinClosure =
  | { kind: 'resolve'; promise: object; alreadyResolved: Flag }
  | { kind: 'reject'; promise: object; alreadyResolved: Flag }
  | { kind: 'executor'; capability: { resolve: unknown; reject: unknown } }
  | { kind: 'allResolveElement'; alreadyCalled: Flag; index: number; values: unknown[]; capability: PromiseCapability; remainingElements: Counter }
  | {
      kind: 'allSettledElement';
      status: 'fulfilled' | 'rejected';
      alreadyCalled: Flag;
      index: number;
      values: unknown[];
      capability: PromiseCapability;
      remainingElements: Counter;
    }
  | { kind: 'anyRejectElement'; alreadyCalled: Flag; index: number; errors: unknown[]; capability: PromiseCapability; remainingElements: Counter }
  | { kind: 'thenFinally' | 'catchFinally'; onFinally: Function; constructor: object }
  | { kind: 'valueThunk'; value: unknown }
  | { kind: 'thrower'; reason: unknown };

/** Arity of each closure kind (its `length`); every one has the name "". */
const closureLength: Record<BuiltinClosure['kind'], 0 | 1 | 2> = {
  resolve: 1,
  reject: 1,
  executor: 2,
  allResolveElement: 1,
  allSettledElement: 1,
  anyRejectElement: 1,
  thenFinally: 1,
  catchFinally: 1,
  valueThunk: 0,
  thrower: 0,
};

// Stamps are keys (private names), not state: what they mark lives on the objects themselves.
const promiseRecords = makeStamp<PromiseRecord>();
const closureRecords = makeStamp<BuiltinClosure>();
const realmPromises = makeStamp<PromiseIntrinsics>();
const DONE: unique symbol = Symbol('IteratorStepValue DONE');

interface IteratorRecord {
  iterator: object;
  nextMethod: unknown;
  done: boolean;
}

/** https://tc39.es/ecma262/#sec-ispromise */
export function isPromise(v: unknown): boolean {
  return promiseRecords.get(v) !== undefined;
}

export function getPromiseRecord(p: unknown): PromiseRecord | undefined {
  return promiseRecords.get(p);
}

/** The record behind a resolving function, executor, combinator element or finally callback. */
export function getBuiltinClosureRecord(f: unknown): BuiltinClosure | undefined {
  return closureRecords.get(f);
}

export function getPromiseIntrinsics(realm: Realm): PromiseIntrinsics {
  const p = realmPromises.get(realm);
  if (!p) throw new Error('snapvm invariant: installPromise(realm, …) has not run for this realm');
  return p;
}

/** https://tc39.es/ecma262/#sec-promise-resolve */
export function promiseResolve(realm: Realm, C: object, x: unknown): object {
  return getPromiseIntrinsics(realm).promiseResolve(C, x);
}

/** Define `Promise` on the realm's global and register the promise jobs with `queue`. */
export function installPromise(realm: Realm, queue: JobQueue, hooks: PromiseHooks): PromiseIntrinsics {
  const intrinsics = new PromiseIntrinsics(realm, queue, hooks);
  realmPromises.set(realm, intrinsics);
  Object.defineProperty(realm.global, 'Promise', { value: intrinsics.Promise, writable: true, enumerable: false, configurable: true });
  return intrinsics;
}

/** Short description of a value for error messages, without running guest code (V8's wording). */
function describe(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'symbol') return v.toString();
  if (typeof v === 'function') return 'function';
  if (isObject(v)) return Array.isArray(v) ? 'array' : '#<Object>';
  return String(v);
}

export class PromiseIntrinsics {
  /** The realm's Reflect: guest code it triggers runs in the guest realm (see RealmOps in realm.ts). */
  private readonly R: typeof Reflect;
  /** %Promise% and %Promise.prototype% of this realm. */
  readonly Promise: Function;
  readonly PromisePrototype: object;
  private readonly closureFactories: readonly [(r: BuiltinClosure) => Function, (r: BuiltinClosure) => Function, (r: BuiltinClosure) => Function];
  private readonly settledObject: (fulfilled: boolean, x: unknown) => object;
  private readonly resolversObject: (promise: object, resolve: unknown, reject: unknown) => object;
  // A proxy with this handler is constructible exactly when its target is (IsConstructor, unobservably).
  private readonly constructProbe: ProxyHandler<Function> = { construct: () => ({}) };

  constructor(
    readonly realm: Realm,
    readonly queue: JobQueue,
    readonly hooks: PromiseHooks,
  ) {
    this.R = realm.R;
    const dispatch = (rec: BuiltinClosure, a0: unknown, a1: unknown): unknown => {
      try {
        return this.callBuiltinClosure(rec, a0, a1);
      } catch (e) {
        throw this.guestError(e);
      }
    };
    // Arrows: not constructors, no `prototype`, own `length` then `name` (""), as CreateBuiltinFunction makes.
    const factories = realm.realmEval<(impl: typeof dispatch) => ArrayLike<(r: BuiltinClosure) => Function>>(
      `(function (impl) { 'use strict'; return [
        function (r) { return () => impl(r, undefined, undefined); },
        function (r) { return (a0) => impl(r, a0, undefined); },
        function (r) { return (a0, a1) => impl(r, a0, a1); },
      ]; })`,
    )(dispatch);
    this.closureFactories = [factories[0]!, factories[1]!, factories[2]!];
    this.settledObject = realm.realmEval(`(function (fulfilled, x) { 'use strict'; return fulfilled ? { status: 'fulfilled', value: x } : { status: 'rejected', reason: x }; })`);
    this.resolversObject = realm.realmEval(`(function (promise, resolve, reject) { 'use strict'; return { promise: promise, resolve: resolve, reject: reject }; })`);

    const construct = (args: ArrayLike<unknown>, newTarget: unknown): object => {
      try {
        return this.promiseConstructor(args[0], newTarget);
      } catch (e) {
        throw this.guestError(e);
      }
    };
    // A derived class constructor creates no `this` before its body runs, so NewTarget.prototype is
    // read once, by OrdinaryCreateFromConstructor below, after the executor check (the spec's order).
    const C = realm.realmEval<(impl: typeof construct) => Function>(
      `(function (impl) { 'use strict'; return class Promise extends null { constructor(executor) { return impl(arguments, new.target); } }; })`,
    )(construct);
    this.Promise = C;
    const proto = (C as unknown as { prototype: object }).prototype;
    Object.setPrototypeOf(proto, realm.intrinsics.ObjectPrototype);
    this.PromisePrototype = proto;
    realm.natives.set(C, { name: 'Promise', impl: (_t, args, nt) => construct(args, nt) });
    this.defineStatics(C);
    this.definePrototype(proto);

    queue.setRunner('promiseReaction', (job) => this.promiseReactionJob(job));
    queue.setRunner('promiseResolveThenable', (job) => this.promiseResolveThenableJob(job));
    queue.setRunner('await', (job) => this.resumeAwait(job.continuation, job.value, job.rejected));
  }

  // ---- installation -------------------------------------------------------------------------

  private method(target: object, name: string, length: number, impl: (thisArg: unknown, args: ArrayLike<unknown>) => unknown): void {
    this.realm.defineNative(target, name, length, (thisArg, args) => {
      try {
        return impl(thisArg, args);
      } catch (e) {
        throw this.guestError(e);
      }
    });
  }

  private defineStatics(C: Function): void {
    this.method(C, 'all', 1, (C, args) => this.combinator(C, args[0], (it, C, cap, res) => this.performPromiseAll(it, C, cap, res)));
    this.method(C, 'allSettled', 1, (C, args) => this.combinator(C, args[0], (it, C, cap, res) => this.performPromiseAllSettled(it, C, cap, res)));
    this.method(C, 'any', 1, (C, args) => this.combinator(C, args[0], (it, C, cap, res) => this.performPromiseAny(it, C, cap, res)));
    this.method(C, 'race', 1, (C, args) => this.combinator(C, args[0], (it, C, cap, res) => this.performPromiseRace(it, C, cap, res)));
    // https://tc39.es/ecma262/#sec-promise.reject
    this.method(C, 'reject', 1, (C, args) => {
      const capability = this.newPromiseCapability(C, false);
      this.capabilityReject(capability, args[0]);
      return capability.promise;
    });
    // https://tc39.es/ecma262/#sec-promise.resolve
    this.method(C, 'resolve', 1, (C, args) => {
      if (!isObject(C)) this.realm.throw('TypeError', 'PromiseResolve called on non-object');
      return this.promiseResolve(C, args[0]);
    });
    // https://tc39.es/ecma262/#sec-promise.try
    this.method(C, 'try', 1, (C, args) => {
      if (!isObject(C)) this.realm.throw('TypeError', 'Promise.try called on non-object');
      const capability = this.newPromiseCapability(C, false);
      const rest: unknown[] = [];
      for (let i = 1; i < args.length; i++) rest.push(args[i]);
      let value: unknown;
      try {
        if (typeof args[0] !== 'function') this.realm.throw('TypeError', `${describe(args[0])} is not a function`);
        value = this.R.apply(args[0], undefined, rest);
      } catch (e) {
        this.capabilityReject(capability, this.guestError(e));
        return capability.promise;
      }
      this.capabilityResolve(capability, value);
      return capability.promise;
    });
    // https://tc39.es/ecma262/#sec-promise.withResolvers
    this.method(C, 'withResolvers', 0, (C) => {
      const capability = this.newPromiseCapability(C, true);
      return this.resolversObject(capability.promise, capability.resolve, capability.reject);
    });
    // https://tc39.es/ecma262/#sec-get-promise-%symbol.species%
    const species = this.realm.native('get [Symbol.species]', 0, (thisArg) => thisArg);
    Object.defineProperty(C, Symbol.species, { get: species as () => unknown, set: undefined, enumerable: false, configurable: true });
  }

  private definePrototype(proto: object): void {
    // https://tc39.es/ecma262/#sec-promise.prototype.catch
    this.method(proto, 'catch', 1, (promise, args) => this.invoke(promise, 'then', [undefined, args[0]]));
    // https://tc39.es/ecma262/#sec-promise.prototype.finally
    this.method(proto, 'finally', 1, (promise, args) => {
      if (!isObject(promise)) this.realm.throw('TypeError', `Method Promise.prototype.finally called on incompatible receiver ${describe(promise)}`);
      const C = this.speciesConstructor(promise, this.Promise);
      const onFinally = args[0];
      let thenFinally: unknown = onFinally;
      let catchFinally: unknown = onFinally;
      if (typeof onFinally === 'function') {
        thenFinally = this.makeBuiltinClosure({ kind: 'thenFinally', onFinally, constructor: C });
        catchFinally = this.makeBuiltinClosure({ kind: 'catchFinally', onFinally, constructor: C });
      }
      return this.invoke(promise, 'then', [thenFinally, catchFinally]);
    });
    // https://tc39.es/ecma262/#sec-promise.prototype.then
    this.method(proto, 'then', 2, (promise, args) => {
      if (!isPromise(promise)) this.realm.throw('TypeError', `Method Promise.prototype.then called on incompatible receiver ${describe(promise)}`);
      const C = this.speciesConstructor(promise as object, this.Promise);
      const resultCapability = this.newPromiseCapability(C, false);
      const onFulfilled = typeof args[0] === 'function' ? args[0] : undefined;
      const onRejected = typeof args[1] === 'function' ? args[1] : undefined;
      const result = this.performPromiseThenRaw(promise as object, onFulfilled, onRejected, resultCapability);
      this.hooks.thenCalled?.();
      return result;
    });
    Object.defineProperty(proto, Symbol.toStringTag, { value: 'Promise', writable: false, enumerable: false, configurable: true });
  }

  // ---- promise objects ----------------------------------------------------------------------

  /** https://tc39.es/ecma262/#sec-promise-executor */
  private promiseConstructor(executor: unknown, newTarget: unknown): object {
    // 1. If NewTarget is undefined, throw a TypeError exception.
    if (newTarget === undefined) this.realm.throw('TypeError', "Promise constructor cannot be invoked without 'new'");
    // 2. If IsCallable(executor) is false, throw a TypeError exception.
    if (typeof executor !== 'function') this.realm.throw('TypeError', `Promise resolver ${describe(executor)} is not a function`);
    // 3-7. OrdinaryCreateFromConstructor(NewTarget, "%Promise.prototype%", …)
    const promise = this.createPromise(this.getPrototypeFromConstructor(newTarget as object));
    // 8. Let resolvingFunctions be CreateResolvingFunctions(promise).
    const { resolve, reject } = this.createResolvingFunctions(promise);
    // 9-10. Call the executor; an abrupt completion rejects through resolvingFunctions.[[Reject]].
    try {
      this.R.apply(executor, undefined, [resolve, reject]);
    } catch (e) {
      const rec = closureRecords.get(reject) as Extract<BuiltinClosure, { kind: 'reject' }>;
      this.rejectFunction(rec, this.guestError(e));
    }
    return promise;
  }

  /** https://tc39.es/ecma262/#sec-getprototypefromconstructor */
  private getPrototypeFromConstructor(constructor: object): object {
    const proto = this.R.get(constructor, 'prototype');
    // NON-SPEC: one realm, so GetFunctionRealm(constructor) is always this one.
    return isObject(proto) ? proto : this.PromisePrototype;
  }

  /** A pending promise of the given prototype (default %Promise.prototype%), or one with a given record (restore). */
  createPromise(proto: object = this.PromisePrototype, record?: PromiseRecord): object {
    const promise = this.realm.intrinsics.objectCreate(proto);
    promiseRecords.set(promise, record ?? { state: 'pending', result: undefined, fulfillReactions: undefined, rejectReactions: undefined, isHandled: false });
    return promise;
  }

  /** https://tc39.es/ecma262/#sec-createresolvingfunctions */
  createResolvingFunctions(promise: object): { resolve: Function; reject: Function } {
    const alreadyResolved = { value: false };
    return {
      resolve: this.makeBuiltinClosure({ kind: 'resolve', promise, alreadyResolved }),
      reject: this.makeBuiltinClosure({ kind: 'reject', promise, alreadyResolved }),
    };
  }

  /** The realm function for a closure record (also how a restore rebuilds one). */
  makeBuiltinClosure(rec: BuiltinClosure): Function {
    const fn = this.closureFactories[closureLength[rec.kind]](rec);
    closureRecords.set(fn, rec);
    return fn;
  }

  private callBuiltinClosure(rec: BuiltinClosure, a0: unknown, a1: unknown): unknown {
    switch (rec.kind) {
      case 'resolve':
        return this.resolveFunction(rec, a0);
      case 'reject':
        return this.rejectFunction(rec, a0);
      case 'executor':
        return this.capabilitiesExecutor(rec, a0, a1);
      case 'allResolveElement':
        return this.allResolveElement(rec, a0);
      case 'allSettledElement':
        return this.allSettledElement(rec, a0);
      case 'anyRejectElement':
        return this.anyRejectElement(rec, a0);
      case 'thenFinally':
      case 'catchFinally':
        return this.finallyFunction(rec, a0);
      case 'valueThunk':
        return rec.value;
      case 'thrower':
        throw rec.reason;
      default: {
        const never: never = rec;
        throw new Error(`snapvm invariant: unknown promise closure ${(never as BuiltinClosure).kind}`);
      }
    }
  }

  /** https://tc39.es/ecma262/#sec-promise-resolve-functions */
  private resolveFunction(rec: Extract<BuiltinClosure, { kind: 'resolve' }>, resolution: unknown): undefined {
    if (rec.alreadyResolved.value) return undefined;
    rec.alreadyResolved.value = true;
    this.resolvePromise(rec.promise, resolution);
    return undefined;
  }

  /** https://tc39.es/ecma262/#sec-promise-reject-functions */
  private rejectFunction(rec: Extract<BuiltinClosure, { kind: 'reject' }>, reason: unknown): undefined {
    if (rec.alreadyResolved.value) return undefined;
    rec.alreadyResolved.value = true;
    this.rejectPromise(rec.promise, reason);
    return undefined;
  }

  /**
   * Steps 7-16 of a promise resolve function: what happens once a resolution is accepted. The caller
   * guarantees the alreadyResolved check (the VM for its own async-function promises).
   */
  resolvePromise(promise: object, resolution: unknown): void {
    if (resolution === promise) {
      this.rejectPromise(promise, this.realm.error('TypeError', 'Chaining cycle detected for promise #<Promise>'));
      return;
    }
    if (!isObject(resolution)) {
      this.fulfillPromise(promise, resolution);
      return;
    }
    let then: unknown;
    try {
      then = this.R.get(resolution, 'then');
    } catch (e) {
      this.rejectPromise(promise, this.guestError(e));
      return;
    }
    if (typeof then !== 'function') {
      this.fulfillPromise(promise, resolution);
      return;
    }
    const job: PromiseResolveThenableJob = { kind: 'promiseResolveThenable', promiseToResolve: promise, thenable: resolution, then };
    this.queue.enqueue(job);
  }

  /** https://tc39.es/ecma262/#sec-fulfillpromise */
  fulfillPromise(promise: object, value: unknown): void {
    const record = this.pendingRecord(promise);
    const reactions = record.fulfillReactions;
    record.result = value;
    record.fulfillReactions = undefined;
    record.rejectReactions = undefined;
    record.state = 'fulfilled';
    if (reactions) this.triggerPromiseReactions(reactions, value);
  }

  /** https://tc39.es/ecma262/#sec-rejectpromise */
  rejectPromise(promise: object, reason: unknown): void {
    const record = this.pendingRecord(promise);
    const reactions = record.rejectReactions;
    record.result = reason;
    record.fulfillReactions = undefined;
    record.rejectReactions = undefined;
    record.state = 'rejected';
    if (!record.isHandled) this.hooks.rejectionTracker?.(promise, 'reject');
    if (reactions) this.triggerPromiseReactions(reactions, reason);
  }

  private pendingRecord(promise: object): PromiseRecord {
    const record = promiseRecords.get(promise);
    if (!record || record.state !== 'pending') throw new Error('snapvm invariant: settling a promise that is not pending');
    return record;
  }

  /** https://tc39.es/ecma262/#sec-triggerpromisereactions */
  private triggerPromiseReactions(reactions: PromiseReaction[], argument: unknown): void {
    for (const reaction of reactions) {
      const job: PromiseReactionJob = { kind: 'promiseReaction', reaction, argument };
      this.queue.enqueue(job);
    }
  }

  // ---- capabilities -------------------------------------------------------------------------

  /**
   * https://tc39.es/ecma262/#sec-newpromisecapability
   * NON-SPEC (unobservable): for the intrinsic %Promise% the executor is skipped (its prototype
   * property is a non-writable data property); unless `exposed`, the resolving functions are not
   * made either, because the caller settles the promise exactly once through capabilityResolve/Reject.
   */
  newPromiseCapability(C: unknown, exposed = true): PromiseCapability {
    if (C === this.Promise) {
      const promise = this.createPromise();
      if (!exposed) return { promise, resolve: undefined, reject: undefined };
      return { promise, ...this.createResolvingFunctions(promise) };
    }
    // 1. If IsConstructor(C) is false, throw a TypeError exception.
    if (!this.isConstructor(C)) this.realm.throw('TypeError', `${describe(C)} is not a constructor`);
    // 2-4. The executor records the resolving functions it is given.
    const resolvers: { resolve: unknown; reject: unknown } = { resolve: undefined, reject: undefined };
    const executor = this.makeBuiltinClosure({ kind: 'executor', capability: resolvers });
    // 5. Let promise be ? Construct(C, « executor »).
    const promise = this.R.construct(C as Function, [executor]) as object;
    // 6-7.
    if (typeof resolvers.resolve !== 'function' || typeof resolvers.reject !== 'function') {
      this.realm.throw('TypeError', 'Promise resolve or reject function is not callable');
    }
    return { promise, resolve: resolvers.resolve, reject: resolvers.reject };
  }

  /** https://tc39.es/ecma262/#sec-getcapabilitiesexecutor-functions */
  private capabilitiesExecutor(rec: Extract<BuiltinClosure, { kind: 'executor' }>, resolve: unknown, reject: unknown): undefined {
    const capability = rec.capability;
    if (capability.resolve !== undefined || capability.reject !== undefined) {
      this.realm.throw('TypeError', 'Promise executor has already been invoked with non-undefined arguments');
    }
    capability.resolve = resolve;
    capability.reject = reject;
    return undefined;
  }

  /** Call(capability.[[Resolve]], undefined, « value »). */
  capabilityResolve(capability: PromiseCapability, value: unknown): void {
    if (capability.resolve === undefined) this.resolvePromise(capability.promise, value);
    else this.R.apply(capability.resolve, undefined, [value]);
  }

  /** Call(capability.[[Reject]], undefined, « reason »). */
  capabilityReject(capability: PromiseCapability, reason: unknown): void {
    if (capability.reject === undefined) this.rejectPromise(capability.promise, reason);
    else this.R.apply(capability.reject, undefined, [reason]);
  }

  /** A promise of %Promise% with host-side resolving functions (the VM's async functions, host services). */
  newPromise(): HostCapability {
    const promise = this.createPromise();
    const alreadyResolved = { value: false };
    return {
      promise,
      resolve: (value) => {
        if (alreadyResolved.value) return;
        alreadyResolved.value = true;
        this.resolvePromise(promise, value);
      },
      reject: (reason) => {
        if (alreadyResolved.value) return;
        alreadyResolved.value = true;
        this.rejectPromise(promise, reason);
      },
    };
  }

  // ---- then ---------------------------------------------------------------------------------

  /**
   * https://tc39.es/ecma262/#sec-performpromisethen
   * Each handler is a guest function, an AwaitHandler made by the VM, or anything else (= empty).
   */
  performPromiseThen(promise: object, onFulfilled: unknown, onRejected: unknown, resultCapability?: PromiseCapability): object | undefined {
    if (!isPromise(promise)) throw new Error('snapvm invariant: performPromiseThen on a value that is not a promise');
    return this.performPromiseThenRaw(promise, asHandler(onFulfilled), asHandler(onRejected), resultCapability);
  }

  private performPromiseThenRaw(promise: object, onFulfilled: ReactionHandler, onRejected: ReactionHandler, resultCapability: PromiseCapability | undefined): object | undefined {
    const record = promiseRecords.get(promise)!;
    const fulfillReaction: PromiseReaction = { capability: resultCapability, type: 'fulfill', handler: onFulfilled };
    const rejectReaction: PromiseReaction = { capability: resultCapability, type: 'reject', handler: onRejected };
    if (record.state === 'pending') {
      // Array literals of one element: most promises get one reaction, and push() would allocate 17 slots.
      if (record.fulfillReactions) record.fulfillReactions.push(fulfillReaction);
      else record.fulfillReactions = [fulfillReaction];
      if (record.rejectReactions) record.rejectReactions.push(rejectReaction);
      else record.rejectReactions = [rejectReaction];
    } else if (record.state === 'fulfilled') {
      this.queue.enqueue({ kind: 'promiseReaction', reaction: fulfillReaction, argument: record.result });
    } else {
      if (!record.isHandled) this.hooks.rejectionTracker?.(promise, 'handle');
      this.queue.enqueue({ kind: 'promiseReaction', reaction: rejectReaction, argument: record.result });
    }
    record.isHandled = true;
    return resultCapability?.promise;
  }

  /**
   * https://tc39.es/ecma262/#sec-await steps 2-7: the VM then suspends its frame; the queue later calls
   * hooks.resumeAwait(continuation, value, rejected). Throws (a guest value) where PromiseResolve does.
   */
  performAwait(value: unknown, continuation: unknown): void {
    const promise = this.promiseResolve(this.Promise, value);
    this.performPromiseThenRaw(promise, { kind: 'await', continuation, rejected: false }, { kind: 'await', continuation, rejected: true }, undefined);
  }

  /** https://tc39.es/ecma262/#sec-newpromisereactionjob (the job's body) */
  private promiseReactionJob(job: PromiseReactionJob): void {
    const { capability, type, handler } = job.reaction;
    const argument = job.argument;
    if (handler !== undefined && typeof handler !== 'function') {
      this.resumeAwait(handler.continuation, argument, handler.rejected);
      if (capability) this.capabilityResolve(capability, undefined);
      return;
    }
    let ok: boolean;
    let value: unknown;
    if (handler === undefined) {
      ok = type === 'fulfill';
      value = argument;
    } else {
      try {
        value = this.R.apply(handler, undefined, [argument]);
        ok = true;
      } catch (e) {
        value = this.guestError(e);
        ok = false;
      }
    }
    if (!capability) {
      // The spec asserts this cannot throw; a host-made reaction without a capability reports it.
      if (!ok) throw value;
      return;
    }
    if (ok) this.capabilityResolve(capability, value);
    else this.capabilityReject(capability, value);
  }

  /** https://tc39.es/ecma262/#sec-newpromiseresolvethenablejob (the job's body) */
  private promiseResolveThenableJob(job: PromiseResolveThenableJob): void {
    const { resolve, reject } = this.createResolvingFunctions(job.promiseToResolve);
    try {
      this.R.apply(job.then, job.thenable, [resolve, reject]);
    } catch (e) {
      this.rejectFunction(closureRecords.get(reject) as Extract<BuiltinClosure, { kind: 'reject' }>, this.guestError(e));
    }
  }

  private resumeAwait(continuation: unknown, value: unknown, rejected: boolean): void {
    const resume = this.hooks.resumeAwait;
    if (!resume) throw new Error('snapvm invariant: an await resumed but hooks.resumeAwait is not set');
    resume.call(this.hooks, continuation, value, rejected);
  }

  /** https://tc39.es/ecma262/#sec-promise-resolve */
  promiseResolve(C: object, x: unknown): object {
    if (isPromise(x)) {
      const xConstructor = this.R.get(x as object, 'constructor');
      if (xConstructor === C) return x as object;
    }
    const capability = this.newPromiseCapability(C, false);
    this.capabilityResolve(capability, x);
    return capability.promise;
  }

  /** https://tc39.es/ecma262/#sec-speciesconstructor */
  private speciesConstructor(O: object, defaultConstructor: Function): Function {
    const C = this.R.get(O, 'constructor');
    if (C === undefined) return defaultConstructor;
    if (!isObject(C)) this.realm.throw('TypeError', 'The .constructor property is not an object');
    const S = this.R.get(C, Symbol.species);
    if (S === undefined || S === null) return defaultConstructor;
    if (this.isConstructor(S)) return S;
    this.realm.throw('TypeError', 'object.constructor[Symbol.species] is not a constructor');
  }

  /** https://tc39.es/ecma262/#sec-then-finally-functions and #sec-catch-finally-functions */
  private finallyFunction(rec: Extract<BuiltinClosure, { kind: 'thenFinally' | 'catchFinally' }>, valueOrReason: unknown): unknown {
    const result = this.R.apply(rec.onFinally, undefined, []);
    const p = this.promiseResolve(rec.constructor, result);
    const next = rec.kind === 'thenFinally' ? this.makeBuiltinClosure({ kind: 'valueThunk', value: valueOrReason }) : this.makeBuiltinClosure({ kind: 'thrower', reason: valueOrReason });
    return this.invoke(p, 'then', [next]);
  }

  // ---- combinators --------------------------------------------------------------------------

  /** Steps shared by Promise.all / allSettled / any / race (e.g. https://tc39.es/ecma262/#sec-promise.all). */
  private combinator(C: unknown, iterable: unknown, perform: (iteratorRecord: IteratorRecord, C: Function, capability: PromiseCapability, promiseResolve: Function) => object): object {
    // 2. Let promiseCapability be ? NewPromiseCapability(C).
    const capability = this.newPromiseCapability(C, true);
    // 3-4. GetPromiseResolve(C), IfAbruptRejectPromise.
    let promiseResolve: Function;
    try {
      promiseResolve = this.getPromiseResolve(C as Function);
    } catch (e) {
      return this.rejectAbrupt(capability, e);
    }
    // 5-6. GetIterator(iterable, sync), IfAbruptRejectPromise.
    let iteratorRecord: IteratorRecord;
    try {
      iteratorRecord = this.getIterator(iterable);
    } catch (e) {
      return this.rejectAbrupt(capability, e);
    }
    // 7-9. On an abrupt completion close the iterator unless it is done, then reject.
    try {
      return perform(iteratorRecord, C as Function, capability, promiseResolve);
    } catch (e) {
      const error = this.guestError(e);
      if (!iteratorRecord.done) this.iteratorCloseOnThrow(iteratorRecord);
      return this.rejectAbrupt(capability, error);
    }
  }

  /** IfAbruptRejectPromise: https://tc39.es/ecma262/#sec-ifabruptrejectpromise */
  private rejectAbrupt(capability: PromiseCapability, error: unknown): object {
    this.capabilityReject(capability, this.guestError(error));
    return capability.promise;
  }

  /** https://tc39.es/ecma262/#sec-getpromiseresolve */
  private getPromiseResolve(C: Function): Function {
    const resolve = this.R.get(C, 'resolve');
    if (typeof resolve !== 'function') this.realm.throw('TypeError', 'Promise resolve or reject function is not callable');
    return resolve;
  }

  /** https://tc39.es/ecma262/#sec-performpromiseall */
  private performPromiseAll(iteratorRecord: IteratorRecord, C: Function, capability: PromiseCapability, promiseResolve: Function): object {
    const values: unknown[] = [];
    const remainingElements = { value: 1 };
    for (let index = 0; ; index++) {
      const next = this.iteratorStepValue(iteratorRecord);
      if (next === DONE) {
        if (--remainingElements.value === 0) this.capabilityResolve(capability, this.realm.arrayFromList(values));
        return capability.promise;
      }
      values.push(undefined);
      const nextPromise = this.R.apply(promiseResolve, C, [next]);
      const onFulfilled = this.makeBuiltinClosure({ kind: 'allResolveElement', alreadyCalled: { value: false }, index, values, capability, remainingElements });
      remainingElements.value++;
      this.invoke(nextPromise, 'then', [onFulfilled, capability.reject]);
    }
  }

  /** https://tc39.es/ecma262/#sec-promise.all-resolve-element-functions */
  private allResolveElement(rec: Extract<BuiltinClosure, { kind: 'allResolveElement' }>, x: unknown): undefined {
    if (rec.alreadyCalled.value) return undefined;
    rec.alreadyCalled.value = true;
    rec.values[rec.index] = x;
    if (--rec.remainingElements.value === 0) this.capabilityResolve(rec.capability, this.realm.arrayFromList(rec.values));
    return undefined;
  }

  /** https://tc39.es/ecma262/#sec-performpromiseallsettled */
  private performPromiseAllSettled(iteratorRecord: IteratorRecord, C: Function, capability: PromiseCapability, promiseResolve: Function): object {
    const values: unknown[] = [];
    const remainingElements = { value: 1 };
    for (let index = 0; ; index++) {
      const next = this.iteratorStepValue(iteratorRecord);
      if (next === DONE) {
        if (--remainingElements.value === 0) this.capabilityResolve(capability, this.realm.arrayFromList(values));
        return capability.promise;
      }
      values.push(undefined);
      const nextPromise = this.R.apply(promiseResolve, C, [next]);
      const alreadyCalled = { value: false };
      const common = { alreadyCalled, index, values, capability, remainingElements };
      const onFulfilled = this.makeBuiltinClosure({ kind: 'allSettledElement', status: 'fulfilled', ...common });
      const onRejected = this.makeBuiltinClosure({ kind: 'allSettledElement', status: 'rejected', ...common });
      remainingElements.value++;
      this.invoke(nextPromise, 'then', [onFulfilled, onRejected]);
    }
  }

  /** https://tc39.es/ecma262/#sec-promise.allsettled-resolve-element-functions (and the reject ones) */
  private allSettledElement(rec: Extract<BuiltinClosure, { kind: 'allSettledElement' }>, x: unknown): undefined {
    if (rec.alreadyCalled.value) return undefined;
    rec.alreadyCalled.value = true;
    rec.values[rec.index] = this.settledObject(rec.status === 'fulfilled', x);
    if (--rec.remainingElements.value === 0) this.capabilityResolve(rec.capability, this.realm.arrayFromList(rec.values));
    return undefined;
  }

  /** https://tc39.es/ecma262/#sec-performpromiseany */
  private performPromiseAny(iteratorRecord: IteratorRecord, C: Function, capability: PromiseCapability, promiseResolve: Function): object {
    const errors: unknown[] = [];
    const remainingElements = { value: 1 };
    for (let index = 0; ; index++) {
      const next = this.iteratorStepValue(iteratorRecord);
      if (next === DONE) {
        if (--remainingElements.value === 0) this.capabilityReject(capability, this.aggregateError(errors));
        return capability.promise;
      }
      errors.push(undefined);
      const nextPromise = this.R.apply(promiseResolve, C, [next]);
      const onRejected = this.makeBuiltinClosure({ kind: 'anyRejectElement', alreadyCalled: { value: false }, index, errors, capability, remainingElements });
      remainingElements.value++;
      this.invoke(nextPromise, 'then', [capability.resolve, onRejected]);
    }
  }

  /** https://tc39.es/ecma262/#sec-promise.any-reject-element-functions */
  private anyRejectElement(rec: Extract<BuiltinClosure, { kind: 'anyRejectElement' }>, x: unknown): undefined {
    if (rec.alreadyCalled.value) return undefined;
    rec.alreadyCalled.value = true;
    rec.errors[rec.index] = x;
    if (--rec.remainingElements.value === 0) this.capabilityReject(rec.capability, this.aggregateError(rec.errors));
    return undefined;
  }

  private aggregateError(errors: unknown[]): object {
    // V8's message, so that guest output matches native Node.
    const error = new this.realm.intrinsics.AggregateError([], 'All promises were rejected');
    Object.defineProperty(error, 'errors', { value: this.realm.arrayFromList(errors), writable: true, enumerable: false, configurable: true });
    return error;
  }

  /** https://tc39.es/ecma262/#sec-performpromiserace */
  private performPromiseRace(iteratorRecord: IteratorRecord, C: Function, capability: PromiseCapability, promiseResolve: Function): object {
    for (;;) {
      const next = this.iteratorStepValue(iteratorRecord);
      if (next === DONE) return capability.promise;
      const nextPromise = this.R.apply(promiseResolve, C, [next]);
      this.invoke(nextPromise, 'then', [capability.resolve, capability.reject]);
    }
  }

  // ---- abstract operations on guest values ---------------------------------------------------

  /** https://tc39.es/ecma262/#sec-isconstructor */
  private isConstructor(C: unknown): C is Function {
    if (typeof C !== 'function') return false;
    if (C === this.Promise) return true;
    try {
      new (new Proxy(C, this.constructProbe) as new () => object)();
      return true;
    } catch {
      return false;
    }
  }

  /** https://tc39.es/ecma262/#sec-getv (primitives read through the realm's own wrappers) */
  private getV(v: unknown, key: PropertyKey): unknown {
    if (isObject(v)) return this.R.get(v, key);
    if (v === undefined || v === null) this.realm.throw('TypeError', `Cannot read properties of ${v} (reading '${String(key)}')`);
    return this.R.get(this.realm.intrinsics.Object(v) as object, key, v);
  }

  /** https://tc39.es/ecma262/#sec-invoke */
  private invoke(v: unknown, key: PropertyKey, args: unknown[]): unknown {
    const func = this.getV(v, key);
    if (typeof func !== 'function') this.realm.throw('TypeError', `${describe(func)} is not a function`);
    return this.R.apply(func, v, args);
  }

  /** https://tc39.es/ecma262/#sec-getiterator (sync) */
  private getIterator(obj: unknown): IteratorRecord {
    const method = this.getV(obj, Symbol.iterator);
    if (typeof method !== 'function') {
      this.realm.throw('TypeError', `${typeof obj === 'string' ? obj : describe(obj)} is not iterable (cannot read property Symbol(Symbol.iterator))`);
    }
    const iterator = this.R.apply(method, obj, []);
    if (!isObject(iterator)) this.realm.throw('TypeError', `Result of the Symbol.iterator method is not an object`);
    const nextMethod = this.R.get(iterator, 'next');
    return { iterator, nextMethod, done: false };
  }

  /** https://tc39.es/ecma262/#sec-iteratorstepvalue */
  private iteratorStepValue(record: IteratorRecord): unknown {
    let result: unknown;
    let done: boolean;
    try {
      if (typeof record.nextMethod !== 'function') this.realm.throw('TypeError', `${describe(record.nextMethod)} is not a function`);
      result = this.R.apply(record.nextMethod, record.iterator, []);
      if (!isObject(result)) this.realm.throw('TypeError', `Iterator result ${describe(result)} is not an object`);
      done = Boolean(this.R.get(result, 'done'));
    } catch (e) {
      record.done = true;
      throw e;
    }
    if (done) {
      record.done = true;
      return DONE;
    }
    try {
      return this.R.get(result, 'value');
    } catch (e) {
      record.done = true;
      throw e;
    }
  }

  /** https://tc39.es/ecma262/#sec-iteratorclose for a throw completion: errors while closing are dropped. */
  private iteratorCloseOnThrow(record: IteratorRecord): void {
    try {
      const ret = this.R.get(record.iterator, 'return');
      if (ret !== undefined && ret !== null) {
        if (typeof ret !== 'function') return;
        this.R.apply(ret, record.iterator, []);
      }
    } catch {
      // The original throw completion wins.
    }
  }

  /**
   * A host error (a stack overflow inside engine code, an engine bug) must not reach the guest: its
   * prototype chain leads to the host's Function. Guest values pass unchanged.
   */
  guestError(e: unknown): unknown {
    return toGuestError(this.realm, e);
  }
}

/**
 * A host error (a stack overflow inside engine code, an engine bug) must not reach the guest: its
 * prototype chain leads to the host's Function. It becomes a realm error; guest values pass unchanged.
 */
export function toGuestError(realm: Realm, e: unknown): unknown {
  // a safe-point hook abandons the program (a snapshot's --stop, an edge's instruction budget): no guest handler sees it
  if (e instanceof SafepointStop) throw e;
  if (!types.isNativeError(e) || !(e instanceof Error)) return e;
  const name = e.name as ErrorType;
  const type: ErrorType = ['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError'].includes(name) ? name : 'Error';
  return realm.error(type, e.message);
}

/** Keep guest functions and host-made AwaitHandlers; anything else is an empty handler. */
function asHandler(h: unknown): ReactionHandler {
  if (typeof h === 'function') return h;
  // An AwaitHandler is a host object: a guest object (realm prototype) can never pose as one.
  if (typeof h === 'object' && h !== null && Object.getPrototypeOf(h) === Object.prototype && (h as AwaitHandler).kind === 'await') {
    return h as AwaitHandler;
  }
  return undefined;
}

/**
 * HostPromiseRejectionTracker as Node does it: a rejected promise without a handler is remembered
 * until it gets one; what is still unhandled when the engine asks (end of a turn) is reported.
 */
export class RejectionTracker {
  /** Rejected promises that have no handler yet, oldest first (plain data for a snapshot). */
  readonly pending: object[] = [];

  readonly track = (promise: object, operation: 'reject' | 'handle'): void => {
    if (operation === 'reject') {
      this.pending.push(promise);
      return;
    }
    const i = this.pending.indexOf(promise);
    if (i >= 0) this.pending.splice(i, 1);
  };

  /** The promises still unhandled with their reasons, oldest first; forgets them. */
  takeUnhandled(): { promise: object; reason: unknown }[] {
    const out = this.pending.map((promise) => ({ promise, reason: promiseRecords.get(promise)?.result }));
    this.pending.length = 0;
    return out;
  }
}
