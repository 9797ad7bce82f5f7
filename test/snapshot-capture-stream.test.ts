// A whole snapshot handed out in chunks while it is captured (capture-stream.ts): each chunk is restored
// by a StreamingRestore as soon as it is handed out (inside the walk), and the state restored is the state
// captured; a capture that fails half-way leaves the receiver with a cut stream it refuses.
import t from 'tap';
import { Engine, SnapshotError, StreamingRestore, capture, captureDelta, captureStreamed } from '../src/index';
import { engineSection, portableSection } from '../src/snapshot/format';
import { inspectSnapshot } from '../src/snapshot/inspect';

const PROGRAM = `
var table = []; for (var i = 0; i < 400; i++) table.push({ i: i, name: 'row ' + i, tags: [i % 3, i % 5] });
function counter(start) { var n = start; return { next: function () { return ++n; }, get value() { return n; } }; }
var c = counter(10); c.next();
class Point { #x; constructor(x, y) { this.#x = x; this.y = y; } get x() { return this.#x; } sum() { return this.#x + this.y; } }
var points = [new Point(1, 2), new Point(3, 4)];
var m = new Map([['a', points[0]], ['b', { deep: [1, 2, 3] }]]); var s = new Set([c, m]);
var bytes = new Uint8Array(64); for (var k = 0; k < 64; k++) bytes[k] = k * 3;
function* gen() { var acc = 0; for (;;) acc += yield acc; } var g = gen(); g.next(); g.next(5);
var frozen = Object.freeze({ keep: table[7] });
var later = new Promise(function (resolve) { setTimeout(function () { resolve(c.next()); }, 5); });
later.then(function (v) { console.log('later', v, points[1].sum(), g.next(2).value, m.get('b').deep.length, bytes[63], frozen.keep.name, Object.isFrozen(frozen)); });
`;

function made(): Engine {
  const e = new Engine({ argv: ['app'], onConsole: () => {} });
  e.evaluateScript(PROGRAM);
  e.runJobs();
  return e;
}

/** A text's engine section, the timers' remaining delays left out (they count from the instant of each capture). */
const section = (code: string) => engineSection(code).replace(/^(\$\.timers\(\[\[\d+, \$o\[\d+\], \[\], )-?[\d.e-]+/m, '$1…');

async function output(e: Engine, lines: string[]): Promise<string[]> {
  await e.runEventLoop();
  return lines;
}

t.test('chunks leave during the walk, restore as they arrive, and the state restored is the state captured', async (t) => {
  const e = made();
  const receiver = new StreamingRestore({ argv: ['app'] }, Engine);
  const handed: string[] = [];
  const r = captureStreamed(
    e,
    2048,
    (chunk) => {
      handed.push(chunk);
      receiver.feed(chunk); // restored now, while the walk goes on
    },
    { portable: false },
  );
  t.ok(r.earlyChunks >= 3, `chunks handed out while the walk ran (${r.earlyChunks} of ${r.chunks})`);
  t.ok(r.earlyChars > 10_000, `characters handed out early (${r.earlyChars})`);
  t.equal(handed.join(''), r.capture.text, 'the chunks joined are the text');
  for (const c of handed) t.ok(c.endsWith('\n'), 'each chunk is whole lines');
  const got = receiver.finish();
  // the receiver's agreed state is the sender's: same text, same owners' hashes (the next delta works)
  t.equal(got.state.stateId, r.capture.state.stateId);
  t.same([...got.state.hashes].sort(), [...r.capture.state.hashes].sort(), "the owners' hashes read from the text are the capture's");
  // the restored state captures exactly as the original does
  t.equal(section(capture(got.engine, null, { portable: false }).code), section(capture(e, null, { portable: false }).code));
  // and runs on the same
  const lines: string[] = [];
  const twin = made();
  const twinLines: string[] = [];
  (got.engine as any).options.onConsole = (_l: string, v: unknown[]) => lines.push(got.engine.format(v));
  (twin as any).options.onConsole = (_l: string, v: unknown[]) => twinLines.push(twin.format(v));
  t.same(await output(got.engine, lines), await output(twin, twinLines));
  t.match(lines.join('\n'), /^later 12 7 7 3 189 row 7 true$/);
});

t.test('the same statements as capture(): only the units move up among the creations, and the stats to the end', async (t) => {
  const e = made();
  const whole = capture(e).code;
  const streamed = captureStreamed(e, 1000, () => {}).capture.text;
  const isUnit = (l: string) => l.startsWith('$.unit(');
  const a = section(whole).split('\n');
  const b = section(streamed).split('\n');
  t.same(
    b.filter((l) => !isUnit(l)),
    a.filter((l) => !isUnit(l)),
    'every other line in the same order',
  );
  t.same(b.filter(isUnit), a.filter(isUnit), 'the same units in the same order');
  t.equal(portableSection(streamed), portableSection(whole), 'the same portable section');
  t.match(streamed.split('\n')[2], '// stats at the end');
  t.match(inspectSnapshot(streamed), /objects/, 'inspect reads the stats from the end');
  // a plain restore reads it too
  const lines: string[] = [];
  const back = Engine.restore(streamed, { onConsole: (_l, v) => lines.push(back.format(v)) });
  await back.runEventLoop();
  t.match(lines.join('\n'), /^later 12 7 7 3 189 row 7 true$/);
  // and the next delta continues from it
  const sc = captureStreamed(e, 1000, () => {});
  e.evaluateScript('table[3].name = "changed";');
  const d = captureDelta(e, sc.capture.state, { portable: false });
  t.equal(d.kind, 'delta');
});

t.test('a capture that fails half-way: chunks were handed out, the error names the path, the receiver refuses the cut stream', async (t) => {
  const e = made();
  e.evaluateScript('var zz = { caches: [{ cursor: new Intl.Collator("en") }] };');
  const receiver = new StreamingRestore({}, Engine);
  let handed = 0;
  t.throws(
    () =>
      captureStreamed(e, 1024, (chunk) => {
        handed++;
        receiver.feed(chunk);
      }),
    { name: 'SnapshotError', message: /Intl\.Collator.*globalThis\.zz\.caches\[0\]\.cursor/ },
  );
  t.ok(handed >= 2, `${handed} chunks had left before it failed`);
  t.throws(() => receiver.finish(), SnapshotError, 'a stream without its last line is refused');
});

t.test("an embedder's program (a page's): the head alone during the walk, its state before the objects after it, capture()'s text", async (t) => {
  const e = new Engine({ onConsole: () => {} });
  e.evaluateScript(`var rows = []; for (var i = 0; i < 500; i++) rows.push({ i: i });`);
  const host = { header: { page: 'p' }, roots: () => [], claim: () => null, links: () => ({ data: null, values: [] }), state: () => ({ doc: 'the document' }) };
  const chunks: [string, boolean][] = [];
  const text = captureStreamed(e, 1024, (c, w) => chunks.push([c, w]), { host, portable: false }).capture.text;
  t.same(
    chunks.map((c) => c[1]),
    [true, ...chunks.slice(1).map(() => false)],
    'one chunk during the walk, the rest after',
  );
  t.match(chunks[0]![0], /^\/\/ snapvm snapshot\n\/\/ format \d+ .*"host":\{"page":"p"\}.*\n[\s\S]*var \$props = \$\.props;\n$/);
  t.notMatch(chunks[0]![0], /hostState|\/\/ 1\. objects/);
  const noStats = (x: string) => x.replace(/^\/\/ stats .*\n/gm, '');
  t.equal(noStats(text), noStats(capture(e, null, { host, portable: false }).code), "capture()'s text but for the stats line");
  t.ok(text.indexOf('$.hostState(') < text.indexOf('// 1. objects'), 'the state before any object');
});

t.test('a snapshot without a final newline: the text finish() hands back is exactly the text received', async (t) => {
  const e = made();
  const sent = capture(e, null, { portable: false }).code.replace(/\n$/, '');
  t.notOk(sent.endsWith('\n'));
  const receiver = new StreamingRestore({ argv: ['app'] }, Engine);
  for (const chunk of [sent.slice(0, 5000), sent.slice(5000)]) receiver.feed(chunk);
  const got = receiver.finish();
  t.equal(got.text, sent, 'no newline added');
  t.equal(section(capture(got.engine, null, { portable: false }).code), section(capture(e, null, { portable: false }).code), 'the state restored');
});
