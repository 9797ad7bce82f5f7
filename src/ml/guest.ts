// What the guest APIs of the ML room (`ort`, WebNN) share: realm built-ins captured at install,
// reads of guest typed arrays through the host's %TypedArray% getters (internal slots, no guest code
// runs), guest promises settled from host work, and guest errors.
import type { HostServices } from '../interpreter/index';
import { loadOnnx } from './lazy';
import { taName, taBuffer, taOffset, taBytes, taLength } from '../typed-arrays';

export type TensorType = 'float32' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool' | 'string';

/** Host constructors per tensor type (bool tensors hold bytes, as onnxruntime-web's do). */
export const HOST_ARRAYS: Record<Exclude<TensorType, 'string'>, { new (n: number): ArrayBufferView & ArrayLike<unknown> }> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
};
/** Typed array name → tensor type when the guest gives data without a type. */
export const TYPE_OF_ARRAY: Record<string, TensorType> = {
  Float32Array: 'float32',
  Float64Array: 'float64',
  Int8Array: 'int8',
  Uint8Array: 'uint8',
  Int16Array: 'int16',
  Uint16Array: 'uint16',
  Int32Array: 'int32',
  Uint32Array: 'uint32',
  BigInt64Array: 'int64',
  BigUint64Array: 'uint64',
  Uint8ClampedArray: 'uint8',
};
export const ARRAY_OF_TYPE: Record<Exclude<TensorType, 'string'>, string> = {
  float32: 'Float32Array',
  float64: 'Float64Array',
  int8: 'Int8Array',
  uint8: 'Uint8Array',
  int16: 'Int16Array',
  uint16: 'Uint16Array',
  int32: 'Int32Array',
  uint32: 'Uint32Array',
  int64: 'BigInt64Array',
  uint64: 'BigUint64Array',
  bool: 'Uint8Array',
};

// The host's own %TypedArray% getters (src/typed-arrays.ts) and ArrayBuffer getter: they read internal
// slots of any realm's typed arrays and run no guest code (a guest cannot redefine what they read).
export { taBuffer, taOffset, taBytes, taLength };
const abBytes = Object.getOwnPropertyDescriptor(ArrayBuffer.prototype, 'byteLength')!.get! as (this: unknown) => any;

/** The typed array's constructor name, or undefined when `v` is no typed array (proxies included). */
export function typedArrayName(v: unknown): string | undefined {
  return typeof v === 'object' && v !== null ? (Reflect.apply(taName, v, []) as string | undefined) : undefined;
}
/** A host copy of a typed array's bytes (of any realm). */
export function copyTypedArray(v: unknown): Uint8Array {
  const buffer = Reflect.apply(taBuffer, v, []) as ArrayBuffer;
  return new Uint8Array(buffer, Reflect.apply(taOffset, v, []), Reflect.apply(taBytes, v, [])).slice();
}
/** The byte length of an ArrayBuffer of any realm, or -1 when `v` is none. */
export function arrayBufferBytes(v: unknown): number {
  try {
    return Reflect.apply(abBytes, v, []) as number;
  } catch {
    return -1;
  }
}

/** Realm built-ins captured at install, before guest code can replace them. */
export interface RealmKit {
  arrays: Record<string, { new (n: number): unknown }>;
  create(proto: object | null): Record<string, unknown>;
  defineProperty(o: object, k: string, d: PropertyDescriptor): void;
  freeze<T>(o: T): T;
  array(...items: unknown[]): unknown[];
  isArray(v: unknown): boolean;
  ObjectPrototype: object;
  /** Define a tensor's own properties in the realm (one call instead of five cross-realm ones). */
  initTensor(target: object, type: string, data: unknown, size: number, dims: unknown[]): object;
  /** A plain object with these own data properties: names[i] → values[i]. */
  record(names: readonly string[], values: readonly unknown[]): object;
}

const KIT_SOURCE = `(function () {
  'use strict';
  const freeze = Object.freeze; // captured: guest code may replace Object.freeze later
  const arrays = { Float32Array, Float64Array, Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array };
  return { arrays, create: Object.create, defineProperty: Object.defineProperty, freeze,
    array: function array(...items) { return items; }, isArray: Array.isArray, ObjectPrototype: Object.prototype,
    // Plain assignments on a fresh object: ~30x cheaper than defineProperty (writable, as
    // onnxruntime-web's class fields are; the engine reads its own record, never these).
    initTensor(target, type, data, size, dims) {
      target.type = type; target.data = data; target.dims = freeze(dims); target.size = size; target.location = 'cpu';
      return target;
    },
    // Object literals define (no setter of Object.prototype runs).
    record(names, values) {
      let o = {};
      for (let i = 0; i < names.length; i++) o = { ...o, [names[i]]: values[i] };
      return o;
    },
  };
})()`;

export type GuestTools = ReturnType<typeof guestTools>;

/** The helpers a guest API installs with: its realm kit, guest errors and guest promises. */
export function guestTools(host: HostServices) {
  const kit = host.realmEval<RealmKit>(KIT_SOURCE);
  const R = host.R;
  const value = (o: object, k: string, v: unknown, enumerable = true) => kit.defineProperty(o, k, { value: v, writable: false, enumerable, configurable: false });
  const method = (o: object, name: string, length: number, impl: (self: unknown, args: ArrayLike<unknown>) => unknown) =>
    kit.defineProperty(o, name, { value: host.native(name, length, (t, a) => impl(t, a)), writable: true, enumerable: false, configurable: true });

  /** A host promise's outcome as a guest promise; host errors become guest errors (message only). */
  const guestPromise = <T>(what: string, work: () => Promise<T>, wrap: (v: T) => unknown): object => {
    const { promise, resolve, reject } = host.newPromise();
    let started: Promise<T>;
    try {
      started = work();
    } catch (e) {
      reject(isGuestError(e) ? e : host.error('Error', `${what}: ${messageOf(e)}`));
      return promise;
    }
    // tracked first: the loop counts the work done before the guest promise's reactions are queued,
    // so a turn that runs them never sees the work still in flight (a snapshot there is allowed)
    host.track(started);
    void started.then(
      (v) => {
        try {
          resolve(wrap(v));
        } catch (e) {
          reject(isGuestError(e) ? e : host.error('Error', `${what}: ${messageOf(e)}`));
        }
      },
      (e) => reject(isGuestError(e) ? e : host.error('Error', `${what}: ${messageOf(e)}`)),
    );
    return promise;
  };
  const guestErrors = new WeakSet<object>();
  const isGuestError = (e: unknown) => typeof e === 'object' && e !== null && guestErrors.has(e);
  /** Throw a guest error of this type (TypeError by default); promises reject with it unchanged. */
  const fail = (message: string, type: 'TypeError' | 'RangeError' | 'Error' = 'TypeError'): never => {
    const e = host.error(type, message);
    guestErrors.add(e);
    throw e;
  };
  /**
   * Throw a DOMException-like guest error (`InvalidStateError`, `OperationError`…): a realm Error
   * whose `name` is the exception's (scripts have no DOMException; pages' happy-dom one is not reachable here).
   */
  const failAs = (name: string, message: string): never => {
    const e = host.error('Error', message);
    host.R.defineProperty(e, 'name', { value: name, writable: true, enumerable: false, configurable: true });
    guestErrors.add(e);
    throw e;
  };

  /** Read a guest list of dims (numbers ≥ 0, integral). */
  const readDims = (dims: unknown, what: string): number[] => {
    if (!kit.isArray(dims)) fail(`${what}: dims must be an array of integers`);
    const n = R.get(dims as object, 'length') as number;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const d = R.get(dims as object, i);
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) fail(`${what}: dims[${i}] is not a non-negative integer`);
      out.push(d as number);
    }
    return out;
  };

  /** A method that returns a promise rejects (never throws) when its arguments are wrong, as WebIDL says. */
  const rejecting =
    (impl: (self: unknown, args: ArrayLike<unknown>) => unknown) =>
    (self: unknown, args: ArrayLike<unknown>): unknown => {
      try {
        return impl(self, args);
      } catch (e) {
        if (!isGuestError(e)) throw e;
        const { promise, reject } = host.newPromise();
        reject(e);
        return promise;
      }
    };
  /** A method that returns a promise (WebIDL: wrong arguments reject it, never throw). */
  const promiseMethod = (o: object, name: string, length: number, impl: (self: unknown, args: ArrayLike<unknown>) => unknown) => method(o, name, length, rejecting(impl));
  return { kit, R, value, method, promiseMethod, guestPromise, fail, failAs, isGuestError, readDims, rejecting };
}

export function messageOf(e: unknown): string {
  return String(e instanceof Error ? e.message : e).split('\n')[0]!;
}

/**
 * Model bytes in snapshots: one realm Uint8Array per content hash, however many sessions, graphs
 * and references hold the model (the capture writes an object once, however often it is reached).
 */
export function modelStore(kit: RealmKit) {
  const stored = new Map<string, unknown>();
  return {
    hash: (bytes: Uint8Array): string => loadOnnx().contentHash(bytes),
    /** The realm copy of a model's bytes a snapshot writes. */
    encode(hash: string, bytes: Uint8Array): unknown {
      let r = stored.get(hash);
      if (!r) {
        r = new kit.arrays.Uint8Array!(bytes.byteLength);
        new Uint8Array(Reflect.apply(taBuffer, r, []) as ArrayBuffer).set(bytes);
        stored.set(hash, r);
      }
      return r;
    },
    /** The host copy of the bytes a snapshot held, checked against their hash. */
    decode(hash: string, realmBytes: unknown, what: string): Uint8Array {
      if (typedArrayName(realmBytes) !== 'Uint8Array') throw new Error(`${what}: the model's bytes are missing`);
      const bytes = copyTypedArray(realmBytes);
      if (loadOnnx().contentHash(bytes) !== hash) throw new Error(`${what}: the model's bytes do not match their hash ${hash}`);
      stored.set(hash, realmBytes);
      return bytes;
    },
  };
}
