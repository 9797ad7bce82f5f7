// Reading typed arrays of the guest realm from host code with the host's own %TypedArray% getters:
// the realm's getters (buffer, length, …) can be redefined by guest code, and host code must not run
// guest code (ARCHITECTURE.md, invariants). Shared by the DOM room (canvas pixels, fetch bodies) and
// the ML room's guest APIs (src/ml/guest.ts), as src/paths.ts is.
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

