// Weak collections stay V8's (native speed, exact semantics), but V8 hides their entries from a
// snapshot. So the methods that change them (WeakMap.prototype.set/delete, WeakSet.prototype.add/
// delete) also record each entry on its key: a key object carries a stamp mapping each collection
// that holds it to the value. A snapshot that reaches a key finds the entries through it; an entry
// matters to a snapshot only when its key is reachable anyway.
import type { Realm } from './realm';
import type { VM } from './vm';

export function installWeakCollections(realm: Realm, vm: VM): void {
  const g = realm.global as any;
  const entriesOf = (key: unknown, create: boolean): Map<object, unknown> | undefined => {
    if (typeof key === 'symbol') {
      let m = vm.weakSymbolEntries.get(key);
      if (!m && create) vm.weakSymbolEntries.set(key, (m = new Map()));
      return m;
    }
    let m = vm.weakEntries.get(key);
    if (!m && create) vm.weakEntries.set(key as object, (m = new Map()));
    return m;
  };
  for (const [C, adder, isMap] of [
    [g.WeakMap, 'set', true],
    [g.WeakSet, 'add', false],
  ] as const) {
    const proto = C.prototype;
    const add = proto[adder] as Function;
    const del = proto.delete as Function;
    realm.defineNative(proto, adder, isMap ? 2 : 1, (t, a) => {
      // V8's method checks the receiver and the key and throws its own (realm) TypeError
      const key = a[0];
      const value = isMap ? a[1] : true;
      const r = realm.R.apply(add, t, isMap ? [key, value] : [key]);
      entriesOf(key, true)!.set(t as object, value);
      return r;
    });
    realm.defineNative(proto, 'delete', 1, (t, a) => {
      const removed = realm.R.apply(del, t, [a[0]]) as boolean;
      if (removed) entriesOf(a[0], false)?.delete(t as object);
      return removed;
    });
  }
}
