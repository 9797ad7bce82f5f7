// A page's canvases share one pixel budget (png.ts MAX_CANVAS_PIXELS): native pixels are outside the
// engine's heap limit. A canvas the page dropped gives its pixels back once its element is collected
// (canvas.ts: a host-side FinalizationRegistry; the engine's event loop has dropped ones collected when
// many were made, Engine.reclaim), so a page that makes temporary canvases runs on, locally and on either
// side of --edge; one that keeps them is still refused.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Page } from '../src/dom/index';
import { Engine } from '../src/index';
import { MAX_CANVAS_PIXELS } from '../src/dom/png';
import { Server, snapvm } from './offload-lib';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-canvas-free-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

// 4000×4000 = 16 M pixels a frame, 12 frames: 192 M pixels made, ~2.9 budgets
const FRAMES = 12;
// one frame's canvas (guest code): made, drawn on, read back, its pixel added to `sum`
const DRAW_CANVAS = `  const c = document.createElement('canvas');
  c.width = 4000;
  c.height = 4000;
  const g = c.getContext('2d');
  g.fillStyle = 'rgb(1, 2, ' + n + ')';
  g.fillRect(0, 0, 10, 10);
  sum += g.getImageData(5, 5, 1, 1).data[2];`;
const source = (keep: boolean) => `<!DOCTYPE html><html><body><p id="out"></p><script>
const kept = [];
let n = 0;
let sum = 0;
function frame() {
  ${DRAW_CANVAS}
  ${keep ? 'kept.push(c);' : ''}
  if (++n < ${FRAMES}) requestAnimationFrame(frame);
  else document.getElementById('out').textContent = 'done ' + n + ' ' + sum;
}
frame();
</script></body></html>`;
const write = (name: string, text: string) => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, text);
  return file;
};
const dropping = write('drop.html', source(false));
const keeping = write('keep.html', source(true));

t.ok(FRAMES * 16e6 > 2 * MAX_CANVAS_PIXELS, 'the frames make over twice the budget');

t.test('a page that makes and drops big canvases runs past the budget; the canvases held are few', async (t) => {
  const page = new Page(dropping, { onError: () => {} });
  page.load();
  await page.runUntilIdle();
  t.same(page.errors.map((e) => e.summary), []);
  t.equal(page.text('#out'), `done ${FRAMES} ${(FRAMES * (FRAMES - 1)) / 2}`, 'every frame drew and read its own canvas');
  t.ok(page.canvases.pixels() <= MAX_CANVAS_PIXELS, `${page.canvases.pixels()} pixels held at the end`);
  t.ok(page.canvases.canvases.size < FRAMES, `${page.canvases.canvases.size} of ${FRAMES} canvases held at the end`);
  // (the host asked V8 for collections: no guest realm made afterwards sees a `gc`)
  const after = new Page(write('after.html', '<!DOCTYPE html><html><body><p id="t"></p><script>document.getElementById("t").textContent = typeof gc + " " + typeof globalThis.gc;</script></body></html>'), {});
  after.load();
  t.equal(after.text('#t'), 'undefined undefined');
  const lines: unknown[] = [];
  const e = new Engine({ onConsole: (_l, v) => lines.push(...v) });
  e.evaluateScript('console.log(typeof gc)');
  t.same(lines, ['undefined'], "nor does a script's engine");
});

t.test('a page that keeps them is still refused, with the guest Error naming the budget', async (t) => {
  const page = new Page(keeping, { onError: () => {} });
  page.load();
  await page.runUntilIdle();
  t.equal(page.errors.length, 1);
  t.match(page.errors[0]?.summary, /^Error: canvas: 4000×4000 would take the page's canvases over their budget of 67108864 pixels together$/);
  t.equal(page.text('#out'), '', 'it never finished');
  t.equal(page.canvases.canvases.size, 4, 'the four canvases it keeps are held');
});

t.test('the same through `snapvm run`', async (t) => {
  const drop = await snapvm(['run', dropping]);
  t.equal(drop.code, 0, drop.stderr);
  const keep = await snapvm(['run', keeping]);
  t.equal(keep.code, 1);
  t.match(keep.stderr, /over their budget of 67108864 pixels together/);
});

// Under --edge the page's loop is runWithEdge's (client) or the edge worker's: they reclaim as the page's does
// (one mechanism: Engine.reclaim). The page makes and drops more than the budget on the edge, comes back,
// and does it again on the client: both runs end as the local one, with no error.
const EDGE_FRAMES = 8;
const edgeSource = `<!DOCTYPE html><html><body><p id="out"></p><script>
let n = 0;
let sum = 0;
function frame(phase, done) {
  ${DRAW_CANVAS}
  if (++n % ${EDGE_FRAMES} !== 0) requestAnimationFrame(() => frame(phase, done));
  else done(phase + ' ' + n + ' ' + sum);
}
snapvm.migrate('edge')
  .then(() => new Promise((done) => frame('edge', done)))
  .then((line) => { console.log(line, snapvm.where); return snapvm.migrate('client'); })
  .then(() => new Promise((done) => frame('client', done)))
  .then((line) => console.log(line, snapvm.where));
</script></body></html>`;

t.test('under --edge: canvases made and dropped on the edge, then on the client, past the budget on each', async (t) => {
  t.ok(EDGE_FRAMES * 16e6 > MAX_CANVAS_PIXELS, 'each side makes more than the budget');
  const file = write('edge.html', edgeSource);
  const server = await Server.start(['--quiet']);
  t.teardown(() => server.kill());
  const sum = (k: number) => (k * (k - 1)) / 2;
  const expected = `edge ${EDGE_FRAMES} ${sum(EDGE_FRAMES)} edge\nclient ${2 * EDGE_FRAMES} ${sum(2 * EDGE_FRAMES)} client\n`;
  const edge = await snapvm(['run', file, '--edge', server.url, '--edge-report'], 180_000);
  t.equal(edge.code, 0, edge.stderr);
  t.equal(edge.stdout, expected, 'every frame drew and read its own canvas, on each side');
  t.notMatch(edge.stderr, /budget|failed|cannot|Uncaught/, 'no canvas refused, no fault');
  t.match(edge.stderr, /^snapvm: offload 1 after turn/m, 'the frames ran on the edge');
});
