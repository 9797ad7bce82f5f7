// No host object reaches guest code through the DOM (DESIGN.md, principle 3). happy-dom runs inside
// the guest realm, so every DOM object, event and error must lead to the guest's Function, never the
// host's. Each case is a page script that probes one route and stores its answer in `result`.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Page } from '../src/dom/index';

/** In guest code: what `process` is, as seen from the Function constructor reached through `x`. */
const probe = (x: string) => `(function () { try { return ${x}.constructor.constructor('return typeof process')(); } catch (e) { return 'threw ' + (e instanceof Error) + ' ' + e.name; } })()`;

const cases: { name: string; code: string; expected: string }[] = [
  { name: 'document.constructor.constructor', code: `result = ${probe('document')}`, expected: 'undefined' },
  {
    name: "document.constructor.constructor('return process')()",
    code: "try { result = typeof document.constructor.constructor('return process')(); } catch (e) { result = e.name + ':' + (e instanceof ReferenceError); }",
    expected: 'ReferenceError:true',
  },
  {
    name: 'window.__proto__ chain ends in the guest Object.prototype',
    code: 'let p = window; while (Object.getPrototypeOf(p)) p = Object.getPrototypeOf(p); result = String(p === Object.prototype)',
    expected: 'true',
  },
  { name: 'Object.getPrototypeOf(window).constructor', code: `result = ${probe('Object.getPrototypeOf(window)')}`, expected: 'undefined' },
  { name: 'window.__proto__.constructor.constructor is the guest Function', code: 'result = String(window.__proto__.constructor.constructor === Function)', expected: 'true' },
  {
    name: 'elements, text nodes, attributes, styles, class lists',
    code: `const d = document.createElement('div'); d.setAttribute('a', 'b'); result = [${probe('d')}, ${probe("document.createTextNode('x')")}, ${probe('d.attributes[0]')}, ${probe('d.style')}, ${probe('d.classList')}, ${probe('d.dataset')}].join()`,
    expected: 'undefined,undefined,undefined,undefined,undefined,threw true TypeError',
  },
  {
    name: 'DOM methods are guest functions',
    code: `result = [document.querySelector, document.createElement, window.addEventListener, requestAnimationFrame, fetch].map((f) => f instanceof Function && f.constructor === Function).join() + ':' + ${probe('document.querySelector')}`,
    expected: 'true,true,true,true,true:undefined',
  },
  {
    name: 'event objects (dispatched and received)',
    code: `let seen; document.body.addEventListener('x', (e) => { seen = ${probe('e')} + ',' + ${probe('e.composedPath()')}; }); document.body.dispatchEvent(new Event('x')); result = seen`,
    expected: 'undefined,undefined',
  },
  {
    name: 'errors thrown by DOM methods are guest errors',
    code: `try { document.querySelector('!!bad'); result = 'no error'; } catch (e) { result = [e instanceof Error, ${probe('e')}].join(); }`,
    expected: 'true,undefined',
  },
  {
    name: 'DOMException from appendChild',
    code: `try { document.body.appendChild(document); result = 'no error'; } catch (e) { result = [e instanceof Error, ${probe('e')}].join(); }`,
    expected: 'true,undefined',
  },
  {
    name: 'a TypeError from a DOM method',
    code: `try { document.body.dispatchEvent({}); result = 'no error'; } catch (e) { result = [e instanceof TypeError, ${probe('e')}].join(); }`,
    expected: 'true,undefined',
  },
  {
    name: 'location, history, navigator, storage, performance',
    code: `result = [${probe('location')}, ${probe('history')}, ${probe('navigator')}, ${probe('localStorage')}, ${probe('performance')}, ${probe('performance.now')}].join()`,
    expected: 'undefined,undefined,undefined,undefined,undefined,undefined',
  },
  {
    name: "Node's globals are not on the window",
    code: "result = ['process', 'require', 'module', 'Buffer', 'global', '__snapvm_services', 'setImmediate', 'happyDOM'].filter((k) => k in window).join() || 'none'",
    expected: 'none',
  },
  {
    name: 'every own property of the window leads to the guest Function',
    code: "const bad = []; for (const k of Reflect.ownKeys(window)) { const d = Object.getOwnPropertyDescriptor(window, k); for (const v of [d.value, d.get, d.set]) { if ((typeof v === 'function' || (typeof v === 'object' && v !== null)) && v.constructor && v.constructor.constructor !== Function && typeof v.constructor.constructor === 'function') { try { if (v.constructor.constructor('return typeof process')() !== 'undefined') bad.push(String(k)); } catch (e) { if (!(e instanceof Error)) bad.push(String(k)); } } } } result = bad.join() || 'safe'",
    expected: 'safe',
  },
  {
    name: 'internal symbol-keyed state leads nowhere',
    code: "const bad = []; const seen = new Set(); const walk = (o, depth) => { if (depth > 3 || o === null || (typeof o !== 'object' && typeof o !== 'function') || seen.has(o)) return; seen.add(o); try { if (o.constructor && o.constructor.constructor && o.constructor.constructor !== Function) { try { if (o.constructor.constructor('return typeof process')() !== 'undefined') bad.push(1); } catch (e) { if (!(e instanceof Error)) bad.push(2); } } } catch (e) {} for (const k of Object.getOwnPropertySymbols(o)) { let v; try { v = o[k]; } catch (e) { continue; } walk(v, depth + 1); } }; walk(window, 0); walk(document, 0); walk(document.body, 0); result = bad.length ? 'LEAK ' + bad.length : 'safe'",
    expected: 'safe',
  },
  {
    name: 'a fetch rejection is a guest error',
    code: `fetch('http://example.com/').then(() => { result = 'resolved'; }, (e) => { result = [e instanceof Error, ${probe('e')}].join(); });`,
    expected: 'true,undefined',
  },
  { name: 'fetch cannot leave the app folder', code: "fetch('../../../../../../etc/passwd').then((r) => { result = String(r.status); }, (e) => { result = 'rejected'; });", expected: '404' },
  {
    name: 'a stack overflow through DOM dispatch reaches window.onerror as a guest error',
    code: `const el = document.createElement('div'); el.addEventListener('x', () => el.dispatchEvent(new Event('y'))); el.addEventListener('y', () => el.dispatchEvent(new Event('x'))); window.addEventListener('error', (e) => { result = result || [e.error instanceof Error, ${probe('e.error')}].join(); }); el.dispatchEvent(new Event('x')); result = result || 'no error';`,
    expected: 'true,undefined',
  },
  {
    name: 'a stream source that throws: the rejection is a guest error',
    code: `new Response(new ReadableStream({ pull() { null.x; } })).text().then(() => { result = 'resolved'; }, (e) => { result = [e instanceof Error, ${probe('e')}].join(); });`,
    expected: 'true,undefined',
  },
  {
    name: 'host recursion (guest → DOM → guest) inside a stream source: the rejection is a guest error',
    code: `document.body.appendChild(document.createElement('p')); function r() { document.createTreeWalker(document.body, 1, { acceptNode: r }).firstChild(); return 1; } new Response(new ReadableStream({ pull() { r(); } })).text().then(() => { result = 'resolved'; }, (e) => { result = [e instanceof Error, ${probe('e')}].join(); });`,
    expected: 'true,undefined',
  },
  {
    name: 'host recursion through a DOM callback, caught by the guest',
    code: `document.body.appendChild(document.createElement('p')); function r() { document.createTreeWalker(document.body, 1, { acceptNode: r }).firstChild(); return 1; } try { r(); result = 'no error'; } catch (e) { result = [e instanceof RangeError, ${probe('e')}].join(); }`,
    expected: 'true,undefined',
  },
  {
    name: 'custom element callbacks and mutation observers that throw',
    code: `customElements.define('x-a', class extends HTMLElement { connectedCallback() { null.x; } }); const seen = []; window.addEventListener('error', (e) => seen.push(${probe('e.error')})); try { document.body.appendChild(document.createElement('x-a')); } catch (e) { seen.push('sync ' + ${probe('e')}); } new MutationObserver(() => { null.y; }).observe(document.body, { childList: true }); document.body.appendChild(document.createElement('p')); setTimeout(() => { result = seen.length && seen.every((x) => x.endsWith('undefined')) ? 'safe' : seen.join() || 'none'; }, 10);`,
    expected: 'safe',
  },
  {
    name: 'canvas contexts, gradients, image data and measures',
    code: `const c = document.createElement('canvas'); const x = c.getContext('2d'); const g = x.createLinearGradient(0, 0, 1, 1); result = [${probe('x')}, ${probe('g')}, ${probe('x.getImageData(0, 0, 1, 1)')}, ${probe('x.getImageData(0, 0, 1, 1).data')}, ${probe('x.measureText("a")')}, ${probe('x.fillRect')}].join()`,
    expected: 'undefined,undefined,undefined,undefined,undefined,undefined',
  },
  {
    name: 'canvas errors from the native library are guest errors',
    code: `const x = document.createElement('canvas').getContext('2d'); try { x.createLinearGradient(0, 0, 1, 1).addColorStop(0, 'not a color'); result = 'no error'; } catch (e) { result = [e instanceof Error, ${probe('e')}].join(); }`,
    expected: 'true,undefined',
  },
  {
    name: 'putImageData with a proxy is refused without running its traps from the host',
    code: `const x = document.createElement('canvas').getContext('2d'); let trapped = false; const data = new Proxy(new Uint8ClampedArray(4), { get(t, k) { trapped = true; return Reflect.get(t, k); } }); try { x.putImageData({ data, width: 1, height: 1 }, 0, 0); } catch (e) { } result = String(!trapped || 'trap ran in realm code only');`,
    expected: 'true',
  },
  {
    name: 'host services do not use the guest-replaceable Uint8Array',
    code: `const leaks = []; window.Uint8Array = function () { return { set(x) { leaks.push(${probe('x')}); } }; }; const a = new Int32Array(4); crypto.getRandomValues(a); const x = document.createElement('canvas').getContext('2d'); x.getImageData(0, 0, 1, 1); result = [a.some((v) => v !== 0), leaks.join() || 'none'].join();`,
    expected: 'true,none',
  },
  {
    name: 'on* attribute handlers are compiled by the engine',
    code: "const b = document.createElement('button'); b.setAttribute('onclick', 'result = this.constructor.constructor(\"return typeof process\")()'); document.body.appendChild(b); b.click();",
    expected: 'undefined',
  },
  {
    name: 'error stacks show no host paths',
    code: "try { document.querySelector('!!'); } catch (e) { const s = String(e.stack); result = [s.includes('node_modules'), s.includes('dist/'), s.includes('node:')].join(); }",
    expected: 'false,false,false',
  },
];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-dom-safety-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

for (const [i, c] of cases.entries()) {
  t.test(c.name, async (t) => {
    const file = path.join(dir, `case${i}.html`);
    fs.writeFileSync(file, `<!doctype html><html><body><script>var result;\n${c.code}\n</script></body></html>`);
    const page = new Page(file, { onConsole: () => {}, onError: () => {} });
    page.load();
    await page.wait(100);
    t.equal(page.engine.evaluateScript('String(result)', 'read.js'), c.expected);
  });
}

t.test('fetch cannot leave the app folder through a symbolic link in it', async (t) => {
  const app = fs.mkdtempSync(path.join(dir, 'links-'));
  const outside = path.join(dir, 'outside-secret.txt');
  fs.writeFileSync(outside, 'secret');
  fs.symlinkSync(outside, path.join(app, 'secret.txt'));
  fs.writeFileSync(path.join(app, 'ok.txt'), 'inside');
  fs.symlinkSync(path.join(app, 'ok.txt'), path.join(app, 'alias.txt')); // a link that stays inside is fine
  const file = path.join(app, 'index.html');
  fs.writeFileSync(
    file,
    "<!doctype html><html><body><script>var result = [];\nPromise.all(['ok.txt', 'alias.txt', 'secret.txt'].map((f) => fetch(f).then(async (r) => f + ':' + r.status + ':' + (r.ok ? await r.text() : '')))).then((l) => { result = l.join(); });\n</script></body></html>",
  );
  const page = new Page(file, { onConsole: () => {}, onError: () => {} });
  page.load();
  await page.wait(100);
  t.equal(page.engine.evaluateScript('String(result)', 'read.js'), 'ok.txt:200:inside,alias.txt:200:inside,secret.txt:404:');
});
