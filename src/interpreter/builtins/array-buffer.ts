// ArrayBuffer.prototype.transfer, .transferToFixedLength and the `detached` getter (ES2024, ecma262 §25.1.6).
// V8 of Node 20 detaches a buffer only through structured clone's transfer list; that moves the
// bytes into a host-realm buffer, which never reaches guest code: the bytes are copied from it into
// a new buffer of the guest realm.
import type { Engine } from '../engine';
import type { Ops } from './common';

export function installArrayBufferTransfer(engine: Engine, ops: Ops): void {
  const realm = engine.realm;
  const vm = engine.vm;
  const ArrayBufferCtor = (realm.global as any).ArrayBuffer as ArrayBufferConstructor;
  const proto = ArrayBufferCtor.prototype;
  const getter = (name: string) => Object.getOwnPropertyDescriptor(proto, name)!.get!;
  // byteLength's getter throws V8's TypeError for anything but a (non-shared) ArrayBuffer.
  const byteLength = getter('byteLength');
  const resizable = getter('resizable');
  const maxByteLength = getter('maxByteLength');

  /** RequireInternalSlot(O, [[ArrayBufferData]]) and IsSharedArrayBuffer(O) is false; O.[[ArrayBufferByteLength]]. */
  const arrayBufferByteLength = (O: unknown): number => ops.R.apply(byteLength, O, []) as number;

  /** https://tc39.es/ecma262/#sec-isdetachedbuffer: a typed array over a detached buffer cannot be made (nothing guest-visible runs). */
  const isDetachedBuffer = (O: ArrayBuffer): boolean => {
    try {
      new Uint8Array(O);
      return false;
    } catch {
      return true;
    }
  };

  /** https://tc39.es/ecma262/#sec-tointegerorinfinity ToIndex */
  const toIndex = (v: unknown): number => {
    const integer = ops.toIntegerOrInfinity(v);
    if (integer < 0 || integer > Number.MAX_SAFE_INTEGER) vm.throwError('RangeError', 'Invalid array buffer length');
    return integer;
  };

  /** https://tc39.es/ecma262/#sec-arraybuffercopyanddetach */
  const arrayBufferCopyAndDetach = (arrayBuffer: unknown, newLength: unknown, preserveResizability: boolean): ArrayBuffer => {
    // 1-2. Perform ? RequireInternalSlot(arrayBuffer, [[ArrayBufferData]]); a SharedArrayBuffer is a TypeError.
    const currentLength = arrayBufferByteLength(arrayBuffer);
    const O = arrayBuffer as ArrayBuffer;
    // 3-4. newByteLength: the current byte length, or ? ToIndex(newLength).
    const newByteLength = newLength === undefined ? currentLength : toIndex(newLength);
    // 5. If IsDetachedBuffer(arrayBuffer) is true, throw a TypeError exception.
    if (isDetachedBuffer(O)) ops.throwType('Cannot transfer a detached ArrayBuffer');
    // 6-7. newMaxByteLength: the buffer's own for a resizable buffer when resizability is preserved.
    const newMaxByteLength = preserveResizability && ops.R.apply(resizable, O, []) ? (ops.R.apply(maxByteLength, O, []) as number) : undefined;
    // 9. Let newBuffer be ? AllocateArrayBuffer(%ArrayBuffer%, newByteLength, newMaxByteLength).
    const newBuffer =
      newMaxByteLength === undefined
        ? new ArrayBufferCtor(newByteLength)
        : new (ArrayBufferCtor as new (n: number, o: { maxByteLength: number }) => ArrayBuffer)(newByteLength, { maxByteLength: newMaxByteLength });
    // 8, 15. Detach; a buffer with an [[ArrayBufferDetachKey]] (WebAssembly.Memory's) is copied instead, and stays attached.
    let moved: ArrayBuffer;
    try {
      moved = structuredClone(O, { transfer: [O] });
    } catch {
      ops.throwType('Cannot transfer this ArrayBuffer');
    }
    if (!isDetachedBuffer(O)) ops.throwType('Cannot transfer an ArrayBuffer that cannot be detached');
    // 10-13. Copy min(newByteLength, old byte length) bytes.
    const copyLength = Math.min(newByteLength, currentLength);
    new Uint8Array(newBuffer).set(new Uint8Array(moved, 0, copyLength));
    // 16. Return newBuffer.
    return newBuffer;
  };

  // https://tc39.es/ecma262/#sec-arraybuffer.prototype.transfer
  realm.defineNative(proto, 'transfer', 0, (t, a) => arrayBufferCopyAndDetach(t, a[0], true));
  // https://tc39.es/ecma262/#sec-arraybuffer.prototype.transfertofixedlength
  realm.defineNative(proto, 'transferToFixedLength', 0, (t, a) => arrayBufferCopyAndDetach(t, a[0], false));
  // https://tc39.es/ecma262/#sec-get-arraybuffer.prototype.detached
  ops.defineAccessor(
    proto,
    'detached',
    (t) => {
      // 2-3. Perform ? RequireInternalSlot(O, [[ArrayBufferData]]); a SharedArrayBuffer is a TypeError.
      arrayBufferByteLength(t);
      // 4. Return IsDetachedBuffer(O).
      return isDetachedBuffer(t as ArrayBuffer);
    },
    undefined,
  );
}
