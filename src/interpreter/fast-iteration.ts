// The price of held iterators, paid back. iterators.ts replaces V8's iterator makers and their `next`
// in the realm, which clears V8's isolate-wide iteration protectors: from then on V8's built-ins that
// take an iterable (`Array.from`, `new Set(a)`, typed array constructors…) step it through the
// wrappers, element by element. The guest-visible ones are replaced here by realm functions that do
// what V8's protector lets V8 do: when the argument's iteration is unmodified (the same test as the
// protector's: an array or string whose iterator maker and the iterator prototype's `next` are the
// engine's originals, no own `Symbol.iterator`, not a Proxy), iterating it runs no guest code but the
// element reads, so they read the elements in the iteration's order (the length read again at each
// step, as the array iterator does) and hand V8 the list; anything else goes to V8's built-in as is.
// The list is a null-prototype array: its stores meet no inherited setter and V8's built-ins take it
// as an array-like (no `Symbol.iterator`), reading it without running guest code.
import type { Realm } from './realm';

/** What the iteration of a value is, as the fast paths test it (`Iterators.plainIteration`): not plain, a plain array, a string. */
export type Plain = 0 | 1 | 2;

/** An own data property's value (undefined for an accessor or none): no getter runs. */
export const dataValue = (o: object, k: PropertyKey): unknown => {
  const d = Reflect.getOwnPropertyDescriptor(o, k);
  return d !== undefined && 'value' in d ? d.value : undefined;
};

const TYPED_ARRAYS = ['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'];

/**
 * Replace `Array.from`, `%TypedArray%.from`, the typed array constructors and the `Set` and `Map`
 * constructors of the realm's global by functions with the fast path. `plain` tells a value's
 * iteration (host code: reads descriptors only).
 */
export function installFastIteration(realm: Realm, plain: (v: unknown) => Plain): void {
  const g = realm.global as any;
  const TA = Object.getPrototypeOf(g.Int8Array);
  const make = realm.realmEval<(h: object) => Record<string, Function>>(`(function (h) {
    'use strict';
    var ReflectApply = Reflect.apply, ReflectConstruct = Reflect.construct, setProto = Object.setPrototypeOf;
    var plain = h.plain, own = h.own, isTyped = h.isTyped, AP = h.ArrayPrototype, ArrayCtor = h.Array, arrayValues = h.arrayValues, TypeErrorCtor = TypeError;
    // the elements an unmodified iteration of x yields, in a null-prototype array
    function list(x, kind) {
      var len = x.length, v = new ArrayCtor(len), n = 0;
      setProto(v, null);
      if (kind === 1) for (; n < x.length; n++) v[n] = x[n];
      else {
        for (var i = 0; i < len; i++) {
          var c = x[i];
          if (c >= '\\uD800' && c <= '\\uDBFF' && i + 1 < len) {
            var d = x[i + 1];
            if (d >= '\\uDC00' && d <= '\\uDFFF') { c += d; i++; }
          }
          v[n++] = c;
        }
      }
      if (n < v.length) v.length = n;
      return v;
    }
    // IteratorClose(iterator, throw completion) for an array iterator the fast path did not make:
    // V8's, over the same array (its \`return\` is looked up as the protocol would)
    function closeArrayIteration(x) {
      try {
        var it = ReflectApply(arrayValues, x, []);
        var ret = it.return;
        if (ret !== undefined && ret !== null) ReflectApply(ret, it, []);
      } catch (e) { /* the original throw wins */ }
    }
    var out = {};
    var from = h.from;
    out.from = { from(items) {
      if (this === ArrayCtor && (arguments.length < 2 || arguments[1] === undefined)) {
        var kind = plain(items);
        if (kind !== 0) return setProto(list(items, kind), AP);
      }
      return ReflectApply(from, this, arguments);
    } }.from;
    var taFrom = h.taFrom;
    out.taFrom = { from(source) {
      if (isTyped(this) && (arguments.length < 2 || arguments[1] === undefined)) {
        var kind = plain(source);
        if (kind !== 0) return ReflectApply(taFrom, this, [list(source, kind)]);
      }
      return ReflectApply(taFrom, this, arguments);
    } }.from;
    out.typed = function (Original) {
      var self = function (a0, a1, a2) {
        if (new.target === undefined) return ReflectApply(Original, undefined, arguments);
        if (new.target === self && typeof a0 === 'object' && a0 !== null) {
          var kind = plain(a0);
          if (kind !== 0) return ReflectConstruct(Original, [list(a0, kind)], self);
        }
        return ReflectConstruct(Original, arguments, new.target);
      };
      return self;
    };
    var SetCtor = h.Set, setAdd = h.setAdd, SetPrototype = h.Set.prototype;
    out.Set = function Set(iterable) {
      if (new.target === undefined) return ReflectApply(SetCtor, undefined, arguments);
      if (iterable === undefined) return new.target === out.Set ? new SetCtor() : ReflectConstruct(SetCtor, [], new.target);
      if (new.target === out.Set && iterable !== undefined && iterable !== null && plain(iterable) === 1 && own(SetPrototype, 'add') === setAdd) {
        var s = ReflectConstruct(SetCtor, [], out.Set);
        for (var n = 0; n < iterable.length; n++) ReflectApply(setAdd, s, [iterable[n]]);
        return s;
      }
      return ReflectConstruct(SetCtor, arguments, new.target);
    };
    var MapCtor = h.Map, mapSet = h.mapSet, MapPrototype = h.Map.prototype;
    out.Map = function Map(iterable) {
      if (new.target === undefined) return ReflectApply(MapCtor, undefined, arguments);
      // (no entries: V8's own construct, without an arguments object; the prototype is shared, so new MapCtor() is right for new.target out.Map)
      if (iterable === undefined) return new.target === out.Map ? new MapCtor() : ReflectConstruct(MapCtor, [], new.target);
      if (new.target === out.Map && iterable !== undefined && iterable !== null && plain(iterable) === 1 && own(MapPrototype, 'set') === mapSet) {
        var m = ReflectConstruct(MapCtor, [], out.Map);
        for (var n = 0; n < iterable.length; n++) {
          var e = iterable[n], k, v;
          if (e === null || (typeof e !== 'object' && typeof e !== 'function')) {
            closeArrayIteration(iterable);
            throw new TypeErrorCtor('Iterator value ' + (typeof e === 'symbol' ? 'Symbol()' : e) + ' is not an entry object');
          }
          try {
            k = e[0];
            v = e[1];
          } catch (err) {
            closeArrayIteration(iterable);
            throw err;
          }
          ReflectApply(mapSet, m, [k, v]);
        }
        return m;
      }
      return ReflectConstruct(MapCtor, arguments, new.target);
    };
    return out;
  })`);
  const typed = new Set<unknown>();
  const made = make({
    plain,
    own: dataValue,
    ArrayPrototype: g.Array.prototype,
    Array: g.Array,
    arrayValues: realm.intrinsics.ArrayValues,
    from: g.Array.from,
    taFrom: TA.from,
    isTyped: (v: unknown) => typed.has(v),
    Set: g.Set,
    setAdd: g.Set.prototype.add,
    Map: g.Map,
    mapSet: g.Map.prototype.set,
  });
  const asNative = (fn: Function, name: string, original: Function) => {
    realm.natives.set(fn, { name, impl: (t, a, nt) => (nt === undefined ? Reflect.apply(original, t, a) : Reflect.construct(original, a, nt as Function)) });
    return fn;
  };
  const method = (holder: object, fn: Function, original: Function) => {
    Object.defineProperty(holder, 'from', { value: asNative(fn, 'from', original), writable: true, enumerable: false, configurable: true });
  };
  method(g.Array, made.from!, g.Array.from);
  method(TA, made.taFrom!, TA.from);
  // a constructor stands where the original stood: same name, length, prototype (whose `constructor`
  // it becomes), own properties and [[Prototype]]
  const replace = (name: string, fn: Function) => {
    const Original = g[name] as Function;
    for (const key of Reflect.ownKeys(Original)) {
      if (key === 'arguments' || key === 'caller') continue;
      Object.defineProperty(fn, key, Reflect.getOwnPropertyDescriptor(Original, key)!);
    }
    Object.setPrototypeOf(fn, Object.getPrototypeOf(Original));
    Object.defineProperty(Original.prototype, 'constructor', { value: fn, writable: true, enumerable: false, configurable: true });
    Object.defineProperty(g, name, { ...Reflect.getOwnPropertyDescriptor(g, name)!, value: asNative(fn, name, Original) });
    return fn;
  };
  for (const name of TYPED_ARRAYS) {
    if (typeof g[name] !== 'function') continue;
    typed.add(replace(name, made.typed!(g[name])));
  }
  replace('Set', made.Set!);
  replace('Map', made.Map!);
}
