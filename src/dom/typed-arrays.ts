// Reading typed arrays of the guest realm from host code with the host's own %TypedArray% getters:
// the realm's getters (buffer, length, …) can be redefined by guest code, and host code must not run
// guest code (ARCHITECTURE.md, invariants).
const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const typedArrayGetter = (name: string) => Object.getOwnPropertyDescriptor(TypedArrayPrototype, name)!.get!;
const taBuffer = typedArrayGetter('buffer');
const taByteOffset = typedArrayGetter('byteOffset');
const taByteLength = typedArrayGetter('byteLength');
const taLength = typedArrayGetter('length');

/** A host byte view over a typed array of any realm (null for anything else), read with the host's own getters. */
export function typedArrayBytes(v: unknown): Uint8Array | null {
  // isView is false for proxies; the TypedArray getters' brand checks refuse DataViews
  if (!ArrayBuffer.isView(v)) return null;
  try {
    return new Uint8Array(taBuffer.call(v) as ArrayBuffer, taByteOffset.call(v) as number, taByteLength.call(v) as number);
  } catch {
    return null;
  }
}

/** The element count of a typed array of any realm, through the host's own getter. */
export function typedArrayLength(v: unknown): number {
  return taLength.call(v) as number;
}

