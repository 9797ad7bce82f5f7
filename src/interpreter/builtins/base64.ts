// Uint8Array to and from base64 and hex (ES2026, https://tc39.es/proposal-arraybuffer-base64/spec/).
// The bytes of a guest Uint8Array are read and written through a host view of its buffer (V8's
// typed array built-ins work across realms); the view never reaches guest code.
import { types } from 'node:util';
import type { Engine } from '../engine';
import { type Ops, isObject } from './common';

/** https://tc39.es/proposal-arraybuffer-base64/spec/#sec-frombase64 (and FromHex): what was read, the bytes, the error. */
interface DecodeResult {
  read: number;
  bytes: number[];
  error: string | null;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export function installBase64(engine: Engine, ops: Ops): void {
  const realm = engine.realm;
  const vm = engine.vm;
  const Uint8ArrayCtor = (realm.global as any).Uint8Array as Uint8ArrayConstructor;
  const TypedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype);
  const hostGetter = (name: string) => Object.getOwnPropertyDescriptor(TypedArrayPrototype, name)!.get!;
  const bufferOf = hostGetter('buffer');
  const byteOffsetOf = hostGetter('byteOffset');
  const lengthOf = hostGetter('length');
  // ValidateTypedArray: throws for a detached or out-of-bounds typed array, without side effects.
  const validateTypedArray = TypedArrayPrototype.entries as Function;

  /** https://tc39.es/proposal-arraybuffer-base64/spec/#sec-validateuint8array */
  const validateUint8Array = (ta: unknown): Uint8Array => {
    if (!isObject(ta) || !types.isUint8Array(ta)) ops.throwType('Receiver is not a Uint8Array');
    return ta as Uint8Array;
  };
  /** IsTypedArrayOutOfBounds(MakeTypedArrayWithBufferWitnessRecord(ta)) is a TypeError; else a host view of ta's bytes. */
  const bytesView = (ta: Uint8Array): Uint8Array => {
    try {
      ops.R.apply(validateTypedArray, ta, []);
    } catch {
      ops.throwType('The typed array is detached or out of bounds');
    }
    return new Uint8Array(ops.R.apply(bufferOf, ta, []) as ArrayBuffer, ops.R.apply(byteOffsetOf, ta, []) as number, ops.R.apply(lengthOf, ta, []) as number);
  };
  /** https://tc39.es/proposal-arraybuffer-base64/spec/#sec-getoptionsobject */
  const getOptionsObject = (options: unknown): object => {
    if (options === undefined) return realm.intrinsics.objectCreate(null);
    if (isObject(options)) return options;
    ops.throwType('options must be an object');
  };
  const getAlphabet = (opts: object): 'base64' | 'base64url' => {
    // Let alphabet be ? Get(opts, "alphabet"); undefined is "base64"; anything else but "base64url" is a TypeError.
    const alphabet = ops.realm.ops.get(opts, 'alphabet');
    if (alphabet === undefined) return 'base64';
    if (alphabet !== 'base64' && alphabet !== 'base64url') ops.throwType('alphabet must be "base64" or "base64url"');
    return alphabet;
  };
  const getLastChunkHandling = (opts: object): 'loose' | 'strict' | 'stop-before-partial' => {
    const v = ops.realm.ops.get(opts, 'lastChunkHandling');
    if (v === undefined) return 'loose';
    if (v !== 'loose' && v !== 'strict' && v !== 'stop-before-partial') ops.throwType('lastChunkHandling must be "loose", "strict" or "stop-before-partial"');
    return v;
  };
  /** AllocateTypedArray("Uint8Array", %Uint8Array%, %Uint8Array.prototype%, length) holding bytes. */
  const newUint8Array = (bytes: number[]): Uint8Array => {
    const ta = new Uint8ArrayCtor(bytes.length);
    bytesView(ta).set(bytes);
    return ta;
  };
  /** { read, written } of %Object.prototype%. */
  const readWritten = (read: number, written: number): object => {
    const o = realm.intrinsics.newObject();
    Object.defineProperty(o, 'read', { value: read, writable: true, enumerable: true, configurable: true });
    Object.defineProperty(o, 'written', { value: written, writable: true, enumerable: true, configurable: true });
    return o;
  };
  const requireString = (s: unknown): string => {
    if (typeof s !== 'string') ops.throwType('The argument must be a string');
    return s;
  };

  /** https://tc39.es/proposal-arraybuffer-base64/spec/#sec-uint8array.frombase64 */
  realm.defineNative(Uint8ArrayCtor, 'fromBase64', 1, (_t, a) => {
    // 1. If string is not a String, throw a TypeError exception.
    const string = requireString(a[0]);
    // 2-8. opts, alphabet, lastChunkHandling
    const opts = getOptionsObject(a[1]);
    const alphabet = getAlphabet(opts);
    const lastChunkHandling = getLastChunkHandling(opts);
    // 9-10. Let result be FromBase64(string, alphabet, lastChunkHandling); throw its error.
    const result = fromBase64(string, alphabet, lastChunkHandling, Number.MAX_SAFE_INTEGER);
    if (result.error) vm.throwError('SyntaxError', result.error);
    // 11-14. A new Uint8Array of the bytes.
    return newUint8Array(result.bytes);
  });

  /** https://tc39.es/proposal-arraybuffer-base64/spec/#sec-uint8array.fromhex */
  realm.defineNative(Uint8ArrayCtor, 'fromHex', 1, (_t, a) => {
    const string = requireString(a[0]);
    const result = fromHex(string, Number.MAX_SAFE_INTEGER);
    if (result.error) vm.throwError('SyntaxError', result.error);
    return newUint8Array(result.bytes);
  });

  const proto = Uint8ArrayCtor.prototype;

  /** https://tc39.es/proposal-arraybuffer-base64/spec/#sec-uint8array.prototype.setfrombase64 */
  realm.defineNative(proto, 'setFromBase64', 1, (t, a) => {
    // 1-2. Let into be the this value; perform ? ValidateUint8Array(into).
    const into = validateUint8Array(t);
    // 3. If string is not a String, throw a TypeError exception.
    const string = requireString(a[0]);
    // 4-10. opts, alphabet, lastChunkHandling
    const opts = getOptionsObject(a[1]);
    const alphabet = getAlphabet(opts);
    const lastChunkHandling = getLastChunkHandling(opts);
    // 11-13. If IsTypedArrayOutOfBounds(taRecord), throw a TypeError; byteLength = TypedArrayLength(taRecord).
    const view = bytesView(into);
    // 14. Let result be FromBase64(string, alphabet, lastChunkHandling, byteLength).
    const result = fromBase64(string, alphabet, lastChunkHandling, view.length);
    // 19. Perform SetUint8ArrayBytes(into, bytes).
    view.set(result.bytes);
    // 20. If result.[[Error]] is not none, throw result.[[Error]].
    if (result.error) vm.throwError('SyntaxError', result.error);
    // 21-24. Return { read, written }.
    return readWritten(result.read, result.bytes.length);
  });

  /** https://tc39.es/proposal-arraybuffer-base64/spec/#sec-uint8array.prototype.setfromhex */
  realm.defineNative(proto, 'setFromHex', 1, (t, a) => {
    const into = validateUint8Array(t);
    const string = requireString(a[0]);
    const view = bytesView(into);
    const result = fromHex(string, view.length);
    view.set(result.bytes);
    if (result.error) vm.throwError('SyntaxError', result.error);
    return readWritten(result.read, result.bytes.length);
  });

  /** https://tc39.es/proposal-arraybuffer-base64/spec/#sec-uint8array.prototype.tobase64 */
  realm.defineNative(proto, 'toBase64', 0, (t, a) => {
    // 1-2. Perform ? ValidateUint8Array(O).
    const O = validateUint8Array(t);
    // 3-6. opts, alphabet
    const opts = getOptionsObject(a[0]);
    const alphabet = getAlphabet(opts);
    // 7. Let omitPadding be ToBoolean(? Get(opts, "omitPadding")).
    const omitPadding = !!ops.realm.ops.get(opts, 'omitPadding');
    // 8. Let toEncode be ? GetUint8ArrayBytes(O).
    const toEncode = bytesView(O);
    // 9-11. RFC 4648 §4 (base64) or §5 (base64url), padded unless omitPadding.
    let out = Buffer.from(toEncode.buffer, toEncode.byteOffset, toEncode.length).toString('base64');
    if (alphabet === 'base64url') out = out.replace(/\+/g, '-').replace(/\//g, '_');
    if (omitPadding) out = out.replace(/=+$/, '');
    return out;
  });

  /** https://tc39.es/proposal-arraybuffer-base64/spec/#sec-uint8array.prototype.tohex */
  realm.defineNative(proto, 'toHex', 0, (t) => {
    const O = validateUint8Array(t);
    const toEncode = bytesView(O);
    return Buffer.from(toEncode.buffer, toEncode.byteOffset, toEncode.length).toString('hex');
  });
}

/** https://tc39.es/proposal-arraybuffer-base64/spec/#sec-skipasciiwhitespace */
function skipAsciiWhitespace(string: string, index: number): number {
  while (index < string.length) {
    const c = string.charCodeAt(index);
    if (c !== 0x09 && c !== 0x0a && c !== 0x0c && c !== 0x0d && c !== 0x20) return index;
    index++;
  }
  return index;
}

/** https://tc39.es/proposal-arraybuffer-base64/spec/#sec-decodebase64chunk: null where throwOnExtraBits finds extra bits. */
function decodeBase64Chunk(chunk: string, throwOnExtraBits: boolean): number[] | null {
  const chunkLength = chunk.length;
  // 2-3. Pad to 4 characters with "A".
  const padded = chunk.padEnd(4, 'A');
  let n = 0;
  for (let i = 0; i < 4; i++) n = (n << 6) | BASE64.indexOf(padded[i]!);
  const bytes = [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  // 7. Two characters: one byte; the second must be 0 when extra bits are errors.
  if (chunkLength === 2) return throwOnExtraBits && bytes[1] !== 0 ? null : [bytes[0]!];
  // 8. Three characters: two bytes.
  if (chunkLength === 3) return throwOnExtraBits && bytes[2] !== 0 ? null : [bytes[0]!, bytes[1]!];
  return bytes;
}

/** https://tc39.es/proposal-arraybuffer-base64/spec/#sec-frombase64 */
function fromBase64(string: string, alphabet: 'base64' | 'base64url', lastChunkHandling: 'loose' | 'strict' | 'stop-before-partial', maxLength: number): DecodeResult {
  // 3. If maxLength = 0, return { [[Read]]: 0, [[Bytes]]: « », [[Error]]: none }.
  if (maxLength === 0) return { read: 0, bytes: [], error: null };
  // 4-9.
  let read = 0;
  const bytes: number[] = [];
  let chunk = '';
  let index = 0;
  const length = string.length;
  const fail = (message: string): DecodeResult => ({ read, bytes, error: message });
  // 10. Repeat,
  for (;;) {
    // a. Set index to SkipAsciiWhitespace(string, index).
    index = skipAsciiWhitespace(string, index);
    // b. If index = length, then
    if (index === length) {
      // i. If chunkLength > 0, then
      if (chunk.length > 0) {
        // 1. "stop-before-partial": stop before the partial chunk.
        if (lastChunkHandling === 'stop-before-partial') return { read, bytes, error: null };
        // 2. "loose": a lone character is an error; else decode the partial chunk.
        if (lastChunkHandling === 'loose') {
          if (chunk.length === 1) return fail('Invalid base64: a lone trailing character');
          bytes.push(...decodeBase64Chunk(chunk, false)!);
        } else {
          // 3. "strict": a partial chunk without padding is an error.
          return fail('Invalid base64: missing padding');
        }
      }
      // ii. Return { [[Read]]: length, [[Bytes]]: bytes, [[Error]]: none }.
      return { read: length, bytes, error: null };
    }
    // c-d. Let char be the substring of string from index to index + 1; set index to index + 1.
    let char = string[index]!;
    index++;
    // e. If char is "=", then
    if (char === '=') {
      // i. If chunkLength < 2, error.
      if (chunk.length < 2) return fail('Invalid base64: unexpected padding');
      // ii. Set index to SkipAsciiWhitespace(string, index).
      index = skipAsciiWhitespace(string, index);
      // iii. If chunkLength = 2, then a second "=" must follow.
      if (chunk.length === 2) {
        if (index === length) {
          if (lastChunkHandling === 'stop-before-partial') return { read, bytes, error: null };
          return fail('Invalid base64: incomplete padding');
        }
        char = string[index]!;
        if (char === '=') index = skipAsciiWhitespace(string, index + 1);
      }
      // iv. If index < length, error.
      if (index < length) return fail('Invalid base64: characters after padding');
      // v-ix. Decode the last chunk; in "strict" mode extra bits are an error.
      const decoded = decodeBase64Chunk(chunk, lastChunkHandling === 'strict');
      if (!decoded) return fail('Invalid base64: non-zero padding bits');
      bytes.push(...decoded);
      // x. Return { [[Read]]: length, [[Bytes]]: bytes, [[Error]]: none }.
      return { read: length, bytes, error: null };
    }
    // f. If alphabet is "base64url", "+" and "/" are errors, "-" and "_" stand for them.
    if (alphabet === 'base64url') {
      if (char === '+' || char === '/') return fail(`Invalid base64url character ${JSON.stringify(char)}`);
      if (char === '-') char = '+';
      else if (char === '_') char = '/';
    }
    // g. If char is not in the standard base64 alphabet, error.
    if (!BASE64.includes(char)) return fail(`Invalid base64 character ${JSON.stringify(char)}`);
    // h-i. Stop before a chunk whose bytes would not fit in maxLength.
    const remaining = maxLength - bytes.length;
    if ((remaining === 1 && chunk.length === 2) || (remaining === 2 && chunk.length === 3)) return { read, bytes, error: null };
    // j-k. Append char to chunk.
    chunk += char;
    // l. If chunkLength = 4, decode it.
    if (chunk.length === 4) {
      bytes.push(...decodeBase64Chunk(chunk, false)!);
      chunk = '';
      read = index;
      // v. If the length of bytes = maxLength, stop.
      if (bytes.length === maxLength) return { read, bytes, error: null };
    }
  }
}

/** https://tc39.es/proposal-arraybuffer-base64/spec/#sec-fromhex */
function fromHex(string: string, maxLength: number): DecodeResult {
  const length = string.length;
  const bytes: number[] = [];
  let read = 0;
  // 5. An odd length is an error.
  if (length % 2 !== 0) return { read, bytes, error: 'Invalid hex: odd length' };
  // 6. Repeat, while read < length and the length of bytes < maxLength,
  while (read < length && bytes.length < maxLength) {
    // a-b. Two HexDigits, or an error.
    const hexits = string.slice(read, read + 2);
    if (!/^[0-9A-Fa-f]{2}$/.test(hexits)) return { read, bytes, error: `Invalid hex digits ${JSON.stringify(hexits)}` };
    // c-e.
    read += 2;
    bytes.push(parseInt(hexits, 16));
  }
  return { read, bytes, error: null };
}
