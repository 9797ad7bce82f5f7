// Page apps on the edge: a spare worker warmed with the DOM room (warm.ts warmPageSteps), a canvas page
// offloaded end to end (its pixels decoded in JavaScript on both sides: src/dom/png.ts), and a stranger's
// page snapshot with a hostile PNG refused by a real server, which goes on serving.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Page } from '../src/dom/index';
import { warmPageSteps } from '../src/offload/warm';
import { edgeMlServices } from '../src/ml/services';
import { helloSession, root, sameAsLocal, suiteServer } from './offload-lib';

const suite = suiteServer(t, 'snapvm-offload-page-apps-', ['--quiet']);
const { tmp } = suite;

t.test('warmPageSteps: a page made, written out, restored and written out again, a step at a time, reading no file', async (t) => {
  // (every file the steps read, seen on node:fs's own module object: none may be the page's, which does not exist)
  const nodeFs = createRequire(__filename)('node:fs') as { readFileSync: (...a: unknown[]) => unknown };
  const read = nodeFs.readFileSync;
  const files: string[] = [];
  nodeFs.readFileSync = (...a: unknown[]) => (files.push(String(a[0])), read(...a));
  let steps = 0;
  try {
    for (const _ of warmPageSteps(edgeMlServices())) steps++;
  } finally {
    nodeFs.readFileSync = read;
  }
  t.ok(steps >= 4, `${steps} steps (a client waits for one at most)`);
  t.ok(
    files.some((f) => f.endsWith('happy-dom.js')),
    'the bundle was read (so the reads were seen)',
  );
  t.same(
    files.filter((f) => f.includes('snapvm-warm-up')),
    [],
    'no file of the warm-up page was read',
  );
  // the DOM room works as before after it: examples/filter restored as the edge restores a page
  const page = new Page(path.join(root, 'examples', 'filter', 'index.html'), { onConsole: () => {} });
  page.load();
  const restored = Page.restore(page.snapshot().code, { files: false, services: edgeMlServices(), onConsole: () => {} });
  t.equal(restored.text('#status'), page.text('#status'));
});

t.test('a canvas page offloaded: both canvases travel as PNG (decoded in JavaScript both ways), the same output and DOM as locally', async (t) => {
  const dir = path.join(tmp.dir, 'canvas-filter');
  fs.mkdirSync(dir);
  const app = path.join(root, 'bench', 'offload', 'apps', 'canvas-filter');
  fs.copyFileSync(path.join(app, 'app.js'), path.join(dir, 'app.js'));
  const html = fs
    .readFileSync(path.join(app, 'index.html'), 'utf8')
    .replace(/data-width="\d+" data-height="\d+" data-radius="\d+" data-passes="\d+"/, 'data-width="20" data-height="14" data-radius="2" data-passes="1"');
  t.match(html, /data-width="20"/, 'the app sized down for the test');
  fs.writeFileSync(path.join(dir, 'index.html'), html);
  const { local, edge } = await sameAsLocal(t, path.join(dir, 'index.html'), suite.server.url);
  t.match(local.stdout, /^filtered 20x14, radius 2, 1 passes; result canvas checksum \d+\n/);
  t.match(local.stdout, /<canvas id="result" width="20" height="14"><\/canvas>/, 'the final DOM is printed');
  t.match(edge.stderr, /^snapvm: offload 1 after turn \d+: up [\d.]+ KB .*down [\d.]+ KB delta of [\d.]+ KB/, 'it was offloaded, and the page came back as a delta');
});

t.test('a stranger’s page snapshot with a decompression-bomb PNG: bad-snapshot naming the canvas, and the server goes on', async (t) => {
  const sha = (text: string) => createHash('sha256').update(text).digest('hex');
  const file = tmp.write(
    'canvas.html',
    '<!DOCTYPE html><html><body><canvas id="art" width="30" height="20"></canvas><script>document.getElementById("art").getContext("2d").fillRect(2, 2, 9, 9);</script></body></html>',
  );
  const page = new Page(file, { onConsole: () => {} });
  page.load();
  const good = page.snapshot().code;
  const png = /iVBOR[A-Za-z0-9+/=]*/.exec(good)![0];
  // a PNG whose header says 30×20 but whose data inflates to 64 MB
  const decoded = Buffer.from(png, 'base64');
  const idatAt = decoded.indexOf('IDAT') - 4;
  const chunk = (type: string, body: Buffer) => {
    const b = Buffer.alloc(12 + body.length);
    b.writeUInt32BE(body.length, 0);
    b.write(type, 4, 'latin1');
    body.copy(b, 8);
    b.writeUInt32BE(zlib.crc32(body, zlib.crc32(Buffer.from(type, 'latin1'))) >>> 0, 8 + body.length);
    return b;
  };
  const bomb = Buffer.concat([decoded.subarray(0, idatAt), chunk('IDAT', zlib.deflateSync(Buffer.alloc(64 << 20))), chunk('IEND', Buffer.alloc(0))]);
  const hostile = good.replace(png, bomb.toString('base64'));
  const s = await helloSession(suite.server.url);
  t.teardown(() => s.close());
  s.send({ type: 'offload', id: 1, snapshot: hostile, sha256: sha(hostile) });
  t.match(await s.next(), { type: 'error', id: 1, code: 'bad-snapshot', message: /the <canvas id="art"> at node \d+: its PNG inflates to more than the 2420 bytes a 30×20 image needs/ });
  s.send({ type: 'offload', id: 2, snapshot: good, sha256: sha(good) });
  t.match(await s.next(), { type: 'state', id: 2 }, 'the same session restores the good page after it');
});
