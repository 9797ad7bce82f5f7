// A compute-heavy page app for offloading (issue 6): the page draws a picture on a canvas with the 2D API,
// reads its pixels, and smooths them with an edge-preserving bilateral filter (each pixel a weighted mean of
// its (2r+1)² neighbours, weighted by distance and by likeness of colour) — the heavy handler, which
// `snapvm.offload` runs on the edge (the page travels whole: DOM, both canvases' pixels, the state). Back
// on the client it draws the result into the second canvas and fills a table, then prints a checksum of
// the result canvas's pixels and the final DOM (the visible result bench/offload/run.js compares).
//   node bin/snapvm.js run bench/offload/apps/canvas-filter/index.html [--edge ws://127.0.0.1:8787 --edge-report]
// Sizes are the body's data-* attributes. Anywhere else (a browser, snapvm without --edge) it all runs here.
const offload = globalThis.snapvm ? snapvm.offload : (fn, ...args) => Promise.resolve().then(() => fn(...args));

const W = Number(document.body.dataset.width);
const H = Number(document.body.dataset.height);
const RADIUS = Number(document.body.dataset.radius);
const PASSES = Number(document.body.dataset.passes);
const status = document.getElementById('status');

/** Draw the scene on canvas #source with the 2D API; its pixels as a plain RGBA array (kept in the page's state). */
function drawScene() {
  const canvas = document.getElementById('source');
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#203040';
  ctx.fillRect(0, 0, W, H);
  for (let i = 0; i < 24; i++) {
    ctx.fillStyle = 'hsl(' + ((i * 47) % 360) + ', 65%, ' + (35 + (i % 4) * 10) + '%)';
    ctx.beginPath();
    ctx.arc((i * 53) % W, (i * 31 + 17) % H, 6 + (i % 7) * 4, 0, Math.PI * 2);
    ctx.fill();
  }
  ctx.fillStyle = 'rgba(250, 240, 200, 0.6)';
  ctx.fillRect(W * 0.55, H * 0.1, W * 0.3, H * 0.35);
  // (read in this function: an ImageData is no state a page snapshot carries, its bytes are)
  const pixels = new Uint8ClampedArray(ctx.getImageData(0, 0, W, H).data);
  // grain, so that the filter has something to smooth
  let s = 2024;
  for (let i = 0; i < pixels.length; i++) {
    if (i % 4 === 3) continue;
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    pixels[i] += ((s >>> 24) % 41) - 20;
  }
  ctx.putImageData(new ImageData(new Uint8ClampedArray(pixels), W, H), 0, 0);
  return pixels;
}

/** The heavy part: `passes` of a bilateral filter with window radius `r` over RGBA `src` (alpha kept). */
function bilateral(src, w, h, r, passes) {
  const spatial = new Float64Array((2 * r + 1) * (2 * r + 1));
  for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) spatial[(dy + r) * (2 * r + 1) + dx + r] = Math.exp(-(dx * dx + dy * dy) / (2 * (r / 2) * (r / 2)));
  const range = new Float64Array(3 * 255 + 1);
  for (let d = 0; d < range.length; d++) range[d] = Math.exp(-(d * d) / (2 * 60 * 60));
  let a = src;
  for (let p = 0; p < passes; p++) {
    const b = new Uint8ClampedArray(a.length);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const i = (y * w + x) * 4;
        const r0 = a[i], g0 = a[i + 1], b0 = a[i + 2];
        let sr = 0, sg = 0, sb = 0, sw = 0;
        for (let dy = -r; dy <= r; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= h) continue;
          for (let dx = -r; dx <= r; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= w) continue;
            const j = (yy * w + xx) * 4;
            const cr = a[j], cg = a[j + 1], cb = a[j + 2];
            const wt = spatial[(dy + r) * (2 * r + 1) + dx + r] * range[Math.abs(cr - r0) + Math.abs(cg - g0) + Math.abs(cb - b0)];
            sr += wt * cr;
            sg += wt * cg;
            sb += wt * cb;
            sw += wt;
          }
        }
        b[i] = Math.round(sr / sw);
        b[i + 1] = Math.round(sg / sw);
        b[i + 2] = Math.round(sb / sw);
        b[i + 3] = a[i + 3];
      }
    }
    a = b;
  }
  return a;
}

function channelMeans(px) {
  const sums = [0, 0, 0];
  for (let i = 0; i < px.length; i += 4) for (let c = 0; c < 3; c++) sums[c] += px[i + c];
  return sums.map((v) => (v / (px.length / 4)).toFixed(2));
}

/** A checksum of canvas #result's pixels as the canvas holds them (getImageData). */
function resultChecksum() {
  const data = document.getElementById('result').getContext('2d').getImageData(0, 0, W, H).data;
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum = (sum * 31 + data[i]) % 1000000007;
  return sum;
}

const picture = drawScene();

async function run() {
  status.textContent = 'filtering';
  const out = await offload(bilateral, picture, W, H, RADIUS, PASSES);
  const result = document.getElementById('result');
  result.width = W;
  result.height = H;
  result.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(out), W, H), 0, 0);
  const before = channelMeans(picture);
  const after = channelMeans(out);
  const table = document.getElementById('stats');
  ['red', 'green', 'blue'].forEach((name, c) => {
    const row = table.insertRow();
    row.insertCell().textContent = name;
    row.insertCell().textContent = before[c];
    row.insertCell().textContent = after[c];
  });
  status.textContent = 'done';
  console.log('filtered ' + W + 'x' + H + ', radius ' + RADIUS + ', ' + PASSES + ' passes; result canvas checksum ' + resultChecksum());
  console.log(document.body.innerHTML.replace(/\s+/g, ' '));
}

setTimeout(run, 0);
