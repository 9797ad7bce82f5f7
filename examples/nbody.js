// A compute-heavy app for offloading (issue 6): the n-body simulation of the outer planets (after the
// Computer Language Benchmarks Game), plus a little app state around it: a log of runs, a timer.
// Run it locally:            node bin/snapvm.js run examples/nbody.js [STEPS]
// or offload the heavy part: node bin/snapvm.js serve &   node bin/snapvm.js run examples/nbody.js --edge ws://127.0.0.1:8787
// `snapvm.offload(fn, ...args)` moves the whole app to the edge at the end of this event-loop turn,
// runs fn there, and moves it back when fn's promise settles; without --edge fn runs here.
'use strict';

const PI = Math.PI;
const SOLAR_MASS = 4 * PI * PI;
const DAYS_PER_YEAR = 365.24;

class Body {
  constructor(name, x, y, z, vx, vy, vz, mass) {
    this.name = name;
    this.x = x; this.y = y; this.z = z;
    this.vx = vx * DAYS_PER_YEAR; this.vy = vy * DAYS_PER_YEAR; this.vz = vz * DAYS_PER_YEAR;
    this.mass = mass * SOLAR_MASS;
  }
}

function system() {
  const bodies = [
    new Body('sun', 0, 0, 0, 0, 0, 0, 1),
    new Body('jupiter', 4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01, 1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05, 9.54791938424326609e-04),
    new Body('saturn', 8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01, -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05, 2.85885980666130812e-04),
    new Body('uranus', 1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01, 2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05, 4.36624404335156298e-05),
    new Body('neptune', 1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01, 2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05, 5.15138902046611451e-05),
  ];
  let px = 0, py = 0, pz = 0;
  for (const b of bodies) { px += b.vx * b.mass; py += b.vy * b.mass; pz += b.vz * b.mass; }
  const sun = bodies[0];
  sun.vx = -px / SOLAR_MASS; sun.vy = -py / SOLAR_MASS; sun.vz = -pz / SOLAR_MASS;
  return bodies;
}

function advance(bodies, dt) {
  const n = bodies.length;
  for (let i = 0; i < n; i++) {
    const bi = bodies[i];
    for (let j = i + 1; j < n; j++) {
      const bj = bodies[j];
      const dx = bi.x - bj.x, dy = bi.y - bj.y, dz = bi.z - bj.z;
      const d2 = dx * dx + dy * dy + dz * dz;
      const mag = dt / (d2 * Math.sqrt(d2));
      bi.vx -= dx * bj.mass * mag; bi.vy -= dy * bj.mass * mag; bi.vz -= dz * bj.mass * mag;
      bj.vx += dx * bi.mass * mag; bj.vy += dy * bi.mass * mag; bj.vz += dz * bi.mass * mag;
    }
  }
  for (const b of bodies) { b.x += dt * b.vx; b.y += dt * b.vy; b.z += dt * b.vz; }
}

function energy(bodies) {
  let e = 0;
  for (let i = 0; i < bodies.length; i++) {
    const bi = bodies[i];
    e += 0.5 * bi.mass * (bi.vx * bi.vx + bi.vy * bi.vy + bi.vz * bi.vz);
    for (let j = i + 1; j < bodies.length; j++) {
      const bj = bodies[j];
      const dx = bi.x - bj.x, dy = bi.y - bj.y, dz = bi.z - bj.z;
      e -= (bi.mass * bj.mass) / Math.sqrt(dx * dx + dy * dy + dz * dz);
    }
  }
  return e;
}

// The heavy part: a pure function of the app's state, written like any other code.
function simulate(bodies, steps, report) {
  for (let s = 1; s <= steps; s++) {
    advance(bodies, 0.01);
    if (s % report === 0) console.log(`  step ${s}: energy ${energy(bodies).toFixed(9)}`);
  }
  return energy(bodies);
}

const steps = Number((typeof snapvm === 'object' && snapvm.argv[1]) || 200000);
const app = { bodies: system(), runs: [] };
console.log(`n-body: ${app.bodies.length} bodies, ${steps} steps; energy ${energy(app.bodies).toFixed(9)}`);

async function main() {
  const offload = typeof snapvm === 'object' && snapvm.offload ? snapvm.offload : (fn, ...args) => Promise.resolve().then(() => fn(...args));
  const e = await offload(simulate, app.bodies, steps, steps / 4);
  app.runs.push({ steps, energy: e });
  console.log(`final energy ${e.toFixed(9)}`);
  for (const b of app.bodies) console.log(`  ${b.name.padEnd(8)} at (${b.x.toFixed(6)}, ${b.y.toFixed(6)}, ${b.z.toFixed(6)})`);
  setTimeout(() => console.log(`done: ${app.runs.length} run(s)`), 10);
}
main();
