// Page deltas end to end on loopback (dom/delta.ts): after a page's first whole trip, the edge keeps the
// page and the client its own, and each trip in either direction carries only the engine's changed
// owners and the DOM's created, changed and dropped nodes, applied in place. A real `snapvm serve`, real
// `snapvm run PAGE --edge` clients; the offloaded run must print what the local run prints, DOM included.
import t from 'tap';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { Page, applyPageDelta, capturePage, restorePageForDeltas } from '../src/dom/index';
import { DeltaRefused, type DeltaState } from '../src/index';
import { Server, consoleGate, helloSession, root, sameAsLocal, snapvm, suiteServer } from './offload-lib';

const suite = suiteServer(t, 'snapvm-offload-page-delta-', ['--quiet']);
const { tmp } = suite;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** The `--edge-report` lines: per trip, bytes up and down, whole or delta (of the whole's size), and why a trip went whole. */
function trips(stderr: string): { up: number; upFull: number; upDelta: boolean; down: number; downFull: number; downDelta: boolean; whole?: string; wholeDown?: string }[] {
  const kb = (s: string) => Number(s) * 1024;
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('snapvm: offload '))
    .map((line) => {
      const up = /: up ([\d.]+) KB(?: delta of ([\d.]+) KB)?(?: \[[^\]]*\])?(?:, whole: (.*?))? \(capture/.exec(line);
      const down =
        /, down ([\d.]+) KB(?: delta of ([\d.]+) KB)?(?: \[[^\]]*\])?(?:, whole: (.*?))? \(apply|, down ([\d.]+) KB(?: delta of ([\d.]+) KB)?(?: \[[^\]]*\])?(?:, whole: (.*?))? \(restore/.exec(line);
      if (!up || !down) throw new Error(`not a report line: ${line}`);
      const [, b, full, why] = down[1] !== undefined ? down : [undefined, down[4], down[5], down[6]];
      return {
        up: kb(up[1]!),
        upFull: kb(up[2] ?? up[1]!),
        upDelta: up[2] !== undefined,
        down: kb(b!),
        downFull: kb(full ?? b!),
        downDelta: full !== undefined,
        ...(up[3] ? { whole: up[3] } : {}),
        ...(why ? { wholeDown: why } : {}),
      };
    });
}

// Four round trips; each side changes the DOM in its own way before the page moves on: nodes made,
// moved and removed, attributes set and removed, text changed, listeners and on* handlers added and
// taken off, form state, an expando, storage. Every line prints the document as that side sees it.
const APP = `<!DOCTYPE html><html><head><title>deltas</title></head><body>
<ul id="list"><li id="a">a</li><li id="b" class="x">b</li></ul><p id="out">start</p><input id="field" value="v0">
<script>
// (locally, without --edge, there is no hint API: the same steps run here)
const hint = typeof snapvm === 'undefined' ? { migrate: async () => {} } : snapvm;
let clicks = 0;
function onItem(e) { clicks++; e.target.setAttribute('data-clicked', String(clicks)); }
const show = (who) => console.log(who + ' | ' + clicks + ' | ' + document.getElementById('list').outerHTML + document.getElementById('out').outerHTML + ' | ' + document.getElementById('field').value + ' | ' + localStorage.getItem('k'));
const list = () => document.getElementById('list');
const edgeSteps = [
  () => { const li = document.createElement('li'); li.id = 'c'; li.textContent = 'made on the edge'; li.addEventListener('click', onItem); list().appendChild(li); document.getElementById('out').textContent = 'one'; },
  () => { list().removeChild(document.getElementById('a')); document.getElementById('c').click(); document.getElementById('b').className = 'y z'; document.getElementById('b').tag = { n: 1 }; },
  () => { list().insertBefore(document.getElementById('c'), list().firstChild); document.getElementById('c').removeEventListener('click', onItem); document.getElementById('b').onclick = () => { clicks += 100; }; document.getElementById('field').value = 'typed on the edge'; },
  () => { document.getElementById('b').removeAttribute('class'); document.getElementById('out').innerHTML = '<b>bold</b> and <i>it</i>'; localStorage.setItem('k', 'edge'); document.getElementById('b').tag.n++; },
];
const clientSteps = [
  () => { document.getElementById('c').click(); document.getElementById('c').setAttribute('title', 'seen on the client'); },
  () => { const li = document.createElement('li'); li.textContent = 'made on the client'; list().appendChild(li); li.addEventListener('click', onItem); li.click(); },
  () => { document.getElementById('b').click(); document.getElementById('c').click(); list().removeChild(list().lastChild); },
  () => { document.getElementById('b').click(); document.getElementById('out').firstChild.textContent = 'BOLD'; console.log('tag', document.getElementById('b').tag.n); },
];
(async () => {
  for (let i = 0; i < 4; i++) {
    await hint.migrate('edge');
    edgeSteps[i]();
    show('edge ' + i);
    await hint.migrate('client');
    clientSteps[i]();
    show('client ' + i);
  }
})();
</script></body></html>`;

t.test('a page app over four round trips: after the first whole trip each direction is a delta, applied exactly (the same output as locally)', async (t) => {
  const file = tmp.write('trips.html', APP);
  const { local, edge } = await sameAsLocal(t, file, suite.server.url);
  t.match(local.stdout, /client 3 \| 20[0-9] \| <ul id="list"><li id="c"/, 'the app ran its steps');
  t.equal(local.stdout.split('\n').filter(Boolean).length, 9);
  const r = trips(edge.stderr);
  t.equal(r.length, 4, `four trips:\n${edge.stderr}`);
  t.notOk(r[0]!.upDelta, 'the first trip up is whole');
  t.ok(r[0]!.downDelta, 'the first trip down is already a delta (the edge kept the state it restored)');
  for (const [i, trip] of r.entries()) {
    if (i > 0) t.ok(trip.upDelta, `trip ${i + 1} up is a delta`);
    t.ok(trip.downDelta, `trip ${i + 1} down is a delta`);
    t.equal(trip.whole ?? trip.wholeDown, undefined, 'no fallback');
    if (trip.upDelta) t.ok(trip.up < trip.upFull / 2, `trip ${i + 1} up: ${trip.up} B delta < half of ${trip.upFull} B whole`);
    t.ok(trip.down < trip.downFull / 2, `trip ${i + 1} down: ${trip.down} B delta < half of ${trip.downFull} B whole`);
  }
});

t.test('examples/filter: the second trip is a delta both ways', async (t) => {
  const { edge } = await sameAsLocal(t, path.join(root, 'examples', 'filter', 'index.html'), suite.server.url);
  const r = trips(edge.stderr);
  t.equal(r.length, 2, edge.stderr);
  t.ok(r[1]!.upDelta && r[1]!.downDelta, 'delta both ways');
  t.ok(r[1]!.up < r[1]!.upFull / 4 && r[1]!.down < r[1]!.downFull / 4, `small: up ${r[1]!.up} of ${r[1]!.upFull}, down ${r[1]!.down} of ${r[1]!.downFull}`);
});

t.test('a trip a delta cannot carry exactly goes whole, with the reason, and the next is a delta again', async (t) => {
  // the program's configurable window.tmp stands before the non-configurable global `z` (a later
  // script's var): once tmp is deleted, z would have to move — the window cannot be emptied and
  // refilled in place, so that trip is whole
  const file = tmp.write(
    'fallback.html',
    `<!DOCTYPE html><html><body><p id="p">0</p>
<script>window.tmp = 1;</script>
<script>
var z = 0;
const hint = typeof snapvm === 'undefined' ? { migrate: async () => {} } : snapvm;
(async () => {
  for (let i = 1; i <= 3; i++) {
    await hint.migrate('edge');
    z += i;
    if (i === 2) delete window.tmp;
    document.getElementById('p').textContent = String(z);
    await hint.migrate('client');
    console.log(i, z, 'tmp' in window, Object.keys(window).filter((k) => k === 'tmp' || k === 'z').join(','), document.body.innerHTML.length);
  }
})();
</script></body></html>`,
  );
  const { edge } = await sameAsLocal(t, file, suite.server.url);
  const r = trips(edge.stderr);
  t.equal(r.length, 3, edge.stderr);
  t.notOk(r[0]!.upDelta);
  t.ok(r[1]!.upDelta, 'trip 2 up is a delta (window.tmp is deleted on the edge)');
  t.notOk(r[1]!.downDelta, 'trip 2 down is whole');
  t.ok(r[2]!.upDelta && r[2]!.downDelta, 'trip 3 is a delta again both ways');
  t.equal(r[0]!.whole, undefined);
  t.match(r[1]!.wholeDown, /the window, whose non-configurable property z \(a global var or function\) would move after properties the program added/, 'the report says why the trip down went whole');
  t.match(edge.stdout, /^3 6 false z /m);
});

/** A page and its twin agreeing on a state (the twin restored from the page's whole snapshot, as the edge does). */
function agreedPair(html: string): { a: Page; b: Page; agreedA: DeltaState; agreedB: DeltaState } {
  const file = tmp.write(`pair-${Math.random().toString(36).slice(2)}.html`, html);
  const a = new Page(file, { onConsole: () => {} });
  a.load();
  const whole = capturePage(a, null);
  const r = restorePageForDeltas(whole.text, { files: false, onConsole: () => {} });
  return { a, b: r.page, agreedA: whole.state, agreedB: r.state! };
}

const outer = (p: Page) => (p.window as { document: { documentElement: { outerHTML: string } } }).document.documentElement.outerHTML;
/** A delta's text with its DOM change rewritten by `edit` (the envelope kept). */
function forgeDom(text: string, edit: (d: any) => void): string {
  return text.replace(/^\$\.hostState\((".*")\);$/m, (_, lit: string) => {
    const d = JSON.parse(JSON.parse(lit));
    edit(d);
    return `$.hostState(${JSON.stringify(JSON.stringify(d))});`;
  });
}

t.test('forged and damaged page deltas are refused with a clear error before anything changes', async (t) => {
  const { a, b, agreedA, agreedB } = agreedPair('<!DOCTYPE html><html><body><ul id="l"><li>1</li></ul><script>var n = 0;</script></body></html>');
  a.engine.evaluateScript("n++; const li = document.createElement('li'); li.textContent = '2'; document.getElementById('l').appendChild(li); document.body.firstChild.remove();", 'change.js');
  const d = capturePage(a, agreedA);
  t.equal(d.kind, 'delta');
  const before = outer(b);
  const ul = [...(agreedB.host ? (agreedB.host as { records: Map<number, string> }).records : [])].find(([, r]) => r.startsWith('["ul"'))![0];
  const forgeries: [string, string, RegExp][] = [
    [
      'a child that does not exist',
      forgeDom(d.text, (x) => x.nodes.find(([id]: [number]) => id === ul)[1][2].push(99999)),
      /damaged page delta: node \d+ has child 99999, which the page would not have/,
    ],
    ['a node under two parents', forgeDom(d.text, (x) => x.nodes.find(([id]: [number]) => id === ul)[1][2].push(0)), /damaged page delta: (the document is made a child|node 0 is a child)/],
    ['the document dropped', forgeDom(d.text, (x) => x.drop.push(0)), /damaged page delta: (a drop of the document|node 0 both changed and dropped)/],
    ['a node that changes its kind', forgeDom(d.text, (x) => (x.nodes.find(([id]: [number]) => id === ul)[1][0] = 'ol')), /damaged page delta: node \d+ changed its kind/],
    ['a record of no known shape', forgeDom(d.text, (x) => x.nodes.push([x.next, [42]])), /damaged page delta: node \d+ is of an unknown type 42/],
    ['no DOM change at all', d.text.replace(/^\$\.hostState\(.*\);\n/m, ''), /damaged page delta: it carries no DOM change/],
    ['a cut-short delta', d.text.slice(0, -40), /damaged delta: it is cut short/],
    ['a next node id near 2^53', forgeDom(d.text, (x) => (x.next = 2 ** 53 - 2)), /damaged page delta: its next node id 9007199254740990 is past the new nodes it carries \(it would be \d+\)/],
    ['a next node id one past its new nodes', forgeDom(d.text, (x) => (x.next += 1)), /damaged page delta: its next node id \d+ is past the new nodes it carries/],
  ];
  for (const [what, text, why] of forgeries) {
    try {
      applyPageDelta(b, agreedB, text);
      t.fail(`${what}: applied`);
    } catch (e) {
      t.ok(e instanceof DeltaRefused && !e.touched, `${what}: refused before it changed anything`);
      t.match((e as Error).message, why, what);
    }
    t.equal(outer(b), before, `${what}: the page is unchanged`);
  }
  t.equal(b.engine.evaluateScript('n', 'n.js'), 0, 'the engine is unchanged');
  // the genuine delta still applies, exactly
  applyPageDelta(b, agreedB, d.text);
  t.equal(outer(b), outer(a));
  t.equal(b.engine.evaluateScript('n', 'n.js'), 1);
});

t.test('a forged page delta that lists a canvas twice is refused before anything changes', async (t) => {
  const { a, b, agreedA, agreedB } = agreedPair(
    '<!DOCTYPE html><html><body><canvas id="c" width="4" height="4"></canvas><script>var ctx = document.getElementById("c").getContext("2d");</script></body></html>',
  );
  a.engine.evaluateScript("ctx.fillStyle = '#c83'; ctx.fillRect(0, 0, 2, 2);", 'draw.js');
  const d = capturePage(a, agreedA);
  t.equal(d.kind, 'delta');
  const forged = forgeDom(d.text, (x) => {
    t.equal(x.canvases.length, 1, 'the delta carries the canvas drawn on');
    x.canvases.push(x.canvases[0]);
  });
  try {
    applyPageDelta(b, agreedB, forged);
    t.fail('applied');
  } catch (e) {
    t.ok(e instanceof DeltaRefused && !e.touched, 'refused before it changed anything');
    t.match((e as Error).message, /damaged page delta: canvas \d+ given twice/);
  }
  applyPageDelta(b, agreedB, d.text);
  t.equal(String(b.engine.evaluateScript('Array.from(ctx.getImageData(0, 0, 1, 1).data).join()', 'px.js')), '204,136,51,255', 'the genuine delta still applies');
});

/** Load `file` as a page, open a session with the suite's server and send the page whole: its first trip, and the edge's reply. */
async function firstTrip(t: Tap.Test, file: string) {
  const a = new Page(file, { onConsole: () => {} });
  a.load();
  const s = await helloSession(suite.server.url);
  t.teardown(() => s.close());
  const whole = capturePage(a, null);
  s.send({ type: 'offload', id: 1, snapshot: whole.text, sha256: sha(whole.text) });
  return { a, s, whole, first: await s.next() };
}

t.test('the edge refuses a forged page delta with bad-snapshot, keeps its page as it was, and applies the genuine one', async (t) => {
  const file = tmp.write('edge-forged.html', '<!DOCTYPE html><html><body><p id="p">0</p><script>var n = 0;</script></body></html>');
  const { a, s, whole, first } = await firstTrip(t, file);
  t.match(first, { type: 'state', id: 1 }, 'the whole page restored on the edge, run, and sent back');
  t.match(first.snapshot, /^\/\/ snapvm delta\n/, 'as a delta (the edge keeps the page)');
  let agreed = applyPageDelta(a, whole.state, first.snapshot);
  a.engine.evaluateScript("n = 5; document.getElementById('p').textContent = 'five';", 'five.js');
  const d = capturePage(a, agreed);
  t.equal(d.kind, 'delta');
  const forged = forgeDom(d.text, (x) => x.drop.push(123456));
  s.send({ type: 'offload', id: 2, snapshot: forged, sha256: sha(forged) });
  t.match(await s.next(), {
    type: 'error',
    id: 2,
    code: 'bad-snapshot',
    message: /the delta was refused \(damaged page delta: a drop of node 123456, which this page lacks\); this session's state is as it was/,
  });
  s.send({ type: 'offload', id: 3, snapshot: d.text, sha256: sha(d.text) });
  const back = await s.next();
  t.match(back, { type: 'state', id: 3 }, 'the genuine delta applies on the page kept');
  agreed = applyPageDelta(a, d.state, back.snapshot);
  t.equal(a.engine.evaluateScript("document.getElementById('p').textContent + n", 'x.js'), 'five5');
});

t.test('the server is killed mid-offload on a later (delta) trip: the page finishes locally, once, with the same output', async (t) => {
  const server = await Server.start(['--quiet']);
  t.teardown(() => server.kill());
  const gate = await consoleGate(server.port);
  t.teardown(gate.close);
  const file = tmp.write(
    'killed-delta.html',
    `<!DOCTYPE html><html><body><ul id="l"></ul><script>
function work(n) { let s = 0; for (let i = 0; i < n; i++) s = (s + i * i) % 1000003; return s; }
(async () => {
  await snapvm.migrate('edge');
  const li = document.createElement('li');
  li.textContent = 'first';
  document.getElementById('l').appendChild(li);
  await snapvm.migrate('client');
  const n = await snapvm.offload(() => {
    console.log('heavy work starts');
    const li = document.createElement('li');
    li.textContent = String(work(3e7));
    document.getElementById('l').appendChild(li);
    return document.getElementById('l').children.length;
  });
  console.log('items', n, document.getElementById('l').outerHTML);
})();
</script></body></html>`,
  );
  const client = snapvm(['run', file, '--edge', gate.url, '--edge-report']);
  await gate.passedConsole;
  await server.kill('SIGKILL');
  const r = await client;
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'heavy work starts\nitems 2 <ul id="l"><li>first</li><li>752938</li></ul>\n', "each line once: the edge's output was dropped, the work ran here");
  const lines = r.stderr.split('\n').filter(Boolean);
  t.equal(lines.length, 2, r.stderr);
  t.match(lines[0], /^snapvm: offload 1 after turn \d+: up [\d.]+ KB \(capture/, 'the first trip completed');
  t.match(lines[1], /^snapvm: edge ws:\/\/127\.0\.0\.1:\d+ failed mid-offload \(.+\); continuing locally from the state kept after turn \d+$/);
});

t.test('the whole snapshot a delta-moving page writes restores as a page anywhere (snapvm restore reads its node ids)', async (t) => {
  const { a } = agreedPair('<!DOCTYPE html><html><body><p id="p" title="t">x</p><script>document.getElementById("p").addEventListener("click", () => console.log("clicked"));</script></body></html>');
  const whole = capturePage(a, null).text;
  const ids: number[] = JSON.parse(JSON.parse(/^\$\.hostState\((".*")\);$/m.exec(whole)![1]!)).ids;
  t.same(ids, [0, 9], 'written with node ids: one run, 0 to 8, for the nine nodes of a first capture');
  const out: string[] = [];
  const p = Page.restore(whole, { files: false, onConsole: (_l, v) => out.push(String(v[0])) });
  t.equal(outer(p), outer(a));
  p.click('#p');
  t.same(out, ['clicked'], 'its listener came back with the node named by id');
});

t.test('the side table travels as a change: focus, history, the page clock and timers, storage, a canvas only when it changed', async (t) => {
  const { a, b, agreedA, agreedB } = agreedPair(
    '<!DOCTYPE html><html><body><input id="i"><button id="k">k</button><canvas id="c" width="8" height="8"></canvas><script>const ctx = document.getElementById("c").getContext("2d"); ctx.fillStyle = "#f00"; ctx.fillRect(0, 0, 4, 4);</script></body></html>',
  );
  const probe = `JSON.stringify([document.activeElement && document.activeElement.id, history.length, history.state, sessionStorage.getItem('s'), Array.from(ctx.getImageData(0, 0, 8, 8).data).join(''), performance.now()])`;
  let agreed = [agreedA, agreedB];
  const pages = [a, b];
  const steps = [
    "document.getElementById('i').focus(); history.pushState({ n: 1 }, ''); sessionStorage.setItem('s', 'one'); setTimeout(() => { document.body.dataset.t = 'fired'; }, 40);",
    "ctx.fillStyle = '#00f'; ctx.fillRect(4, 4, 4, 4); document.getElementById('k').focus();",
    "history.pushState({ n: 2 }, ''); document.body.dataset.more = 'x';",
  ];
  for (const [i, code] of steps.entries()) {
    const [from, to] = i % 2 ? [pages[1]!, pages[0]!] : [pages[0]!, pages[1]!];
    const [mine, theirs] = i % 2 ? [agreed[1]!, agreed[0]!] : [agreed[0]!, agreed[1]!];
    from.engine.evaluateScript(code, `side${i}.js`);
    const d = capturePage(from, mine);
    t.equal(d.kind, 'delta', `step ${i}: ${d.fallback ?? 'a delta'}`);
    const canvases = JSON.parse(JSON.parse(/^\$\.hostState\((".*")\);$/m.exec(d.text)![1]!)).canvases.length;
    t.equal(canvases, i === 1 ? 1 : 0, `step ${i}: the canvas travels ${i === 1 ? 'once, changed' : 'not at all, unchanged'}`);
    const next = applyPageDelta(to, theirs, d.text);
    agreed = i % 2 ? [next, d.state] : [d.state, next];
    t.equal(to.engine.evaluateScript(probe, 'probe.js'), from.engine.evaluateScript(probe, 'probe.js'), `step ${i}: the same focus, history, storage, pixels and clock`);
    t.equal(outer(to), outer(from));
  }
  // the timer set on the first side fires on the other at the same page time
  for (const p of pages) await p.engine.runEventLoop();
  t.equal(outer(b), outer(a));
  t.match(outer(b), /data-t="fired"/);
});

/** A page delta's links (`$.hostLinks`): its data, and how many values it carries. */
function linksOf(text: string): { l: unknown[]; r: number[]; p: string[]; values: number } {
  const m = /^\$\.hostLinks\(("(?:[^"\\\n]|\\.)*"), \[(.*)\]\);$/m.exec(text);
  if (!m) throw new Error('no links in the delta');
  const data = JSON.parse(JSON.parse(m[1]!));
  return { ...data, values: m[2] === '' ? 0 : m[2]!.split(', ').length };
}

t.test('listeners travel as a change: a trip that changed one listener carries one; the order each target runs them in is kept', async (t) => {
  const { a, b, agreedA, agreedB } = agreedPair(`<!DOCTYPE html><html><body><button id="x">x</button><ul id="l"></ul><script>
var log = [];
const x = document.getElementById('x');
const f = () => log.push('f'), g = () => log.push('g'), h = () => log.push('h');
x.addEventListener('click', f);
x.addEventListener('click', g);
const items = [], fs = [];
for (let i = 0; i < 20; i++) {
  const li = document.createElement('li');
  document.getElementById('l').appendChild(li);
  items.push(li);
  fs.push(() => log.push('i' + i));
  li.addEventListener('click', fs[i]);
}
</script></body></html>`);
  const probe = `log.length = 0; x.click(); for (const li of document.querySelectorAll('li')) li.click(); log.join()`;
  const steps: { code: string; added: number; removed: number }[] = [
    // removed and added again: it now runs after g (both sides), so it travels as removed and added
    { code: `x.removeEventListener('click', f); x.addEventListener('click', f);`, added: 1, removed: 1 },
    { code: ``, added: 0, removed: 0 },
    { code: `const li = document.createElement('li'); document.getElementById('l').appendChild(li); li.addEventListener('click', () => log.push('new'));`, added: 1, removed: 0 },
    { code: `items[3].removeEventListener('click', fs[3]);`, added: 0, removed: 1 },
    { code: `x.addEventListener('click', h, { capture: true }); items[5].removeEventListener('click', fs[5]); x.onclick = () => log.push('on');`, added: 1, removed: 1 },
    { code: `items[7].addEventListener('click', h); items[7].removeEventListener('click', fs[7]); items[7].addEventListener('click', fs[7]);`, added: 2, removed: 1 },
  ];
  let agreed = [agreedA, agreedB];
  const pages = [a, b];
  for (const [i, { code, added, removed }] of steps.entries()) {
    const [from, to] = i % 2 ? [pages[1]!, pages[0]!] : [pages[0]!, pages[1]!];
    const [mine, theirs] = i % 2 ? [agreed[1]!, agreed[0]!] : [agreed[0]!, agreed[1]!];
    if (code) from.engine.evaluateScript(code, `step${i}.js`);
    const d = capturePage(from, mine);
    t.equal(d.kind, 'delta', `step ${i}: ${d.fallback ?? 'a delta'}`);
    const links = linksOf(d.text);
    t.same([links.l.length, links.r.length], [added, removed], `step ${i}: ${added} listener(s) added, ${removed} removed in the delta`);
    t.equal(links.values, 2 * (links.l.length + links.p.length) + 1, `step ${i}: only the added listeners' targets and callbacks are written`);
    const next = applyPageDelta(to, theirs, d.text);
    agreed = i % 2 ? [next, d.state] : [d.state, next];
    t.equal(to.listeners.length, from.listeners.length, `step ${i}: as many listeners on both sides`);
    t.equal(to.engine.evaluateScript(probe, 'probe.js'), from.engine.evaluateScript(probe, 'probe.js'), `step ${i}: every listener runs on both sides, in the same order`);
  }
  t.equal(a.engine.evaluateScript('log.slice(0, 5).join()', 'log.js'), 'h,g,f,on,i0', 'x runs h (capture), then g and f in the order added, then onclick');
  // (a whole page again, restored: the agreed listeners are its own, and the next delta is a change against them)
  const whole = capturePage(a, null);
  const r = restorePageForDeltas(whole.text, { files: false, onConsole: () => {} });
  r.page.engine.evaluateScript(`x.removeEventListener('click', g);`, 'g.js');
  const d = capturePage(r.page, r.state!);
  t.same([linksOf(d.text).l.length, linksOf(d.text).r.length], [0, 1], 'after a whole restore: one removed');
  applyPageDelta(a, whole.state, d.text);
  t.equal(a.engine.evaluateScript(probe, 'probe.js'), r.page.engine.evaluateScript(probe, 'probe.js'));
});

t.test('a forged list of removed listeners is refused with a clear error before anything changes', async (t) => {
  const { a, b, agreedA, agreedB } = agreedPair(
    '<!DOCTYPE html><html><body><p id="p">p</p><script>var n = 0; document.getElementById("p").addEventListener("click", () => n++);</script></body></html>',
  );
  // the delta changes the DOM and the engine too: a late refusal would have changed both already
  a.engine.evaluateScript("n = 1; document.getElementById('p').textContent = 'q';", 'n.js');
  const d = capturePage(a, agreedA);
  t.equal(d.kind, 'delta');
  const forgeLinks = (edit: (data: any) => void) =>
    d.text.replace(/^\$\.hostLinks\(("(?:[^"\\\n]|\\.)*")/m, (_, lit: string) => {
      const data = JSON.parse(JSON.parse(lit));
      edit(data);
      return `$.hostLinks(${JSON.stringify(JSON.stringify(data))}`;
    });
  const linksLine = /^\$\.hostLinks\(.*$/m.exec(d.text)![0];
  const before = outer(b);
  const forgeries: { what: string; text: string; why: RegExp }[] = [
    { what: 'an index past the agreed listeners', text: forgeLinks((x) => (x.r = [7])), why: /damaged page delta: its removed listeners \[7\] are not indexes of the 1 agreed ones in order/ },
    { what: 'an index twice', text: forgeLinks((x) => (x.r = [0, 0])), why: /its removed listeners \[0,0\] are not indexes of the 1 agreed ones in order/ },
    { what: 'a negative index', text: forgeLinks((x) => (x.r = [-1])), why: /its removed listeners \[-1\] are not/ },
    { what: 'no list', text: forgeLinks((x) => delete x.r), why: /its removed listeners undefined are not/ },
    { what: 'not JSON', text: d.text.replace(/^\$\.hostLinks\("/m, '$.hostLinks("{'), why: /damaged page delta: its listener change is not JSON/ },
    { what: 'two listener changes', text: d.text.replace(linksLine, `${linksLine}\n${linksLine}`), why: /damaged page delta: it carries two listener changes/ },
  ];
  for (const { what, text, why } of forgeries) {
    t.not(text, d.text, `${what}: forged`);
    try {
      applyPageDelta(b, agreedB, text);
      t.fail(`${what}: applied`);
    } catch (e) {
      t.ok(e instanceof DeltaRefused && !e.touched, `${what}: refused before it changed anything`);
      t.match((e as Error).message, why, what);
    }
    t.equal(outer(b), before, `${what}: the page is unchanged`);
    t.equal(b.engine.evaluateScript('n', 'n.js'), 0, `${what}: the engine is unchanged`);
  }
  // the genuine delta still applies, exactly
  applyPageDelta(b, agreedB, d.text);
  t.equal(outer(b), outer(a));
  t.equal(b.engine.evaluateScript('n', 'n.js'), 1);
});

t.test('on the edge: a delta after a trip that changed one listener carries one, and the edge runs it; the delta back carries none', async (t) => {
  const file = tmp.write(
    'edge-listeners.html',
    `<!DOCTYPE html><html><body><p id="out"></p><ul id="l"></ul><script>
const items = [];
for (let i = 0; i < 30; i++) {
  const li = document.createElement('li');
  li.id = 'i' + i;
  li.addEventListener('click', () => { document.getElementById('out').textContent += ' ' + i; });
  document.getElementById('l').appendChild(li);
  items.push(li);
}
</script></body></html>`,
  );
  const { a, s, whole, first } = await firstTrip(t, file);
  t.match(first, { type: 'state', id: 1 });
  let agreed = applyPageDelta(a, whole.state, first.snapshot);
  t.same([linksOf(first.snapshot).l.length, linksOf(first.snapshot).r.length], [0, 0], 'the edge changed no listener: its delta carries none');
  // one listener changed here; the edge clicks it
  a.engine.evaluateScript(`items[4].addEventListener('click', () => { document.getElementById('out').textContent += ' four'; }); setTimeout(() => items[4].click(), 0);`, 'change.js');
  const d = capturePage(a, agreed);
  t.equal(d.kind, 'delta');
  t.same([linksOf(d.text).l.length, linksOf(d.text).r.length], [1, 0], 'the delta up carries the one listener added, of 31');
  s.send({ type: 'offload', id: 2, snapshot: d.text, sha256: sha(d.text) });
  const back = await s.next();
  t.match(back, { type: 'state', id: 2 });
  t.same([linksOf(back.snapshot).l.length, linksOf(back.snapshot).r.length], [0, 0], 'and the delta back none');
  agreed = applyPageDelta(a, d.state, back.snapshot);
  t.equal(a.text('#out'), ' 4 four', 'the edge ran the old listener and the one added, in order');
  a.engine.evaluateScript(`items[9].click()`, 'click.js');
  t.equal(a.text('#out'), ' 4 four 9', 'the listeners kept here run');
});
