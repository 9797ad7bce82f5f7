// Promise.allKeyed and Promise.allSettledKeyed (await dictionary, https://tc39.es/proposal-await-dictionary/)
// on the engine's own Promise. Each element function's slots are a plain KeyedElement record.
import type { Engine } from '../engine';
import type { PromiseCapability } from '../promise';
import { type Ops, isObject, describe } from './common';

/** The slots of a resolve / reject element function: [[AlreadyCalled]], [[Index]], [[Keys]], [[Values]], [[Capability]], [[RemainingElements]]. */
export interface KeyedElement {
  kind: 'allKeyedResolve' | 'allSettledKeyedResolve' | 'allSettledKeyedReject';
  alreadyCalled: { value: boolean };
  index: number;
  keys: PropertyKey[];
  values: unknown[];
  capability: PromiseCapability;
  remainingElements: { value: number };
}

export function installPromiseKeyed(engine: Engine, ops: Ops): void {
  const realm = engine.realm;
  const vm = engine.vm;
  const promises = engine.promises;

  /** https://tc39.es/proposal-await-dictionary/#sec-createkeyedpromisecombinatorresultobject */
  const createResultObject = (keys: PropertyKey[], values: unknown[]): object => {
    const obj = realm.intrinsics.objectCreate(null);
    for (let i = 0; i < keys.length; i++) Object.defineProperty(obj, keys[i]!, { value: values[i], writable: true, enumerable: true, configurable: true });
    return obj;
  };
  const settledObject = (status: 'fulfilled' | 'rejected', x: unknown): object => {
    const obj = realm.intrinsics.newObject();
    Object.defineProperty(obj, 'status', { value: status, writable: true, enumerable: true, configurable: true });
    Object.defineProperty(obj, status === 'fulfilled' ? 'value' : 'reason', { value: x, writable: true, enumerable: true, configurable: true });
    return obj;
  };

  /** The element functions' steps (#sec-promise.allkeyed-resolve-element-functions and the allSettledKeyed ones). */
  const elementFunction = (rec: KeyedElement): Function =>
    realm.native('', 1, (_t, a) => {
      const x = a[0];
      // 1-4. If alreadyCalled.[[Value]] is true, return undefined; set it to true.
      if (rec.alreadyCalled.value) return undefined;
      rec.alreadyCalled.value = true;
      // Set values[index] to x, or to { status, value / reason }.
      rec.values[rec.index] = rec.kind === 'allKeyedResolve' ? x : settledObject(rec.kind === 'allSettledKeyedResolve' ? 'fulfilled' : 'rejected', x);
      // Set remainingElementsCount.[[Value]] to remainingElementsCount.[[Value]] - 1; at 0, resolve with the result object.
      if (--rec.remainingElements.value === 0) return ops.call(rec.capability.resolve, undefined, [createResultObject(rec.keys, rec.values)]);
      return undefined;
    });

  /** https://tc39.es/proposal-await-dictionary/#sec-performpromiseallkeyed */
  const performPromiseAllKeyed = (variant: 'all' | 'all-settled', promisesObj: object, C: unknown, resultCapability: PromiseCapability, promiseResolve: Function): object => {
    // 1. Let allKeys be ? promises.[[OwnPropertyKeys]]().
    const allKeys = ops.R.ownKeys(promisesObj);
    // 2-5.
    const keys: PropertyKey[] = [];
    const values: unknown[] = [];
    const remainingElements = { value: 1 };
    let index = 0;
    // 6. For each element key of allKeys, do
    for (const key of allKeys) {
      // a. Let desc be ? promises.[[GetOwnProperty]](key).
      const desc = ops.R.getOwnPropertyDescriptor(promisesObj, key);
      // b. If desc is not undefined and desc.[[Enumerable]] is true, then
      if (desc === undefined || !desc.enumerable) continue;
      // i. Let value be ? Get(promises, key).
      const value = ops.realm.ops.get(promisesObj, key);
      // ii-iii. Append key to keys; append undefined to values.
      keys.push(key);
      values.push(undefined);
      // iv. Let nextPromise be ? Call(promiseResolve, constructor, « value »).
      const nextPromise = ops.R.apply(promiseResolve, C, [value]);
      // v-xi. The element functions sharing alreadyCalled.
      const alreadyCalled = { value: false };
      const slots = { alreadyCalled, index, keys, values, capability: resultCapability, remainingElements };
      const onFulfilled = elementFunction({ kind: variant === 'all' ? 'allKeyedResolve' : 'allSettledKeyedResolve', ...slots });
      const onRejected = variant === 'all' ? resultCapability.reject : elementFunction({ kind: 'allSettledKeyedReject', ...slots });
      // xii. Set remainingElementsCount.[[Value]] to remainingElementsCount.[[Value]] + 1.
      remainingElements.value++;
      // xiii. Perform ? Invoke(nextPromise, "then", « onFulfilled, onRejected »).
      ops.call(vm.getV(nextPromise, 'then'), nextPromise, [onFulfilled, onRejected]);
      // xiv. Set index to index + 1.
      index++;
    }
    // 7-8. Set remainingElementsCount.[[Value]] to remainingElementsCount.[[Value]] - 1; at 0, resolve.
    if (--remainingElements.value === 0) ops.call(resultCapability.resolve, undefined, [createResultObject(keys, values)]);
    // 9. Return resultCapability.[[Promise]].
    return resultCapability.promise;
  };

  /** https://tc39.es/proposal-await-dictionary/#sec-promise.allkeyed and #sec-promise.allsettledkeyed */
  for (const [name, variant] of [
    ['allKeyed', 'all'],
    ['allSettledKeyed', 'all-settled'],
  ] as const) {
    realm.defineNative(promises.Promise, name, 1, (C, a) => {
      // 1-2. Let C be the this value; let promiseCapability be ? NewPromiseCapability(C).
      const capability = promises.newPromiseCapability(C, true);
      const promisesObj = a[0];
      // 3-4. Let promiseResolve be Completion(GetPromiseResolve(C)); IfAbruptRejectPromise.
      let promiseResolve: unknown;
      try {
        promiseResolve = ops.realm.ops.get(C, 'resolve') as any;
        if (typeof promiseResolve !== 'function') ops.throwType('Promise resolve is not a function');
      } catch (e) {
        ops.call(capability.reject, undefined, [vm.toGuest(e)]);
        return capability.promise;
      }
      // 5. If promises is not an Object, reject with a TypeError.
      if (!isObject(promisesObj)) {
        ops.call(capability.reject, undefined, [vm.error('TypeError', `${describe(promisesObj)} is not an object`)]);
        return capability.promise;
      }
      // 6-8. Let result be Completion(PerformPromiseAllKeyed(…)); IfAbruptRejectPromise(result, promiseCapability).
      try {
        return performPromiseAllKeyed(variant, promisesObj, C, capability, promiseResolve as Function);
      } catch (e) {
        ops.call(capability.reject, undefined, [vm.toGuest(e)]);
        return capability.promise;
      }
    });
  }
}
