// Object.groupBy and Map.groupBy (ES2024, ecma262 §20.1.2.12 and §24.1.2.1).
import type { Engine } from '../engine';
import { DONE, type Ops } from './common';

export function installGroupBy(engine: Engine, ops: Ops): void {
  const realm = engine.realm;
  const g = realm.global as any;
  const MapCtor = g.Map as MapConstructor;
  const mapSet = MapCtor.prototype.set as Function;

  /** https://tc39.es/ecma262/#sec-groupby: the groups in order of their first element, keyed by SameValue. */
  const groupBy = (items: unknown, callback: unknown, keyCoercion: 'property' | 'collection'): Map<unknown, unknown[]> => {
    // 1. Perform ? RequireObjectCoercible(items).
    if (items === undefined || items === null) ops.throwType(`Cannot group ${String(items)}`);
    // 2. If IsCallable(callback) is false, throw a TypeError exception.
    if (typeof callback !== 'function') ops.throwType('callback is not a function');
    // 3. Let groups be a new empty List (a host Map: keys are canonical, so SameValueZero is SameValue).
    const groups = new Map<unknown, unknown[]>();
    // 4. Let iteratorRecord be ? GetIterator(items, sync).
    const iteratorRecord = ops.getIterator(items);
    // 5. Let k be 0.
    for (let k = 0; ; k++) {
      // 6.a. If k ≥ 2**53 - 1, close the iterator with a TypeError.
      if (k >= Number.MAX_SAFE_INTEGER) ops.iteratorCloseThrow(iteratorRecord, engine.vm.error('TypeError', 'Too many elements to group'));
      // b-c. Let next be ? IteratorStepValue(iteratorRecord); if done, return groups.
      const value = ops.iteratorStepValue(iteratorRecord);
      if (value === DONE) return groups;
      // e-f. Let key be Completion(Call(callback, undefined, « value, 𝔽(k) »)); IfAbruptCloseIterator.
      let key = ops.closeOnThrow(iteratorRecord, () => ops.R.apply(callback, undefined, [value, k]));
      if (keyCoercion === 'property') {
        // g. Set key to Completion(ToPropertyKey(key)); IfAbruptCloseIterator.
        const raw = key;
        key = ops.closeOnThrow(iteratorRecord, () => ops.toPropertyKey(raw));
      } else if (Object.is(key, -0)) {
        // h.ii. Set key to CanonicalizeKeyedCollectionKey(key).
        key = 0;
      }
      // i. Perform AddValueToKeyedGroup(groups, key, value).
      const group = groups.get(key);
      if (group) group.push(value);
      else groups.set(key, [value]);
    }
  };

  /** https://tc39.es/ecma262/#sec-object.groupby */
  realm.defineNative(g.Object, 'groupBy', 2, (_t, a) => {
    // 1. Let groups be ? GroupBy(items, callback, property).
    const groups = groupBy(a[0], a[1], 'property');
    // 2. Let obj be OrdinaryObjectCreate(null).
    const obj = realm.intrinsics.objectCreate(null);
    // 3. For each Record g of groups: CreateDataPropertyOrThrow(obj, g.[[Key]], CreateArrayFromList(g.[[Elements]])).
    for (const [key, elements] of groups) {
      Object.defineProperty(obj, key as PropertyKey, { value: ops.arrayFromList(elements), writable: true, enumerable: true, configurable: true });
    }
    return obj;
  });

  /** https://tc39.es/ecma262/#sec-map.groupby */
  realm.defineNative(MapCtor, 'groupBy', 2, (_t, a) => {
    // 1. Let groups be ? GroupBy(items, callback, collection).
    const groups = groupBy(a[0], a[1], 'collection');
    // 2. Let map be ! Construct(%Map%).
    const map = new MapCtor();
    // 3. For each Record g of groups: append { [[Key]], [[Value]]: CreateArrayFromList(elements) } to map.[[MapData]].
    for (const [key, elements] of groups) ops.R.apply(mapSet, map, [key, ops.arrayFromList(elements)]);
    return map;
  });
}
