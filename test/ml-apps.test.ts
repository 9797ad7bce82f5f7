// ML apps under `snapvm run`: the OCR example page reads the text it drew with the real PP-OCRv4
// recognition model; a page and a script reach `ort` and WebNN's `navigator.ml` (the window's own
// navigator kept); models open by path inside the app's folder only.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ocrModelPath, GraphBuilder } from '../src/ml/index';

const root = path.join(__dirname, '..');
const bin = path.join(root, 'bin', 'snapvm.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-ml-apps-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

function snapvm(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000, cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

t.test('examples/ocr reads the line of text it drew', async (t) => {
  const r = snapvm('run', path.join(root, 'examples', 'ocr', 'index.html'));
  t.equal(r.stderr, '');
  // the line's width depends on the fonts installed (Debian's chromium brings more): 48 pixels high, any width
  t.match(r.stdout, /^read: Snapshots of 2026 apps\ndrawn: Snapshots of 2026 apps \(\d+x48 pixels\)\n$/);
  t.equal(r.code, 0);
});

t.test('the OCR page reads other text too (a copy of the app with its own line)', async (t) => {
  const app = path.join(dir, 'ocr');
  fs.mkdirSync(app);
  fs.copyFileSync(path.join(root, 'examples', 'ocr', 'ocr.js'), path.join(app, 'ocr.js'));
  fs.symlinkSync(path.dirname(ocrModelPath('rec')), path.join(app, 'models'));
  const html = fs.readFileSync(path.join(root, 'examples', 'ocr', 'index.html'), 'utf8');
  fs.writeFileSync(path.join(app, 'index.html'), html.replace('data-text="Snapshots of 2026 apps"', 'data-text="WebNN on 7 cores"'));
  const r = snapvm('run', path.join(app, 'index.html'));
  t.equal(r.stdout.split('\n')[0], 'read: WebNN on 7 cores', r.stderr);
});

t.test('a page has ort and navigator.ml; the window keeps its navigator', async (t) => {
  const app = path.join(dir, 'page');
  fs.mkdirSync(app);
  const g = new GraphBuilder('double');
  g.output(g.node('Mul', [g.input('x', [2]), g.weight('two', [1], Float32Array.of(2))], {}, { outputs: ['y'] }));
  fs.writeFileSync(path.join(app, 'double.onnx'), g.bytes());
  fs.writeFileSync(
    path.join(app, 'index.html'),
    `<!doctype html><body><script>
    (async () => {
      const s = await ort.InferenceSession.create('double.onnx');
      const r = await s.run({ x: new ort.Tensor(new Float32Array([1.5, -4]), [2]) });
      const ctx = await navigator.ml.createContext();
      const b = new MLGraphBuilder(ctx);
      const graph = await b.build({ y: b.add(b.input('x', { dataType: 'float32', shape: [2] }), b.constant('float32', 10)) });
      const y = new Float32Array(2);
      await ctx.compute(graph, { x: new Float32Array([1, 2]) }, { y });
      console.log(Array.from(r.y.data).join(), Array.from(y).join(), navigator.userAgent.length > 0, navigator === window.navigator, typeof navigator.ml.createContext);
      await ort.InferenceSession.create('../outside.onnx').catch((e) => console.log(e.message));
    })();
  </script></body>`,
  );
  fs.writeFileSync(path.join(dir, 'outside.onnx'), g.bytes());
  const r = snapvm('run', path.join(app, 'index.html'));
  t.equal(r.stderr, '');
  t.equal(r.stdout, "3,-8 11,12 true true function\nInferenceSession.create('../outside.onnx'): outside the model folder\n");
});

t.test('a script under snapvm run: ort opens models beside it, WebNN computes, a GPU request says what it got', async (t) => {
  const g = new GraphBuilder('double');
  g.output(g.node('Mul', [g.input('x', [2]), g.weight('two', [1], Float32Array.of(2))], {}, { outputs: ['y'] }));
  fs.writeFileSync(path.join(dir, 'double.onnx'), g.bytes());
  fs.writeFileSync(
    path.join(dir, 'script.js'),
    `
    (async () => {
      const s = await ort.InferenceSession.create('double.onnx');
      const r = await s.run({ x: new ort.Tensor(new Float32Array([3, 4]), [2]) });
      const ctx = await navigator.ml.createContext({ deviceType: 'gpu' });
      const b = new MLGraphBuilder(ctx);
      const graph = await b.build({ y: b.relu(b.input('x', { dataType: 'float32', shape: [2] })) });
      const y = new Float32Array(2);
      await ctx.compute(graph, { x: new Float32Array([-1, 2]) }, { y });
      console.log(Array.from(r.y.data).join(), Array.from(y).join());
    })();`,
  );
  const r = snapvm('run', path.join(dir, 'script.js'));
  t.equal(r.stdout, '6,8 0,2\n');
  const notes = r.stderr.split('\n').filter((l) => l.startsWith('WebNN:'));
  t.equal(notes.length, 1, r.stderr);
  t.match(notes[0], /^WebNN: deviceType 'gpu': (running on (cuda|webgpu)|GPU asked for but not usable \(.+\); running on CPU)$/);
  t.equal(r.code, 0);
});
