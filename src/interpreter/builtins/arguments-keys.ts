// The own keys of a sloppy (mapped) arguments object, for the guest. V8 (Node 20) collects the
// elements of an object with SLOPPY_ARGUMENTS_ELEMENTS with an enumerable-only filter whatever the
// caller asked, so its [[OwnPropertyKeys]] leaves out an element made non-enumerable with
// defineProperty: Reflect.ownKeys, Object.getOwnPropertyNames and getOwnPropertyDescriptors miss it,
// and Object.freeze / seal / isFrozen / isSealed skip it (a "frozen" arguments object keeps a writable,
// configurable element). Strict and unmapped arguments objects are not affected. The VM knows every
// mapped arguments object it made (`VM.mappedArguments`); these built-ins probe those objects' indices
// (`argumentsKeys`) and hand any other value to V8's function unchanged. Installed only where the
// realm's V8 has the bug. A proxy in front of such an object gets ProxyOwnKeys done here for the same
// built-ins and getOwnPropertySymbols: V8's own checks the trap's result against the target's keys as V8
// lists them, so a trap forwarding the whole list (Reflect.ownKeys(target)) over a non-extensible target
// failed as "extra keys". Not covered: V8's other paths into such a proxy (Object.keys/values/entries,
// for-in, Object.assign, spread, JSON.stringify: hot built-ins left unwrapped) still make that check.
// Those want enumerable keys only, which V8 lists right for the arguments object itself.
import type { Engine } from '../engine';
import type { Realm } from '../realm';
import type { Ops } from './common';

/** How far past its known indices an arguments object's elements are probed (argumentsKeys). */
const ARGUMENTS_PROBE_PAST = 64;
/** The largest `length` or listed index that widens the probed range (a larger one is not probed up to). */
const ARGUMENTS_PROBE_LIMIT = 65536;

/** `k` as an array index (a canonical numeric string below 2^32 - 1), or -1. */
function arrayIndex(k: PropertyKey): number {
  if (typeof k !== 'string') return -1;
  const i = Number(k);
  return Number.isInteger(i) && i >= 0 && i < 4294967295 && String(i) === k ? i : -1;
}

/**
 * A mapped arguments object's own keys in [[OwnPropertyKeys]] order (array indices ascending, then
 * V8's other keys in its order). No V8 API lists its non-enumerable elements, so indices are probed:
 * below the largest of its argument count, its `length` and the last index V8 lists (each counted up
 * to ARGUMENTS_PROBE_LIMIT), plus ARGUMENTS_PROBE_PAST. A non-enumerable element defined further out
 * is missed; every listed one is kept.
 */
export function argumentsKeys(o: object, argc: number): PropertyKey[] {
  const listed = Reflect.ownKeys(o);
  const length = Reflect.getOwnPropertyDescriptor(o, 'length');
  const n = length && 'value' in length ? length.value : 0;
  let end = Math.max(argc, typeof n === 'number' && n >= 0 && n <= ARGUMENTS_PROBE_LIMIT ? Math.ceil(n) : 0);
  const far: number[] = [];
  const rest: PropertyKey[] = [];
  for (const k of listed) {
    const i = arrayIndex(k);
    if (i < 0) rest.push(k);
    else if (i < ARGUMENTS_PROBE_LIMIT) end = Math.max(end, i + 1);
    else far.push(i);
  }
  const keys: PropertyKey[] = [];
  end += ARGUMENTS_PROBE_PAST;
  for (let i = 0; i < end; i++) if (Reflect.getOwnPropertyDescriptor(o, i) !== undefined) keys.push(String(i));
  // (listed in ascending order by V8, all past the probed range)
  for (const i of far) if (i >= end) keys.push(String(i));
  for (const k of rest) keys.push(k);
  return keys;
}

/** The keys of `keys` that V8's own list `listed` leaves out. */
function missed(keys: PropertyKey[], listed: readonly PropertyKey[]): PropertyKey[] {
  if (keys.length === listed.length) return [];
  const seen = new Set(listed);
  return keys.filter((k) => !seen.has(k));
}

/** Whether V8's [[OwnPropertyKeys]] of a sloppy arguments object leaves out non-enumerable elements (asked once: it is V8's). */
let v8MissesElements: boolean | undefined;
function ownKeysMissElements(realm: Realm): boolean {
  if (v8MissesElements === undefined) {
    const a = realm.realmEval<object>('(function (x) { return arguments; })(1)');
    Object.defineProperty(a, '0', { enumerable: false });
    v8MissesElements = !Reflect.ownKeys(a).includes('0');
  }
  return v8MissesElements;
}

export function installArgumentsKeys(engine: Engine, ops: Ops): void {
  const realm = engine.realm;
  if (!ownKeysMissElements(realm)) return;
  const R = realm.R;
  const mapped = engine.vm.mappedArguments;
  const G = realm.global as any;
  const O = G.Object;
  const original = {
    ownKeys: G.Reflect.ownKeys as Function,
    getOwnPropertyNames: O.getOwnPropertyNames as Function,
    getOwnPropertyDescriptors: O.getOwnPropertyDescriptors as Function,
    freeze: O.freeze as Function,
    seal: O.seal as Function,
    isFrozen: O.isFrozen as Function,
    isSealed: O.isSealed as Function,
  };
  const proxies = engine.vm.proxies;
  /** The own keys V8 leaves out of `o`, a mapped arguments object. */
  const hidden = (o: object, argc: number) => missed(argumentsKeys(o, argc), R.ownKeys(o));
  /** Whether `o` is a live proxy with a mapped arguments object at the end of its chain of targets. */
  const proxyOfArguments = (o: unknown): o is object => {
    let rec = typeof o === 'object' && o !== null ? proxies.get(o) : undefined;
    if (rec === undefined) return false;
    for (;;) {
      if (rec.revoked) return false;
      const next = proxies.get(rec.target);
      if (next === undefined) return mapped.get(rec.target) !== undefined;
      rec = next;
    }
  };
  /** o.[[OwnPropertyKeys]]() as the spec lists it, for a mapped arguments object or a proxy in front of one. */
  const ownKeys = (o: object): PropertyKey[] => {
    const params = mapped.get(o);
    if (params !== undefined) return argumentsKeys(o, params.argc);
    return proxyOfArguments(o) ? proxyOwnKeys(o) : R.ownKeys(o);
  };
  const typeError = (message: string): never => ops.throwType(message);
  // https://tc39.es/ecma262/#sec-proxy-object-internal-methods-and-internal-slots-ownpropertykeys
  const proxyOwnKeys = (proxy: object): PropertyKey[] => {
    const { target, handler } = proxies.get(proxy)!;
    const trap = R.get(handler, 'ownKeys');
    if (trap === undefined || trap === null) return ownKeys(target);
    if (typeof trap !== 'function') typeError("'ownKeys' on proxy: trap is not a function");
    const array = R.apply(trap as Function, handler, [target]);
    if (array === null || (typeof array !== 'object' && typeof array !== 'function')) typeError("'ownKeys' on proxy: trap returned a non-object");
    // CreateListFromArrayLike(…, « String, Symbol »)
    const length = ops.toLength(R.get(array as object, 'length'));
    const trapResult: PropertyKey[] = [];
    for (let i = 0; i < length; i++) {
      const k = R.get(array as object, i);
      if (typeof k !== 'string' && typeof k !== 'symbol') typeError("'ownKeys' on proxy: trap result elements must be strings or symbols");
      trapResult.push(k as PropertyKey);
    }
    const unchecked = new Set(trapResult);
    if (unchecked.size !== trapResult.length) typeError("'ownKeys' on proxy: trap returned duplicate entries");
    const extensible = R.isExtensible(target);
    const configurable: PropertyKey[] = [];
    const nonconfigurable: PropertyKey[] = [];
    for (const k of ownKeys(target)) (R.getOwnPropertyDescriptor(target, k)?.configurable === false ? nonconfigurable : configurable).push(k);
    if (extensible && nonconfigurable.length === 0) return trapResult;
    for (const k of nonconfigurable) if (!unchecked.delete(k)) typeError(`'ownKeys' on proxy: trap result did not include '${String(k)}'`);
    if (extensible) return trapResult;
    for (const k of configurable) if (!unchecked.delete(k)) typeError(`'ownKeys' on proxy: trap result did not include '${String(k)}'`);
    if (unchecked.size > 0) typeError("'ownKeys' on proxy: trap returned extra keys but proxy target is non-extensible");
    return trapResult;
  };

  // https://tc39.es/ecma262/#sec-reflect.ownkeys, #sec-object.getownpropertynames
  realm.defineNative(G.Reflect, 'ownKeys', 1, (_t, a) => {
    const o = a[0] as object;
    if (mapped.get(o) === undefined && !proxyOfArguments(o)) return R.apply(original.ownKeys, undefined, a);
    return realm.arrayFromList(ownKeys(o));
  });
  realm.defineNative(O, 'getOwnPropertyNames', 1, (_t, a) => {
    const o = a[0] as object;
    if (mapped.get(o) === undefined && !proxyOfArguments(o)) return R.apply(original.getOwnPropertyNames, undefined, a);
    return realm.arrayFromList(ownKeys(o).filter((k) => typeof k === 'string'));
  });
  // https://tc39.es/ecma262/#sec-object.getownpropertysymbols (V8 asks a proxy's ownKeys trap for it too)
  const getOwnPropertySymbols = O.getOwnPropertySymbols as Function;
  realm.defineNative(O, 'getOwnPropertySymbols', 1, (_t, a) =>
    proxyOfArguments(a[0]) ? realm.arrayFromList(ownKeys(a[0]).filter((k) => typeof k === 'symbol')) : R.apply(getOwnPropertySymbols, undefined, a),
  );
  // https://tc39.es/ecma262/#sec-object.getownpropertydescriptors (indices of the result object come first, in order)
  realm.defineNative(O, 'getOwnPropertyDescriptors', 1, (_t, a) => {
    const o = a[0] as object;
    if (proxyOfArguments(o)) {
      const result = realm.intrinsics.newObject();
      for (const k of ownKeys(o)) {
        const d = R.getOwnPropertyDescriptor(o, k);
        if (d !== undefined) R.defineProperty(result, k, { value: d, writable: true, enumerable: true, configurable: true });
      }
      return result;
    }
    const result = R.apply(original.getOwnPropertyDescriptors, undefined, a) as object;
    const params = mapped.get(o);
    if (params !== undefined) for (const k of hidden(o, params.argc)) R.defineProperty(result, k, { value: R.getOwnPropertyDescriptor(o, k), writable: true, enumerable: true, configurable: true });
    return result;
  });
  // https://tc39.es/ecma262/#sec-setintegritylevel: V8's steps, then the elements it skipped; for a
  // proxy in front of an arguments object, the spec's steps
  const setLevel = (name: 'freeze' | 'seal', frozen: boolean) =>
    realm.defineNative(O, name, 1, (_t, a) => {
      const o = a[0] as object;
      if (proxyOfArguments(o)) {
        if (!R.preventExtensions(o)) typeError(`Cannot ${name} a proxy whose preventExtensions trap returned false`);
        for (const k of ownKeys(o)) {
          const d = frozen ? R.getOwnPropertyDescriptor(o, k) : undefined;
          if (frozen && d === undefined) continue;
          // (a fresh descriptor of own fields only, so nothing is read through the guest's Object.prototype)
          const desc = frozen && Object.hasOwn(d as object, 'value') ? { configurable: false, writable: false } : { configurable: false };
          if (!R.defineProperty(o, k, desc)) typeError(`Cannot redefine property: ${String(k)}`);
        }
        return o;
      }
      const result = R.apply(original[name], undefined, a);
      const params = mapped.get(o);
      if (params !== undefined) {
        for (const k of hidden(o, params.argc)) {
          // (the host's descriptor: a realm one would read `value` and `writable` through the guest's Object.prototype)
          const d = Reflect.getOwnPropertyDescriptor(o, k);
          if (d !== undefined) R.defineProperty(o, k, frozen && 'value' in d ? { configurable: false, writable: false } : { configurable: false });
        }
      }
      return result;
    });
  setLevel('freeze', true);
  setLevel('seal', false);
  // https://tc39.es/ecma262/#sec-testintegritylevel
  const testLevel = (name: 'isFrozen' | 'isSealed', frozen: boolean) =>
    realm.defineNative(O, name, 1, (_t, a) => {
      const o = a[0] as object;
      if (proxyOfArguments(o)) {
        if (R.isExtensible(o)) return false;
        return ownKeys(o).every((k) => {
          const d = R.getOwnPropertyDescriptor(o, k);
          return d === undefined || (!d.configurable && !(frozen && Object.hasOwn(d, 'value') && d.writable));
        });
      }
      if (!R.apply(original[name], undefined, a)) return false;
      const params = mapped.get(o);
      if (params === undefined) return true;
      return hidden(o, params.argc).every((k) => {
        const d = Reflect.getOwnPropertyDescriptor(o, k); // (the host's, as in setLevel)
        return d === undefined || (!d.configurable && !(frozen && 'value' in d && d.writable));
      });
    });
  testLevel('isFrozen', true);
  testLevel('isSealed', false);
}
