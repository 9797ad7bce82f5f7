// Small built-ins newer than Node 20: Error.isError, Math.sumPrecise, Math.f16round, RegExp.escape,
// and the upsert methods of Map and WeakMap (getOrInsert, getOrInsertComputed).
import { types } from 'node:util';
import type { Engine } from '../engine';
import { DONE, type Ops, isObject } from './common';

export function installMisc(engine: Engine, ops: Ops): void {
  const realm = engine.realm;
  const g = realm.global as any;

  // https://tc39.es/ecma262/#sec-error.iserror
  if (g.Error.isError === undefined) {
    realm.defineNative(g.Error, 'isError', 1, (_t, a) => {
      // 1. If arg is not an Object, return false.  2. If arg has an [[ErrorData]] internal slot, return true.
      // V8's JSError instance type is [[ErrorData]]; proxies and Object.create(Error.prototype) are not errors.
      return isObject(a[0]) && types.isNativeError(a[0]);
    });
  }

  if (g.Math.sumPrecise === undefined) installSumPrecise(engine, ops);
  if (g.Math.f16round === undefined) {
    // https://tc39.es/ecma262/#sec-math.f16round
    realm.defineNative(g.Math, 'f16round', 1, (_t, a) => f16round(ops.toNumber(a[0])));
  }
  if (g.RegExp.escape === undefined) installRegExpEscape(engine, ops);
  if (g.DataView.prototype.getFloat16 === undefined) installDataViewFloat16(engine, ops);
  if (g.Atomics && g.Atomics.pause === undefined) {
    // https://tc39.es/proposal-atomics-microwait/#Atomics.pause
    realm.defineNative(g.Atomics, 'pause', 0, (_t, a) => {
      // 1. If N is neither undefined nor an integral Number, throw a TypeError exception.
      const N = a[0];
      if (N !== undefined && !(typeof N === 'number' && Number.isInteger(N))) ops.throwType('Atomics.pause: the argument must be an integral Number');
      // 2-3. (no spin-wait hint from a host function) Return undefined.
      return undefined;
    });
  }
  if (g.Map.prototype.getOrInsert === undefined) installUpsert(engine, ops);
  installStringMethodsOnPrimitives(engine, ops);
}

/**
 * String.prototype.match, matchAll, replace, replaceAll, search and split (ecma262 §22.1.3, as of
 * ES2025): a primitive first argument is not asked for its @@match / @@replace / … (Node 20's V8 still
 * looks them up through the primitive's prototype). V8's method gets a stand-in instead: an object
 * without a prototype (so without any of those symbols, nor a `flags` or `@@match` for IsRegExp)
 * whose `toString` is the primitive's ToString, which V8 calls where the steps call ToString(argument).
 * An object, undefined or null goes to V8's method as it is.
 */
function installStringMethodsOnPrimitives(engine: Engine, ops: Ops): void {
  const realm = engine.realm;
  const proto = (realm.global as any).String.prototype;
  const standIns = new WeakMap<object, unknown>();
  const standInProto = realm.intrinsics.objectCreate(null) as object;
  realm.defineNative(standInProto, 'toString', 0, (t) => ops.toString(standIns.get(t as object)));
  const G = realm.global as any;
  // (each a non-writable, non-configurable property of its constructor: the guest cannot change which)
  const protoOf: Record<string, object> = { string: proto, number: G.Number.prototype, boolean: G.Boolean.prototype, bigint: G.BigInt.prototype, symbol: G.Symbol.prototype };
  const objectProto = G.Object.prototype as object;
  /** Whether V8's lookup of `key` through the primitive's prototype chain finds nothing (and runs nothing: no proxy on it). */
  const lookupFindsNothing = (v: unknown, key: symbol): boolean => {
    const first = protoOf[typeof v]!;
    // The common chain, the prototype then Object.prototype (whose own prototype is null for good): two
    // ordinary objects, so `in` answers without running anything and without a descriptor per object.
    if (realm.R.getPrototypeOf(first) === objectProto) return !(key in first);
    for (let p: object | null = first; p !== null; p = realm.R.getPrototypeOf(p)) {
      if (types.isProxy(p) || realm.R.getOwnPropertyDescriptor(p, key) !== undefined) return false;
    }
    return true;
  };
  const methods = [
    ['match', 1, Symbol.match],
    ['matchAll', 1, Symbol.matchAll],
    ['replace', 2, Symbol.replace],
    ['replaceAll', 2, Symbol.replace],
    ['search', 1, Symbol.search],
    ['split', 2, Symbol.split],
  ] as const;
  for (const [name, length, key] of methods) {
    const original = proto[name] as Function;
    realm.defineNative(proto, name, length, (t, a) => {
      const first = a[0];
      // (the common case, a string with no such method on String.prototype: V8's steps are the same)
      if (first === undefined || first === null || isObject(first) || lookupFindsNothing(first, key)) return realm.R.apply(original, t, a);
      const standIn = realm.intrinsics.objectCreate(standInProto) as object;
      standIns.set(standIn, first);
      const args = Array.prototype.slice.call(a);
      args[0] = standIn;
      return realm.R.apply(original, t, args);
    });
  }
}

/** https://tc39.es/proposal-math-sum/#sec-math.sumprecise */
function installSumPrecise(engine: Engine, ops: Ops): void {
  const realm = engine.realm;
  const vm = engine.vm;
  realm.defineNative((realm.global as any).Math, 'sumPrecise', 1, (_t, a) => {
    const items = a[0];
    // 1. Perform ? RequireObjectCoercible(items).
    if (items === undefined || items === null) ops.throwType(`Cannot iterate over ${String(items)}`);
    // 2. Let iteratorRecord be ? GetIterator(items, sync).
    const iteratorRecord = ops.getIterator(items);
    // 3-5. state minus-zero, sum 0 (exact: an integer count of 2**-1074), count 0.
    let state: 'minus-zero' | 'finite' | 'plus-infinity' | 'minus-infinity' | 'not-a-number' = 'minus-zero';
    let sum = 0n;
    let count = 0;
    // 7. Repeat, while next is not done,
    for (;;) {
      const next = ops.iteratorStepValue(iteratorRecord);
      if (next === DONE) break;
      // b.i-ii. Set count to count + 1; past 2**53, close with a RangeError.
      if (++count >= 2 ** 53) ops.iteratorCloseThrow(iteratorRecord, vm.error('RangeError', 'Too many values to sum'));
      // iv. If next is not a Number, close with a TypeError.
      if (typeof next !== 'number') ops.iteratorCloseThrow(iteratorRecord, vm.error('TypeError', 'Math.sumPrecise: every value must be a number'));
      const n = next;
      // vi. If state is not not-a-number, then
      if (state === 'not-a-number') continue;
      if (Number.isNaN(n)) state = 'not-a-number';
      else if (n === Infinity) state = state === 'minus-infinity' ? 'not-a-number' : 'plus-infinity';
      else if (n === -Infinity) state = state === 'plus-infinity' ? 'not-a-number' : 'minus-infinity';
      else if (!Object.is(n, -0) && (state === 'minus-zero' || state === 'finite')) {
        state = 'finite';
        sum += exactScaled(n);
      }
    }
    // 8-12.
    switch (state) {
      case 'not-a-number':
        return NaN;
      case 'plus-infinity':
        return Infinity;
      case 'minus-infinity':
        return -Infinity;
      case 'minus-zero':
        return -0;
      case 'finite':
        return scaledToNumber(sum);
    }
  });
}

/** A finite double as an exact integer multiple of 2**-1074. */
function exactScaled(n: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, n);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const exponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  // normal: (2**52 + fraction) * 2**(exponent - 1075) = that * 2**(exponent - 1) * 2**-1074
  const magnitude = exponent === 0 ? fraction : (fraction | (1n << 52n)) << BigInt(exponent - 1);
  return negative ? -magnitude : magnitude;
}

/** 𝔽(x · 2**-1074): round to nearest, ties to even (an exact zero is +0). */
function scaledToNumber(x: bigint): number {
  if (x === 0n) return 0;
  const negative = x < 0n;
  let m = negative ? -x : x;
  const bitLength = m.toString(2).length;
  let shift = 0;
  if (bitLength > 53) {
    shift = bitLength - 53;
    const q = m >> BigInt(shift);
    const r = m - (q << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    m = r > half || (r === half && (q & 1n) === 1n) ? q + 1n : q;
  }
  // m ≤ 2**53 is exact, and so is 2**(shift - 1074) ≥ 2**-1074: one rounding (overflow gives ±∞).
  const value = Number(m) * 2 ** (shift - 1074);
  return negative ? -value : value;
}

/** https://tc39.es/ecma262/#sec-math.f16round: round to the nearest IEEE 754 binary16 value, ties to even. */
export function f16round(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === 0 || !Number.isFinite(x)) return x;
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  // binary16: 10 fraction bits, exponent range [-14, 15]; subnormals are multiples of 2**-24.
  if (a >= 65520) return sign * Infinity; // halfway between 65504 (max) and 2**16 rounds up (65504's last bit is odd)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const quantum = 2 ** (Math.max(e, -14) - 10);
  return sign * roundTiesEven(a / quantum) * quantum;
}

/** The binary16 encoding of f16round(x) (NaN as the quiet NaN 0x7e00). */
export function f16Bits(x: number): number {
  if (Number.isNaN(x)) return 0x7e00;
  const r = f16round(x);
  const sign = r < 0 || Object.is(r, -0) ? 0x8000 : 0;
  const a = Math.abs(r);
  if (a === Infinity) return sign | 0x7c00;
  if (a === 0) return sign;
  // subnormal: a multiple of 2**-24 below 2**-14
  if (a < 2 ** -14) return sign | (a / 2 ** -24);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return sign | ((e + 15) << 10) | ((a / 2 ** e - 1) * 1024);
}

/** The Number a binary16 encoding stands for. */
export function f16FromBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0x1f) return f ? NaN : sign * Infinity;
  if (e === 0) return sign * f * 2 ** -24;
  return sign * (1 + f / 1024) * 2 ** (e - 15);
}

/**
 * DataView.prototype.getFloat16 / setFloat16 (ES2025, https://tc39.es/ecma262/#sec-dataview.prototype.getfloat16):
 * the realm's own getUint16 / setUint16 do GetViewValue's / SetViewValue's checks, in the same order.
 */
function installDataViewFloat16(engine: Engine, ops: Ops): void {
  const realm = engine.realm;
  const proto = (realm.global as any).DataView.prototype;
  const getUint16 = proto.getUint16 as Function;
  const setUint16 = proto.setUint16 as Function;
  realm.defineNative(proto, 'getFloat16', 1, (t, a) => {
    // GetViewValue(view, byteOffset, littleEndian, float16): ToIndex, ToBoolean, bounds, then the bytes.
    const bits = ops.R.apply(getUint16, t, [a[0], a[1]]) as number;
    return f16FromBits(bits);
  });
  realm.defineNative(proto, 'setFloat16', 2, (t, a) => {
    // SetViewValue 1-2. Perform ? RequireInternalSlot(view, [[DataView]]) (getUint16's check, on a valid offset).
    if (!isObject(t) || !types.isDataView(t)) ops.throwType('DataView.prototype.setFloat16 called on incompatible receiver');
    // 3. Let getIndex be ? ToIndex(requestIndex).
    const index = ops.toIntegerOrInfinity(a[0]);
    if (index < 0 || index > Number.MAX_SAFE_INTEGER) engine.vm.throwError('RangeError', 'Offset is outside the bounds of the DataView');
    // 4-5. Let numberValue be ? ToNumber(value).
    const numberValue = ops.toNumber(a[1]);
    // 6-. ToBoolean(littleEndian), the detached / bounds checks, and the store.
    ops.R.apply(setUint16, t, [index, f16Bits(numberValue), a[2]]);
    return undefined;
  });
}

/** Round a non-negative double to an integer, ties to even (exact: a / quantum scales by a power of two). */
function roundTiesEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** https://tc39.es/ecma262/#sec-regexp.escape */
function installRegExpEscape(engine: Engine, ops: Ops): void {
  const realm = engine.realm;
  const syntax = '^$\\.*+?()[]{}|/';
  const controlEscapes: Record<number, string> = { 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r' };
  const otherPunctuators = ',-=<>#&!%:;@~\'`"';
  const hex2 = (n: number) => n.toString(16).padStart(2, '0');
  const unicodeEscape = (cu: number) => '\\u' + cu.toString(16).padStart(4, '0');
  const whiteSpaceOrLineTerminator = /^[\t\v\f\uFEFF\p{Zs}\n\r\u2028\u2029]$/u;

  /** https://tc39.es/ecma262/#sec-encodeforregexpescape */
  const encode = (c: string, cp: number): string => {
    // 1. SyntaxCharacter or U+002F (SOLIDUS): a backslash before it.
    if (syntax.includes(c)) return '\\' + c;
    // 2. A ControlEscape code point: its escape.
    const control = controlEscapes[cp];
    if (control) return '\\' + control;
    // 3-5. Other punctuators, white space, line terminators and lone surrogates: \xHH or \uHHHH.
    if (otherPunctuators.includes(c) || whiteSpaceOrLineTerminator.test(c) || (cp >= 0xd800 && cp <= 0xdfff)) {
      if (cp <= 0xff) return '\\x' + hex2(cp);
      let escaped = '';
      for (let i = 0; i < c.length; i++) escaped += unicodeEscape(c.charCodeAt(i));
      return escaped;
    }
    // 6. Return UTF16EncodeCodePoint(c).
    return c;
  };

  realm.defineNative((realm.global as any).RegExp, 'escape', 1, (_t, a) => {
    const S = a[0];
    // 1. If S is not a String, throw a TypeError exception.
    if (typeof S !== 'string') ops.throwType('RegExp.escape requires a string');
    // 2-4. For each code point c of StringToCodePoints(S):
    let escaped = '';
    for (const c of S) {
      const cp = c.codePointAt(0)!;
      // a. A leading DecimalDigit or AsciiLetter: \xHH.
      if (escaped === '' && /^[0-9A-Za-z]$/.test(c)) escaped = '\\x' + hex2(cp);
      // b. Else, EncodeForRegExpEscape(c).
      else escaped += encode(c, cp);
    }
    return escaped;
  });
}

/** https://tc39.es/proposal-upsert/ Map.prototype and WeakMap.prototype .getOrInsert / .getOrInsertComputed */
function installUpsert(engine: Engine, ops: Ops): void {
  const realm = engine.realm;
  const g = realm.global as any;
  for (const [C, weak] of [
    [g.Map, false],
    [g.WeakMap, true],
  ] as const) {
    const proto = C.prototype;
    // The original functions behind [[MapData]] / [[WeakMapData]] (they also RequireInternalSlot).
    const has = proto.has as Function;
    const get = proto.get as Function;
    const set = proto.set as Function;
    const name = weak ? 'WeakMap' : 'Map';
    const requireSlot = (M: unknown): void => {
      if (!isObject(M)) ops.throwType(`${name}.prototype method called on incompatible receiver ${String(M)}`);
      // has() on a non-map throws V8's TypeError for the missing internal slot
      ops.R.apply(has, M, [undefined]);
    };
    /** CanonicalizeKeyedCollectionKey for Map; CanBeHeldWeakly for WeakMap. */
    const checkKey = (key: unknown): unknown => {
      if (!weak) return Object.is(key, -0) ? 0 : key;
      if (!canBeHeldWeakly(key)) ops.throwType(`Invalid value used as weak map key`);
      return key;
    };
    realm.defineNative(proto, 'getOrInsert', 2, (M, a) => {
      // 1-2. Perform ? RequireInternalSlot(M, [[MapData]]).
      requireSlot(M);
      // 3. Set key to CanonicalizeKeyedCollectionKey(key) (WeakMap: if CanBeHeldWeakly(key) is false, throw a TypeError).
      const key = checkKey(a[0]);
      // 4. If M holds key, return its value.
      if (ops.R.apply(has, M, [key])) return ops.R.apply(get, M, [key]);
      // 5-7. Append { key, value }; return value.
      ops.R.apply(set, M, [key, a[1]]);
      return a[1];
    });
    realm.defineNative(proto, 'getOrInsertComputed', 2, (M, a) => {
      // 1-2. Perform ? RequireInternalSlot(M, [[MapData]]).
      requireSlot(M);
      const callbackfn = a[1];
      // 3. If IsCallable(callbackfn) is false, throw a TypeError exception.
      if (typeof callbackfn !== 'function') ops.throwType('callbackfn is not a function');
      // 4. CanonicalizeKeyedCollectionKey(key), or for WeakMap CanBeHeldWeakly(key).
      const key = checkKey(a[0]);
      // 5. If M holds key, return its value.
      if (ops.R.apply(has, M, [key])) return ops.R.apply(get, M, [key]);
      // 6. Let value be ? Call(callbackfn, undefined, « key »).
      const value = ops.R.apply(callbackfn, undefined, [key]);
      // 7-10. Set the entry (overwriting one the callback added) and return value.
      ops.R.apply(set, M, [key, value]);
      return value;
    });
  }
}

/** https://tc39.es/ecma262/#sec-canbeheldweakly */
function canBeHeldWeakly(v: unknown): boolean {
  if (isObject(v)) return true;
  return typeof v === 'symbol' && Symbol.keyFor(v) === undefined;
}
