// A compute-heavy app for offloading (issue 6): a ray tracer in plain JS. A scene of spheres over a
// checkered floor, two point lights with hard shadows, Phong highlights and mirror reflections (up to
// DEPTH bounces), SAMPLES×SAMPLES rays per pixel on a fixed grid (no randomness: the picture is the same
// wherever it is rendered). The rendered picture (RGB bytes) is kept in the app's state; the app prints
// its checksum, its mean brightness and a thumbnail.
//   node bin/snapvm.js run bench/offload/apps/raytrace.js [WIDTH] [SAMPLES]
//   node bin/snapvm.js run bench/offload/apps/raytrace.js 160 2 --edge ws://127.0.0.1:8787 --edge-report
// `snapvm.offload(fn, ...args)` moves the app (scene included) to the edge for fn and back after.
'use strict';

const argv = typeof snapvm === 'object' ? snapvm.argv : [];
const WIDTH = Number(argv[1] || 160);
const HEIGHT = Math.round((WIDTH * 3) / 4);
const SAMPLES = Number(argv[2] || 2);
const DEPTH = 3;

class Vec {
  constructor(x, y, z) { this.x = x; this.y = y; this.z = z; }
  add(v) { return new Vec(this.x + v.x, this.y + v.y, this.z + v.z); }
  sub(v) { return new Vec(this.x - v.x, this.y - v.y, this.z - v.z); }
  scale(k) { return new Vec(this.x * k, this.y * k, this.z * k); }
  mul(v) { return new Vec(this.x * v.x, this.y * v.y, this.z * v.z); }
  dot(v) { return this.x * v.x + this.y * v.y + this.z * v.z; }
  cross(v) { return new Vec(this.y * v.z - this.z * v.y, this.z * v.x - this.x * v.z, this.x * v.y - this.y * v.x); }
  norm() { const l = Math.sqrt(this.dot(this)); return this.scale(1 / l); }
}

class Sphere {
  constructor(center, radius, color, mirror) { this.center = center; this.radius = radius; this.color = color; this.mirror = mirror; }
  // distance along the ray to the nearest hit in front of its origin, or Infinity
  hit(origin, dir) {
    const oc = origin.sub(this.center);
    const b = oc.dot(dir);
    const disc = b * b - (oc.dot(oc) - this.radius * this.radius);
    if (disc < 0) return Infinity;
    const s = Math.sqrt(disc);
    const t0 = -b - s;
    if (t0 > 1e-4) return t0;
    const t1 = -b + s;
    return t1 > 1e-4 ? t1 : Infinity;
  }
  normal(p) { return p.sub(this.center).scale(1 / this.radius); }
  colorAt() { return this.color; }
}

class Floor {
  constructor(y) { this.y = y; this.mirror = 0.15; }
  hit(origin, dir) {
    if (Math.abs(dir.y) < 1e-9) return Infinity;
    const t = (this.y - origin.y) / dir.y;
    return t > 1e-4 ? t : Infinity;
  }
  normal() { return new Vec(0, 1, 0); }
  colorAt(p) { return (Math.floor(p.x) + Math.floor(p.z)) & 1 ? new Vec(0.9, 0.9, 0.85) : new Vec(0.15, 0.2, 0.3); }
}

function makeScene() {
  const things = [new Floor(0)];
  // a ring of small spheres around three big ones
  things.push(new Sphere(new Vec(0, 1, 0), 1, new Vec(0.9, 0.2, 0.2), 0.35));
  things.push(new Sphere(new Vec(-2.2, 0.8, 1.2), 0.8, new Vec(0.2, 0.8, 0.3), 0.2));
  things.push(new Sphere(new Vec(2.1, 0.7, 0.9), 0.7, new Vec(0.3, 0.4, 0.95), 0.6));
  for (let i = 0; i < 9; i++) {
    const a = (i / 9) * 2 * Math.PI;
    things.push(new Sphere(new Vec(3.6 * Math.cos(a), 0.3, 3.6 * Math.sin(a) - 0.5), 0.3, new Vec(0.5 + 0.5 * Math.cos(a), 0.6, 0.5 + 0.5 * Math.sin(a)), 0.1));
  }
  const lights = [
    { at: new Vec(-5, 7, 6), color: new Vec(0.8, 0.8, 0.75) },
    { at: new Vec(4, 5, -3), color: new Vec(0.35, 0.35, 0.45) },
  ];
  const eye = new Vec(0, 2.6, 7.5);
  const forward = new Vec(0, 0.9, 0).sub(eye).norm();
  const right = forward.cross(new Vec(0, 1, 0)).norm();
  const up = right.cross(forward);
  return { things, lights, camera: { eye, forward, right, up } };
}

function nearest(scene, origin, dir) {
  let best = Infinity, thing = null;
  for (const t of scene.things) {
    const d = t.hit(origin, dir);
    if (d < best) { best = d; thing = t; }
  }
  return thing ? { thing, dist: best } : null;
}

function shadowed(scene, p, toLight, dist) {
  for (const t of scene.things) if (t.hit(p, toLight) < dist) return true;
  return false;
}

function trace(scene, origin, dir, depth) {
  const h = nearest(scene, origin, dir);
  if (!h) return new Vec(0.55, 0.7, 0.9).scale(0.4 + 0.6 * Math.max(0, dir.y)); // sky
  const p = origin.add(dir.scale(h.dist));
  const n = h.thing.normal(p);
  const base = h.thing.colorAt(p);
  let c = base.scale(0.08); // ambient
  const reflected = dir.sub(n.scale(2 * n.dot(dir)));
  for (const l of scene.lights) {
    const v = l.at.sub(p);
    const dist = Math.sqrt(v.dot(v));
    const toLight = v.scale(1 / dist);
    if (shadowed(scene, p, toLight, dist)) continue;
    const diffuse = Math.max(0, n.dot(toLight));
    const spec = Math.pow(Math.max(0, reflected.dot(toLight)), 40);
    c = c.add(base.mul(l.color).scale(diffuse)).add(l.color.scale(spec * 0.6));
  }
  if (depth < DEPTH && h.thing.mirror > 0) c = c.scale(1 - h.thing.mirror).add(trace(scene, p, reflected, depth + 1).scale(h.thing.mirror));
  return c;
}

// The heavy part: every pixel, SAMPLES² rays on a fixed sub-pixel grid.
function render(scene, w, h, samples) {
  const pixels = new Uint8ClampedArray(w * h * 3);
  const { eye, forward, right, up } = scene.camera;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let r = 0, g = 0, b = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const u = ((x + (sx + 0.5) / samples) / w - 0.5) * 1.2;
          const v = (0.5 - (y + (sy + 0.5) / samples) / h) * 0.9;
          const c = trace(scene, eye, forward.add(right.scale(u)).add(up.scale(v)).norm(), 0);
          r += c.x; g += c.y; b += c.z;
        }
      }
      const k = 255 / (samples * samples), i = (y * w + x) * 3;
      pixels[i] = r * k; pixels[i + 1] = g * k; pixels[i + 2] = b * k;
    }
  }
  let checksum = 0, sum = 0;
  for (let i = 0; i < pixels.length; i++) { checksum = (checksum * 31 + pixels[i]) % 1000000007; sum += pixels[i]; }
  return { pixels, checksum, mean: sum / pixels.length };
}

function thumbnail(pixels, w, h, cols, rows) {
  const ramp = ' .:-=+*#%@';
  const lines = [];
  for (let r = 0; r < rows; r++) {
    let line = '';
    for (let c = 0; c < cols; c++) {
      const x = Math.floor(((c + 0.5) * w) / cols), y = Math.floor(((r + 0.5) * h) / rows), i = (y * w + x) * 3;
      const lum = (0.3 * pixels[i] + 0.59 * pixels[i + 1] + 0.11 * pixels[i + 2]) / 256;
      line += ramp[Math.min(ramp.length - 1, Math.floor(lum * ramp.length))];
    }
    lines.push(line);
  }
  return lines.join('\n');
}

const app = { scene: makeScene(), frames: [] };
console.log(`raytrace: ${WIDTH}x${HEIGHT}, ${SAMPLES * SAMPLES} rays per pixel, ${app.scene.things.length} objects, ${DEPTH} reflections`);

async function main() {
  const offload = typeof snapvm === 'object' && snapvm.offload ? snapvm.offload : (fn, ...args) => Promise.resolve().then(() => fn(...args));
  const frame = await offload(render, app.scene, WIDTH, HEIGHT, SAMPLES);
  app.frames.push(frame);
  console.log(`checksum ${frame.checksum}, mean brightness ${frame.mean.toFixed(3)}`);
  console.log(thumbnail(frame.pixels, WIDTH, HEIGHT, 64, 24));
}
main();
