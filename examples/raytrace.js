// A compute-heavy app with a heavy event handler (issue 6, EUC'15-style automatic offloading): a small
// ray tracer renders frames of three spheres on a timer, with the light moving from frame to frame,
// and prints each frame as a checksum and a tiny ASCII thumbnail. Nothing in it mentions offloading:
//   node bin/snapvm.js run examples/raytrace.js [FRAMES] [SIZE]
//   node bin/snapvm.js run examples/raytrace.js --edge ws://127.0.0.1:8787 --edge-auto --edge-report
// With --edge-auto the client measures each frame handler and migrates before a frame when the
// predicted local time exceeds the predicted time on the edge plus the migration cost.
'use strict';

const argv = typeof snapvm === 'object' ? snapvm.argv : [];
const FRAMES = Number(argv[1] || 4);
const SIZE = Number(argv[2] || 96);

const spheres = [
  { c: [0, -0.2, 3], r: 0.8, color: [1, 0.3, 0.3], mirror: 0.3 },
  { c: [-1.3, 0.3, 4], r: 0.6, color: [0.3, 1, 0.3], mirror: 0.1 },
  { c: [1.2, 0.4, 3.5], r: 0.5, color: [0.3, 0.4, 1], mirror: 0.6 },
  { c: [0, -1001, 3], r: 1000, color: [0.8, 0.8, 0.8], mirror: 0 },
];

const sub = (a, b) => [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const scale = (a, k) => [a[0] * k, a[1] * k, a[2] * k];
const norm = (a) => scale(a, 1 / Math.sqrt(dot(a, a)));

function hit(origin, dir) {
  let best = Infinity, found = null;
  for (const s of spheres) {
    const oc = sub(origin, s.c);
    const b = dot(oc, dir), c = dot(oc, oc) - s.r * s.r, d = b * b - c;
    if (d < 0) continue;
    const t = -b - Math.sqrt(d);
    if (t > 1e-4 && t < best) { best = t; found = s; }
  }
  return found && { t: best, s: found };
}

function trace(origin, dir, light, depth) {
  const h = hit(origin, dir);
  if (!h) return [0.1, 0.1, 0.2];
  const p = [origin[0] + dir[0] * h.t, origin[1] + dir[1] * h.t, origin[2] + dir[2] * h.t];
  const n = norm(sub(p, h.s.c));
  const l = norm(sub(light, p));
  const shadow = hit(p, l);
  const diffuse = shadow ? 0.1 : Math.max(0.1, dot(n, l));
  let color = scale(h.s.color, diffuse);
  if (depth < 3 && h.s.mirror > 0) {
    const r = sub(dir, scale(n, 2 * dot(dir, n)));
    const m = trace(p, r, light, depth + 1);
    color = [0, 1, 2].map((i) => color[i] * (1 - h.s.mirror) + m[i] * h.s.mirror);
  }
  return color;
}

function render(frame) {
  const light = [5 * Math.cos(frame), 5, 5 * Math.sin(frame) - 1];
  const image = new Float64Array(SIZE * SIZE);
  let sum = 0;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const dir = norm([(x - SIZE / 2) / SIZE, (SIZE / 2 - y) / SIZE, 1]);
      const c = trace([0, 0, 0], dir, light, 0);
      const v = 0.3 * c[0] + 0.59 * c[1] + 0.11 * c[2];
      image[y * SIZE + x] = v;
      sum = (sum * 31 + Math.round(v * 255)) % 1000000007;
    }
  }
  return { sum, image };
}

function thumbnail(image) {
  const shades = ' .:-=+*#%@';
  const rows = [];
  const step = SIZE / 12;
  for (let y = 0; y < 12; y++) {
    let row = '';
    for (let x = 0; x < 24; x++) row += shades[Math.min(9, Math.floor(image[Math.floor(y * step) * SIZE + Math.floor((x * step) / 2)] * 10))];
    rows.push(row);
  }
  return rows.join('\n');
}

const shown = [];
let frame = 0;
function nextFrame() {
  const { sum, image } = render(frame * 0.7);
  shown.push(sum);
  console.log(`frame ${frame}: checksum ${sum}`);
  if (frame === FRAMES - 1) console.log(thumbnail(image));
  if (++frame < FRAMES) setTimeout(nextFrame, 16);
  else console.log(`rendered ${shown.length} frames of ${SIZE}x${SIZE}`);
}
setTimeout(nextFrame, 16);
