// Warming an edge worker before its first client: V8 compiles a function well only after it has run
// many times, and a session's first trip runs the snapshot room's code (streamed restore, delta capture,
// owner hashing, delta apply and its check) once over a heap of 10⁴ objects, cold: on Octane's earley-boyer
// (bench/offload/warm.js) a cold worker's streamed restore costs about 1.5× and its first delta capture
// about 1.6–2.4× what they cost in a warmed one. So a spare worker, while the server is idle, takes a program
// with a few thousand objects of the usual kinds (closures and their scopes, arrays, plain objects,
// class instances with private fields, Maps, Sets, a generator, a pending promise) through every step a
// session takes, with the session's own engine options (the same host services, so the pristine twin a
// capture diffs against is built here too, and not on the first trip).
import { Engine, StreamingRestore, applyDelta, captureDelta, chunkLines, prepareCapture, type EngineOptions } from '../index';
import { completeMove, installHints } from './hints';
import { fullDoor } from '../dom/light';

/** The warm-up program: `n` records of the usual kinds, then a change to some of them per offload. */
export function warmProgram(n: number): string {
  return `'use strict';
class Point { #w; constructor(x, y) { this.x = x; this.y = y; this.#w = x + y; } get w() { return this.#w; } }
function make(i) {
  let hits = 0;
  const tag = 'r' + i;
  return { i, tag, xs: [i, i + 1, i * 2, 'a' + i], p: new Point(i, -i), hit() { return ++hits + i; }, at: () => tag.length + hits };
}
var rows = [];
for (let i = 0; i < ${n}; i++) rows.push(make(i));
var index = new Map(rows.map((r) => [r.tag, r]));
var seen = new Set(rows.slice(0, ${n >> 2}).map((r) => r.p));
function* walk() { for (const r of rows) yield r.i; }
var g = walk(); g.next();
var later = new Promise(() => {});
(async () => {
  for (let k = 0; k < 1e9; k++) {
    await snapvm.offload(async (k) => { for (let j = k; j < rows.length; j += 7) { rows[j].hit(); rows[j].xs.push(j); } index.set('n' + k, { k }); return k; }, k);
  }
})();
`;
}

/**
 * Take one program through what a session does: a whole snapshot streamed in chunks into a fresh engine,
 * then `rounds` deltas each way (captured, applied in place and checked). `options` are the session's
 * engine options (quiet ones). A generator: each step (a capture, a restore, an apply) is one `next()`, so
 * a worker can stop warming between two steps when a client needs it.
 */
export function* warmSteps(options: EngineOptions, n = 400, rounds = 2): Generator<void, void, void> {
  const client = new Engine(options);
  prepareCapture(client);
  installHints(client, { edge: true });
  client.evaluateScript(warmProgram(n), 'warm-up.js');
  client.runJobs();
  yield;
  const first = captureDelta(client, null, { portable: false });
  yield;
  const stream = new StreamingRestore(options, Engine);
  for (const chunk of chunkLines(first.text, 64 * 1024)) stream.feed(chunk);
  const edge = stream.finish();
  yield;
  let clientState = first.state;
  let edgeState = edge.state;
  for (let i = 0; i < rounds; i++) {
    completeMove(edge.engine, 'edge');
    edge.engine.runJobs();
    const back = captureDelta(edge.engine, edgeState, { portable: false });
    yield;
    clientState = applyDelta(client, clientState, back.text);
    edgeState = back.state;
    completeMove(client, 'client');
    client.runJobs();
    yield;
    const up = captureDelta(client, clientState, { portable: false });
    yield;
    edgeState = applyDelta(edge.engine, edgeState, up.text);
    clientState = up.state;
    yield;
  }
}

/** All of warmSteps at once (its defaults where n/rounds are left out). */
export function warmUp(options: EngineOptions, n?: number, rounds?: number): void {
  for (const _ of warmSteps(options, n, rounds));
}

/**
 * The page a spare worker takes through a page trip's steps: a document of a few hundred nodes, listeners,
 * a form field, a pending timer, and a canvas drawn on (its pixels travel as PNG, decoded on restore).
 */
export const WARM_PAGE_HTML = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>warm-up</title></head><body>
<h1 class="title">warm-up</h1><input id="q" value="query"><ul id="list"></ul><canvas id="c" width="64" height="48"></canvas>
<script>
const list = document.getElementById('list');
for (let i = 0; i < 120; i++) { const li = document.createElement('li'); li.className = 'row r' + (i % 3); li.dataset.i = String(i); li.textContent = 'row ' + i; list.appendChild(li); }
let clicks = 0;
list.addEventListener('click', (e) => { clicks++; e.target.classList.toggle('on'); });
const ctx = document.getElementById('c').getContext('2d');
ctx.fillStyle = '#3a7'; ctx.fillRect(4, 4, 40, 30); ctx.strokeStyle = 'rgba(200, 0, 0, 0.5)'; ctx.strokeRect(10, 10, 30, 20);
const later = setTimeout(() => { list.firstChild.textContent = 'later'; }, 60000);
document.getElementById('q').value = 'typed';
</script></body></html>`;

/**
 * A page trip's steps in a worker, ahead of any page (a generator: one step per `next()`, as warmSteps):
 * the DOM room loaded, happy-dom's bundle compiled and evaluated in a page realm, a page born from
 * WARM_PAGE_HTML (no file is read: `files: false`) and written out, restored as the edge restores a
 * client's page (the same host `services`), run a turn and written out again. After it V8 has compiled the
 * bundle and the DOM room's restore and capture, so a client's first page does not pay for that; the
 * pages themselves are dropped (each page has its own realm: none is handed to a client).
 */
export function* warmPageSteps(services: EngineOptions['services']): Generator<void, void, void> {
  const { Page } = fullDoor();
  const quiet = { files: false, services, onConsole: () => {}, onError: () => {} };
  const page = new Page('/snapvm-warm-up/index.html', quiet);
  yield;
  page.load(WARM_PAGE_HTML);
  page.click('li');
  yield;
  const text = page.snapshot().code;
  yield;
  const restored = Page.restore(text, quiet);
  yield;
  restored.click('li');
  restored.snapshot();
}
