// The browser form of a page snapshot (issue 4): one HTML document that a real browser opens and the
// app goes on there. It is
//   - the document as markup (doctype, tree, attributes, text, comments), with the page's own scripts
//     neutralised (an inert `type`; `on*`, `autofocus` and `http-equiv` attributes left out of the markup), so the
//     browser paints the page as it was and runs none of its code again;
//   - one script that waits for the browser's `pageshow`, which follows `load` (so DOMContentLoaded, load and
//     pageshow listeners of the app do not fire a second time: listeners added while an event is dispatched
//     are not called for it), and decodes the canvases' PNGs, then runs the portable writer's section
//     for this page (snapshot/portable.ts with this file's `PortableHost`): it checks the markup against
//     the node tuples and rebuilds what the browser's parser made differently, replaces each script by an
//     already-started copy, puts back form state, focus, storage, canvas pixels and drawing state and the
//     page clock, rebuilds the heap (a node the heap references is the document's node k in tree order,
//     or node k of a detached tree rebuilt from its tuples; happy-dom's objects by their birth path read
//     in the browser's window), then reattaches listeners (with options), `on*` properties and
//     attributes, history (length and state; `history.replaceState` to the saved URL where the browser
//     allows it, else its query and hash), global lexical bindings, queued jobs, timers with their
//     remaining delay and animation frames (requestAnimationFrame and performance.now count on from the
//     snapshot's page clock).
// What cannot run in a browser (suspended frames, objects the portable writer refuses) is refused here
// with one line; a browser that lacks something the page uses refuses before it changes anything, with
// one console line, and the page stays the static markup. The outcome is
// `window[Symbol.for('snapvm.restore')]` ({ ok } or { ok: false, error }).
import { capture, portableSection, SnapshotError, type PortableHost } from '../snapshot/index';
import type { Page } from './page';
import type { PageCapture, PageState, Tree, Slot } from './snapshot';

const HTML_NS = 'http://www.w3.org/1999/xhtml';
const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'source', 'track', 'wbr', 'param', 'keygen']);
const RAW_TEXT = new Set(['script', 'style', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'plaintext']);
const ESCAPABLE_RAW = new Set(['textarea', 'title']);
/** An attribute the markup leaves out (a handler, autofocus, a refresh pragma must not act before the state is back): the restore sets it. */
const deferred = (name: unknown): boolean => typeof name === 'string' && (/^on/i.test(name) || /^(?:autofocus|http-equiv)$/i.test(name));

/** The browser form's size and time. */
export interface BrowserFormStats {
  bytes: number;
  /** Of it: the markup, and the restore script (state tuples and the heap). */
  markupBytes: number;
  scriptBytes: number;
  ms: number;
}

/** Write `page` (between turns) as an HTML document a browser opens and continues (see above). Throws SnapshotError when it cannot run in a browser. */
export function browserForm(page: Page, pageCapture: PageCapture): { html: string; stats: BrowserFormStats } {
  const t0 = performance.now();
  const form = new BrowserHost(page, pageCapture);
  pageCapture.portable = form;
  const snap = capture(page.engine, null, { host: pageCapture, portable: true });
  if (!snap.stats.portable?.ok) throw new SnapshotError(`this page cannot be written for a browser: ${snap.stats.portable?.reason ?? 'no portable section'}`);
  const section = portableSection(snap.code);
  if (/<!--/.test(section) && /<script/i.test(section))
    throw new SnapshotError('this page cannot be written for a browser: its code holds both "<!--" and "<script", which an HTML script element cannot carry');
  const state = form.state!;
  const P = form.P;
  const script = [
    `(function () {`,
    `var ${P}self = document.currentScript, ${P}state = ${scriptJson(state)};`,
    `function ${P}go() {`,
    section.replace(/<\/script/gi, '<\\/script'),
    `}`,
    `function ${P}done(outcome) { Object.defineProperty(window, Symbol.for("snapvm.restore"), { value: outcome, configurable: true }); }`,
    `var ${P}imgs = ${P}state.canvases.map(function (c) { var i = new Image(); i.src = "data:image/png;base64," + c[1].png; return i; });`,
    `window.addEventListener("pageshow", function () {`,
    `  Promise.all(${P}imgs.map(function (i) { return i.decode(); })).then(function () {`,
    `    try { ${P}go(); ${P}done({ ok: true }); } catch (e) { ${P}done({ ok: false, error: String(e && e.message || e) }); }`,
    `  }, function () { ${P}done({ ok: false, error: "snapvm: a canvas image did not decode" }); });`,
    `}, { once: true });`,
    `})();`,
  ].join('\n');
  const markup = toMarkup(state.doc);
  // the restore script is the body's last child (it removes itself before it counts nodes)
  const at = markup.lastIndexOf('</body>');
  const tag = `<script>\n${script}\n</script>`;
  // (a UTF-8 byte order mark: the browser decodes it as UTF-8 whatever the page declares or the server says)
  const html = '\ufeff' + (at >= 0 ? markup.slice(0, at) + tag + markup.slice(at) : markup + tag);
  const bytes = Buffer.byteLength(html);
  return { html, stats: { bytes, markupBytes: Buffer.byteLength(markup), scriptBytes: Buffer.byteLength(tag), ms: performance.now() - t0 } };
}

/** JSON inside a script element: no `</script` or `<!--` can appear in it. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Names the markup may carry as they are (anything else, which happy-dom may allow, is left to the restore script, which sets it through the DOM). */
const SAFE_NAME = /^[A-Za-z_:][^\s"'<>/=\x00-\x1f\x7f]*$/;
const escText = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\u00a0/g, '&nbsp;');
const escAttr = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/\u00a0/g, '&nbsp;');

/** The document's node tuples as HTML markup (what the parser may build differently, the restore script rebuilds). */
function toMarkup(doc: Tree): string {
  const out: string[] = [];
  const node = (t: Tree, parentName: string) => {
    if (typeof t === 'string') {
      out.push(RAW_TEXT.has(parentName) ? t : escText(t));
      return;
    }
    if (typeof t[0] === 'string') return element(t);
    switch (t[0]) {
      case 8:
        out.push(`<!--${String(t[1]).replace(/--!?>/g, '')}-->`);
        return;
      case 10: {
        const [, name, pub, sys] = t as [number, string, string, string];
        if (!SAFE_NAME.test(name) || /["<>]/.test(pub + sys)) return; // rebuilt by the restore script
        out.push(`<!DOCTYPE ${name}${pub ? ` PUBLIC "${pub}"` : ''}${sys ? `${pub ? '' : ' SYSTEM'} "${sys}"` : ''}>\n`);
        return;
      }
      default:
        return; // CDATA, processing instructions: built by the restore script
    }
  };
  const element = (t: unknown[]) => {
    const name = String(t[0]);
    if (!SAFE_NAME.test(name)) return; // (the restore script rebuilds its parent's children)
    const ns = t.length > 4 ? t[4] : HTML_NS;
    const local = ns === HTML_NS ? name.toLowerCase() : name;
    const attrs = (t[1] as unknown[]) ?? [];
    const parts: string[] = [local];
    if (local === 'script' && ns === HTML_NS) parts.push('type="text/x-snapvm-inert"');
    for (let i = 0; i + 1 < attrs.length; i += 2) {
      const a = attrs[i];
      const an = Array.isArray(a) ? String(a[1]) : String(a);
      if (deferred(an) || !SAFE_NAME.test(an) || (local === 'script' && an.toLowerCase() === 'type')) continue;
      parts.push(`${an}="${escAttr(String(attrs[i + 1]))}"`);
    }
    out.push(`<${parts.join(' ')}>`);
    if (ns === HTML_NS && VOID.has(local)) return;
    const kids = ((t[2] as Tree[]) ?? []) as Tree[];
    if (ns === HTML_NS && RAW_TEXT.has(local)) {
      const text = kids.every((k) => typeof k === 'string') ? (kids as string[]).join('') : '';
      // a text the parser would end early (or, in a script, not at all) is left to the restore script
      if (!new RegExp(`</${local}`, 'i').test(text) && !text.includes('<!--')) out.push(text);
    } else if (ns === HTML_NS && ESCAPABLE_RAW.has(local)) {
      out.push(kids.every((k) => typeof k === 'string') ? escText((kids as string[]).join('')) : '');
    } else {
      if ((local === 'pre' || local === 'textarea' || local === 'listing') && typeof kids[0] === 'string' && kids[0].startsWith('\n')) out.push('\n');
      for (const k of kids) node(k, local);
    }
    out.push(`</${local}>`);
  };
  for (const k of ((doc as unknown[])[1] as Tree[]) ?? []) node(k, '');
  return out.join('');
}

/** The DOM room's side of the portable writer for a browser (snapshot/host.ts's PortableHost). */
class BrowserHost implements PortableHost {
  /** The prefix of the section's names (the writer's last attempt). */
  P = '';
  state: PageState | null = null;
  private births: string[] = [];

  constructor(
    private readonly page: Page,
    private readonly cap: PageCapture,
  ) {}

  private slot(s: Slot): string {
    return typeof s === 'number' ? `${this.P}N[${s}]` : `${this.P}D[${s[0]}][${s[1]}]`;
  }

  claim(o: object, P: string): { expr: string; props: PropertyKey[] } | string | null {
    if (P !== this.P) {
      this.P = P;
      this.births = [];
    }
    const c = this.cap.claim(o);
    if (c === null || typeof c === 'string') return c;
    const ref = c.ref as { w?: number; b?: string; n?: Slot; p?: [Slot, string]; c?: Slot };
    if (ref.w === 1) return { expr: `${P}global`, props: c.props };
    if (typeof ref.b === 'string') {
      if (ref.b === 'controller.deliverFetch') return { expr: `${P}deliverFetch`, props: [] };
      if (ref.b === 'controller.fireHashChange') return { expr: `${P}fireHashChange`, props: [] };
      if (ref.b === 'controller.runInsertedScript') return 'a script another script inserted, still to run (a browser form can be written a turn later)';
      if (ref.b === 'controller.dispatchInput') return 'an input step still to run (a browser form can be written a turn later)';
      // (a browser reports a rejection as happy-dom's dispatchError does: an error event on the window)
      if (ref.b === 'controller.listenerRejected') return { expr: '((e) => reportError(e))', props: [] };
      const named = this.page.birth.windowNamed.get(o);
      if (named) return { expr: `${P}global.${named}`, props: [] };
      if (!/^(?:(?:get|set) )?window(?:\.[A-Za-z_$][\w$]*)*$/.test(ref.b)) return `happy-dom's own object at ${ref.b}, which a browser has no name for`;
      let i = this.births.indexOf(ref.b);
      if (i < 0) i = this.births.push(ref.b) - 1;
      return { expr: `${P}birth[${i}]`, props: [] };
    }
    if (ref.n !== undefined) return { expr: this.slot(ref.n), props: c.props };
    if (ref.p) return { expr: `${this.slot(ref.p[0])}.${ref.p[1]}`, props: [] };
    if (ref.c !== undefined) return { expr: `${this.slot(ref.c)}.getContext("2d")`, props: [] };
    return `a DOM object the browser form cannot name (${JSON.stringify(ref)})`;
  }

  roots(): object[] {
    return this.cap.roots();
  }

  ownTimers(): Set<number> {
    return new Set(this.cap.lastLinks?.data.f ?? []);
  }

  begin(P: string): string {
    this.state = this.cap.state() as PageState;
    (this.state as PageState & { url: string }).url = this.page.birth.href();
    return RUNTIME.replace(/\$P\$/g, P).replace('BIRTHS', JSON.stringify(this.births));
  }

  links(value: (v: unknown, path: string) => string, P: string): string {
    const links = this.cap.lastLinks;
    if (!links) throw new SnapshotError('page links were not taken before the browser form');
    const { data, values } = links;
    const out: string[] = [];
    data.l.forEach(([type, capture, once, passive], i) => {
      out.push(`${P}listen(${value(values[2 * i], `<listener ${i}>.<target>`)}, ${JSON.stringify(type)}, ${value(values[2 * i + 1], `<listener ${i}>`)}, ${capture}, ${once}, ${passive});`);
    });
    const base = 2 * data.l.length;
    data.p.forEach((name, i) => out.push(`${P}on(${value(values[base + 2 * i], `<${name}>.<target>`)}, ${JSON.stringify(name)}, ${value(values[base + 2 * i + 1], `<${name}>`)});`));
    const timers = this.page.engine.timers.timers;
    for (const id of data.f) {
      const t = timers.get(id);
      if (t) out.push(`${P}frame(${id}, ${value(t.callback, `<animation frame ${id}>`)});`);
    }
    out.push(`${P}attrs();`, `${P}history(${data.h}, ${value(values[values.length - 1], '<history.state>')});`);
    return out.join('\n');
  }
}

/** The restore's own helpers in the browser ($P$: the section's prefix). Runs before any object is made. */
const RUNTIME = String.raw`var $P$st = $P$state, $P$HTML = "http://www.w3.org/1999/xhtml", $P$ael = EventTarget.prototype.addEventListener;
// a birth path (happy-dom's) in this browser's window; a name happy-dom keeps further up a prototype chain
// than the browser does (Document.prototype.__proto__.querySelector) is looked up from where the hops began
function $P$find(o, k) { for (var q = o; q !== null && q !== void 0; q = Object.getPrototypeOf(q)) { var d = Object.getOwnPropertyDescriptor(q, k); if (d) return d; } return void 0; }
function $P$resolve(p) {
  var part = /^(get|set) /.test(p) ? p.slice(0, 3) : null, segs = (part ? p.slice(4) : p).split("."), o = $P$global, from = o;
  for (var i = 1; i < segs.length; i++) {
    if (o === null || o === void 0) return void 0;
    if (segs[i] === "__proto__") { o = Object.getPrototypeOf(o); continue; }
    var d = $P$find(o, segs[i]) || $P$find(from, segs[i]);
    if (part && i === segs.length - 1) return d && d[part];
    try { o = from = d ? ("value" in d ? d.value : d.get ? d.get.call(o) : void 0) : void 0; } catch (e) { return void 0; }
  }
  return o;
}
var $P$birth = BIRTHS.map(function (p) { var v = $P$resolve(p); if (v === void 0 || v === null) $P$fail("it uses " + p + ", which this browser lacks"); return v; });
function $P$kids(n) { return n.nodeType === 1 && n.namespaceURI === $P$HTML && n.localName === "template" ? n.content.childNodes : n.childNodes; }
function $P$into(n) { return n.nodeType === 1 && n.namespaceURI === $P$HTML && n.localName === "template" ? n.content : n; }
function $P$tkids(t) { return typeof t === "string" ? [] : typeof t[0] === "string" ? (t[2] || []) : t[0] === 9 || t[0] === 11 ? t[1] : []; }
function $P$isOn(n) { return typeof n === "string" && /^on/i.test(n); }
function $P$setAttrs(e, a, on) { for (var i = 0; i + 1 < a.length; i += 2) { var n = a[i]; if ($P$isOn(Array.isArray(n) ? n[1] : n) !== on) continue; if (Array.isArray(n)) e.setAttributeNS(n[0], n[1], a[i + 1]); else e.setAttribute(n, a[i + 1]); } }
function $P$el(t) {
  var ns = t.length > 4 ? t[4] : $P$HTML, e;
  // a script made by the fragment parser is "already started": it never runs, wherever it is inserted
  if (ns === $P$HTML && t[0] === "script") { var box = $P$doc.createElement("div"); box.innerHTML = "<" + "script></" + "script>"; e = box.firstChild; box.removeChild(e); }
  else e = $P$doc.createElementNS(ns, t[0]);
  $P$setAttrs(e, t[1], false);
  return e;
}
function $P$build(t, list) {
  var n;
  if (typeof t === "string") n = $P$doc.createTextNode(t);
  else if (typeof t[0] === "string") n = $P$el(t);
  else if (t[0] === 8) n = $P$doc.createComment(t[1]);
  else if (t[0] === 4) n = $P$doc.createTextNode(t[1]);
  else if (t[0] === 7) n = $P$doc.createProcessingInstruction(t[1], t[2]);
  else if (t[0] === 10) n = $P$doc.implementation.createDocumentType(t[1], t[2], t[3]);
  else if (t[0] === 11) n = $P$doc.createDocumentFragment();
  else if (t[0] === 9) { n = $P$doc.implementation.createHTMLDocument(""); while (n.firstChild) n.removeChild(n.firstChild); }
  else $P$fail("a node of type " + t[0]);
  if (list) list.push(n);
  var k = $P$tkids(t), into = $P$into(n);
  for (var i = 0; i < k.length; i++) into.appendChild($P$build(k[i], list));
  return n;
}
function $P$same(n, t) {
  if (typeof t === "string") return n.nodeType === 3 && n.data === t;
  if (typeof t[0] === "string") return n.nodeType === 1 && n.namespaceURI === (t.length > 4 ? t[4] : $P$HTML) && (n.prefix ? n.prefix + ":" + n.localName : n.localName) === t[0];
  if (t[0] === 8) return n.nodeType === 8 && n.data === t[1];
  if (t[0] === 10) return n.nodeType === 10 && n.name === t[1] && n.publicId === t[2] && n.systemId === t[3];
  if (t[0] === 7) return n.nodeType === 7 && n.target === t[1] && n.data === t[2];
  return false;
}
function $P$fixAttrs(e, a) {
  var want = [], have = [];
  for (var i = 0; i + 1 < a.length; i += 2) { var n = Array.isArray(a[i]) ? a[i][1] : a[i]; if (!$P$isOn(n)) want.push(n + "=" + a[i + 1]); }
  for (var j = 0; j < e.attributes.length; j++) have.push(e.attributes[j].name + "=" + e.attributes[j].value);
  if (want.join("\u0000") === have.join("\u0000")) return;
  while (e.attributes.length) e.removeAttributeNode(e.attributes[0]);
  $P$setAttrs(e, a, false);
}
// the parsed markup against the tuples: what the parser built differently is rebuilt from them
function $P$repair(parent, kids) {
  var real = $P$kids(parent), into = $P$into(parent), ok = real.length === kids.length;
  for (var i = 0; ok && i < kids.length; i++) ok = $P$same(real[i], kids[i]);
  if (!ok) { while (into.firstChild) into.removeChild(into.firstChild); for (var j = 0; j < kids.length; j++) into.appendChild($P$build(kids[j], null)); return; }
  for (var k = 0; k < kids.length; k++) {
    var n = real[k], t = kids[k];
    if (typeof t === "string" || typeof t[0] !== "string") continue;
    if (n.namespaceURI === $P$HTML && n.localName === "script") { into.replaceChild($P$build(t, null), n); continue; }
    $P$fixAttrs(n, t[1]);
    $P$repair(n, t[2] || []);
  }
}
function $P$walk(n, out) { out.push(n); var k = $P$kids(n); for (var i = 0; i < k.length; i++) $P$walk(k[i], out); return out; }
function $P$flat(t, out) { out.push(t); var k = $P$tkids(t); for (var i = 0; i < k.length; i++) $P$flat(k[i], out); return out; }
// what this browser must allow is checked before anything changes: storage the page holds
var $P$stores = [["localStorage", $P$st.storage.local], ["sessionStorage", $P$st.storage.session]].map(function (s) {
  try { var store = $P$global[s[0]]; store.getItem(""); return [store, s[1]]; } catch (e) { if (s[1].length) $P$fail("its " + s[0] + " cannot be written here (" + e.message + ")"); return null; }
});
$P$self.parentNode.removeChild($P$self);
$P$repair($P$doc, $P$st.doc[1]);
var $P$N = $P$walk($P$doc, []), $P$T = $P$flat($P$st.doc, []);
if ($P$N.length !== $P$T.length) $P$fail("the document did not rebuild to the snapshot's shape (" + $P$N.length + " nodes, not " + $P$T.length + ")");
var $P$D = $P$st.detached.map(function (t) { var l = []; $P$build(t, l); return l; });
var $P$pairs = [[$P$N, $P$T]].concat($P$st.detached.map(function (t, r) { return [$P$D[r], $P$flat(t, [])]; }));
function $P$node(s) { return typeof s === "number" ? $P$N[s] : $P$D[s[0]][s[1]]; }
// live form state: values, checkedness, options, then each select's index
$P$pairs.forEach(function (p) { for (var i = 0; i < p[1].length; i++) { var t = p[1][i], f = typeof t !== "string" && typeof t[0] === "string" ? t[3] : 0, e = p[0][i]; if (!f) continue; if ("v" in f) e.value = f.v; if ("c" in f) e.checked = f.c; if ("i" in f) e.indeterminate = f.i; if (f.s) e.selected = f.s[0]; } });
$P$pairs.forEach(function (p) { for (var i = 0; i < p[1].length; i++) { var t = p[1][i], f = typeof t !== "string" && typeof t[0] === "string" ? t[3] : 0; if (f && "x" in f) p[0][i].selectedIndex = f.x; } });
if ($P$st.focus !== null) { var $P$f = $P$node($P$st.focus); if ($P$f.focus) $P$f.focus({ preventScroll: true }); } else if ($P$doc.activeElement && $P$doc.activeElement.blur) $P$doc.activeElement.blur();
$P$stores.forEach(function (s) { if (!s) return; s[0].clear(); s[1].forEach(function (kv) { s[0].setItem(kv[0], kv[1]); }); });
$P$st.canvases.forEach(function (c, i) {
  var ctx = $P$node(c[0]).getContext("2d"), saved = c[1];
  ctx.save(); ctx.globalCompositeOperation = "copy"; ctx.drawImage($P$imgs[i], 0, 0); ctx.restore();
  for (var k in saved.state) ctx[k] = saved.state[k];
  ctx.setLineDash(saved.lineDash);
  ctx.setTransform(saved.transform[0], saved.transform[1], saved.transform[2], saved.transform[3], saved.transform[4], saved.transform[5]);
});
// the page's clock counts on from the snapshot's: performance.now and animation-frame times
var $P$perfObj = $P$global.performance, $P$pnow = $P$perfObj.now.bind($P$perfObj), $P$base = $P$pnow(), $P$raf = $P$global.requestAnimationFrame.bind($P$global), $P$caf = $P$global.cancelAnimationFrame.bind($P$global);
function $P$pageNow() { return $P$pnow() - $P$base + $P$st.clock; }
$P$dp($P$perfObj, "now", { value: function now() { return $P$pageNow(); }, writable: true, enumerable: true, configurable: true });
function $P$frame(id, cb) {
  var t = { h: null, f: true };
  $P$timers.set(id, t);
  t.h = $P$raf(function (ts) { if ($P$timers.get(id) !== t) return; $P$timers.delete(id); cb(ts - $P$base + $P$st.clock); });
}
$P$dp($P$global, "requestAnimationFrame", { value: function requestAnimationFrame(cb) { if (typeof cb !== "function") throw new TypeError("Failed to execute 'requestAnimationFrame' on 'Window': parameter 1 is not of type 'Function'."); var id = $P$nextId++; $P$frame(id, cb); return id; }, writable: true, enumerable: true, configurable: true });
$P$dp($P$global, "cancelAnimationFrame", { value: function cancelAnimationFrame(id) { var t = $P$timers.get(id); if (t && t.f) { $P$caf(t.h); $P$timers.delete(id); } }, writable: true, enumerable: true, configurable: true });
function $P$listen(target, type, cb, capture, once, passive) { $P$call($P$ael, target, type, cb, { capture: capture, once: once, passive: passive }); }
function $P$on(target, name, fn) { target[name] = fn; }
function $P$attrs() { $P$pairs.forEach(function (p) { for (var i = 0; i < p[1].length; i++) { var t = p[1][i]; if (typeof t !== "string" && typeof t[0] === "string") $P$setAttrs(p[0][i], t[1], true); } }); }
function $P$history(length, state) {
  var h = $P$global.history;
  // (the tab's own entries before the page count too: history.length comes out as the snapshot's where it can)
  for (var i = h.length; i < Math.min(length, 1000); i++) h.pushState(null, "");
  try { h.replaceState(state, "", $P$st.url); } catch (e) { var u = new URL($P$st.url); h.replaceState(state, "", location.pathname + u.search + u.hash); }
}
// a pending hashchange of a fragment navigation (its popstate has fired): the browser's own event
function $P$fireHashChange(oldURL, newURL) { $P$global.dispatchEvent(new HashChangeEvent("hashchange", { oldURL: String(oldURL), newURL: String(newURL) })); }
// a pending fetch of the app's file: the browser's own fetch, from where the page is now
function $P$deliverFetch(resolve, href, method) {
  var dir = $P$st.url.slice(0, $P$st.url.lastIndexOf("/") + 1), url = href;
  try { if (new URL(href).protocol !== location.protocol && href.indexOf(dir) === 0) url = new URL(href.slice(dir.length), location.href).href; } catch (e) {}
  resolve(fetch(url, { method: method || "GET" }));
}`;
