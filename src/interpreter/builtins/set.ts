// Set methods (ES2025, ecma262 §24.2.4): union, intersection, difference, symmetricDifference,
// isSubsetOf, isSupersetOf, isDisjointFrom. Sets stay V8's own; their [[SetData]] is reached only
// through the realm's original Set.prototype functions captured here at install, so a guest that
// replaces Set.prototype.has or the set iterator's next does not change what these methods see.
// V8's set iterator is live (it sees entries added during iteration and skips deleted ones), which
// is what the spec's index walk over [[SetData]] with a re-read size does.
import type { Engine } from '../engine';
import { DONE, type Ops, isObject, describe, type IteratorRecord } from './common';

/** https://tc39.es/ecma262/#sec-set-records */
interface SetRecord {
  setObject: object;
  size: number;
  has: Function;
  keys: Function;
}

export function installSetMethods(engine: Engine, ops: Ops): void {
  const realm = engine.realm;
  const vm = engine.vm;
  const SetCtor = (realm.global as any).Set as SetConstructor;
  const SetPrototype = SetCtor.prototype as any;
  // The original functions behind [[SetData]].
  const sizeGetter = Object.getOwnPropertyDescriptor(SetPrototype, 'size')!.get!;
  const setHas = SetPrototype.has as Function;
  const setAdd = SetPrototype.add as Function;
  const setDelete = SetPrototype.delete as Function;
  const setValues = SetPrototype.values as Function;
  const setIteratorNext = Object.getPrototypeOf(ops.R.apply(setValues, new SetCtor(), [])).next as Function;

  /** SetDataSize(O.[[SetData]]); also RequireInternalSlot(O, [[SetData]]) (V8 throws its TypeError). */
  const setDataSize = (O: unknown): number => ops.R.apply(sizeGetter, O, []) as number;
  const setDataHas = (set: object, v: unknown): boolean => ops.R.apply(setHas, set, [v]) as boolean;
  const append = (set: object, v: unknown): void => void ops.R.apply(setAdd, set, [v]);
  const remove = (set: object, v: unknown): void => void ops.R.apply(setDelete, set, [v]);
  /** OrdinaryObjectCreate(%Set.prototype%, « [[SetData]] ») with an empty [[SetData]]. */
  const newSet = (): object => new SetCtor();
  /** A copy of O.[[SetData]], as a new set. */
  const copySet = (O: object): object => {
    const result = newSet();
    forEachLive(O, (e) => (append(result, e), false));
    return result;
  };
  /** The elements of O.[[SetData]] now, as a List. */
  const elements = (O: object): unknown[] => {
    const list: unknown[] = [];
    forEachLive(O, (e) => (list.push(e), false));
    return list;
  };
  /**
   * The spec's walk `index < thisSize` over O.[[SetData]], re-reading the size after each call out:
   * V8's live set iterator. `f` returns true to stop early.
   */
  const forEachLive = (O: object, f: (e: unknown) => boolean): boolean => {
    const it = ops.R.apply(setValues, O, []);
    for (;;) {
      const r = ops.R.apply(setIteratorNext, it, []) as { value: unknown; done: boolean };
      if (r.done) return false;
      if (f(r.value)) return true;
    }
  };
  /** https://tc39.es/ecma262/#sec-canonicalizekeyedcollectionkey */
  const canonicalize = (v: unknown): unknown => (Object.is(v, -0) ? 0 : v);

  /** https://tc39.es/ecma262/#sec-getsetrecord */
  const getSetRecord = (obj: unknown): SetRecord => {
    // 1. If obj is not an Object, throw a TypeError exception.
    if (!isObject(obj)) ops.throwType(`${describe(obj)} is not a set-like object`);
    // 2. Let rawSize be ? Get(obj, "size").
    const rawSize = ops.realm.ops.get(obj, 'size');
    // 3. Let numSize be ? ToNumber(rawSize).
    const numSize = ops.toNumber(rawSize);
    // 5. If numSize is NaN, throw a TypeError exception.
    if (Number.isNaN(numSize)) ops.throwType(`The 'size' property of a set-like object must be a number`);
    // 6. Let intSize be ! ToIntegerOrInfinity(numSize).
    const intSize = ops.toIntegerOrInfinity(numSize);
    // 7. If intSize < 0, throw a RangeError exception.
    if (intSize < 0) vm.throwError('RangeError', `The 'size' property of a set-like object must not be negative`);
    // 8-9. Let has be ? Get(obj, "has"); if IsCallable(has) is false, throw a TypeError exception.
    const has = ops.realm.ops.get(obj, 'has') as any;
    if (typeof has !== 'function') ops.throwType(`The 'has' property of a set-like object must be a function`);
    // 10-11. Let keys be ? Get(obj, "keys"); if IsCallable(keys) is false, throw a TypeError exception.
    const keys = ops.realm.ops.get(obj, 'keys') as any;
    if (typeof keys !== 'function') ops.throwType(`The 'keys' property of a set-like object must be a function`);
    // 12. Return a new Set Record.
    return { setObject: obj, size: intSize, has, keys };
  };

  /** Call(otherRec.[[Has]], otherRec.[[SetObject]], « e ») as a Boolean. */
  const otherHas = (rec: SetRecord, e: unknown): boolean => !!ops.R.apply(rec.has, rec.setObject, [e]);
  /** GetIteratorFromMethod(otherRec.[[SetObject]], otherRec.[[Keys]]). */
  const keysIterator = (rec: SetRecord): IteratorRecord => ops.getIteratorFromMethod(rec.setObject, rec.keys);
  /** Each value of the keys iterator (IteratorStepValue until DONE); `f` returns true to stop (then the iterator is closed). */
  const forEachKey = (keysIter: IteratorRecord, f: (next: unknown) => boolean): boolean => {
    for (;;) {
      const next = ops.iteratorStepValue(keysIter);
      if (next === DONE) return false;
      if (f(next)) {
        // Perform ? IteratorClose(keysIter, NormalCompletion(unused)).
        ops.iteratorClose(keysIter);
        return true;
      }
    }
  };
  const thisSet = (t: unknown): object => {
    // 2. Perform ? RequireInternalSlot(O, [[SetData]]).
    setDataSize(t);
    return t as object;
  };

  const method = (name: string, impl: (O: object, otherRec: SetRecord) => unknown) => {
    realm.defineNative(SetPrototype, name, 1, (t, a) => {
      // 1-2. Let O be the this value; perform ? RequireInternalSlot(O, [[SetData]]).
      const O = thisSet(t);
      // 3. Let otherRec be ? GetSetRecord(other).
      return impl(O, getSetRecord(a[0]));
    });
  };

  /** https://tc39.es/ecma262/#sec-set.prototype.union */
  method('union', (O, otherRec) => {
    // 4. Let keysIter be ? GetIteratorFromMethod(otherRec.[[SetObject]], otherRec.[[Keys]]).
    const keysIter = keysIterator(otherRec);
    // 5. Let resultSetData be a copy of O.[[SetData]].
    const result = copySet(O);
    // 6-7. Append each value of keysIter not yet in resultSetData (-0 as +0).
    forEachKey(keysIter, (next) => (append(result, canonicalize(next)), false));
    // 8-10. Return the new set.
    return result;
  });

  /** https://tc39.es/ecma262/#sec-set.prototype.intersection */
  method('intersection', (O, otherRec) => {
    // 4. Let resultSetData be a new empty List.
    const result = newSet();
    // 5. If SetDataSize(O.[[SetData]]) ≤ otherRec.[[Size]], then
    if (setDataSize(O) <= otherRec.size) {
      // a-c. For each element e of O.[[SetData]] (its size re-read after each call):
      forEachLive(O, (e) => {
        // iii.1. Let inOther be ToBoolean(? Call(otherRec.[[Has]], otherRec.[[SetObject]], « e »)).
        // 2. If inOther is true and SetDataHas(resultSetData, e) is false, append e.
        if (otherHas(otherRec, e)) append(result, e);
        return false;
      });
    } else {
      // 6.a. Let keysIter be ? GetIteratorFromMethod(otherRec.[[SetObject]], otherRec.[[Keys]]).
      const keysIter = keysIterator(otherRec);
      forEachKey(keysIter, (next) => {
        // ii.1. Set next to CanonicalizeKeyedCollectionKey(next).
        const v = canonicalize(next);
        // 2-3. If SetDataHas(O.[[SetData]], next) is true (and not yet in resultSetData), append next.
        if (setDataHas(O, v)) append(result, v);
        return false;
      });
    }
    return result;
  });

  /** https://tc39.es/ecma262/#sec-set.prototype.difference */
  method('difference', (O, otherRec) => {
    // 4. Let resultSetData be a copy of O.[[SetData]].
    const result = copySet(O);
    // 5. If SetDataSize(O.[[SetData]]) ≤ otherRec.[[Size]], then
    if (setDataSize(O) <= otherRec.size) {
      // a-c. For each element e of resultSetData (its size at the start: a List of the elements),
      for (const e of elements(result)) {
        // ii. If e is not EMPTY (a call to has may not remove it: result is not reachable from guest code)
        // 1-2. If ToBoolean(? Call(otherRec.[[Has]], …, « e »)) is true, set resultSetData[index] to EMPTY.
        if (otherHas(otherRec, e)) remove(result, e);
      }
    } else {
      // 6.a. Let keysIter be ? GetIteratorFromMethod(otherRec.[[SetObject]], otherRec.[[Keys]]).
      const keysIter = keysIterator(otherRec);
      // c.ii. Remove each value of keysIter (-0 as +0) from resultSetData.
      forEachKey(keysIter, (next) => (remove(result, canonicalize(next)), false));
    }
    return result;
  });

  /** https://tc39.es/ecma262/#sec-set.prototype.symmetricdifference */
  method('symmetricDifference', (O, otherRec) => {
    // 4. Let keysIter be ? GetIteratorFromMethod(otherRec.[[SetObject]], otherRec.[[Keys]]).
    const keysIter = keysIterator(otherRec);
    // 5. Let resultSetData be a copy of O.[[SetData]].
    const result = copySet(O);
    // 7. Repeat, while next is not DONE,
    forEachKey(keysIter, (next) => {
      // b.i. Set next to CanonicalizeKeyedCollectionKey(next).
      const v = canonicalize(next);
      // ii-iii. Let alreadyInResult be whether resultSetData holds next.
      const alreadyInResult = setDataHas(result, v);
      // iv. If SetDataHas(O.[[SetData]], next) is true, remove it from the result if there;
      if (setDataHas(O, v)) {
        if (alreadyInResult) remove(result, v);
      } else if (!alreadyInResult) {
        // v. else append it if not already there.
        append(result, v);
      }
      return false;
    });
    return result;
  });

  /** https://tc39.es/ecma262/#sec-set.prototype.issubsetof */
  method('isSubsetOf', (O, otherRec) => {
    // 4. If SetDataSize(O.[[SetData]]) > otherRec.[[Size]], return false.
    if (setDataSize(O) > otherRec.size) return false;
    // 5-7. For each element e of O.[[SetData]]: if ToBoolean(? Call(has, other, « e »)) is false, return false.
    const stopped = forEachLive(O, (e) => !otherHas(otherRec, e));
    // 8. Return true.
    return !stopped;
  });

  /** https://tc39.es/ecma262/#sec-set.prototype.issupersetof */
  method('isSupersetOf', (O, otherRec) => {
    // 4. If SetDataSize(O.[[SetData]]) < otherRec.[[Size]], return false.
    if (setDataSize(O) < otherRec.size) return false;
    // 5. Let keysIter be ? GetIteratorFromMethod(otherRec.[[SetObject]], otherRec.[[Keys]]).
    const keysIter = keysIterator(otherRec);
    // 7.b.i. If SetDataHas(O.[[SetData]], next) is false, close keysIter and return false.
    const stopped = forEachKey(keysIter, (next) => !setDataHas(O, next));
    return !stopped;
  });

  /** https://tc39.es/ecma262/#sec-set.prototype.isdisjointfrom */
  method('isDisjointFrom', (O, otherRec) => {
    // 4. If SetDataSize(O.[[SetData]]) ≤ otherRec.[[Size]], then
    if (setDataSize(O) <= otherRec.size) {
      // a-c. For each element e of O.[[SetData]]: if ToBoolean(? Call(has, other, « e »)) is true, return false.
      return !forEachLive(O, (e) => otherHas(otherRec, e));
    }
    // 5.a. Let keysIter be ? GetIteratorFromMethod(otherRec.[[SetObject]], otherRec.[[Keys]]).
    const keysIter = keysIterator(otherRec);
    // c.ii.1. If SetDataHas(O.[[SetData]], next) is true, close keysIter and return false.
    return !forEachKey(keysIter, (next) => setDataHas(O, next));
  });
}
