// An ArrayBuffer's and a view's internal slots, read through the built-ins' own getters (they check
// slots, not realms, so they read a guest realm's objects too). A plain property read (`view.buffer`,
// `b.byteLength`) could find a getter or an own property the program added, and taking a snapshot runs
// no guest code and must not be fooled by what the program wrote.
import { types } from 'node:util';

type Getter = (this: unknown) => unknown;
const getter = (proto: object, key: string): Getter => Object.getOwnPropertyDescriptor(proto, key)!.get as Getter;
const TA = Object.getPrototypeOf(Uint8Array.prototype) as object;
const TA_BUFFER = getter(TA, 'buffer');
const TA_OFFSET = getter(TA, 'byteOffset');
const TA_LENGTH = getter(TA, 'length');
const TA_NAME = Object.getOwnPropertyDescriptor(TA, Symbol.toStringTag)!.get as Getter;
const DV_BUFFER = getter(DataView.prototype, 'buffer');
const DV_OFFSET = getter(DataView.prototype, 'byteOffset');
const DV_LENGTH = getter(DataView.prototype, 'byteLength');
const AB_LENGTH = getter(ArrayBuffer.prototype, 'byteLength');
const AB_RESIZABLE = getter(ArrayBuffer.prototype, 'resizable');
const AB_MAX = getter(ArrayBuffer.prototype, 'maxByteLength');
const SAB_LENGTH = getter(SharedArrayBuffer.prototype, 'byteLength');

/** Bytes per element of each typed array kind (by %TypedArray%.prototype[@@toStringTag]). */
const ELEMENT_SIZE: Record<string, number> = {
  Int8Array: 1, Uint8Array: 1, Uint8ClampedArray: 1, Int16Array: 2, Uint16Array: 2, Int32Array: 4, Uint32Array: 4,
  Float32Array: 4, Float64Array: 8, BigInt64Array: 8, BigUint64Array: 8, Float16Array: 2,
};

/** A typed array's kind (`Uint8Array`…). */
export const typedArrayName = (v: ArrayBufferView): string => TA_NAME.call(v) as string;
/** A view's buffer. */
export const viewBuffer = (v: ArrayBufferView): ArrayBuffer | SharedArrayBuffer => (types.isDataView(v) ? DV_BUFFER : TA_BUFFER).call(v) as ArrayBuffer;
/** A view's byte offset into its buffer. */
export const viewOffset = (v: ArrayBufferView): number => (types.isDataView(v) ? DV_OFFSET : TA_OFFSET).call(v) as number;
/** A typed array's length in elements, a DataView's in bytes. */
export const viewLength = (v: ArrayBufferView): number => (types.isDataView(v) ? DV_LENGTH : TA_LENGTH).call(v) as number;
/** Bytes per element: 1 for a DataView. */
export const elementSize = (v: ArrayBufferView): number => (types.isDataView(v) ? 1 : ELEMENT_SIZE[TA_NAME.call(v) as string]);
/** An ArrayBuffer's or SharedArrayBuffer's length in bytes (0 when detached). */
export const bufferLength = (b: ArrayBuffer | SharedArrayBuffer): number => (types.isSharedArrayBuffer(b) ? SAB_LENGTH : AB_LENGTH).call(b) as number;
/** Whether an ArrayBuffer is resizable (a SharedArrayBuffer never is). */
export const isResizable = (b: ArrayBuffer | SharedArrayBuffer): boolean => types.isArrayBuffer(b) && (AB_RESIZABLE.call(b) as boolean);
/** A resizable ArrayBuffer's maximum length. */
export const maxByteLength = (b: ArrayBuffer): number => AB_MAX.call(b) as number;
/** A copy of a buffer's bytes (a host view over it reads its slots; Buffer.from(buffer) would read `byteLength` as a property). */
export const bufferBytes = (b: ArrayBuffer | SharedArrayBuffer): Buffer => Buffer.from(new Uint8Array(b));
