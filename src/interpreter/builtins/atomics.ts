// Atomics.wait, waitAsync and notify read the typed array's length before they convert the index
// (ValidateAtomicAccess), as ES2024 says; Node 20's V8 reads it after, so an index whose valueOf grows,
// shrinks or detaches the buffer was checked against the new length. These wrappers validate the array,
// take its length, convert the index and check it, then hand V8's function the index as a number.
import { types } from 'node:util';
import type { Engine } from '../engine';
import { bufferLength, taBuffer, typedArrayLength } from '../../typed-arrays';
import type { Ops } from './common';

export function installAtomicsIndexOrder(engine: Engine, ops: Ops): void {
  const realm = engine.realm;
  const R = realm.R;
  const A = (realm.global as any).Atomics as Record<string, Function> | undefined;
  if (A === undefined) return;
  const rangeError = (message: string): never => engine.vm.throwError('RangeError', message);
  // https://tc39.es/ecma262/#sec-validateintegertypedarray with waitable: Int32Array or BigInt64Array
  const waitable = (ta: unknown) => types.isInt32Array(ta) || types.isBigInt64Array(ta);
  // (no `detached` getter in Node 20: a detached buffer is the one no view can be made on)
  const detached = (b: ArrayBuffer) => {
    if (bufferLength(b) !== 0) return false;
    try {
      new Uint8Array(b);
      return false;
    } catch {
      return true;
    }
  };
  // https://tc39.es/ecma262/#sec-toindex
  const toIndex = (v: unknown): number => {
    const i = ops.toIntegerOrInfinity(v);
    if (i < 0 || i > Number.MAX_SAFE_INTEGER) rangeError('Invalid atomic access index');
    return i;
  };
  /** ValidateAtomicAccess's order for Atomics[name]; `otherwise` finishes a call on a buffer that is not shared (null: V8's function refuses it). */
  const wrap = (name: 'wait' | 'waitAsync' | 'notify', otherwise: ((ta: object, index: number, a: ArrayLike<unknown>) => unknown) | null) => {
    const original = A[name];
    if (typeof original !== 'function') return;
    realm.defineNative(A, name, original.length, (_t, a) => {
      const ta = a[0];
      // anything V8 refuses before the index (wrong type, detached, out of bounds, wait on a non-shared buffer) it refuses itself
      if (!waitable(ta)) return R.apply(original, A, a as unknown[]);
      const buffer = taBuffer.call(ta);
      const shared = types.isSharedArrayBuffer(buffer);
      if (!shared && otherwise === null) return R.apply(original, A, a as unknown[]);
      let length: number;
      try {
        length = typedArrayLength(ta);
      } catch {
        return R.apply(original, A, a as unknown[]);
      }
      // (0 elements in a buffer that is not shared: maybe detached, which V8 refuses first)
      if (length === 0 && !shared && detached(buffer as ArrayBuffer)) return R.apply(original, A, a as unknown[]);
      const index = toIndex(a[1]);
      if (index >= length) rangeError('Invalid atomic access index');
      if (!shared) return otherwise!(ta as object, index, a);
      const args = Array.prototype.slice.call(a);
      args[1] = index;
      return R.apply(original, A, args);
    });
  };
  wrap('wait', null);
  wrap('waitAsync', null);
  // https://tc39.es/ecma262/#sec-atomics.notify steps 3-7: the count is converted, then a buffer that is not shared wakes no one
  wrap('notify', (_ta, _index, a) => {
    if (a[2] !== undefined) ops.toIntegerOrInfinity(a[2]);
    return 0;
  });
}
