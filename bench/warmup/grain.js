// A short program's loop, timed 6 times in one program (bench/warmup-ab.js): a 110 K-step pixel loop
// (the canvas-filter page app's grain step). Under an interpreter loop V8 has not optimized yet, or
// has just thrown away, a run costs ~10× an optimized one.
const N = 110592;
function grain() {
  const pixels = new Uint8ClampedArray(N);
  let s = 2024;
  for (let i = 0; i < pixels.length; i++) {
    if (i % 4 === 3) continue;
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    pixels[i] += ((s >>> 24) % 41) - 20;
  }
  return pixels[N - 2];
}
const times = [];
for (let r = 0; r < 6; r++) {
  const t0 = Date.now();
  grain();
  times.push(Date.now() - t0);
}
console.log('grain ms', times.join(' '));
