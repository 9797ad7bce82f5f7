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
  t.same(
    page.errors.map((e) => e.summary),
    [],
  );
  t.equal(page.text('#out'), `done ${FRAMES} ${(FRAMES * (FRAMES - 1)) / 2}`, 'every frame drew and read its own canvas');
  t.ok(page.canvases.pixels() <= MAX_CANVAS_PIXELS, `${page.canvases.pixels()} pixels held at the end`);
  t.ok(page.canvases.canvases.size < FRAMES, `${page.canvases.canvases.size} of ${FRAMES} canvases held at the end`);
  // (the host asked V8 for collections: no guest realm made afterwards sees a `gc`)
  const after = new Page(
    write('after.html', '<!DOCTYPE html><html><body><p id="t"></p><script>document.getElementById("t").textContent = typeof gc + " " + typeof globalThis.gc;</script></body></html>'),
    {},
  );
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
  // (every snapvm process has --expose-gc from its start: no guest sees its `gc`)
  const script = await snapvm(['run', write('gc.js', 'console.log(typeof gc, typeof globalThis.gc, Object.getOwnPropertyNames(globalThis).includes("gc"))')]);
  t.equal(script.stdout, 'undefined undefined false\n', script.stderr);
  const page = await snapvm(['run', write('gc.html', '<!DOCTYPE html><script>console.log(typeof gc, typeof window.gc, Object.getOwnPropertyNames(window).includes("gc"))</script>')]);
  t.equal(page.stdout, 'undefined undefined false\n', page.stderr);
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

// Every call of V8's setFlagsFromString in a process, named by its thread and by the worker threads started
// before it (a preload: NODE_OPTIONS --require runs it in the main thread and in every worker thread first).
const countFlags = write(
  'count-flags.js',
  `const wt = require('node:worker_threads');
let started = 0;
const Worker = wt.Worker;
wt.Worker = class extends Worker { constructor(...args) { super(...args); started++; } };
const v8 = require('node:v8');
const set = v8.setFlagsFromString;
v8.setFlagsFromString = function (flag) {
  process.stderr.write('setFlagsFromString ' + flag + ' in ' + (wt.isMainThread ? 'the main thread' : 'worker ' + wt.threadId) + ' after ' + started + ' workers\\n');
  return set.call(this, flag);
};
`,
);

t.test('under --edge: canvases made and dropped on the edge, then on the client, past the budget on each', async (t) => {
  t.ok(EDGE_FRAMES * 16e6 > MAX_CANVAS_PIXELS, 'each side makes more than the budget');
  const file = write('edge.html', edgeSource);
  const preload = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${countFlags}` };
  const server = await Server.start(['--quiet'], preload);
  t.teardown(() => server.kill());
  const sum = (k: number) => (k * (k - 1)) / 2;
  const expected = `edge ${EDGE_FRAMES} ${sum(EDGE_FRAMES)} edge\nclient ${2 * EDGE_FRAMES} ${sum(2 * EDGE_FRAMES)} client\n`;
  const edge = await snapvm(['run', file, '--edge', server.url, '--edge-report'], 180_000);
  t.equal(edge.code, 0, edge.stderr);
  t.equal(edge.stdout, expected, 'every frame drew and read its own canvas, on each side');
  t.notMatch(edge.stderr, /budget|failed|cannot|Uncaught/, 'no canvas refused, no fault');
  t.match(edge.stderr, /^snapvm: offload 1 after turn/m, 'the frames ran on the edge');
  // V8 flags are set at the process's start, before any other isolate: never in an edge worker, nor once a
  // worker thread runs (V8 does not support that), and the gc the canvases ask for is had all the same
  t.match(server.log, /^setFlagsFromString --expose-gc in the main thread after 0 workers$/m, 'the server set --expose-gc at its start');
  t.same(
    server.log.match(/^setFlagsFromString .*$/gm)!.filter((l) => !l.endsWith('in the main thread after 0 workers')),
    [],
    'no V8 flag set by an edge worker, or after one started',
  );
  const counted = await snapvm(['run', file, '--edge', server.url], 180_000, preload);
  t.equal(counted.stdout, expected, 'once more, with the client counted too');
  t.match(counted.stderr, /^setFlagsFromString --expose-gc in the main thread after 0 workers$/m, 'the client set --expose-gc at its start');
  t.same(
    counted.stderr.match(/^setFlagsFromString .*$/gm)!.filter((l) => !l.endsWith('in the main thread after 0 workers')),
    [],
    'and no V8 flag later',
  );
});
