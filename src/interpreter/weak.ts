// Weak collections stay V8's (native speed, exact semantics), but V8 hides their entries from a
// snapshot. So the methods that change them (WeakMap.prototype.set/delete, WeakSet.prototype.add/
// delete) also record each entry on its key: a key object carries a stamp mapping each collection
// that holds it to the value. A snapshot that reaches a key finds the entries through it; an entry
// matters to a snapshot only when its key is reachable anyway. FinalizationRegistry likewise: its
// constructor notes the cleanup callback, `register` notes each registration on its target, and
// `unregister` notes when a token was unregistered (registrations made before that are gone).
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
  installFinalizationRegistry(realm, vm);
}

/** A registration noted on its target: the registry, the held value, the token and when it was made. */
export interface Registration {
  registry: object;
  held: unknown;
  token: unknown;
  seq: number;
}

function installFinalizationRegistry(realm: Realm, vm: VM): void {
  const g = realm.global as any;
  const Original = g.FinalizationRegistry as Function | undefined;
  if (typeof Original !== 'function') return;
  const proto = Original.prototype;
  const register = proto.register as Function;
  const unregister = proto.unregister as Function;
  const fin = vm.finalization;
  const FR = realm.native(
    'FinalizationRegistry',
    1,
    (_t, a, newTarget) => {
      // V8 checks `new` and the callback and throws its own (realm) TypeError
      const registry = newTarget === undefined ? realm.R.apply(Original, undefined, [a[0]]) : realm.R.construct(Original, [a[0]], newTarget as Function);
      fin.cleanups.set(registry as object, a[0] as Function);
      return registry;
    },
    true,
  );
  Object.defineProperty(FR, 'prototype', { value: proto, writable: false, enumerable: false, configurable: false });
  Object.defineProperty(proto, 'constructor', { value: FR, writable: true, enumerable: false, configurable: true });
  Object.defineProperty(g, 'FinalizationRegistry', { value: FR, writable: true, enumerable: false, configurable: true });
  realm.defineNative(proto, 'register', 2, (t, a) => {
    const r = realm.R.apply(register, t, [a[0], a[1], a[2]]);
    let list = fin.registrations.get(a[0] as object);
    if (!list) fin.registrations.set(a[0] as object, (list = []));
    list.push({ registry: t as object, held: a[1], token: a[2], seq: ++fin.seq });
    return r;
  });
  realm.defineNative(proto, 'unregister', 1, (t, a) => {
    const removed = realm.R.apply(unregister, t, [a[0]]) as boolean;
    if (removed) {
      let tokens = fin.unregistered.get(t as object);
      if (!tokens) fin.unregistered.set(t as object, (tokens = new WeakMap()));
      tokens.set(a[0] as object, ++fin.seq);
    }
    return removed;
  });
}

/** The FinalizationRegistry bookkeeping a snapshot reads (weak.ts fills it). */
export class Finalization {
  seq = 0;
  /** registry → its cleanup callback */
  readonly cleanups = new WeakMap<object, Function>();
  /** target → its registrations, oldest first */
  readonly registrations = new WeakMap<object, Registration[]>();
  /** registry → token → when it was last unregistered */
  readonly unregistered = new WeakMap<object, WeakMap<object, number>>();

  /** The registrations on `target` still in force. */
  live(target: object): Registration[] {
    return (this.registrations.get(target) ?? []).filter((r) => {
      const at = r.token === undefined ? undefined : this.unregistered.get(r.registry)?.get(r.token as object);
      return at === undefined || at < r.seq;
    });
  }
}
