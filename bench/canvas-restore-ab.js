'use strict';
// Canvas pixels on restore against another build: a canvas-heavy page (four 512×512 canvases of noise, one
// smooth 1024×768 drawing) loaded and snapshotted by each build, then (1) the whole Page.restore and (2)
// the canvas step alone (PageCanvases.load of each canvas's saved PNG into its canvas), alternately by the
// other build and this one, CPU ms (process.cpuUsage), median of N.
//   node bench/canvas-restore-ab.js OTHER_REPO_DIR [N]   (N processes per build, 3 restores each)
// OTHER_REPO_DIR holds a built checkout (dist/ with the happy-dom bundle). Needs `npm run build` here.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { cpu, median, change, alternate } = require('./ab.js');

const { spawnSync } = require('node:child_process');

const PAGE = `<!DOCTYPE html><html><body>
${[0, 1, 2, 3].map((i) => `<canvas id="noise${i}" width="512" height="512"></canvas>`).join('\n')}
<canvas id="scene" width="1024" height="768"></canvas>
<script>
for (let k = 0; k < 4; k++) (() => {
  const ctx = document.getElementById('noise' + k).getContext('2d');
  const img = ctx.createImageData(512, 512);
  let s = 17 + k;
  for (let i = 0; i < img.data.length; i++) img.data[i] = i % 4 === 3 ? 255 : (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
  ctx.putImageData(img, 0, 0);
})();
const scene = document.getElementById('scene').getContext('2d');
for (let i = 0; i < 200; i++) { scene.fillStyle = 'hsl(' + (i * 7) + ', 70%, 50%)'; scene.beginPath(); scene.arc((i * 37) % 1024, (i * 53) % 768, 20 + (i % 40), 0, 6.283); scene.fill(); }
</script></body></html>`;

// (one build per process: two builds' @napi-rs/canvas native addons in one process do not know each
// other's objects)
if (process.argv[2] === '--one') {
  const dom = require(path.resolve(process.argv[3], 'dist', 'src', 'dom', 'index.js'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-canvas-ab-'));
  const file = path.join(dir, 'canvases.html');
  fs.writeFileSync(file, PAGE);
  const page = new dom.Page(file, {
    onError: (e) => {
      throw new Error(e.summary);
    },
  });
  page.load();
  const code = page.snapshot().code;
  const saved = [...page.canvases.canvases.keys()].map((id) => [id, page.canvases.save(id)]);
  const restore = [];
  const step = [];
  for (let i = 0; i < 3; i++) {
    restore.push(cpu(() => dom.Page.restore(code, { onError: () => {} }))[1]);
    step.push(cpu(() => saved.forEach(([id, s]) => page.canvases.load(id, s)))[1]);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ restore, step, kb: code.length / 1024, png: saved.reduce((sum, [, s]) => sum + s.png.length, 0) / 1024 }));
} else {
  const n = Number(process.argv[3] ?? 5);
  const run = (dir) => JSON.parse(spawnSync(process.execPath, [__filename, '--one', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).stdout);
  const a = [];
  const b = [];
  alternate(
    n,
    () => a.push(run(process.argv[2])),
    () => b.push(run(path.resolve(__dirname, '..'))),
  );
  const all = (xs, k) => xs.flatMap((x) => x[k]);
  const [ta, tb, la, lb] = [all(a, 'restore'), all(b, 'restore'), all(a, 'step'), all(b, 'step')].map(median);
  console.log(`canvas-heavy page: snapshot ${a[0].kb.toFixed(0)} KB / ${b[0].kb.toFixed(0)} KB (PNGs ${a[0].png.toFixed(0)} / ${b[0].png.toFixed(0)} KB base64); CPU ms, median of ${n} processes × 3`);
  console.log(`  Page.restore, whole:         other ${ta.toFixed(1)}, this ${tb.toFixed(1)} (${change(ta, tb)})`);
  console.log(`  the canvas step (5 canvases): other ${la.toFixed(1)}, this ${lb.toFixed(1)} (${change(la, lb)})`);
}
