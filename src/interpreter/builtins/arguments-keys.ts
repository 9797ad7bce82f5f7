// The own keys of a sloppy (mapped) arguments object, for the guest. V8 (Node 20) collects the
// elements of an object with SLOPPY_ARGUMENTS_ELEMENTS with an enumerable-only filter whatever the
// caller asked, so its [[OwnPropertyKeys]] leaves out an element made non-enumerable with
// defineProperty: Reflect.ownKeys, Object.getOwnPropertyNames and getOwnPropertyDescriptors miss it,
// and Object.freeze / seal / isFrozen / isSealed skip it (a "frozen" arguments object keeps a writable,
// configurable element). Strict and unmapped arguments objects are not affected. The VM knows every
// mapped arguments object it made (`VM.mappedArguments`); these built-ins probe those objects' indices
// (`argumentsKeys`) and hand any other value to V8's function unchanged. Installed only where the
// realm's V8 has the bug. A proxy in front of such an object gets ProxyOwnKeys done here for the same
// built-ins, getOwnPropertySymbols, Object.keys/values/entries, Object.assign, and the VM's for-in and
// CopyDataProperties (`VM.ownPropertyKeys`): V8's own checks the trap's result against the target's keys
// as V8 lists them, so a trap forwarding the whole list (Reflect.ownKeys(target)) over a non-extensible
// target failed as "extra keys". Not covered: JSON.stringify of such a proxy (V8 makes that check).
import type { Engine } from '../engine';
import type { NativeImpl, Realm } from '../realm';
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
  const vm = engine.vm;
  const mapped = vm.mappedArguments;
  const proxies = vm.proxies;
  const G = realm.global as any;
  const O = G.Object;
  const original = {
    ownKeys: G.Reflect.ownKeys as Function,
    getOwnPropertyNames: O.getOwnPropertyNames as Function,
    getOwnPropertySymbols: O.getOwnPropertySymbols as Function,
    getOwnPropertyDescriptors: O.getOwnPropertyDescriptors as Function,
    freeze: O.freeze as Function,
    seal: O.seal as Function,
    isFrozen: O.isFrozen as Function,
    isSealed: O.isSealed as Function,
  };
  const typeError = (message: string): never => ops.throwType(message);
  /** Whether `o` is a live proxy with a mapped arguments object at the end of its chain of targets (the one walk of a call). */
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
  /** Whether the spec's steps run here for `o`: a mapped arguments object or a proxy in front of one. */
  const ofArguments = (o: unknown): o is object => (typeof o === 'object' && o !== null && mapped.get(o) !== undefined) || proxyOfArguments(o);
  /**
   * o.[[OwnPropertyKeys]]() as the spec lists it, for `o` that ofArguments accepted (or a target down its
   * chain: a trap may revoke a proxy further down, which is then a TypeError as in ProxyOwnKeys).
   */
  const ownKeys = (o: object): PropertyKey[] => {
    const params = mapped.get(o);
    if (params !== undefined) return argumentsKeys(o, params.argc);
    const rec = proxies.get(o);
    return rec === undefined ? R.ownKeys(o) : proxyOwnKeys(rec);
  };
  // https://tc39.es/ecma262/#sec-proxy-object-internal-methods-and-internal-slots-ownpropertykeys
  const proxyOwnKeys = (rec: { target: object; handler: object; revoked: boolean }): PropertyKey[] => {
    if (rec.revoked) typeError("Cannot perform 'ownKeys' on a proxy that has been revoked");
    const { target, handler } = rec;
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
  // for-in and CopyDataProperties want enumerable keys, which V8 lists right for the arguments object itself
  vm.ownPropertyKeys = (o) => (proxyOfArguments(o) ? ownKeys(o) : R.ownKeys(o));

  /** Replace O[name] (or Reflect's) with the spec's steps where `o`, its first argument, is ofArguments. */
  const wrap = (holder: object, name: keyof typeof original, length: number, steps: (o: object) => unknown) =>
    realm.defineNative(holder, name, length, (_t, a) => (ofArguments(a[0]) ? steps(a[0]) : R.apply(original[name], undefined, a)));
  // https://tc39.es/ecma262/#sec-reflect.ownkeys, #sec-object.getownpropertynames, #sec-object.getownpropertysymbols
  wrap(G.Reflect, 'ownKeys', 1, (o) => realm.arrayFromList(ownKeys(o)));
  wrap(O, 'getOwnPropertyNames', 1, (o) => realm.arrayFromList(ownKeys(o).filter((k) => typeof k === 'string')));
  wrap(O, 'getOwnPropertySymbols', 1, (o) => realm.arrayFromList(ownKeys(o).filter((k) => typeof k === 'symbol')));
  // https://tc39.es/ecma262/#sec-object.getownpropertydescriptors
  wrap(O, 'getOwnPropertyDescriptors', 1, (o) => {
    const result = realm.intrinsics.newObject();
    for (const k of ownKeys(o)) {
      const d = R.getOwnPropertyDescriptor(o, k);
      if (d !== undefined) R.defineProperty(result, k, { value: d, writable: true, enumerable: true, configurable: true });
    }
    return result;
  });
  // https://tc39.es/ecma262/#sec-enumerableownproperties
  const enumerableOwn = (o: object, kind: 'key' | 'value' | 'key+value') => {
    const out: unknown[] = [];
    for (const k of ownKeys(o)) {
      if (typeof k !== 'string') continue;
      const d = R.getOwnPropertyDescriptor(o, k);
      if (d === undefined || !d.enumerable) continue;
      if (kind === 'key') out.push(k);
      else {
        const v = R.get(o, k);
        out.push(kind === 'value' ? v : realm.arrayFromList([k, v]));
      }
    }
    return realm.arrayFromList(out);
  };
  // Object.keys/values/entries and assign are hot: their wrappers are realm functions that call V8's at
  // once unless an argument is a proxy over arguments (V8 lists the arguments object's enumerable keys right)
  const assign = (a: ArrayLike<unknown>) => {
    const to = vm.toObject(a[0]);
    for (let i = 1; i < a.length; i++) {
      const source = a[i];
      if (source === undefined || source === null) continue;
      const from = vm.toObject(source);
      for (const k of proxyOfArguments(from) ? ownKeys(from) : R.ownKeys(from)) {
        const d = R.getOwnPropertyDescriptor(from, k);
        if (d === undefined || !d.enumerable) continue;
        if (!R.set(to, k, R.get(from, k), to)) typeError(`Cannot assign to read only property '${String(k)}' of object`);
      }
    }
    return to;
  };
  const made = realm.realmEval<(h: object) => Record<'keys' | 'values' | 'entries' | 'assign', Function>>(`(function (h) {
    'use strict';
    var keys = h.keys, values = h.values, entries = h.entries, assign = h.assign, ReflectApply = Reflect.apply;
    var slow = h.slow, slowAssign = h.slowAssign, proxy = h.proxyOfArguments;
    return {
      keys: { keys(o) { return typeof o === 'object' && o !== null && proxy(o) ? slow(o, 'key') : keys(o); } }.keys,
      values: { values(o) { return typeof o === 'object' && o !== null && proxy(o) ? slow(o, 'value') : values(o); } }.values,
      entries: { entries(o) { return typeof o === 'object' && o !== null && proxy(o) ? slow(o, 'key+value') : entries(o); } }.entries,
      assign: { assign(target, source) {
        for (var i = 1; i < arguments.length; i++) {
          var s = arguments[i];
          if (typeof s === 'object' && s !== null && proxy(s)) return slowAssign(arguments);
        }
        return ReflectApply(assign, undefined, arguments);
      } }.assign,
    };
  })`)({ keys: O.keys, values: O.values, entries: O.entries, assign: O.assign, slow: enumerableOwn, slowAssign: assign, proxyOfArguments });
  for (const name of ['keys', 'values', 'entries', 'assign'] as const) {
    const fn = made[name];
    const impl: NativeImpl = (_t, a) => R.apply(fn, undefined, a as unknown[]);
    realm.natives.set(fn, { name, impl });
    Object.defineProperty(O, name, { value: fn, writable: true, enumerable: false, configurable: true });
  }
  // https://tc39.es/ecma262/#sec-setintegritylevel (a descriptor of own fields only, so nothing is
  // read through the guest's Object.prototype)
  const setLevel = (name: 'freeze' | 'seal', frozen: boolean) =>
    wrap(O, name, 1, (o) => {
      if (!R.preventExtensions(o)) typeError(`Cannot ${name} a proxy whose preventExtensions trap returned false`);
      for (const k of ownKeys(o)) {
        const d = frozen ? R.getOwnPropertyDescriptor(o, k) : undefined;
        if (frozen && d === undefined) continue;
        const desc = frozen && Object.hasOwn(d as object, 'value') ? { configurable: false, writable: false } : { configurable: false };
        if (!R.defineProperty(o, k, desc)) typeError(`Cannot redefine property: ${String(k)}`);
      }
      return o;
    });
  setLevel('freeze', true);
  setLevel('seal', false);
  // https://tc39.es/ecma262/#sec-testintegritylevel
  const testLevel = (name: 'isFrozen' | 'isSealed', frozen: boolean) =>
    wrap(O, name, 1, (o) => {
      if (R.isExtensible(o)) return false;
      return ownKeys(o).every((k) => {
        const d = R.getOwnPropertyDescriptor(o, k);
        return d === undefined || (!d.configurable && !(frozen && Object.hasOwn(d, 'value') && d.writable));
      });
    });
  testLevel('isFrozen', true);
  testLevel('isSealed', false);
}
