// A PNG decoder in JavaScript for canvas pixels that arrive in a page snapshot. The snapshot may be a
// stranger's (an edge server restores what any client sends), so its PNG bytes never reach a native image
// decoder: this file checks the chunk structure and every chunk's CRC, refuses any size but the canvas's
// own (and any over the pixel budget) before inflating, inflates with node:zlib bounded to exactly the bytes
// those pixels need (a decompression bomb stops there), and undoes the row filters itself. It reads the
// PNGs snapvm writes (8-bit RGBA, what @napi-rs/canvas encodes) and the other 8-bit non-palette ones
// (grey, grey+alpha, RGB); anything else is refused by name.
import zlib from 'node:zlib';

/** What was wrong with a PNG (the message completes "its PNG …"). */
export class PngError extends Error {}

/** The most pixels a canvas may have, and a page's canvases together, here and on restore: 8192×8192 (256 MB of RGBA). */
export const MAX_CANVAS_PIXELS = 8192 * 8192;

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** Channels per pixel of each colour type read here (8 bits each). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/**
 * The pixels of `bytes` as unpremultiplied RGBA, which must be exactly `width`×`height` (the canvas's
 * declared size) and at most `maxPixels`; a PngError naming the fault otherwise.
 */
export function decodePng(bytes: Uint8Array, width: number, height: number, maxPixels = MAX_CANVAS_PIXELS): Uint8ClampedArray {
  if (width * height > maxPixels) throw new PngError(`is for a ${width}×${height} canvas, over the budget of ${maxPixels} pixels`);
  if (bytes.length < SIGNATURE.length || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new PngError('is not a PNG (no PNG signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let channels = 0; // (0: no IHDR yet)
  const data: Uint8Array[] = [];
  let ended = false;
  for (let at = SIGNATURE.length; !ended; ) {
    if (at + 12 > bytes.length) throw new PngError(`is truncated (a chunk header at byte ${at} runs past its ${bytes.length} bytes)`);
    const length = view.getUint32(at);
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
    if (!/^[A-Za-z]{4}$/.test(type)) throw new PngError(`has a chunk with a bad type at byte ${at}`);
    const end = at + 8 + length;
    if (end + 4 > bytes.length) throw new PngError(`is truncated (its ${type} chunk of ${length} bytes runs past its ${bytes.length} bytes)`);
    const body = bytes.subarray(at + 8, end);
    if (zlib.crc32(body, zlib.crc32(bytes.subarray(at + 4, at + 8))) >>> 0 !== view.getUint32(end)) throw new PngError(`is damaged (its ${type} chunk fails its CRC)`);
    if (channels === 0 && type !== 'IHDR') throw new PngError(`does not begin with IHDR (it begins with ${type})`);
    if (type === 'IHDR') {
      if (channels !== 0) throw new PngError('has two IHDR chunks');
      channels = readHeader(body, width, height);
    } else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') ended = true;
    else if (type === 'PLTE' || type.charCodeAt(0) < 97) {
      // (a critical chunk this decoder does not know changes what the pixels mean: refused; ancillary ones are skipped)
      if (type !== 'PLTE') throw new PngError(`has a critical chunk ${type} this decoder does not read`);
    }
    at = end + 4;
  }
  if (channels === 0) throw new PngError('has no IHDR chunk');
  if (data.length === 0) throw new PngError('has no image data (no IDAT chunk)');
  const rowBytes = width * channels;
  const need = (rowBytes + 1) * height;
  let raw: Buffer;
  try {
    raw = zlib.inflateSync(Buffer.concat(data), { maxOutputLength: need });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new PngError(`inflates to more than the ${need} bytes a ${width}×${height} image needs (a decompression bomb?)`);
    throw new PngError(`has damaged image data (zlib: ${(e as Error).message})`);
  }
  if (raw.length !== need) throw new PngError(`has ${raw.length} bytes of image data where a ${width}×${height} image has ${need} (truncated)`);
  return toRgba(unfilter(raw, rowBytes, height, channels), width * height, channels);
}

/** The channels per pixel of an IHDR `body`, after checking it describes a `width`×`height` image this decoder reads. */
function readHeader(body: Uint8Array, width: number, height: number): number {
  if (body.length !== 13) throw new PngError(`has an IHDR of ${body.length} bytes (13 expected)`);
  const v = new DataView(body.buffer, body.byteOffset, 13);
  const w = v.getUint32(0);
  const h = v.getUint32(4);
  const [depth, colour, compression, filter, interlace] = [body[8]!, body[9]!, body[10]!, body[11]!, body[12]!];
  if (w !== width || h !== height) throw new PngError(`is ${w}×${h} where the canvas is ${width}×${height}`);
  if (depth !== 8) throw new PngError(`has ${depth}-bit samples (only 8-bit PNGs are read)`);
  const channels = CHANNELS[colour];
  if (channels === undefined) throw new PngError(`has colour type ${colour} (grey, RGB, grey+alpha and RGBA are read; not palettes)`);
  if (compression !== 0 || filter !== 0) throw new PngError(`has an unknown compression (${compression}) or filter method (${filter})`);
  if (interlace !== 0) throw new PngError('is interlaced (only non-interlaced PNGs are read)');
  return channels;
}

/** Undo PNG's per-row filters; `raw` is rows of a filter byte then `rowBytes` bytes. Returns the rows without filter bytes. */
function unfilter(raw: Buffer, rowBytes: number, height: number, bpp: number): Uint8Array {
  const out = new Uint8Array(rowBytes * height);
  const none = new Uint8Array(rowBytes); // (the row above the first: zeros)
  // (a plain Uint8Array view: all rows of one kind, so V8 keeps one element access for x, cur and up)
  const data = new Uint8Array(raw.buffer, raw.byteOffset, raw.length);
  for (let y = 0; y < height; y++) {
    const filter = data[y * (rowBytes + 1)]!;
    const x = data.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1));
    const cur = out.subarray(y * rowBytes, (y + 1) * rowBytes);
    const up = y > 0 ? out.subarray((y - 1) * rowBytes, y * rowBytes) : none;
    switch (filter) {
      case 0: // None
        cur.set(x);
        break;
      case 1: // Sub
        for (let i = 0; i < rowBytes; i++) cur[i] = x[i]! + (i >= bpp ? cur[i - bpp]! : 0);
        break;
      case 2: // Up
        for (let i = 0; i < rowBytes; i++) cur[i] = x[i]! + up[i]!;
        break;
      case 3: // Average
        for (let i = 0; i < bpp; i++) cur[i] = x[i]! + (up[i]! >> 1);
        for (let i = bpp; i < rowBytes; i++) cur[i] = x[i]! + ((cur[i - bpp]! + up[i]!) >> 1);
        break;
      case 4: // Paeth
        for (let i = 0; i < bpp; i++) cur[i] = x[i]! + up[i]!; // (a = c = 0: the predictor is b)
        for (let i = bpp; i < rowBytes; i++) {
          const a = cur[i - bpp]!;
          const b = up[i]!;
          const c = up[i - bpp]!;
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          cur[i] = x[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
        }
        break;
      default:
        throw new PngError(`has an unknown row filter ${filter} on row ${y}`);
    }
  }
  return out;
}

function toRgba(pixels: Uint8Array, count: number, channels: number): Uint8ClampedArray {
  if (channels === 4) return new Uint8ClampedArray(pixels.buffer, pixels.byteOffset, pixels.length);
  const rgba = new Uint8ClampedArray(count * 4);
  const grey = channels < 3;
  for (let p = 0, s = 0; p < count * 4; p += 4, s += channels) {
    rgba[p] = pixels[s]!;
    rgba[p + 1] = pixels[grey ? s : s + 1]!;
    rgba[p + 2] = pixels[grey ? s : s + 2]!;
    rgba[p + 3] = channels === 2 ? pixels[s + 1]! : channels === 4 ? pixels[s + 3]! : 255;
  }
  return rgba;
}
