// Reading typed arrays of the guest realm from host code with the host's own %TypedArray% getters:
// the realm's getters (buffer, length, …) can be redefined by guest code, and host code must not run
// guest code (ARCHITECTURE.md, invariants). Shared by the DOM room (canvas pixels, fetch bodies), the
// ML room's guest APIs (src/ml/guest.ts) and the snapshot room (capture reads buffers and views by their
// slots: taking a snapshot runs no guest code), as src/paths.ts is.
import { types } from 'node:util';
import { Serializer } from 'node:v8';

/** The typed-array constructors' names (a realm may lack some: Float16Array before Node 22). */
export const TYPED_ARRAYS = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float16Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
] as const;

const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayGetter = (name: PropertyKey) => Object.getOwnPropertyDescriptor(TypedArrayPrototype, name)!.get! as (this: unknown) => any;
export const taName = typedArrayGetter(Symbol.toStringTag);
export const taBuffer = typedArrayGetter('buffer');
export const taOffset = typedArrayGetter('byteOffset');
export const taBytes = typedArrayGetter('byteLength');
export const taLength = typedArrayGetter('length');

/** A host byte view over a typed array of any realm (null for anything else), read with the host's own getters. */
export function typedArrayBytes(v: unknown): Uint8Array | null {
  // isView is false for proxies; the TypedArray getters' brand checks refuse DataViews
  if (!ArrayBuffer.isView(v)) return null;
  try {
    return new Uint8Array(taBuffer.call(v) as ArrayBuffer, taOffset.call(v) as number, taBytes.call(v) as number);
  } catch {
    return null;
  }
}

/** The element count of a typed array of any realm, through the host's own getter. */
export function typedArrayLength(v: unknown): number {
  return taLength.call(v) as number;
}

type Getter = (this: unknown) => any;
const getter = (proto: object, key: string): Getter => Object.getOwnPropertyDescriptor(proto, key)!.get as Getter;
const dvBuffer = getter(DataView.prototype, 'buffer');
const dvOffset = getter(DataView.prototype, 'byteOffset');
const dvBytes = getter(DataView.prototype, 'byteLength');
const abBytes = getter(ArrayBuffer.prototype, 'byteLength');
const abResizable = getter(ArrayBuffer.prototype, 'resizable');
const abMax = getter(ArrayBuffer.prototype, 'maxByteLength');
const sabBytes = getter(SharedArrayBuffer.prototype, 'byteLength');
const sabGrowable = getter(SharedArrayBuffer.prototype, 'growable');
const sabMax = getter(SharedArrayBuffer.prototype, 'maxByteLength');

/** A typed array's or DataView's buffer. */
export const viewBuffer = (v: ArrayBufferView): ArrayBuffer | SharedArrayBuffer => (types.isDataView(v) ? dvBuffer : taBuffer).call(v);
/** A view's byte offset into its buffer. */
export const viewOffset = (v: ArrayBufferView): number => (types.isDataView(v) ? dvOffset : taOffset).call(v);
/** A typed array's length in elements, a DataView's in bytes. */
export const viewLength = (v: ArrayBufferView): number => (types.isDataView(v) ? dvBytes : taLength).call(v);
/** Bytes per element: the host constructor's of the same kind; 1 for a DataView. */
export const elementSize = (v: ArrayBufferView): number => (types.isDataView(v) ? 1 : (globalThis as Record<string, any>)[taName.call(v)].BYTES_PER_ELEMENT);
/** An ArrayBuffer's or SharedArrayBuffer's length in bytes (0 when detached). */
export const bufferLength = (b: ArrayBuffer | SharedArrayBuffer): number => (types.isSharedArrayBuffer(b) ? sabBytes : abBytes).call(b);
/** Whether an ArrayBuffer is resizable (a SharedArrayBuffer never is: it may be growable). */
export const isResizable = (b: ArrayBuffer | SharedArrayBuffer): boolean => types.isArrayBuffer(b) && abResizable.call(b);
/** Whether a SharedArrayBuffer is growable (an ArrayBuffer never is: it may be resizable). */
export const isGrowable = (b: ArrayBuffer | SharedArrayBuffer): boolean => types.isSharedArrayBuffer(b) && sabGrowable.call(b);
/** A resizable ArrayBuffer's or growable SharedArrayBuffer's maximum length. */
export const maxByteLength = (b: ArrayBuffer | SharedArrayBuffer): number => (types.isSharedArrayBuffer(b) ? sabMax : abMax).call(b);

/** V8's serializer, writing a SharedArrayBuffer as an id (0) instead of refusing it. */
class ViewSerializer extends Serializer {
  _getSharedArrayBufferId(): number {
    return 0;
  }
}

/**
 * Whether a view on a growable SharedArrayBuffer tracks the buffer's length. No getter tells, and the
 * buffer cannot shrink to try it, but V8's serializer writes the view's flags (bit 0: length-tracking)
 * as the last varint of `'V' subtag offset length flags`; it reads slots only and runs no guest code.
 */
export function isLengthTracking(v: ArrayBufferView): boolean {
  const s = new ViewSerializer();
  s.writeValue(v);
  const bytes = s.releaseBuffer();
  // the flags are one byte (< 0x80) at the end; the byte before ends the length varint
  const flags = bytes[bytes.length - 1];
  if (bytes.length < 4 || flags >= 0x80 || bytes[bytes.length - 2] >= 0x80) throw new Error('V8 wrote a view without its flags');
  return (flags & 1) === 1;
}
/** A copy of a buffer's bytes (a host view reads its slots; Buffer.from(buffer) would read `byteLength` as a property). */
export const bufferBytes = (b: ArrayBuffer | SharedArrayBuffer): Buffer => Buffer.from(new Uint8Array(b));
