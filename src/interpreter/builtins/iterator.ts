// Iterator helpers (ES2025, ecma262 §27.1.3) and Iterator.concat (iterator sequencing, ES2026).
// An iterator helper is the spec's generator over an abstract closure; here the closure is a step
// function over a plain IteratorHelper record (which kind, where it stands), so a snapshot can read
// a suspended helper as data. Each `next()` runs the closure up to its next Yield.
import type { Engine } from '../engine';
import { makeStamp } from '../realm';
import { DONE, type Ops, isObject, describe, type IteratorRecord } from './common';

type HelperState = 'suspendedStart' | 'suspendedYield' | 'executing' | 'completed';

/** The record behind an object of %IteratorHelperPrototype%: the generator's state and its closure's captures. */
export type IteratorHelper =
  | { kind: 'map' | 'filter' | 'flatMap'; state: HelperState; underlying: IteratorRecord; fn: unknown; counter: number; inner: IteratorRecord | null }
  | { kind: 'take' | 'drop'; state: HelperState; underlying: IteratorRecord; remaining: number }
  | { kind: 'concat'; state: HelperState; iterables: { openMethod: unknown; iterable: unknown }[]; index: number; inner: IteratorRecord | null }
  | {
      kind: 'chunks' | 'windows';
      state: HelperState;
      underlying: IteratorRecord;
      size: number;
      allowPartial: boolean;
      buffer: unknown[];
      /** Suspended at the last Yield, after the underlying iterator finished (a return() then closes nothing). */
      exhausted: boolean;
    }
  | {
      kind: 'zip';
      state: HelperState;
      /** null where a finished iterator is padded (mode "longest"). */
      iters: (IteratorRecord | null)[];
      openIters: IteratorRecord[];
      mode: 'shortest' | 'longest' | 'strict';
      padding: unknown[];
      /** Iterator.zipKeyed's keys (results are null-prototype objects), or null for arrays (Iterator.zip). */
      keys: PropertyKey[] | null;
    };

/** The record behind an object of %WrapForValidIteratorPrototype%: [[Iterated]]. */
export interface WrappedIterator {
  iterated: IteratorRecord;
}

export function installIteratorHelpers(engine: Engine, ops: Ops): void {
  const realm = engine.realm;
  const vm = engine.vm;
  const g = realm.global as any;
  const IteratorPrototype = realm.intrinsics.IteratorPrototype as any;
  const helpers = makeStamp<IteratorHelper>();
  const wrappers = makeStamp<WrappedIterator>();

  // ---- %Iterator% ----------------------------------------------------------------------------

  /** https://tc39.es/ecma262/#sec-iterator-constructor */
  const Iterator = realm.native(
    'Iterator',
    0,
    (_t, _a, newTarget) => {
      // 1. If NewTarget is either undefined or the active function object, throw a TypeError exception.
      if (newTarget === undefined || newTarget === Iterator) ops.throwType('Abstract class Iterator not directly constructable');
      // 2. Return ? OrdinaryCreateFromConstructor(NewTarget, "%Iterator.prototype%").
      const proto = ops.realm.ops.get(newTarget, 'prototype') as any;
      return realm.intrinsics.objectCreate(isObject(proto) ? proto : IteratorPrototype);
    },
    true,
  );
  Object.defineProperty(Iterator, 'prototype', { value: IteratorPrototype, writable: false, enumerable: false, configurable: false });
  ops.defineValue(g, 'Iterator', Iterator);

  /** https://tc39.es/ecma262/#sec-SetterThatIgnoresPrototypeProperties */
  const setterThatIgnoresPrototypeProperties = (thisValue: unknown, home: object, p: PropertyKey, v: unknown): void => {
    // 1. If thisValue is not an Object, throw a TypeError exception.
    if (!isObject(thisValue)) ops.throwType(`Cannot set ${String(p)} on ${describe(thisValue)}`);
    // 2. If SameValue(thisValue, home) is true, throw a TypeError exception.
    if (thisValue === home) ops.throwType(`Cannot assign to read only property '${String(p)}' of object`);
    // 3. Let desc be ? thisValue.[[GetOwnProperty]](p).
    const desc = ops.R.getOwnPropertyDescriptor(thisValue, p);
    if (desc === undefined) {
      // 4.a. Perform ? CreateDataPropertyOrThrow(thisValue, p, v).
      if (!ops.R.defineProperty(thisValue, p, { value: v, writable: true, enumerable: true, configurable: true })) ops.throwType(`Cannot define property ${String(p)}`);
    } else if (!ops.R.set(thisValue, p, v)) {
      // 5.a. Perform ? Set(thisValue, p, v, true).
      ops.throwType(`Cannot assign to read only property '${String(p)}' of object`);
    }
  };

  // https://tc39.es/ecma262/#sec-iterator.prototype.constructor
  ops.defineAccessor(
    IteratorPrototype,
    'constructor',
    () => Iterator,
    (t, a) => (setterThatIgnoresPrototypeProperties(t, IteratorPrototype, 'constructor', a[0]), undefined),
  );
  // https://tc39.es/ecma262/#sec-iterator.prototype-%symbol.tostringtag%
  ops.defineAccessor(
    IteratorPrototype,
    Symbol.toStringTag,
    () => 'Iterator',
    (t, a) => (setterThatIgnoresPrototypeProperties(t, IteratorPrototype, Symbol.toStringTag, a[0]), undefined),
  );

  /** https://tc39.es/ecma262/#sec-getiteratorflattenable */
  const getIteratorFlattenable = (obj: unknown, primitiveHandling: 'iterate-string-primitives' | 'reject-primitives'): IteratorRecord => {
    // 1. If obj is not an Object, then
    if (!isObject(obj)) {
      // a-c. reject-primitives, or a primitive that is not a String: TypeError
      if (primitiveHandling === 'reject-primitives' || typeof obj !== 'string') ops.throwType(`${describe(obj)} is not an object`);
    }
    // 2. Let method be ? GetMethod(obj, %Symbol.iterator%).
    const method = ops.getMethod(obj, Symbol.iterator);
    // 3-4. Without a method, obj is the iterator itself.
    const iterator = method === undefined ? obj : ops.R.apply(method, obj, []);
    // 5. If iterator is not an Object, throw a TypeError exception.
    if (!isObject(iterator)) ops.throwType(`${describe(iterator)} is not an object`);
    // 6. Return ? GetIteratorDirect(iterator).
    return ops.getIteratorDirect(iterator);
  };

  // ---- Iterator.from and %WrapForValidIteratorPrototype% ---------------------------------------

  const WrapForValidIteratorPrototype = realm.intrinsics.objectCreate(IteratorPrototype);

  /** https://tc39.es/ecma262/#sec-iterator.from */
  realm.defineNative(Iterator, 'from', 1, (_t, a) => {
    // 1. Let iteratorRecord be ? GetIteratorFlattenable(O, iterate-string-primitives).
    const iteratorRecord = getIteratorFlattenable(a[0], 'iterate-string-primitives');
    // 2. Let hasInstance be ? OrdinaryHasInstance(%Iterator%, iteratorRecord.[[Iterator]]).
    // 3. If hasInstance is true, return iteratorRecord.[[Iterator]].
    if (ordinaryHasInstance(ops, IteratorPrototype, iteratorRecord.iterator)) return iteratorRecord.iterator;
    // 4-6. A wrapper of %WrapForValidIteratorPrototype% with [[Iterated]].
    const wrapper = realm.intrinsics.objectCreate(WrapForValidIteratorPrototype);
    wrappers.set(wrapper, { iterated: iteratorRecord });
    return wrapper;
  });

  /** https://tc39.es/ecma262/#sec-%wrapforvaliditeratorprototype%.next */
  realm.defineNative(WrapForValidIteratorPrototype, 'next', 0, (t) => {
    // 1-2. Perform ? RequireInternalSlot(O, [[Iterated]]).
    const w = wrappers.get(t);
    if (!w) ops.throwType('next method called on incompatible receiver');
    // 3-4. Return ? Call(iteratorRecord.[[NextMethod]], iteratorRecord.[[Iterator]]).
    return ops.call(w.iterated.next, w.iterated.iterator, []);
  });

  /** https://tc39.es/ecma262/#sec-%wrapforvaliditeratorprototype%.return */
  realm.defineNative(WrapForValidIteratorPrototype, 'return', 0, (t) => {
    // 1-2. Perform ? RequireInternalSlot(O, [[Iterated]]).
    const w = wrappers.get(t);
    if (!w) ops.throwType('return method called on incompatible receiver');
    // 3. Let iterator be O.[[Iterated]].[[Iterator]].
    const iterator = w.iterated.iterator;
    // 5. Let returnMethod be ? GetMethod(iterator, "return").
    const returnMethod = ops.getMethod(iterator, 'return');
    // 6. If returnMethod is undefined, return CreateIteratorResultObject(undefined, true).
    if (returnMethod === undefined) return vm.iterResult(undefined, true);
    // 7. Return ? Call(returnMethod, iterator).
    return ops.R.apply(returnMethod, iterator, []);
  });

  // ---- %IteratorHelperPrototype% ----------------------------------------------------------------

  const IteratorHelperPrototype = realm.intrinsics.objectCreate(IteratorPrototype);

  /** Run the helper's closure from where it stands up to its next Yield: the value, or DONE on return. */
  const step = (h: IteratorHelper): unknown => {
    switch (h.kind) {
      // https://tc39.es/ecma262/#sec-iteratorprototype.map (closure, step 6)
      case 'map': {
        const iterated = h.underlying;
        // b.i-ii. Let value be ? IteratorStepValue(iterated); if done, return.
        const value = ops.iteratorStepValue(iterated);
        if (value === DONE) return DONE;
        // iii-iv. Let mapped be Completion(Call(mapper, undefined, « value, 𝔽(counter) »)); IfAbruptCloseIterator.
        const mapped = ops.closeOnThrow(iterated, () => ops.R.apply(h.fn as Function, undefined, [value, h.counter]));
        // vii. Set counter to counter + 1 (after the Yield; a helper resumed abruptly completes anyway).
        h.counter++;
        return mapped;
      }
      // https://tc39.es/ecma262/#sec-iteratorprototype.filter
      case 'filter': {
        const iterated = h.underlying;
        for (;;) {
          const value = ops.iteratorStepValue(iterated);
          if (value === DONE) return DONE;
          // iii-iv. Let selected be Completion(Call(predicate, undefined, « value, 𝔽(counter) »)).
          const selected = ops.closeOnThrow(iterated, () => ops.R.apply(h.fn as Function, undefined, [value, h.counter]));
          // vi. Set counter to counter + 1.
          h.counter++;
          // v. If ToBoolean(selected) is true, Yield(value).
          if (selected) return value;
        }
      }
      // https://tc39.es/ecma262/#sec-iteratorprototype.take
      case 'take': {
        // b.i. If remaining = 0, return ? IteratorClose(iterated, ReturnCompletion(undefined)).
        if (h.remaining === 0) {
          ops.iteratorClose(h.underlying);
          return DONE;
        }
        // ii. If remaining ≠ +∞, set remaining to remaining - 1.
        if (h.remaining !== Infinity) h.remaining--;
        // iii-iv. Let value be ? IteratorStepValue(iterated); if done, return.
        return ops.iteratorStepValue(h.underlying);
      }
      // https://tc39.es/ecma262/#sec-iteratorprototype.drop
      case 'drop': {
        // b. Repeat, while remaining > 0,
        while (h.remaining > 0) {
          if (h.remaining !== Infinity) h.remaining--;
          // ii-iii. Let next be ? IteratorStep(iterated); if done, return.
          if (ops.iteratorStep(h.underlying) === DONE) return DONE;
        }
        // c. Let value be ? IteratorStepValue(iterated); if done, return; Yield(value).
        return ops.iteratorStepValue(h.underlying);
      }
      // https://tc39.es/ecma262/#sec-iteratorprototype.flatmap
      case 'flatMap': {
        const iterated = h.underlying;
        for (;;) {
          // viii. Repeat, while innerAlive is true,
          if (h.inner) {
            // 1-2. Let innerValue be Completion(IteratorStepValue(innerIterator)); IfAbruptCloseIterator(innerValue, iterated).
            const inner = h.inner;
            const innerValue = ops.closeOnThrow(iterated, () => ops.iteratorStepValue(inner));
            // 3. If innerValue is done, set innerAlive to false (ix. and counter to counter + 1).
            if (innerValue === DONE) {
              h.inner = null;
              h.counter++;
              continue;
            }
            // 4.a. Yield(innerValue)
            return innerValue;
          }
          // i-ii. Let value be ? IteratorStepValue(iterated); if done, return.
          const value = ops.iteratorStepValue(iterated);
          if (value === DONE) return DONE;
          // iii-iv. Let mapped be Completion(Call(mapper, undefined, « value, 𝔽(counter) »)).
          const mapped = ops.closeOnThrow(iterated, () => ops.R.apply(h.fn as Function, undefined, [value, h.counter]));
          // v-vi. Let innerIterator be Completion(GetIteratorFlattenable(mapped, reject-primitives)).
          h.inner = ops.closeOnThrow(iterated, () => getIteratorFlattenable(mapped, 'reject-primitives'));
        }
      }
      // https://tc39.es/proposal-iterator-sequencing/#sec-iterator.concat (closure, step 3)
      case 'concat': {
        for (;;) {
          if (!h.inner) {
            // a. For each Record iterable of iterables, do
            if (h.index >= h.iterables.length) return DONE;
            const iterable = h.iterables[h.index++]!;
            // i. Let iter be ? Call(iterable.[[OpenMethod]], iterable.[[Iterable]]).
            const iter = ops.R.apply(iterable.openMethod as Function, iterable.iterable, []);
            // ii. If iter is not an Object, throw a TypeError exception.
            if (!isObject(iter)) ops.throwType(`${describe(iter)} is not an object`);
            // iii. Let iteratorRecord be ? GetIteratorDirect(iter).
            h.inner = ops.getIteratorDirect(iter);
          }
          // v.1. Let innerValue be ? IteratorStepValue(iteratorRecord).
          const innerValue = ops.iteratorStepValue(h.inner);
          // 2. If innerValue is done, set innerAlive to false.
          if (innerValue === DONE) {
            h.inner = null;
            continue;
          }
          // 3.a. Yield(innerValue)
          return innerValue;
        }
      }
      // https://tc39.es/proposal-iterator-chunking/#sec-iterator.prototype.chunks and .windows (closure)
      case 'chunks':
      case 'windows': {
        if (h.exhausted) return DONE;
        for (;;) {
          // b.i. Let value be ? IteratorStepValue(iterated).
          const value = ops.iteratorStepValue(h.underlying);
          // ii. If value is done: yield what the buffer holds (chunks: a non-empty rest; windows: only
          // with "allow-partial", a buffer shorter than a window), then return.
          if (value === DONE) {
            h.exhausted = true;
            const buffer = h.buffer;
            h.buffer = [];
            if (h.kind === 'chunks' ? buffer.length > 0 : h.allowPartial && buffer.length > 0 && buffer.length < h.size) return ops.arrayFromList(buffer);
            return DONE;
          }
          // windows: if the buffer holds a whole window, remove its first element.
          if (h.kind === 'windows' && h.buffer.length === h.size) h.buffer.shift();
          // Append value to buffer.
          h.buffer.push(value);
          // If the buffer holds chunkSize / windowSize elements, Yield(CreateArrayFromList(buffer)).
          if (h.buffer.length === h.size) {
            const out = ops.arrayFromList(h.buffer);
            if (h.kind === 'chunks') h.buffer = [];
            return out;
          }
        }
      }
      // https://tc39.es/proposal-joint-iteration/#sec-IteratorZip (closure)
      case 'zip': {
        const iterCount = h.iters.length;
        // a. If iterCount = 0, return ReturnCompletion(undefined).
        if (iterCount === 0) return DONE;
        // b.i. Let results be a new empty List.
        const results: unknown[] = [];
        // iii. For each integer i such that 0 ≤ i < iterCount, in ascending order, do
        for (let i = 0; i < iterCount; i++) {
          const iter = h.iters[i]!;
          let result: unknown;
          // 2. If iter is null, let result be padding[i].
          if (iter === null) result = h.padding[i];
          else {
            // 3.a-b. Let result be Completion(IteratorStepValue(iter)); if abrupt, close the others.
            try {
              result = ops.iteratorStepValue(iter);
            } catch (e) {
              removeFrom(h.openIters, iter);
              return iteratorCloseAll(h.openIters, { error: e });
            }
            // d. If result is done, then
            if (result === DONE) {
              removeFrom(h.openIters, iter);
              // ii. "shortest": Return ? IteratorCloseAll(openIters, ReturnCompletion(undefined)).
              if (h.mode === 'shortest') {
                iteratorCloseAll(h.openIters, null);
                return DONE;
              }
              // iii. "strict": every other iterator must be done at the same step.
              if (h.mode === 'strict') {
                if (i !== 0) iteratorCloseAll(h.openIters, { error: vm.error('TypeError', 'Iterator.zip: the iterables have different lengths') });
                for (let k = 1; k < iterCount; k++) {
                  const other = h.iters[k]!;
                  let open: object | typeof DONE;
                  try {
                    open = ops.iteratorStep(other);
                  } catch (e) {
                    removeFrom(h.openIters, other);
                    return iteratorCloseAll(h.openIters, { error: e });
                  }
                  if (open !== DONE) iteratorCloseAll(h.openIters, { error: vm.error('TypeError', 'Iterator.zip: the iterables have different lengths') });
                  removeFrom(h.openIters, other);
                }
                return DONE;
              }
              // iv. "longest": pad from now on, until every iterator is done.
              if (h.openIters.length === 0) return DONE;
              h.iters[i] = null;
              result = h.padding[i];
            }
          }
          // 4. Append result to results.
          results.push(result);
        }
        // iv. Set results to finishResults(results).
        if (h.keys === null) return ops.arrayFromList(results);
        const obj = realm.intrinsics.objectCreate(null);
        for (let i = 0; i < iterCount; i++) Object.defineProperty(obj, h.keys[i]!, { value: results[i], writable: true, enumerable: true, configurable: true });
        return obj;
      }
    }
  };

  /** https://tc39.es/proposal-joint-iteration/#sec-closeall: close in reverse order; `abrupt` is a throw completion, null a normal one. */
  const iteratorCloseAll = (iters: IteratorRecord[], abrupt: { error: unknown } | null): never | typeof DONE => {
    let completion = abrupt;
    for (let i = iters.length - 1; i >= 0; i--) {
      // a. Set completion to Completion(IteratorClose(iter, completion)).
      if (completion) {
        try {
          ops.iteratorCloseThrow(iters[i]!, completion.error);
        } catch {
          /* the throw completion stays */
        }
      } else {
        try {
          ops.iteratorClose(iters[i]!);
        } catch (e) {
          completion = { error: e };
        }
      }
    }
    // 2. Return ? completion.
    if (completion) throw completion.error;
    return DONE;
  };
  const removeFrom = (list: IteratorRecord[], rec: IteratorRecord): void => {
    const i = list.indexOf(rec);
    if (i >= 0) list.splice(i, 1);
  };

  /** Resume the closure suspended at a Yield with a return completion: the IfAbruptCloseIterator steps after that Yield. */
  const resumeReturn = (h: IteratorHelper): void => {
    switch (h.kind) {
      case 'map':
      case 'filter':
      case 'take':
      case 'drop':
        // IfAbruptCloseIterator(completion, iterated)
        ops.iteratorClose(h.underlying);
        return;
      case 'flatMap': {
        // 4.b.i. Let backupCompletion be Completion(IteratorClose(innerIterator, completion)).
        try {
          ops.iteratorClose(h.inner!);
        } catch (e) {
          // ii. IfAbruptCloseIterator(backupCompletion, iterated).
          ops.iteratorCloseThrow(h.underlying, e);
        }
        // iii. Return ? IteratorClose(iterated, completion).
        ops.iteratorClose(h.underlying);
        return;
      }
      case 'concat':
        // 3.b.i. Return ? IteratorClose(iteratorRecord, completion).
        ops.iteratorClose(h.inner!);
        return;
      case 'chunks':
      case 'windows':
        // the last Yield, after exhaustion, is not followed by IfAbruptCloseIterator
        if (!h.exhausted) ops.iteratorClose(h.underlying);
        return;
      case 'zip':
        // vi.1. Return ? IteratorCloseAll(openIters, completion).
        iteratorCloseAll(h.openIters, null);
        return;
    }
  };

  /** GeneratorValidate(generator, "Iterator Helper"), the [[GeneratorBrand]] part. */
  const validate = (t: unknown, method: string): IteratorHelper => {
    const h = helpers.get(t);
    if (!h) ops.throwType(`Iterator Helper.prototype.${method} method called on incompatible receiver ${describe(t)}`);
    return h;
  };

  /** https://tc39.es/ecma262/#sec-%iteratorhelperprototype%.next: GeneratorResume(this value, undefined, "Iterator Helper"). */
  realm.defineNative(IteratorHelperPrototype, 'next', 0, (t) => {
    const h = validate(t, 'next');
    if (h.state === 'executing') ops.throwType('Generator is already running');
    if (h.state === 'completed') return vm.iterResult(undefined, true);
    h.state = 'executing';
    let value: unknown;
    try {
      value = step(h);
    } catch (e) {
      finish(h);
      throw e;
    }
    if (value === DONE) {
      finish(h);
      return vm.iterResult(undefined, true);
    }
    h.state = 'suspendedYield';
    return vm.iterResult(value, false);
  });

  /** https://tc39.es/ecma262/#sec-%iteratorhelperprototype%.return */
  realm.defineNative(IteratorHelperPrototype, 'return', 0, (t) => {
    // 1-2. Perform ? RequireInternalSlot(O, [[UnderlyingIterators]]).
    const h = validate(t, 'return');
    // 4. If O.[[GeneratorState]] is suspended-start, then
    if (h.state === 'suspendedStart') {
      // a. Set O.[[GeneratorState]] to completed.
      finish(h);
      // c. Perform ? IteratorCloseAll(O.[[UnderlyingIterators]], NormalCompletion(unused)).
      if (h.kind === 'zip') iteratorCloseAll(h.openIters, null);
      else if (h.kind !== 'concat') ops.iteratorClose(h.underlying);
      // d. Return CreateIteratorResultObject(undefined, true).
      return vm.iterResult(undefined, true);
    }
    // 5-6. Return ? GeneratorResumeAbrupt(O, C, "Iterator Helper") with a return completion.
    if (h.state === 'executing') ops.throwType('Generator is already running');
    if (h.state === 'completed') return vm.iterResult(undefined, true);
    h.state = 'executing';
    try {
      resumeReturn(h);
    } finally {
      finish(h);
    }
    return vm.iterResult(undefined, true);
  });

  Object.defineProperty(IteratorHelperPrototype, Symbol.toStringTag, { value: 'Iterator Helper', writable: false, enumerable: false, configurable: true });

  /** The generator completed: its closure's captures are no longer needed. */
  const finish = (h: IteratorHelper): void => {
    h.state = 'completed';
    if (h.kind === 'flatMap' || h.kind === 'concat') h.inner = null;
    else if (h.kind === 'chunks' || h.kind === 'windows') h.buffer = [];
  };

  vm.hiddenIntrinsics.push(['%IteratorHelperPrototype%', IteratorHelperPrototype], ['%WrapForValidIteratorPrototype%', WrapForValidIteratorPrototype]);
  vm.registerStampedKind('IteratorHelper', { stamp: helpers, proto: IteratorHelperPrototype });
  vm.registerStampedKind('WrappedIterator', { stamp: wrappers, proto: WrapForValidIteratorPrototype });

  /** CreateIteratorFromClosure(closure, "Iterator Helper", %IteratorHelperPrototype%, « [[UnderlyingIterators]] »). */
  const createHelper = (record: IteratorHelper): object => {
    const result = realm.intrinsics.objectCreate(IteratorHelperPrototype);
    helpers.set(result, record);
    return result;
  };

  /** Steps 1-2 of every prototype method: this value must be an Object. */
  const thisObject = (t: unknown, method: string): object => {
    if (!isObject(t)) ops.throwType(`Iterator.prototype.${method} called on non-object`);
    return t;
  };

  /** Steps 3-4 of the methods taking a function: close `O` (not yet a full record) when fn is not callable. */
  const requireCallable = (O: object, fn: unknown): void => {
    if (typeof fn !== 'function') ops.iteratorCloseThrow({ iterator: O, next: undefined, done: false }, vm.error('TypeError', `${describe(fn)} is not a function`));
  };

  /** The helpers over a function argument: map, filter, flatMap. */
  for (const kind of ['map', 'filter', 'flatMap'] as const) {
    realm.defineNative(IteratorPrototype, kind, 1, (t, a) => {
      // 1-2. Let O be the this value; if O is not an Object, throw a TypeError exception.
      const O = thisObject(t, kind);
      // 3-4. If IsCallable(fn) is false, return ? IteratorClose(iterated, ThrowCompletion(TypeError)).
      requireCallable(O, a[0]);
      // 5. Set iterated to ? GetIteratorDirect(O).
      const iterated = ops.getIteratorDirect(O);
      // 6-9. The helper over its closure, [[UnderlyingIterator]] iterated.
      return createHelper({ kind, state: 'suspendedStart', underlying: iterated, fn: a[0], counter: 0, inner: null });
    });
  }

  /** https://tc39.es/ecma262/#sec-iteratorprototype.take and .drop */
  for (const kind of ['take', 'drop'] as const) {
    realm.defineNative(IteratorPrototype, kind, 1, (t, a) => {
      const O = thisObject(t, kind);
      // 3. Let iterated be the Iterator Record { [[Iterator]]: O, [[NextMethod]]: undefined, [[Done]]: false }.
      const partial: IteratorRecord = { iterator: O, next: undefined, done: false };
      // 4-5. Let numLimit be Completion(ToNumber(limit)); IfAbruptCloseIterator(numLimit, iterated).
      const numLimit = ops.closeOnThrow(partial, () => ops.toNumber(a[0]));
      // 6. If numLimit is NaN, close with a RangeError.
      if (Number.isNaN(numLimit)) ops.iteratorCloseThrow(partial, vm.error('RangeError', `${String(a[0])} must be a number`));
      // 7. If numLimit is finite and numLimit > 𝔽(2**53 - 1), close with a RangeError.
      if (Number.isFinite(numLimit) && numLimit > Number.MAX_SAFE_INTEGER) ops.iteratorCloseThrow(partial, vm.error('RangeError', `${numLimit} must be at most 2**53 - 1`));
      // 8. Let integerLimit be ! ToIntegerOrInfinity(numLimit).
      const integerLimit = ops.toIntegerOrInfinity(numLimit);
      // 9. If integerLimit < 0, close with a RangeError.
      if (integerLimit < 0) ops.iteratorCloseThrow(partial, vm.error('RangeError', `${String(a[0])} must be positive`));
      // 10. Set iterated to ? GetIteratorDirect(O).
      const iterated = ops.getIteratorDirect(O);
      return createHelper({ kind, state: 'suspendedStart', underlying: iterated, remaining: integerLimit });
    });
  }

  /** https://tc39.es/ecma262/#sec-iteratorprototype.reduce */
  realm.defineNative(IteratorPrototype, 'reduce', 1, (t, a) => {
    const O = thisObject(t, 'reduce');
    const reducer = a[0];
    // 3-4. If IsCallable(reducer) is false, close O with a TypeError.
    requireCallable(O, reducer);
    // 5. Set iterated to ? GetIteratorDirect(O).
    const iterated = ops.getIteratorDirect(O);
    let accumulator: unknown;
    let counter: number;
    // 6. If initialValue is not present, then
    if (a.length < 2) {
      // a-b. Let accumulator be ? IteratorStepValue(iterated); if done, throw a TypeError.
      accumulator = ops.iteratorStepValue(iterated);
      if (accumulator === DONE) ops.throwType('Reduce of empty iterator with no initial value');
      // c. Let counter be 1.
      counter = 1;
    } else {
      // 7. Let accumulator be initialValue; let counter be 0.
      accumulator = a[1];
      counter = 0;
    }
    // 8. Repeat,
    for (;;) {
      const value = ops.iteratorStepValue(iterated);
      if (value === DONE) return accumulator;
      // c-e. Let result be Completion(Call(reducer, undefined, « accumulator, value, 𝔽(counter) »)).
      const acc = accumulator;
      accumulator = ops.closeOnThrow(iterated, () => ops.R.apply(reducer as Function, undefined, [acc, value, counter]));
      counter++;
    }
  });

  /** https://tc39.es/ecma262/#sec-iteratorprototype.toarray */
  realm.defineNative(IteratorPrototype, 'toArray', 0, (t) => {
    const O = thisObject(t, 'toArray');
    // 3. Let iterated be ? GetIteratorDirect(O).
    const iterated = ops.getIteratorDirect(O);
    // 4-5. Collect into a List, then CreateArrayFromList(items).
    const items: unknown[] = [];
    for (;;) {
      const value = ops.iteratorStepValue(iterated);
      if (value === DONE) return ops.arrayFromList(items);
      items.push(value);
    }
  });

  /**
   * forEach, some, every, find (https://tc39.es/ecma262/#sec-iteratorprototype.foreach and after):
   * call fn(value, counter) for each value; `stop` says, from the result, whether to close the
   * iterator and return what it gives.
   */
  const consume = (name: string, stop: (result: unknown, value: unknown) => { value: unknown } | null, whenDone: unknown) => {
    realm.defineNative(IteratorPrototype, name, 1, (t, a) => {
      const O = thisObject(t, name);
      const fn = a[0];
      // 3-4. If IsCallable(fn) is false, close O with a TypeError.
      requireCallable(O, fn);
      // 5. Set iterated to ? GetIteratorDirect(O).
      const iterated = ops.getIteratorDirect(O);
      // 6. Let counter be 0.
      let counter = 0;
      // 7. Repeat,
      for (;;) {
        // a-b. Let value be ? IteratorStepValue(iterated); if done, return.
        const value = ops.iteratorStepValue(iterated);
        if (value === DONE) return whenDone;
        // c-d. Let result be Completion(Call(fn, undefined, « value, 𝔽(counter) »)); IfAbruptCloseIterator.
        const result = ops.closeOnThrow(iterated, () => ops.R.apply(fn as Function, undefined, [value, counter]));
        // e. Return ? IteratorClose(iterated, NormalCompletion(…)) where the method stops early.
        const out = stop(result, value);
        if (out) {
          ops.iteratorClose(iterated);
          return out.value;
        }
        counter++;
      }
    });
  };
  consume('forEach', () => null, undefined);
  consume('some', (r) => (r ? { value: true } : null), false);
  consume('every', (r) => (r ? null : { value: false }), true);
  consume('find', (r, v) => (r ? { value: v } : null), undefined);

  /** https://tc39.es/proposal-iterator-sequencing/#sec-iterator.concat */
  realm.defineNative(Iterator, 'concat', 0, (_t, a) => {
    // 1. Let iterables be a new empty List.
    const iterables: { openMethod: unknown; iterable: unknown }[] = [];
    // 2. For each element item of items, do
    for (let i = 0; i < a.length; i++) {
      const item = a[i];
      // a. If item is not an Object, throw a TypeError exception.
      if (!isObject(item)) ops.throwType(`${describe(item)} is not an object`);
      // b. Let method be ? GetMethod(item, %Symbol.iterator%).
      const method = ops.getMethod(item, Symbol.iterator);
      // c. If method is undefined, throw a TypeError exception.
      if (method === undefined) ops.throwType(`${describe(item)} is not iterable`);
      // d. Append the Record { [[OpenMethod]]: method, [[Iterable]]: item } to iterables.
      iterables.push({ openMethod: method, iterable: item });
    }
    // 3-6. The helper over the closure, with an empty [[UnderlyingIterators]].
    return createHelper({ kind: 'concat', state: 'suspendedStart', iterables, index: 0, inner: null });
  });

  // ---- Proposals test262 covers: chunking, includes, join, joint iteration --------------------

  /** https://tc39.es/proposal-iterator-chunking/#sec-iterator.prototype.chunks and .windows */
  for (const kind of ['chunks', 'windows'] as const) {
    realm.defineNative(IteratorPrototype, kind, 1, (t, a) => {
      // 1-2. Let O be the this value; if O is not an Object, throw a TypeError exception.
      const O = thisObject(t, kind);
      // 3. Let iterated be the Iterator Record { [[Iterator]]: O, [[NextMethod]]: undefined, [[Done]]: false }.
      const partial: IteratorRecord = { iterator: O, next: undefined, done: false };
      const size = a[0];
      // 4-5. A size that is not an integral Number closes O with a TypeError;
      if (typeof size !== 'number' || !Number.isInteger(size)) ops.iteratorCloseThrow(partial, vm.error('TypeError', `${kind === 'chunks' ? 'chunkSize' : 'windowSize'} must be an integer`));
      // 6. one outside [1, 2**32 - 1] with a RangeError.
      if (size < 1 || size > 2 ** 32 - 1) ops.iteratorCloseThrow(partial, vm.error('RangeError', `${kind === 'chunks' ? 'chunkSize' : 'windowSize'} must be between 1 and 2**32 - 1`));
      // windows: undersized is "only-full" (the default) or "allow-partial"; anything else closes O with a TypeError.
      let allowPartial = false;
      if (kind === 'windows') {
        const undersized = a[1] === undefined ? 'only-full' : a[1];
        if (undersized !== 'only-full' && undersized !== 'allow-partial') ops.iteratorCloseThrow(partial, vm.error('TypeError', 'undersized must be "only-full" or "allow-partial"'));
        allowPartial = undersized === 'allow-partial';
      }
      // Set iterated to ? GetIteratorDirect(O).
      const iterated = ops.getIteratorDirect(O);
      return createHelper({ kind, state: 'suspendedStart', underlying: iterated, size, allowPartial, buffer: [], exhausted: false });
    });
  }

  /** https://tc39.es/proposal-iterator-includes/#sec-iterator.prototype.includes */
  realm.defineNative(IteratorPrototype, 'includes', 1, (t, a) => {
    const O = thisObject(t, 'includes');
    const searchElement = a[0];
    const skippedElements = a[1];
    // 3. Let iterated be the Iterator Record { [[Iterator]]: O, [[NextMethod]]: undefined, [[Done]]: false }.
    const partial: IteratorRecord = { iterator: O, next: undefined, done: false };
    let toSkip = 0;
    // 4-5. skippedElements: undefined (0), ±∞ or an integral Number; anything else closes O with a TypeError.
    if (skippedElements !== undefined) {
      if (typeof skippedElements !== 'number' || Number.isNaN(skippedElements) || (Number.isFinite(skippedElements) && !Number.isInteger(skippedElements)))
        ops.iteratorCloseThrow(partial, vm.error('TypeError', 'skippedElements must be an integer or ±Infinity'));
      toSkip = skippedElements;
    }
    // 6. If toSkip < -0, close with a RangeError.
    if (toSkip < 0) ops.iteratorCloseThrow(partial, vm.error('RangeError', 'skippedElements must not be negative'));
    // 7. If toSkip is finite and toSkip > 2**53 - 1, close with a RangeError.
    if (Number.isFinite(toSkip) && toSkip > Number.MAX_SAFE_INTEGER) ops.iteratorCloseThrow(partial, vm.error('RangeError', 'skippedElements must be at most 2**53 - 1'));
    // 8. Let skipped be +0.
    let skipped = 0;
    // 9. Set iterated to ? GetIteratorDirect(O).
    const iterated = ops.getIteratorDirect(O);
    // 10. Repeat,
    for (;;) {
      const value = ops.iteratorStepValue(iterated);
      if (value === DONE) return false;
      if (skipped < toSkip) skipped++;
      else if (value === searchElement || (value !== value && searchElement !== searchElement)) {
        // SameValueZero(value, searchElement): return ? IteratorClose(iterated, NormalCompletion(true)).
        ops.iteratorClose(iterated);
        return true;
      }
    }
  });

  /** https://tc39.es/proposal-iterator-join/#sec-iterator.prototype.join */
  realm.defineNative(IteratorPrototype, 'join', 1, (t, a) => {
    const obj = thisObject(t, 'join');
    // 3. Let iterated be the Iterator Record { [[Iterator]]: obj, [[NextMethod]]: undefined, [[Done]]: false }.
    const partial: IteratorRecord = { iterator: obj, next: undefined, done: false };
    // 4-5. Let sep be "," or Completion(ToString(separator)); IfAbruptCloseIterator(sep, iterated).
    const sep = a[0] === undefined ? ',' : ops.closeOnThrow(partial, () => ops.toString(a[0]));
    // 6. Set iterated to ? GetIteratorDirect(obj).
    const iterated = ops.getIteratorDirect(obj);
    // 7-9.
    let result = '';
    let first = true;
    for (;;) {
      const value = ops.iteratorStepValue(iterated);
      if (value === DONE) return result;
      if (first) first = false;
      else result += sep;
      // Nullish values are empty strings; ToString of the rest closes the iterator when it throws.
      if (value !== undefined && value !== null) result += ops.closeOnThrow(iterated, () => ops.toString(value));
    }
  });

  /** GetOptionsObject and Iterator.zip / zipKeyed's steps 2-7: the mode and the padding option. */
  const zipOptions = (options: unknown): { mode: 'shortest' | 'longest' | 'strict'; paddingOption: unknown } => {
    // GetOptionsObject(options)
    if (options !== undefined && !isObject(options)) ops.throwType('options must be an object');
    const opts = options === undefined ? realm.intrinsics.objectCreate(null) : (options as object);
    // 3-5. Let mode be ? Get(options, "mode"); undefined is "shortest"; anything else but the three is a TypeError.
    let mode = ops.realm.ops.get(opts, 'mode');
    if (mode === undefined) mode = 'shortest';
    if (mode !== 'shortest' && mode !== 'longest' && mode !== 'strict') ops.throwType('mode must be "shortest", "longest" or "strict"');
    // 6-7. In mode "longest", paddingOption is ? Get(options, "padding"): undefined or an Object.
    let paddingOption: unknown;
    if (mode === 'longest') {
      paddingOption = ops.realm.ops.get(opts, 'padding');
      if (paddingOption !== undefined && !isObject(paddingOption)) ops.throwType('padding must be an object');
    }
    return { mode, paddingOption };
  };
  /** IfAbruptCloseIterators(value, iters) around `f`. */
  const closeAllOnThrow = <T>(iters: IteratorRecord[], f: () => T): T => {
    try {
      return f();
    } catch (e) {
      return iteratorCloseAll(iters, { error: e }) as never;
    }
  };

  /** https://tc39.es/proposal-joint-iteration/#sec-iterator.zip */
  realm.defineNative(Iterator, 'zip', 1, (_t, a) => {
    const iterables = a[0];
    // 1. If iterables is not an Object, throw a TypeError exception.
    if (!isObject(iterables)) ops.throwType('Iterator.zip: iterables must be an object');
    const { mode, paddingOption } = zipOptions(a[1]);
    // 8-9.
    const iters: IteratorRecord[] = [];
    const padding: unknown[] = [];
    // 10. Let inputIter be ? GetIterator(iterables, sync).
    const inputIter = ops.getIterator(iterables);
    // 12. Repeat, while next is not done,
    for (;;) {
      // a-b. Set next to Completion(IteratorStepValue(inputIter)); IfAbruptCloseIterators(next, iters).
      const next = closeAllOnThrow(iters, () => ops.iteratorStepValue(inputIter));
      if (next === DONE) break;
      // c.i-ii. Let iter be Completion(GetIteratorFlattenable(next, reject-strings)); close « inputIter » and iters when abrupt.
      const iter = closeAllOnThrow([inputIter, ...iters], () => getIteratorFlattenable(next, 'reject-primitives'));
      // iii. Append iter to iters.
      iters.push(iter);
    }
    // 13-14. In mode "longest", the padding: undefined each, or taken from the padding iterable.
    const iterCount = iters.length;
    if (mode === 'longest') {
      if (paddingOption === undefined) for (let i = 0; i < iterCount; i++) padding.push(undefined);
      else {
        const paddingIter = closeAllOnThrow(iters, () => ops.getIterator(paddingOption));
        let usingIterator = true;
        for (let i = 0; i < iterCount; i++) {
          if (usingIterator) {
            const next = closeAllOnThrow(iters, () => ops.iteratorStepValue(paddingIter));
            if (next === DONE) usingIterator = false;
            else padding.push(next);
          }
          if (!usingIterator) padding.push(undefined);
        }
        // v. If usingIterator is true, IteratorClose(paddingIter, NormalCompletion(unused)), closing iters when abrupt.
        if (usingIterator) closeAllOnThrow(iters, () => ops.iteratorClose(paddingIter));
      }
    }
    // 15-16. Return IteratorZip(iters, mode, padding, CreateArrayFromList).
    return createHelper({ kind: 'zip', state: 'suspendedStart', iters, openIters: iters.slice(), mode, padding, keys: null });
  });

  /** https://tc39.es/proposal-joint-iteration/#sec-iterator.zipkeyed */
  realm.defineNative(Iterator, 'zipKeyed', 1, (_t, a) => {
    const iterables = a[0];
    // 1. If iterables is not an Object, throw a TypeError exception.
    if (!isObject(iterables)) ops.throwType('Iterator.zipKeyed: iterables must be an object');
    const { mode, paddingOption } = zipOptions(a[1]);
    const iters: IteratorRecord[] = [];
    const padding: unknown[] = [];
    // 10. Let allKeys be ? iterables.[[OwnPropertyKeys]]().
    const allKeys = ops.R.ownKeys(iterables);
    const keys: PropertyKey[] = [];
    // 12. For each element key of allKeys, do
    for (const key of allKeys) {
      // a-b. Let desc be Completion(iterables.[[GetOwnProperty]](key)); IfAbruptCloseIterators(desc, iters).
      const desc = closeAllOnThrow(iters, () => ops.R.getOwnPropertyDescriptor(iterables, key));
      // c. If desc is not undefined and desc.[[Enumerable]] is true, then
      if (desc === undefined || !desc.enumerable) continue;
      // i-ii. Let value be Completion(Get(iterables, key)); IfAbruptCloseIterators(value, iters).
      const value = closeAllOnThrow(iters, () => ops.realm.ops.get(iterables, key));
      // iii. If value is not undefined, then
      if (value === undefined) continue;
      // 1-4. Append key to keys; Let iter be Completion(GetIteratorFlattenable(value, reject-strings)); append iter to iters.
      const iter = closeAllOnThrow(iters, () => getIteratorFlattenable(value, 'reject-primitives'));
      keys.push(key);
      iters.push(iter);
    }
    // 13-14. In mode "longest", the padding: undefined each, or Get(paddingOption, key) for each key.
    if (mode === 'longest') {
      if (paddingOption === undefined) for (let i = 0; i < iters.length; i++) padding.push(undefined);
      else for (const key of keys) padding.push(closeAllOnThrow(iters, () => ops.realm.ops.get(paddingOption, key)));
    }
    // 15-16. Return IteratorZip(iters, mode, padding, finishResults) with null-prototype objects of keys.
    return createHelper({ kind: 'zip', state: 'suspendedStart', iters, openIters: iters.slice(), mode, padding, keys });
  });
}

/** https://tc39.es/ecma262/#sec-ordinaryhasinstance with C = %Iterator% (its prototype is non-writable). */
function ordinaryHasInstance(ops: Ops, proto: object, O: unknown): boolean {
  if (!isObject(O)) return false;
  for (let p = ops.R.getPrototypeOf(O); p !== null; p = ops.R.getPrototypeOf(p)) if (p === proto) return true;
  return false;
}
