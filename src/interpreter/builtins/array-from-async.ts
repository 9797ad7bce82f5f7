// Array.fromAsync (ES2026, https://tc39.es/proposal-array-from-async/). The spec runs an abstract
// closure as an async function; here that function is a plain FromAsyncJob record (where it stands,
// what it holds) driven by the engine's own promises: every Await is PromiseResolve + PerformPromiseThen
// on the engine's job queue, so the number of ticks, and the order against guest promises, is the spec's.
import type { Engine } from '../engine';
import type { HostCapability } from '../promise';
import { type Ops, isObject, describe, type IteratorRecord } from './common';

/** The suspended closure: which Await it waits on, and its locals. */
export interface FromAsyncJob {
  /** What the pending Await is: an iterator result, a mapped value, an array-like element, or AsyncIteratorClose's. */
  awaiting: 'nextResult' | 'mappedValue' | 'kValue' | 'mappedKValue' | 'closeResult';
  C: unknown;
  mapper: unknown;
  thisArg: unknown;
  mapping: boolean;
  capability: HostCapability;
  /** The async iterator (iterable branch), or null (array-like branch). */
  iteratorRecord: IteratorRecord | null;
  arrayLike: object | null;
  len: number;
  A: object | null;
  k: number;
  /** The throw completion AsyncIteratorClose returns once `return()`'s result is awaited. */
  closeError: unknown;
  /** The continuation functions handed to PerformPromiseThen (made once per job). */
  onFulfilled: Function | null;
  onRejected: Function | null;
}

export function installArrayFromAsync(engine: Engine, ops: Ops): void {
  const realm = engine.realm;
  const vm = engine.vm;
  const promises = engine.promises;
  const ArrayCtor = realm.intrinsics.Array;

  /** https://tc39.es/ecma262/#sec-await: resume `job` with the settled value (synchronously when PromiseResolve throws). */
  const awaitValue = (job: FromAsyncJob, value: unknown): void => {
    let promise: object;
    try {
      promise = promises.promiseResolve(promises.Promise, value);
    } catch (e) {
      return resume(job, e, true);
    }
    promises.performPromiseThen(promise, job.onFulfilled, job.onRejected);
  };

  /** https://tc39.es/ecma262/#sec-createdatapropertyorthrow */
  const createDataPropertyOrThrow = (A: object, key: string, value: unknown): void => {
    if (!ops.R.defineProperty(A, key, { value, writable: true, enumerable: true, configurable: true })) ops.throwType(`Cannot add property ${key}`);
  };
  /** Set(A, "length", 𝔽(len), true) */
  const setLength = (A: object, len: number): void => {
    if (!ops.R.set(A, 'length', len)) ops.throwType(`Cannot assign to read only property 'length' of object`);
  };

  /**
   * https://tc39.es/ecma262/#sec-asynciteratorclose with a throw completion: call `return`, await its
   * result (unless getting or calling it throws), then reject with the original error.
   */
  const asyncIteratorCloseThrow = (job: FromAsyncJob, error: unknown): void => {
    const iterator = job.iteratorRecord!.iterator;
    let innerResult: unknown;
    try {
      // 3-4.b. Let return be ? GetMethod(iterator, "return"); if undefined, return ? completion.
      const ret = ops.getMethod(iterator, 'return');
      if (ret === undefined) return job.capability.reject(error);
      // 4.c. Let innerResult be Completion(Call(return, iterator)).
      innerResult = ops.R.apply(ret, iterator, []);
    } catch {
      // 5. If completion is a throw completion, return ? completion.
      return job.capability.reject(error);
    }
    // 4.d. Set innerResult to Completion(Await(innerResult.[[Value]])).
    job.closeError = error;
    job.awaiting = 'closeResult';
    awaitValue(job, innerResult);
  };

  /** The iterable branch's loop (step 3.h.iv), from the top: the k-th call of next. */
  const iterate = (job: FromAsyncJob): void => {
    const rec = job.iteratorRecord!;
    // 1. If k ≥ 2**53 - 1, return ? AsyncIteratorClose(iteratorRecord, ThrowCompletion(TypeError)).
    if (job.k >= Number.MAX_SAFE_INTEGER) return asyncIteratorCloseThrow(job, vm.error('TypeError', 'Too many elements'));
    // 3. Let nextResult be ? Call(iteratorRecord.[[NextMethod]], iteratorRecord.[[Iterator]]).
    const nextResult = ops.call(rec.next, rec.iterator, []);
    // 4. Set nextResult to ? Await(nextResult).
    job.awaiting = 'nextResult';
    awaitValue(job, nextResult);
  };

  /** The array-like branch's loop (step 3.i.vii), from the top. */
  const iterateArrayLike = (job: FromAsyncJob): void => {
    // vii. Repeat, while k < len,
    if (job.k < job.len) {
      // 1-2. Let kValue be ? Get(arrayLike, Pk).
      const kValue = ops.realm.ops.get(job.arrayLike, String(job.k));
      // 3. Set kValue to ? Await(kValue).
      job.awaiting = 'kValue';
      awaitValue(job, kValue);
      return;
    }
    // viii. Perform ? Set(A, "length", 𝔽(len), true).
    setLength(job.A!, job.len);
    // ix. Return A.
    job.capability.resolve(job.A);
  };

  /** Continue the closure after an Await settled; any throw completion rejects the promise. */
  const resume = (job: FromAsyncJob, value: unknown, rejected: boolean): void => {
    try {
      step(job, value, rejected);
    } catch (e) {
      job.capability.reject(vm.toGuest(e));
    }
  };

  const step = (job: FromAsyncJob, value: unknown, rejected: boolean): void => {
    switch (job.awaiting) {
      case 'nextResult': {
        // 4. ? Await(nextResult)
        if (rejected) throw value;
        // 5. If nextResult is not an Object, throw a TypeError exception.
        if (!isObject(value)) ops.throwType(`Iterator result ${describe(value)} is not an object`);
        // 6. Let done be ? IteratorComplete(nextResult).
        if (ops.realm.ops.get(value, 'done')) {
          // 7.a. Perform ? Set(A, "length", 𝔽(k), true).  b. Return A.
          setLength(job.A!, job.k);
          job.capability.resolve(job.A);
          return;
        }
        // 8. Let nextValue be ? IteratorValue(nextResult).
        const nextValue = ops.realm.ops.get(value, 'value');
        // 9. If mapping is true, then
        if (job.mapping) {
          let mappedValue: unknown;
          try {
            // a. Let mappedValue be Call(mapper, thisArg, « nextValue, 𝔽(k) »).
            mappedValue = ops.R.apply(job.mapper as Function, job.thisArg, [nextValue, job.k]);
          } catch (e) {
            // b. IfAbruptCloseAsyncIterator(mappedValue, iteratorRecord).
            return asyncIteratorCloseThrow(job, e);
          }
          // c. Set mappedValue to Await(mappedValue).
          job.awaiting = 'mappedValue';
          return awaitValue(job, mappedValue);
        }
        // 10-13. mappedValue is nextValue: define it and go on.
        return defineAndContinue(job, nextValue);
      }
      case 'mappedValue':
        // 9.d. IfAbruptCloseAsyncIterator(mappedValue, iteratorRecord).
        if (rejected) return asyncIteratorCloseThrow(job, value);
        return defineAndContinue(job, value);
      case 'closeResult':
        // AsyncIteratorClose step 5: the completion was a throw completion; it wins.
        job.capability.reject(job.closeError);
        return;
      case 'kValue': {
        // 3. Set kValue to ? Await(kValue).
        if (rejected) throw value;
        // 4. If mapping is true, then
        if (job.mapping) {
          // a. Let mappedValue be ? Call(mapper, thisArg, « kValue, 𝔽(k) »).
          const mappedValue = ops.R.apply(job.mapper as Function, job.thisArg, [value, job.k]);
          // b. Set mappedValue to ? Await(mappedValue).
          job.awaiting = 'mappedKValue';
          return awaitValue(job, mappedValue);
        }
        return defineArrayLikeAndContinue(job, value);
      }
      case 'mappedKValue':
        if (rejected) throw value;
        return defineArrayLikeAndContinue(job, value);
    }
  };

  /** Iterable branch steps 11-13 and the next round. */
  const defineAndContinue = (job: FromAsyncJob, mappedValue: unknown): void => {
    try {
      // 11. Let defineStatus be CreateDataPropertyOrThrow(A, Pk, mappedValue).
      createDataPropertyOrThrow(job.A!, String(job.k), mappedValue);
    } catch (e) {
      // 12. If defineStatus is an abrupt completion, return ? AsyncIteratorClose(iteratorRecord, defineStatus).
      return asyncIteratorCloseThrow(job, vm.toGuest(e));
    }
    // 13. Set k to k + 1.
    job.k++;
    iterate(job);
  };

  /** Array-like branch steps 6-7 and the next round. */
  const defineArrayLikeAndContinue = (job: FromAsyncJob, mappedValue: unknown): void => {
    // 6. Perform ? CreateDataPropertyOrThrow(A, Pk, mappedValue).
    createDataPropertyOrThrow(job.A!, String(job.k), mappedValue);
    // 7. Set k to k + 1.
    job.k++;
    iterateArrayLike(job);
  };

  /** The closure's steps before its first Await (3.a-h.iv or 3.a-i.vii). */
  const start = (job: FromAsyncJob, asyncItems: unknown): void => {
    // a-b. If mapper is not undefined and IsCallable(mapper) is false, throw a TypeError exception.
    if (job.mapper !== undefined && typeof job.mapper !== 'function') ops.throwType(`${describe(job.mapper)} is not a function`);
    job.mapping = job.mapper !== undefined;
    // c. Let usingAsyncIterator be ? GetMethod(asyncItems, %Symbol.asyncIterator%).
    const usingAsyncIterator = ops.getMethod(asyncItems, Symbol.asyncIterator);
    // d. If usingAsyncIterator is undefined, let usingSyncIterator be ? GetMethod(asyncItems, %Symbol.iterator%).
    const usingSyncIterator = usingAsyncIterator === undefined ? ops.getMethod(asyncItems, Symbol.iterator) : undefined;
    // e-g. Let iteratorRecord be the async iterator, or CreateAsyncFromSyncIterator of the sync one.
    if (usingAsyncIterator !== undefined) job.iteratorRecord = ops.getIteratorFromMethod(asyncItems, usingAsyncIterator);
    else if (usingSyncIterator !== undefined) job.iteratorRecord = vm.createAsyncFromSyncIterator(ops.getIteratorFromMethod(asyncItems, usingSyncIterator));
    // h. If iteratorRecord is not undefined, then
    if (job.iteratorRecord) {
      // i-ii. If IsConstructor(C) is true, let A be ? Construct(C); else let A be ! ArrayCreate(0).
      job.A = ops.isConstructor(job.C) ? (ops.R.construct(job.C as Function, []) as object) : new ArrayCtor();
      // iii. Let k be 0.  iv. Repeat,
      job.k = 0;
      iterate(job);
      return;
    }
    // i.ii. Let arrayLike be ! ToObject(asyncItems).
    const arrayLike = vm.toObject(asyncItems);
    job.arrayLike = arrayLike;
    // iii. Let len be ? LengthOfArrayLike(arrayLike).
    job.len = ops.toLength(ops.realm.ops.get(arrayLike, 'length'));
    // iv-v. If IsConstructor(C) is true, let A be ? Construct(C, « 𝔽(len) »); else let A be ? ArrayCreate(len).
    if (ops.isConstructor(job.C)) job.A = ops.R.construct(job.C as Function, [job.len]) as object;
    else {
      if (job.len > 2 ** 32 - 1) vm.throwError('RangeError', 'Invalid array length');
      job.A = new ArrayCtor(job.len);
    }
    // vi. Let k be 0.
    job.k = 0;
    iterateArrayLike(job);
  };

  /** https://tc39.es/proposal-array-from-async/#sec-array.fromAsync */
  realm.defineNative(realm.global.Array as object, 'fromAsync', 1, (t, a) => {
    // 1. Let C be the this value.
    // 2. Let promiseCapability be ! NewPromiseCapability(%Promise%).
    const capability = promises.newPromise();
    const job: FromAsyncJob = {
      awaiting: 'nextResult',
      C: t,
      mapper: a[1],
      thisArg: a[2],
      mapping: false,
      capability,
      iteratorRecord: null,
      arrayLike: null,
      len: 0,
      A: null,
      k: 0,
      closeError: undefined,
      onFulfilled: null,
      onRejected: null,
    };
    job.onFulfilled = realm.native('', 1, (_t, v) => resume(job, v[0], false));
    job.onRejected = realm.native('', 1, (_t, v) => resume(job, v[0], true));
    // 4. Perform AsyncFunctionStart(promiseCapability, fromAsyncClosure).
    try {
      start(job, a[0]);
    } catch (e) {
      capability.reject(vm.toGuest(e));
    }
    // 5. Return promiseCapability.[[Promise]].
    return capability.promise;
  });
}
