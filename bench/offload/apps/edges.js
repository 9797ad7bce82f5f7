// A compute-heavy app for offloading (issue 6): edge detection on a picture the app holds (a
// deterministic synthetic "photo" of 8-bit grey levels): repeated Gaussian smoothing, Sobel gradients,
// a threshold, and the edge map kept in the app's state; prints counts, a checksum and a thumbnail.
//   node bin/snapvm.js run bench/offload/apps/edges.js [SIZE] [PASSES]
//   node bin/snapvm.js run bench/offload/apps/edges.js 192 40 --edge ws://127.0.0.1:8787 --edge-report
// `snapvm.offload(fn, ...args)` moves the app (picture included) to the edge for fn and back after.
'use strict';

const argv = typeof snapvm === 'object' ? snapvm.argv : [];
const SIZE = Number(argv[1] || 160);
const PASSES = Number(argv[2] || 12);

function makePicture(w, h) {
  const img = new Uint8ClampedArray(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 90 + 50 * Math.sin(x / 11) * Math.cos(y / 17) + (x * 37 + y * 91) % 23;
      const dx = x - w * 0.4, dy = y - h * 0.55;
      if (dx * dx + dy * dy < (w * 0.22) * (w * 0.22)) v += 80; // a disc
      if (x > w * 0.65 && x < w * 0.9 && y > h * 0.1 && y < h * 0.45) v -= 70; // a box
      img[y * w + x] = v;
    }
  }
  return img;
}

// 3×3 Gaussian (1 2 1 / 2 4 2 / 1 2 1) / 16, borders copied
function smooth(src, w, h) {
  const out = new Uint8ClampedArray(src);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      out[i] = (src[i - w - 1] + 2 * src[i - w] + src[i - w + 1] + 2 * src[i - 1] + 4 * src[i] + 2 * src[i + 1] + src[i + w - 1] + 2 * src[i + w] + src[i + w + 1]) / 16;
    }
  }
  return out;
}

function sobel(src, w, h) {
  const mag = new Float64Array(w * h);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const gx = -src[i - w - 1] - 2 * src[i - 1] - src[i + w - 1] + src[i - w + 1] + 2 * src[i + 1] + src[i + w + 1];
      const gy = -src[i - w - 1] - 2 * src[i - w] - src[i - w + 1] + src[i + w - 1] + 2 * src[i + w] + src[i + w + 1];
      mag[i] = Math.sqrt(gx * gx + gy * gy);
    }
  }
  return mag;
}

// The heavy part: smoothing at growing scales, an edge map at each, the edges found at most scales kept.
function detect(picture, w, h, passes) {
  const votes = new Uint8Array(w * h);
  let img = picture;
  for (let p = 0; p < passes; p++) {
    img = smooth(img, w, h);
    const mag = sobel(img, w, h);
    let sum = 0;
    for (let i = 0; i < mag.length; i++) sum += mag[i];
    const threshold = (2 * sum) / mag.length;
    for (let i = 0; i < mag.length; i++) if (mag[i] > threshold) votes[i]++;
  }
  const edges = new Uint8Array(w * h);
  let count = 0, checksum = 0;
  for (let i = 0; i < votes.length; i++) {
    if (votes[i] * 2 > passes) { edges[i] = 1; count++; checksum = (checksum * 31 + i) % 1000000007; }
  }
  return { edges, count, checksum };
}

function thumbnail(edges, w, h, cols, rows) {
  const lines = [];
  for (let r = 0; r < rows; r++) {
    let line = '';
    for (let c = 0; c < cols; c++) {
      let n = 0;
      const y0 = Math.floor((r * h) / rows), y1 = Math.floor(((r + 1) * h) / rows);
      const x0 = Math.floor((c * w) / cols), x1 = Math.floor(((c + 1) * w) / cols);
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) n += edges[y * w + x];
      line += n === 0 ? ' ' : n < 3 ? '.' : n < 8 ? '+' : '#';
    }
    lines.push(line);
  }
  return lines.join('\n');
}

const app = { picture: makePicture(SIZE, SIZE), results: [] };
console.log(`edges: ${SIZE}x${SIZE} picture, ${PASSES} scales`);

async function main() {
  const offload = typeof snapvm === 'object' && snapvm.offload ? snapvm.offload : (fn, ...args) => Promise.resolve().then(() => fn(...args));
  const r = await offload(detect, app.picture, SIZE, SIZE, PASSES);
  app.results.push(r);
  console.log(`edge pixels ${r.count}, checksum ${r.checksum}`);
  console.log(thumbnail(r.edges, SIZE, SIZE, 48, 20));
}
main();
