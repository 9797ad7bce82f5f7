// Web pages (src/dom): script order as a browser runs it, events, the event loop with a virtual clock,
// the engine's records of listeners and animation frames, and the STEPS.json contract of the CLI,
// driving the TodoMVC example. Real happy-dom, real files.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Page } from '../src/dom/index';
import { main, type Streams } from '../src/cli/main';

const root = path.join(__dirname, '..');

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Streams = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s) };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-dom-page-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
function writeSteps(steps: unknown): string {
  const file = path.join(tmp, `steps-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(file, JSON.stringify(steps));
  return file;
}

t.test('scripts run in document order, as a browser runs them', async (t) => {
  const r = await cli(['run', path.join(root, 'test/fixtures/dom-order')]);
  t.equal(r.stderr, '');
  t.equal(r.code, 0);
  t.same(r.stdout.trim().split('\n'), [
    'inline head loading true', // parser-inserted: later elements do not exist yet
    'classic src loading',
    'inline body later SCRIPT', // document.currentScript
    'dynamic script', // an inline script inserted by a script runs at once (one with a src: as its own task)
    'defer interactive',
    'module imported interactive', // module scripts are deferred, in order with defer scripts
    'inline module imported true', // no currentScript for modules
    'DOMContentLoaded interactive',
    'async',
    'load complete',
    'timeout 10',
    'frame 16', // animation frames at 16 ms boundaries of the page clock
    'timeout 50',
  ]);
});

t.test('the window is the global object; page globals are there', async (t) => {
  const page = new Page(path.join(root, 'test/fixtures/dom-order/index.html'), { onConsole: () => {} });
  page.load();
  const answer = page.engine.evaluateScript(
    '[window === globalThis, this === window, typeof document.querySelector, typeof navigator.userAgent, location.protocol, typeof localStorage.setItem, typeof history.pushState, typeof requestAnimationFrame, typeof fetch, typeof performance.now, typeof Promise.withResolvers, logged.length > 0].join()',
    'probe.js',
  );
  t.equal(answer, 'true,true,function,string,file:,function,function,function,function,function,function,true');
});

t.test('listeners and animation frames are engine records', async (t) => {
  const file = path.join(tmp, 'records.html');
  fs.writeFileSync(
    file,
    "<button id=b>b</button><script>const f = () => {}; document.getElementById('b').addEventListener('click', f, { once: true }); window.addEventListener('resize', f, true); document.addEventListener('x', f); document.removeEventListener('x', f); var frame = requestAnimationFrame(() => {}); requestAnimationFrame(() => {});</script>",
  );
  const page = new Page(file, { onConsole: () => {} });
  page.load();
  const rows = page.listeners.filter((r) => r.type === 'click' || r.type === 'resize' || r.type === 'x').map((r) => `${r.type}:${r.capture}:${r.once}`);
  t.same(rows, ['click:false:true', 'resize:true:false']);
  t.equal(page.animationFrames.size, 2);
  page.engine.evaluateScript('cancelAnimationFrame(frame)', 'cancel.js');
  t.equal(page.animationFrames.size, 1);
  page.click('#b'); // a once listener removes itself
  t.same(page.listeners.filter((r) => r.type === 'click').length, 0);
  await page.wait(20);
  t.equal(page.engine.timers.size, 0, 'the frame ran');
});

t.test('errors in listeners are reported and the page goes on', async (t) => {
  const file = path.join(tmp, 'errors.html');
  fs.writeFileSync(
    file,
    "<button id=b>b</button><p id=p>0</p><script>let n = 0; document.getElementById('b').addEventListener('click', () => { n++; document.getElementById('p').textContent = String(n); null.x; });</script>",
  );
  const r = await cli(['run', file, '--steps', writeSteps([{ click: '#b' }, { click: '#b' }, { print: '#p' }])]);
  t.equal(r.stdout, '2\n');
  t.match(r.stderr, /TypeError: Cannot read properties of null \(reading 'x'\)/);
  t.equal(r.code, 1, 'an uncaught page error makes the exit status 1');
});

t.test('TodoMVC example driven by steps', async (t) => {
  const r = await cli(['run', path.join(root, 'examples/todomvc'), '--steps', path.join(root, 'examples/todomvc/steps.json')]);
  t.equal(r.stderr, '');
  t.equal(r.code, 0);
  t.equal(r.stdout, ['3 items left', '2 items left', 'Buy milk×Write the snapshot room×Run TodoMVC in snapvm×', 'ready, 3 stored', 'Buy milk×Run TodoMVC in snapvm×', '2 items left', ''].join('\n'));
});

t.test('TodoMVC: filters through location.hash, fetch of its own config, localStorage', async (t) => {
  const steps = writeSteps([
    { type: ['.new-todo', 'one'] },
    { key: ['.new-todo', 'Enter'] },
    { type: ['.new-todo', 'two'] },
    { key: ['.new-todo', 'Enter'] },
    { click: "li[data-id='1'] .toggle" },
    { click: "a[href='#/completed']" },
    { wait: 10 },
    { print: '.todo-list' },
    { print: '.filters .selected' },
    { print: 'h1' },
  ]);
  const r = await cli(['run', path.join(root, 'examples/todomvc/index.html'), '--steps', steps]);
  t.equal(r.stderr, '');
  t.equal(r.stdout, 'one×\nCompleted\ntodos\n');
});

t.test('type fires key and input events per character', async (t) => {
  const file = path.join(tmp, 'type.html');
  fs.writeFileSync(
    file,
    "<input id=i><p id=p></p><script>const i = document.getElementById('i'), ev = []; for (const k of ['focus', 'keydown', 'keypress', 'input', 'keyup']) i.addEventListener(k, (e) => { ev.push(k + (e.key ? ':' + e.key : '') + (k === 'input' ? '=' + i.value : '')); document.getElementById('p').textContent = ev.join(' '); });</script>",
  );
  const r = await cli(['run', file, '--steps', writeSteps([{ type: ['#i', 'ab'] }, { key: ['#i', 'Enter'] }, { print: '#p' }])]);
  t.equal(r.stdout, 'focus keydown:a keypress:a input=a keyup:a keydown:b keypress:b input=ab keyup:b keydown:Enter keypress:Enter keyup:Enter\n');
});

t.test("steps: the contract's errors", async (t) => {
  const page = path.join(root, 'examples/todomvc');
  let r = await cli(['run', page, '--steps', writeSteps([{ click: '#nope' }])]);
  t.equal(r.code, 1);
  t.match(r.stderr, /step 0 .*no element matches "#nope"/);
  r = await cli(['run', page, '--steps', writeSteps([{ snapshot: path.join(tmp, 'no-such-dir', 'x.snap') }])]);
  t.equal(r.code, 1);
  t.match(r.stderr, /step 0 .*cannot write the page snapshot: ENOENT/);
  r = await cli(['run', page, '--steps', writeSteps([{ jump: 1 }])]);
  t.equal(r.code, 2);
  t.match(r.stderr, /step 0: unknown step "jump"/);
  r = await cli(['run', page, '--steps', path.join(tmp, 'missing.json')]);
  t.equal(r.code, 2);
  t.match(r.stderr, /no such file/);
  r = await cli(['run', path.join(tmp, 'no-such-page.html')]);
  t.equal(r.code, 2);
});

t.test('canvas game example: frames, keys, pixels in the engine-side canvas record', async (t) => {
  const r = await cli(['run', path.join(root, 'examples/snake'), '--steps', path.join(root, 'examples/snake/steps.json')]);
  t.equal(r.stderr, '');
  t.equal(r.stdout, '1\nrunning\ngame over\n');

  const page = new Page(path.join(root, 'examples/snake/index.html'), { onConsole: () => {} });
  page.load();
  await page.wait(1000);
  const head = JSON.parse(page.engine.evaluateScript('JSON.stringify(snake.snake[0])') as string) as { x: number; y: number };
  const record = page.canvases.canvases.get(1)!;
  t.equal(record.width, 200);
  const px = record.context.getImageData(head.x * 10 + 5, head.y * 10 + 5, 1, 1).data;
  t.same(Array.from(px), [0, 255, 0, 255], 'the snake head is drawn green where the game state says');
});

t.test('canvas 2D API through the adapter', async (t) => {
  const file = path.join(tmp, 'canvas.html');
  fs.writeFileSync(
    file,
    `<canvas id="c" width="40" height="20"></canvas><script>
const c = document.getElementById('c'), ctx = c.getContext('2d'), out = [];
ctx.fillStyle = '#00ff00'; ctx.fillRect(0, 0, 10, 10);
out.push(ctx.fillStyle, Array.from(ctx.getImageData(5, 5, 1, 1).data).join(' '), Array.from(ctx.getImageData(15, 5, 1, 1).data).join(' '));
const g = ctx.createLinearGradient(0, 0, 40, 0); g.addColorStop(0, 'red'); g.addColorStop(1, 'blue'); ctx.fillStyle = g; out.push(ctx.fillStyle === g);
ctx.font = '10px sans-serif'; out.push(ctx.measureText('hello').width > 10, c.toDataURL().slice(0, 22));
const img = ctx.getImageData(0, 0, 2, 2); img.data[0] = 1; ctx.putImageData(img, 30, 10); out.push(ctx.getImageData(30, 10, 1, 1).data[0]);
const c2 = document.createElement('canvas'); c2.width = 5; c2.height = 5; c2.getContext('2d').drawImage(c, 0, 0); out.push(Array.from(c2.getContext('2d').getImageData(1, 1, 1, 1).data).join(' '));
c.width = 30; out.push(Array.from(ctx.getImageData(5, 5, 1, 1).data).join(' '));
out.push(ctx.constructor.constructor === Function, c.getContext('webgl'));
var result = out.join();
</script>`,
  );
  const page = new Page(file, { onConsole: () => {} });
  page.load();
  t.equal(page.engine.evaluateScript('result'), '#00ff00,0 255 0 255,0 0 0 0,true,true,data:image/png;base64,,1,0 255 0 255,0 0 0 0,true,');
});
