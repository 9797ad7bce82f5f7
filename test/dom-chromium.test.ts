// Page snapshots restored in a real headless Chromium (Debian's chromium driven by playwright-core; no
// mocks): each app in examples/ is driven mid-use in snapvm and snapshotted (`snapvm run --steps` with a
// {"snapshot"} step), written in its browser form (`snapvm export SNAP --html OUT`), served with the app's
// files on loopback and opened in Chromium, then driven there (click, type, keys through playwright;
// waits on playwright's clock, paused in step with the snapshot's page clock so timers and animation frames fall
// where snapvm's virtual clock puts them) and compared with the same steps continued in snapvm after
// `snapvm restore SNAP --steps`: the same printed DOM text, and for the canvas game the same canvas
// pixels at the restore and after the steps. One browser for the file. Needs `npm run build` (dist/).
import t from 'tap';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type Page as BrowserPage } from 'playwright-core';

// (four apps and three pages through a real browser: past tap's 120 s per file on a loaded machine)
t.setTimeout(360_000);

const CHROMIUM = '/usr/bin/chromium';
const root = path.join(__dirname, '..');
const bin = path.join(root, 'bin', 'snapvm.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-dom-chromium-'));
t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));

type Step = { click: string } | { type: [string, string] } | { key: [string, string] } | { wait: number } | { print: string } | { snapshot: string };

function snapvm(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let n = 0;
function stepsFile(steps: Step[]): string {
  const file = path.join(tmp, `steps-${++n}.json`);
  fs.writeFileSync(file, JSON.stringify(steps));
  return file;
}

/** A copy of an example app, or of a fixture page's folder (its snapshot and browser form are written beside its files). */
function appCopy(name: string, from = path.join(root, 'examples', name)): string {
  const dir = path.join(tmp, name);
  fs.cpSync(from, dir, { recursive: true });
  return dir;
}

const tmpApp = (name: string) => path.join(tmp, name);

/** The page's canvases in a page snapshot (its `$.hostState` line): PNG base64 per canvas. */
function snapshotCanvases(snap: string): string[] {
  const line = fs
    .readFileSync(snap, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('$.hostState('));
  if (!line) throw new Error(`${snap} has no page state`);
  const state = JSON.parse(JSON.parse(line.slice('$.hostState('.length, line.lastIndexOf(')')))) as { canvases: [unknown, { png: string }][] };
  return state.canvases.map((c) => c[1].png);
}

/** RGBA bytes of a PNG (decoded by @napi-rs/canvas, as snapvm draws). */
async function rgba(png: string): Promise<Buffer> {
  const { Image, createCanvas } = await import('@napi-rs/canvas');
  const image = new Image();
  image.src = Buffer.from(png, 'base64');
  const canvas = createCanvas(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image, 0, 0);
  return Buffer.from(ctx.getImageData(0, 0, image.width, image.height).data);
}

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };
/** The app copies, served on loopback (Chromium fetches nothing from file: pages). */
async function serve(dir: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/favicon.ico') {
      res.writeHead(204).end(); // (the browser asks for one)
      return;
    }
    const file = path.join(dir, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Open a browser form with playwright's clock paused; resolves once the restore has run. */
async function open(browser: Browser, url: string, html: string): Promise<{ page: BrowserPage; errors: string[] }> {
  const clock = Number(/"clock":(-?[\d.e+-]+)/.exec(html)?.[1]);
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  // paused 10 000 ms (a whole number of 16 ms frames) past the snapshot's clock, so that the browser's
  // frames fall at the page times snapvm's fall at (the restore's clock counts on from the snapshot's)
  await page.clock.install({ time: 0 });
  await page.clock.pauseAt(Math.round(clock) + 16 * 625);
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as Record<symbol, unknown>)[Symbol.for('snapvm.restore')] !== undefined, null, { polling: 50, timeout: 20_000 });
  const outcome = (await page.evaluate(() => (window as unknown as Record<symbol, unknown>)[Symbol.for('snapvm.restore')])) as { ok: boolean; error?: string };
  if (!outcome.ok) throw new Error(`the restore failed in Chromium: ${outcome.error}`);
  return { page, errors };
}

/** The STEPS.json contract, run by playwright in Chromium; waits advance the page's (paused) clock. */
async function drive(page: BrowserPage, steps: Step[]): Promise<string[]> {
  const prints: string[] = [];
  for (const step of steps) {
    if ('click' in step) {
      const target = page.locator(step.click).first();
      // A click on a link to another #hash: Chromium queues the hashchange as a task, which the paused clock
      // does not hold; wait for it (and the app's listener, registered earlier, before this one) so the next
      // print does not race it (seen: the list printed unfiltered, once in three runs).
      const hashLink = await target.evaluate((el) => el.tagName === 'A' && /^#/.test(el.getAttribute('href') ?? '') && el.getAttribute('href') !== location.hash);
      if (hashLink) await page.evaluate(() => void ((window as any).__hashchanged = new Promise((r) => addEventListener('hashchange', r, { once: true }))));
      await target.click();
      if (hashLink) await page.evaluate(() => (window as any).__hashchanged.then(() => undefined));
    } else if ('type' in step) await page.locator(step.type[0]).first().pressSequentially(step.type[1]);
    else if ('key' in step) await page.locator(step.key[0]).first().press(step.key[1]);
    else if ('wait' in step) await page.clock.runFor(step.wait);
    else if ('print' in step) prints.push((await page.locator(step.print).first().textContent()) ?? '');
  }
  return prints;
}

const canvasPixels = (page: BrowserPage, selector: string) =>
  page.evaluate((sel) => {
    const c = document.querySelector(sel) as HTMLCanvasElement;
    return Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data);
  }, selector);

/** Snapshot `app` mid-use in snapvm, export its browser form; continue `steps` in snapvm (restore) and in Chromium. */
async function scenario(t: Tap.Test, browser: Browser, app: string, before: Step[], steps: Step[], from?: string) {
  const dir = appCopy(app, from);
  const snap = path.join(dir, 'mid.snap');
  const form = path.join(dir, 'mid.html');
  // (the same state also through a {"snapshot": "X.html"} step: the browser form written at once)
  const run = snapvm(['run', dir, '--steps', stepsFile([...before, { snapshot: snap }, { snapshot: path.join(dir, 'step.html') }])]);
  t.equal(run.code, 0, `${app}: snapvm run with a snapshot step (${run.stderr.trim()})`);
  const exported = snapvm(['export', snap, '--html', form]);
  t.equal(exported.code, 0, `${app}: snapvm export --html (${exported.stderr.trim()})`);
  const after = path.join(dir, 'after.snap');
  const restored = snapvm(['restore', snap, '--steps', stepsFile([...steps, { snapshot: after }])]);
  t.equal(restored.code, 0, `${app}: snapvm restore --steps (${restored.stderr.trim()})`);
  // (a print is the element's text on a line: it may hold newlines itself)
  const expected = restored.stdout;
  const server = await serve(dir);
  t.teardown(server.close);
  const html = fs.readFileSync(form, 'utf8');
  const { page, errors } = await open(browser, `${server.url}/mid.html`, html);
  return { page, errors, expected, snap, after, html, server };
}

t.test('Chromium', { skip: fs.existsSync(CHROMIUM) ? false : `no ${CHROMIUM} (apt-get install chromium; .ci/run does)` }, async (t) => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  t.teardown(() => browser.close());

  await t.test('TodoMVC with items added, a timer and a fetch pending: same DOM text in Chromium as in snapvm', async (t) => {
    const before: Step[] = [{ type: ['.new-todo', 'Buy milk'] }, { key: ['.new-todo', 'Enter'] }, { type: ['.new-todo', 'Write the browser form'] }, { key: ['.new-todo', 'Enter'] }];
    const steps: Step[] = [
      { print: '.todo-list' },
      { print: '.todo-count' },
      { print: '.status' },
      { type: ['.new-todo', 'Ship it'] },
      { key: ['.new-todo', 'Enter'] },
      { click: "li[data-id='1'] .toggle" },
      { print: '.todo-list' },
      { print: '.todo-count' },
      { wait: 600 },
      { print: '.status' },
      { click: '.clear-completed' },
      { print: '.todo-list' },
      { print: '.todo-count' },
      { print: 'h1' },
      { type: ['.new-todo', 'Land it'] },
      { key: ['.new-todo', 'Enter'] },
      { click: "li[data-id='3'] .toggle" },
      { click: 'a[href="#/completed"]' },
      { wait: 1 },
      { print: '.todo-list' },
      { print: '.filters' },
    ];
    const { page, errors, expected, html, server } = await scenario(t, browser, 'todomvc', before, steps);
    const fromStep = await open(browser, `${server.url}/step.html`, fs.readFileSync(path.join(tmpApp('todomvc'), 'step.html'), 'utf8'));
    t.equal(await fromStep.page.locator('.todo-list').textContent(), expected.split('\n')[0], 'the form a {"snapshot": "X.html"} step writes opens with the same list');
    await fromStep.page.close();
    t.match(html, /<li data-id="2"><input class="toggle" type="checkbox"><label>Write the browser form<\/label>/, 'the markup carries the DOM as it was');
    t.match(html, /<script type="text\/x-snapvm-inert" src="app\.js"/, "the page's own scripts are neutralised");
    t.equal(await page.evaluate(() => document.activeElement?.className), 'new-todo', 'focus is back');
    t.same(
      JSON.parse((await page.evaluate(() => localStorage.getItem('todos-snapvm'))) ?? 'null'),
      [
        { id: 1, title: 'Buy milk', completed: false },
        { id: 2, title: 'Write the browser form', completed: false },
      ],
      'localStorage is back',
    );
    t.match(expected, /^Buy milk×Write the browser form×\n2 items left\n\nBuy milk×Write the browser form×Ship it×\n2 items left\nready, 3 stored\n/, 'snapvm printed the steps');
    t.equal((await drive(page, steps)).join('\n') + '\n', expected, 'the same text, step by step, in Chromium as in snapvm');
    t.equal(new URL(page.url()).hash, '#/completed', "the filter's route is the page's URL hash");
    t.same(await page.evaluate(() => [...document.querySelectorAll('.filters a.selected')].map((a) => a.getAttribute('href'))), ['#/completed'], 'the completed filter is selected');
    t.same(errors, [], 'no error in the browser');
    await page.close();
  });

  await t.test('snake mid-game (canvas): same canvas pixels at the restore and after deterministic steps', async (t) => {
    const before: Step[] = [{ wait: 650 }, { key: ['#board', 'ArrowDown'] }, { wait: 300 }];
    const steps: Step[] = [{ print: '#score' }, { key: ['#board', 'ArrowRight'] }, { wait: 420 }, { key: ['#board', 'ArrowUp'] }, { wait: 330 }, { print: '#score' }, { print: '#state' }];
    const { page, errors, expected, snap, after } = await scenario(t, browser, 'snake', before, steps);
    const [atRestore] = snapshotCanvases(snap);
    t.ok(atRestore, 'the snapshot holds the canvas');
    const restoredPixels = Buffer.from(await canvasPixels(page, '#board'));
    t.equal(restoredPixels.length, 200 * 200 * 4, 'a 200×200 canvas in Chromium');
    t.ok(restoredPixels.equals(await rgba(atRestore!)), "Chromium's canvas at the restore is the snapshot's, pixel for pixel");
    t.match(expected, /^\d+\n\d+\n(running|game over)\n$/, 'snapvm printed the steps');
    t.equal((await drive(page, steps)).join('\n') + '\n', expected, 'the same text in Chromium as in snapvm');
    const [afterSteps] = snapshotCanvases(after);
    const chromiumAfter = Buffer.from(await canvasPixels(page, '#board'));
    t.notOk(chromiumAfter.equals(restoredPixels), 'the game moved on in Chromium');
    t.ok(chromiumAfter.equals(await rgba(afterSteps!)), 'after the steps: the same pixels in Chromium as in snapvm');
    t.same(errors, [], 'no error in the browser');
    await page.close();
  });

  await t.test('what a page snapshot carries, in Chromium as in snapvm (fixtures/browser-probe)', async (t) => {
    // listeners with options (once, capture), an on* property and attribute, a class instance, global
    // lexicals, a bound DOM method, storage held by the heap, a detached node with an expando, form state, focus, history, storage, canvas pixels and
    // fill style, a pending timer, a frame and a frame it cancels; load and pageshow listeners must not run again
    const steps: Step[] = [{ click: '#b1' }, { click: '#b1' }, { click: '#b2' }, { click: '#b3' }, { wait: 400 }, { click: '#report' }, { print: '#out' }];
    const { page, errors, expected } = await scenario(t, browser, 'browser-probe', [{ wait: 1001 }], steps, path.join(root, 'test', 'fixtures', 'browser-probe'));
    t.equal(
      expected.split('\n')[0],
      'DOMContentLoaded (must not run again)|load (must not run again)|body onload (must not run again)|pageshow (must not run again)|capture b1|once|capture b1|capture b2|onclick property|capture b3|attribute handler 2|cancelled frame ran|frame true|timer after 2|capture report',
      'snapvm: the listeners, handlers, frames and timer in order',
    );
    t.match(
      expected,
      /\ncounter=2\nlexical\ntally=3 \[\["b1",2\],\["b2",1\]\]\ntext=typed\ncheck=true\npick=2c\narea=edited\nhistory=2 \{"step":1\} #one\nsession=session value local=local value\nspare=a detached paragraph expando on a detached node false\ninfo=1\npx=0,0,255,255\nfill=#00ff00\nfocus=report\nclock>=true\ncells=1\nheld=true true 6 true\n$/,
      'snapvm: the state the report reads',
    );
    t.equal((await drive(page, steps)).join('\n') + '\n', expected, 'the same report in Chromium as in snapvm');
    t.same(errors, [], 'no error in the browser');
    await page.close();
  });

  await t.test('a hashchange still to fire when the snapshot is taken fires in Chromium as in snapvm', async (t) => {
    const steps: Step[] = [{ print: '#log' }, { wait: 1 }, { print: '#log' }];
    const { page, errors, expected } = await scenario(t, browser, 'browser-hashchange', [{ click: '#go' }], steps, path.join(root, 'test', 'fixtures', 'browser-hashchange'));
    t.equal(expected, 'popstate #two;\npopstate #two;hashchange >#two;\n', 'snapvm: popstate before the snapshot, hashchange after it');
    t.equal((await drive(page, steps)).join('\n') + '\n', expected, 'the same in Chromium');
    t.same(errors, [], 'no error in the browser');
    await page.close();
  });

  await t.test("the page's text cannot break out of the markup or the restore script", async (t) => {
    const dir = path.join(tmp, 'hostile-source');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><body><p id="p">x</p><script src="e.js"></script></body>');
    fs.writeFileSync(
      path.join(dir, 'e.js'),
      [
        `document.body.appendChild(document.createComment('a --> <script>alert(1)</script>'));`,
        `var s = document.createElement('script'); s.type = 'text/plain'; s.textContent = '<!-- <script> x'; document.body.appendChild(s);`,
        `var st = document.createElement('style'); st.textContent = 'p{}</style><script>alert(2)</script>'; document.body.appendChild(st);`,
        `var kept = '</script><script>alert(3)</script>';`,
        `document.getElementById('p').title = '"><script>alert(4)</script>';`,
      ].join('\n'),
    );
    const steps: Step[] = [{ print: 'body' }, { print: '#p' }];
    const { page, errors, expected, html } = await scenario(t, browser, 'hostile', [{ wait: 5 }], steps, dir);
    const markup = html.slice(0, html.indexOf('<script>\n(function () {'));
    const outside = markup
      .replace(/<script type="text\/x-snapvm-inert"[^>]*>/g, '')
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/"[^"]*"/g, '""');
    t.notMatch(outside, /<script/i, 'in the markup, outside comments, quoted attribute values and inert scripts, no script tag');
    // the restore script ends at its own end tag: no "</script" in it, and never "<!--" with "<script" (which would make the parser read on)
    const inner = html.slice(markup.length + 8, html.lastIndexOf('</script>'));
    t.notMatch(inner, /<\/script/i, 'no end tag inside the restore script');
    t.notOk(/<!--/.test(inner) && /<script/i.test(inner), 'no escaped script state inside the restore script');
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    t.equal((await drive(page, steps)).join('\n') + '\n', expected, 'the same text in Chromium as in snapvm');
    t.equal(await page.evaluate(() => document.getElementById('p')!.title), '"><script>alert(4)</script>', 'the attribute is back as text');
    t.same(dialogs, [], 'nothing ran');
    t.same(errors, [], 'no error in the browser');
    await page.close();
  });

  await t.test('preact + htm with a timer pending (ES modules): same DOM text in Chromium as in snapvm', async (t) => {
    const before: Step[] = [{ type: ['.draft', 'one'] }, { click: '.add' }, { type: ['.draft', 'two'] }, { click: '.add' }, { wait: 1200 }, { click: "li[data-id='1'] .toggle" }];
    const steps: Step[] = [
      { print: '.list' },
      { print: '.stats' },
      { print: '.status' },
      { wait: 350 },
      { print: '.status' },
      { print: '.clock' },
      { type: ['.draft', 'three'] },
      { key: ['.draft', 'Enter'] },
      { click: "li[data-id='2'] .toggle" },
      { print: '.list' },
      { print: '.stats' },
      { wait: 2000 },
      { print: '.clock' },
      { print: '.status' },
    ];
    const { page, errors, expected } = await scenario(t, browser, 'preact', before, steps);
    t.match(expected, /^oneremovetworemove\n1 of 2 done\nsaved 2\nsaved 2\nopen for 00:01\n/, 'snapvm printed the steps');
    t.equal((await drive(page, steps)).join('\n') + '\n', expected, 'the same text, step by step, in Chromium as in snapvm');
    t.same(errors, [], 'no error in the browser');
    await page.close();
  });

  await t.test('what cannot run in a browser is refused in one line', async (t) => {
    const dir = appCopy('todomvc');
    const script = path.join(tmp, 'plain.snap');
    fs.writeFileSync(path.join(tmp, 'plain.js'), 'var x = 1;');
    t.equal(snapvm(['run', path.join(tmp, 'plain.js'), '--snapshot-at', 'turn:1', '--out', script]).code, 0, 'a script snapshot');
    const r = snapvm(['export', script, '--html', path.join(dir, 'x.html')]);
    t.equal(r.code, 2);
    t.match(r.stderr, /not a page snapshot/);
    // a page whose heap holds a suspended async function (a suspended frame): plain JavaScript cannot rebuild it
    const waiting = path.join(tmp, 'waiting');
    fs.mkdirSync(waiting);
    fs.writeFileSync(
      path.join(waiting, 'index.html'),
      '<!doctype html><p id="s">waiting</p><script>(async () => { await new Promise((r) => setTimeout(r, 1000)); document.getElementById("s").textContent = "done"; })();</script>',
    );
    const pending = path.join(waiting, 'p.snap');
    t.equal(snapvm(['run', waiting, '--steps', stepsFile([{ wait: 10 }, { snapshot: pending }])]).code, 0, 'a page snapshot with an async function suspended');
    const refused = snapvm(['export', pending, '--html', path.join(waiting, 'p.html')]);
    t.equal(refused.code, 2, 'refused');
    t.match(refused.stderr, /^snapvm: cannot export '.*p\.snap': this page cannot be written for a browser: this snapshot has suspended frames \(at /, 'one line naming the suspended frame');
    t.equal(refused.stderr.trim().split('\n').length, 1, 'one line');
    t.notOk(fs.existsSync(path.join(waiting, 'p.html')), 'no half-written page');
    // the same through a {"snapshot": "X.html"} step: the step fails, saying why
    const step = snapvm(['run', waiting, '--steps', stepsFile([{ wait: 10 }, { snapshot: path.join(waiting, 'q.html') }])]);
    t.equal(step.code, 1, 'the step fails');
    t.match(step.stderr, /cannot write the page snapshot: this page cannot be written for a browser: this snapshot has suspended frames/);
    const missing = snapvm(['export', path.join(tmp, 'none.snap'), '--html', path.join(dir, 'x.html')]);
    t.equal(missing.code, 2);
    t.match(missing.stderr, /^snapvm: cannot export .*none\.snap/);
  });
});
