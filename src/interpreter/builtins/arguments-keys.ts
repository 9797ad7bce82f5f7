// The own keys of a sloppy (mapped) arguments object, for the guest. V8 (Node 20) collects the
// elements of an object with SLOPPY_ARGUMENTS_ELEMENTS with an enumerable-only filter whatever the
// caller asked, so its [[OwnPropertyKeys]] leaves out an element made non-enumerable with
// defineProperty: Reflect.ownKeys, Object.getOwnPropertyNames and getOwnPropertyDescriptors miss it,
// and Object.freeze / seal / isFrozen / isSealed skip it (a "frozen" arguments object keeps a writable,
// configurable element). Strict and unmapped arguments objects are not affected. The VM knows every
// mapped arguments object it made (`VM.mappedArguments`); these built-ins probe those objects' indices
// (`argumentsKeys`) and hand any other value to V8's function unchanged. Installed only where the
// realm's V8 has the bug. Not covered: a proxy whose target is such an object (V8 asks the target
// itself). Object.keys/entries, for-in, Object.assign, spread and JSON want enumerable keys only, which V8
// lists right.
import type { Engine } from '../engine';
import type { Realm } from '../realm';

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

export function installArgumentsKeys(engine: Engine): void {
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
  /** The own keys V8 leaves out of `o`, a mapped arguments object. */
  const hidden = (o: object, argc: number) => missed(argumentsKeys(o, argc), R.ownKeys(o));

  // https://tc39.es/ecma262/#sec-reflect.ownkeys, #sec-object.getownpropertynames
  realm.defineNative(G.Reflect, 'ownKeys', 1, (_t, a) => {
    const o = a[0] as object;
    const params = mapped.get(o);
    if (params === undefined) return R.apply(original.ownKeys, undefined, a);
    return realm.arrayFromList(argumentsKeys(o, params.argc));
  });
  realm.defineNative(O, 'getOwnPropertyNames', 1, (_t, a) => {
    const o = a[0] as object;
    const params = mapped.get(o);
    if (params === undefined) return R.apply(original.getOwnPropertyNames, undefined, a);
    return realm.arrayFromList(argumentsKeys(o, params.argc).filter((k) => typeof k === 'string'));
  });
  // https://tc39.es/ecma262/#sec-object.getownpropertydescriptors (indices of the result object come first, in order)
  realm.defineNative(O, 'getOwnPropertyDescriptors', 1, (_t, a) => {
    const o = a[0] as object;
    const result = R.apply(original.getOwnPropertyDescriptors, undefined, a) as object;
    const params = mapped.get(o);
    if (params !== undefined) for (const k of hidden(o, params.argc)) R.defineProperty(result, k, { value: R.getOwnPropertyDescriptor(o, k), writable: true, enumerable: true, configurable: true });
    return result;
  });
  // https://tc39.es/ecma262/#sec-setintegritylevel: V8's steps, then the elements it skipped
  const setLevel = (name: 'freeze' | 'seal', frozen: boolean) =>
    realm.defineNative(O, name, 1, (_t, a) => {
      const o = a[0] as object;
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
