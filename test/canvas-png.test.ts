// Canvas pixels in page snapshots are decoded in JavaScript (src/dom/png.ts), never by @napi-rs/canvas's
// native decoder: a page snapshot may be a stranger's (the edge restores what any client sends). Pixels
// round-trip exactly; every row filter and 8-bit colour type decodes as written; malformed, truncated,
// mis-sized, oversized and decompression-bomb PNGs are refused with a SnapshotError naming the canvas.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Page } from '../src/dom/index';
import { SnapshotError } from '../src/snapshot/index';
import { decodePng, PngError } from '../src/dom/png';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-canvas-png-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A PNG written here (not by the library under test): `rows` of raw samples, each row with `filter` applied. */
function makePng(w: number, h: number, colour: number, samples: Uint8Array, filters: number[], opts: { depth?: number; interlace?: number; idat?: Buffer; crcFault?: boolean } = {}): Buffer {
  const ch = { 0: 1, 2: 3, 4: 2, 6: 4 }[colour as 0 | 2 | 4 | 6] ?? 1;
  const rowBytes = w * ch;
  const raw = Buffer.alloc((rowBytes + 1) * h);
  for (let y = 0; y < h; y++) {
    const f = filters[y % filters.length]!;
    raw[y * (rowBytes + 1)] = f;
    for (let i = 0; i < rowBytes; i++) {
      const x = samples[y * rowBytes + i]!;
      const a = i >= ch ? samples[y * rowBytes + i - ch]! : 0;
      const b = y > 0 ? samples[(y - 1) * rowBytes + i]! : 0;
      const c = i >= ch && y > 0 ? samples[(y - 1) * rowBytes + i - ch]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const pred = [0, a, b, (a + b) >> 1, paeth][f]!;
      raw[y * (rowBytes + 1) + 1 + i] = (x - pred) & 255;
    }
  }
  const chunk = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE((zlib.crc32(body, zlib.crc32(Buffer.from(type, 'latin1'))) ^ (opts.crcFault && type === 'IDAT' ? 1 : 0)) >>> 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = opts.depth ?? 8;
  ihdr[9] = colour;
  ihdr[12] = opts.interlace ?? 0;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', opts.idat ?? zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function randomBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) out[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
  return out;
}

t.test('decodePng: every row filter and 8-bit colour type decodes to the samples written', async (t) => {
  const w = 13;
  const h = 9;
  for (const colour of [0, 2, 4, 6]) {
    const ch = { 0: 1, 2: 3, 4: 2, 6: 4 }[colour as 0 | 2 | 4 | 6];
    const samples = randomBytes(w * h * ch, 7 + colour);
    const rgba = decodePng(makePng(w, h, colour, samples, [0, 1, 2, 3, 4]), w, h);
    const want = new Uint8ClampedArray(w * h * 4);
    for (let p = 0; p < w * h; p++) {
      const s = samples.subarray(p * ch, p * ch + ch);
      const grey = ch < 3;
      want.set([s[0]!, grey ? s[0]! : s[1]!, grey ? s[0]! : s[2]!, ch === 2 ? s[1]! : ch === 4 ? s[3]! : 255], p * 4);
    }
    t.same(Array.from(rgba), Array.from(want), `colour type ${colour}, filters 0–4`);
  }
});

t.test('decodePng reads what @napi-rs/canvas writes, pixel for pixel', async (t) => {
  const { createCanvas, ImageData } = await import('@napi-rs/canvas');
  const c = createCanvas(31, 17);
  const pixels = randomBytes(31 * 17 * 4, 3);
  for (let i = 3; i < pixels.length; i += 4) pixels[i] = 255; // (opaque: no premultiplication rounding in the source itself)
  c.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(pixels), 31, 17), 0, 0);
  t.same(Array.from(decodePng(c.encodeSync('png'), 31, 17)), Array.from(pixels));
});

t.test('decodePng refuses bad PNGs by name, before inflating anything it would not keep', async (t) => {
  const good = makePng(4, 4, 6, randomBytes(64, 1), [1]);
  const refuse = (png: Uint8Array, w: number, h: number, pattern: RegExp, what: string, max?: number) => t.throws(() => decodePng(png, w, h, max), { constructor: PngError, message: pattern }, what);
  refuse(Buffer.from('GIF89a........................'), 4, 4, /no PNG signature/, 'not a PNG');
  refuse(good.subarray(0, 40), 4, 4, /is truncated/, 'truncated in a chunk');
  refuse(good.subarray(0, good.length - 12), 4, 4, /is truncated/, 'no IEND');
  refuse(makePng(4, 4, 6, randomBytes(64, 1), [1], { crcFault: true }), 4, 4, /IDAT chunk fails its CRC/, 'a damaged chunk');
  refuse(good, 5, 4, /is 4×4 where the canvas is 5×4/, 'not the canvas’s size');
  refuse(good, 4, 4, /over the budget of 10 pixels/, 'over the pixel budget', 10);
  refuse(makePng(4, 4, 6, randomBytes(64, 1), [1], { interlace: 1 }), 4, 4, /interlaced/, 'interlaced');
  refuse(makePng(4, 4, 6, randomBytes(128, 1), [1], { depth: 16 }), 4, 4, /16-bit/, '16-bit');
  refuse(makePng(4, 4, 3, randomBytes(16, 1), [0]), 4, 4, /colour type 3/, 'a palette');
  refuse(makePng(4, 4, 6, randomBytes(64, 1), [7]), 4, 4, /unknown row filter 7/, 'a bad filter byte');
  refuse(makePng(4, 4, 6, randomBytes(64, 1), [1], { idat: zlib.deflateSync(Buffer.alloc(40)) }), 4, 4, /40 bytes of image data where a 4×4 image has 68/, 'too little data');
  refuse(makePng(4, 4, 6, randomBytes(64, 1), [1], { idat: Buffer.from([0x78, 0x9c, 1, 2, 3]) }), 4, 4, /damaged image data/, 'a damaged zlib stream');
  // a bomb: 64 MB of zeros deflate to ~64 KB; a 4×4 image needs 68 bytes and no more is ever made
  const bomb = makePng(4, 4, 6, randomBytes(64, 1), [1], { idat: zlib.deflateSync(Buffer.alloc(64 << 20)) });
  t.ok(bomb.length < 100_000, `the bomb is small (${bomb.length} bytes)`);
  const before = process.memoryUsage().arrayBuffers;
  refuse(bomb, 4, 4, /inflates to more than the 68 bytes a 4×4 image needs/, 'a decompression bomb');
  t.ok(process.memoryUsage().arrayBuffers - before < 16 << 20, 'and it was not inflated whole');
});

const PAGE = `<!DOCTYPE html><html><body>
<canvas id="pic" width="48" height="32"></canvas><canvas width="7" height="5"></canvas>
<script>
const [a, b] = document.querySelectorAll('canvas');
const ca = a.getContext('2d');
(() => { // (an ImageData is no state a page snapshot carries: this one is gone by then)
  const img = ca.createImageData(48, 32);
  let s = 99;
  for (let i = 0; i < img.data.length; i++) img.data[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
  for (let i = 3; i < img.data.length; i += 4) img.data[i] = i % 3 === 0 ? 255 : img.data[i] | 1;
  ca.putImageData(img, 0, 0);
})();
ca.fillStyle = 'rgba(10, 200, 30, 0.4)'; ca.translate(3, 2); ca.fillRect(0, 0, 10, 10);
const cb = b.getContext('2d'); cb.fillStyle = '#c83'; cb.fillRect(1, 1, 4, 2);
window.pixels = () => [ca.getImageData(0, 0, 48, 32).data, cb.getImageData(0, 0, 7, 5).data].map((d) => Array.from(d).join(',')).join('|');
</script></body></html>`;

function pagePixels(page: Page): string {
  return String(page.engine.evaluateScript('pixels()', 'probe.js'));
}

t.test('a page snapshot: canvas pixels and drawing state come back exactly (semi-transparent too)', async (t) => {
  const file = path.join(tmp, 'page.html');
  fs.writeFileSync(file, PAGE);
  const page = new Page(file, { onError: (e) => t.fail(e.summary) });
  page.load();
  const before = pagePixels(page);
  const restored = Page.restore(page.snapshot().code, { onError: (e) => t.fail(e.summary) });
  t.equal(pagePixels(restored), before, 'getImageData bytes of both canvases equal after the restore');
  restored.engine.evaluateScript('ca.fillRect(0, 0, 1, 1); cb.fillRect(0, 0, 1, 1)', 'after.js');
  page.engine.evaluateScript('ca.fillRect(0, 0, 1, 1); cb.fillRect(0, 0, 1, 1)', 'after.js');
  t.equal(pagePixels(restored), pagePixels(page), 'the transform and fill style came back too');
});

t.test('a page snapshot with a bad PNG is refused with a SnapshotError naming the canvas', async (t) => {
  const file = path.join(tmp, 'bad.html');
  fs.writeFileSync(file, PAGE);
  const page = new Page(file);
  page.load();
  const code = page.snapshot().code;
  const pngs = [...code.matchAll(/iVBOR[A-Za-z0-9+/=]*/g)].map((m) => m[0]);
  t.equal(pngs.length, 2, 'two canvases, two PNGs');
  const first = Buffer.from(pngs[0]!, 'base64');
  const swap = (b64: string) => code.replace(pngs[0]!, b64);
  const refused = (text: string, pattern: RegExp, what: string) => t.throws(() => Page.restore(text), { constructor: SnapshotError, message: pattern }, what);
  refused(swap(first.subarray(0, first.length >> 1).toString('base64')), /^the <canvas id="pic"> at node \d+: its PNG is truncated/, 'truncated');
  refused(swap(Buffer.from('not a png at all').toString('base64')), /<canvas id="pic">.*no PNG signature/, 'malformed');
  refused(swap(pngs[1]!), /<canvas id="pic">.*is 7×5 where the canvas is 48×32/, 'another canvas’s pixels');
  const bomb = makePng(48, 32, 6, randomBytes(48 * 32 * 4, 1), [0], { idat: zlib.deflateSync(Buffer.alloc(32 << 20)) });
  refused(swap(bomb.toString('base64')), /<canvas id="pic">.*a decompression bomb/, 'a bomb');
  refused(
    code.replace(pngs[1]!, makePng(7, 5, 6, randomBytes(140, 2), [9]).toString('base64')),
    /^the <canvas> at node \d+: its PNG has an unknown row filter 9/,
    'the canvas without an id is named by its node',
  );
  // a canvas declared over the budget is refused before any pixels are made for it
  const huge = code.replace('\\"width\\",\\"48\\",\\"height\\",\\"32\\"', '\\"width\\",\\"100000\\",\\"height\\",\\"100000\\"');
  t.not(huge, code, 'the declared size was found in the snapshot');
  t.throws(() => Page.restore(huge), /100000×100000 is over the budget of 67108864 pixels/, 'an oversized canvas');
});

t.test("a page's canvases share one pixel budget (native memory), in a program and in a page snapshot", async (t) => {
  const file = path.join(tmp, 'many.html');
  fs.writeFileSync(file, PAGE);
  const page = new Page(file);
  page.load();
  // a forged snapshot: each canvas within the budget, together over it (refused before its pixels are made)
  const code = page.snapshot().code;
  const big = code.replace('\\"width\\",\\"7\\",\\"height\\",\\"5\\"', '\\"width\\",\\"8192\\",\\"height\\",\\"8192\\"');
  t.not(big, code, 'the declared size was found in the snapshot');
  t.throws(() => Page.restore(big), /8192×8192 would take the page's canvases over their budget of 67108864 pixels together/, 'two canvases over the budget together');
  // a forged snapshot naming one canvas twice (its PNG would be decoded as often as it is named)
  const twice = code.replace(/^\$\.hostState\((".*")\);$/m, (_, lit: string) => {
    const d = JSON.parse(JSON.parse(lit));
    d.canvases.push(d.canvases[0]);
    return `$.hostState(${JSON.stringify(JSON.stringify(d))});`;
  });
  t.not(twice, code, 'the canvases were found in the snapshot');
  t.throws(() => Page.restore(twice), /page snapshot: the canvas at node \d+ given twice/, 'a canvas named twice');
  // a program: a canvas as large as the budget, beside the page's two, is refused; a small one is made
  const make = (w: number, h: number) =>
    String(
      page.engine.evaluateScript(
        `(() => { const c = document.createElement('canvas'); c.width = ${w}; c.height = ${h}; try { c.getContext('2d').fillRect(0, 0, 1, 1); return 'made'; } catch (e) { return e.name + ': ' + e.message; } })()`,
        'make.js',
      ),
    );
  t.match(make(8192, 8192), /Error: canvas: 8192×8192 would take the page's canvases over their budget/, 'refused in the program');
  t.equal(make(2, 2), 'made', 'a small one is made');
});
