// Page snapshots: the DOM room's side of the snapshot room's host hook (../snapshot/host.ts).
//
// DOM objects are not walked as ordinary objects. The document is written once, as a tree of node
// tuples (no HTML: a restore builds it with createElementNS & co. and never runs the HTML parser),
// with a side table for what the tree does not carry: live form state, focus, storage, canvas pixels
// (PNG). Every node the heap references is "node k of the document in tree order" (or of a detached
// tree); happy-dom's own objects that exist before any script runs (classes, prototypes, methods,
// location, storage…) are named by their path from the window, recorded when the page is born; the
// window's own properties are diffed against that birth record. Listeners, `on*` properties and
// animation frames hold guest values and are written after the heap (`links`). Restore never runs
// the page's scripts, and no guest code runs while the document is rebuilt.
import { types } from 'node:util';
import { isObject, readFormatLine, readHeader, SnapshotError, type HostCapture, type SnapshotHeader, type HostClaim, type HostRestore, type PortableHost } from '../snapshot/index';
import type { CanvasSnapshot } from './canvas';
import type { ListenerRecord, Page } from './page';

/** happy-dom's internal property symbols (the bundle's PropertySymbol module namespace). */
type Symbols = Record<string, symbol>;
/** A node: k of the document in tree order, or [r, k]: node k of detached tree r. */
export type Slot = number | [number, number];
/**
 * A node, compact: a text node is its string; an element is [qualified name, attributes, children?,
 * form state or 0?, namespace?] (trailing defaults left out; the namespace defaults to HTML's;
 * attributes flat as name, value, …, a namespaced one's name as [namespace, name]); any other node is
 * [type, …]: [4, CDATA], [7, target, data], [8, comment], [10, name, publicId, systemId],
 * [9, children] (a document), [11, children] (a fragment).
 */
export type Tree = string | unknown[];
const HTML_NS = 'http://www.w3.org/1999/xhtml';
/** Live form state: value, checked, indeterminate; an option's selectedness and dirtiness; a select's index. */
export interface FormState {
  v?: string;
  c?: boolean;
  i?: boolean;
  s?: [boolean, boolean];
  x?: number;
}
export interface PageState {
  doc: Tree;
  detached: Tree[];
  focus: Slot | null;
  storage: { local: [string, string][]; session: [string, string][] };
  canvases: [Slot, CanvasSnapshot][];
  /** The page's clock (performance.now) at the snapshot. */
  clock: number;
  /**
   * Node ids (a page that moves by deltas, dom/delta.ts): the id of each node of `doc`, then of each
   * detached tree, in tree order, as runs of consecutive ids (first, how many, first, how many…: `idList`);
   * a slot is then a node's id. Absent: a slot is a tree-order index.
   */
  ids?: number[];
  /** With `ids`: the next id a new node gets. */
  next?: number;
}
export interface PageLinks {
  /** Per listener: type, capture, once, passive; its target and callback are values 2i, 2i+1. */
  l: [string, boolean, boolean, boolean][];
  /** Per `on*` property: its name; target and function are the values after the listeners'. */
  p: string[];
  /** Engine timers that are animation frames. */
  f: number[];
  /** history.length; the last value is history.state (entries before the current one keep the current URL). */
  h: number;
}

/** The page a snapshot's header names (its file and URL), or null for a script's snapshot; a damaged header is a SnapshotError. */
export function pageSnapshotInfo(code: string): { file: string; url: string } | null {
  return pageOfHeader(readHeader(code));
}

/** The page a snapshot header names (its file and URL), or null. */
export function pageOfHeader(header: SnapshotHeader): { file: string; url: string } | null {
  const page = (header.options as { host?: { page?: { file?: unknown; url?: unknown } } }).host?.page;
  return page && typeof page.file === 'string' && typeof page.url === 'string' ? { file: page.file, url: page.url } : null;
}

/**
 * Does a snapshot's header name a page (so `snapvm restore` brings back a page, not a script)? False for
 * anything unreadable. `head`: `code` is a streamed snapshot's first chunk (its trailer not there yet).
 */
export function isPageSnapshot(code: string, head = false): boolean {
  try {
    return pageOfHeader(head ? readFormatLine(code) : readHeader(code)) !== null;
  } catch {
    return false;
  }
}

const DERIVED = ['classList', 'style', 'dataset', 'attributes', 'childNodes', 'children'] as const;

/**
 * What a page was before any script ran: a path for every happy-dom object reachable from the window
 * (not nodes, not the engine's built-ins), and the window's own properties. A restored page is born the
 * same way, so a path names the same object in both.
 */
export class Birth {
  readonly paths = new Map<object, string>();
  readonly objects = new Map<string, object>();
  readonly windowProps = new Map<PropertyKey, PropertyDescriptor>();
  /** happy-dom's internal symbols (never the program's expandos). */
  readonly internal: Set<symbol>;
  readonly nodePrototype: object;
  private readonly hrefGetter: Function | undefined;
  readonly location: object;
  readonly history: object;
  /** happy-dom's own History members, as they were at birth: length and state getters, pushState, replaceState. */
  readonly historyApi: { length?: Function; state?: Function; push?: Function; replace?: Function };
  readonly localStorage: object | undefined;
  readonly sessionStorage: object | undefined;
  /** The window's objects a browser names the same (`localStorage`, `location`…), read at birth: for the browser form. */
  readonly windowNamed = new Map<object, string>();

  constructor(
    readonly window: object,
    readonly PS: Symbols,
    builtins: Map<object, string>,
    /** Functions of the page controller a snapshot may name (a pending fetch's timer calls one); nothing else of it. */
    named: Record<string, Function>,
  ) {
    this.internal = new Set(Object.values(PS).filter((s): s is symbol => typeof s === 'symbol'));
    const w = window as Record<string, any>;
    this.nodePrototype = w.Node.prototype;
    for (const k of Reflect.ownKeys(window)) this.windowProps.set(k, Reflect.getOwnPropertyDescriptor(window, k)!);
    const own = (k: string) => this.windowProps.get(k)?.value as object | undefined;
    // (happy-dom's getters, read before any script ran)
    this.location = own('location') ?? w.location;
    this.localStorage = own('localStorage') ?? w.localStorage;
    this.sessionStorage = own('sessionStorage') ?? w.sessionStorage;
    this.hrefGetter = member(this.location, 'href')?.get;
    this.history = own('history') ?? w.history;
    this.historyApi = {
      length: member(this.history, 'length')?.get,
      state: member(this.history, 'state')?.get,
      push: member(this.history, 'pushState')?.value,
      replace: member(this.history, 'replaceState')?.value,
    };
    for (const name of ['localStorage', 'sessionStorage', 'location', 'history', 'navigator', 'screen', 'performance', 'crypto', 'customElements', 'visualViewport']) {
      const v = (own(name) ?? w[name]) as unknown;
      if (isObject(v) && !this.windowNamed.has(v)) this.windowNamed.set(v, name);
    }
    const queue: [object, string][] = [];
    const add = (v: unknown, path: string) => {
      // (a node class's prototype, Element.prototype…, is happy-dom's own: its methods are named by path)
      if (!isObject(v) || this.paths.has(v) || builtins.has(v) || v === window || (this.isNode(v) && !Object.hasOwn(v, 'constructor'))) return;
      this.paths.set(v, path);
      this.objects.set(path, v);
      queue.push([v, path]);
    };
    queue.push([window, 'window']);
    for (const [name, f] of Object.entries(named)) add(f, `controller.${name}`);
    for (let i = 0; i < queue.length; i++) {
      const [o, p] = queue[i]!;
      for (const k of Reflect.ownKeys(o)) {
        const d = Reflect.getOwnPropertyDescriptor(o, k)!;
        const kp = typeof k === 'symbol' ? `${p}[${k.description ?? ''}]` : `${p}.${k}`;
        if ('value' in d) add(d.value, kp);
        else {
          add(d.get, `get ${kp}`);
          add(d.set, `set ${kp}`);
        }
      }
      add(Object.getPrototypeOf(o), `${p}.__proto__`);
    }
  }

  isNode(o: object): boolean {
    let p = Object.getPrototypeOf(o);
    for (let n = 0; p !== null && n < 64; n++, p = Object.getPrototypeOf(p)) if (p === this.nodePrototype) return true;
    return false;
  }

  /** The page's URL now (happy-dom's own getter, as it was at birth). */
  href(): string {
    return this.hrefGetter ? String(Reflect.apply(this.hrefGetter, this.location, [])) : '';
  }
}

/** A property's descriptor from an object's prototype chain (host reflection: no code runs). */
function member(o: object, name: string): PropertyDescriptor | undefined {
  for (let p: object | null = o; p !== null; p = Object.getPrototypeOf(p)) {
    const d = Reflect.getOwnPropertyDescriptor(p, name);
    if (d) return d;
  }
  return undefined;
}

const storageEntries = (storage: object | undefined, PS: Symbols): [string, string][] => {
  const data = storage ? ((storage as Record<symbol, unknown>)[PS.data!] as Record<string, unknown> | undefined) : undefined;
  return data ? Object.keys(data).map((k) => [k, String(data[k])]) : [];
};

/** The capture side: claims the page's objects and writes the document. */
export class PageCapture implements HostCapture {
  readonly header: unknown;
  protected readonly PS: Symbols;
  protected readonly birth: Birth;
  protected readonly window: object;
  private readonly document: object;
  protected readonly slots = new Map<object, Slot>();
  /** Tree order of the document, then of each detached tree met. */
  private readonly docNodes: object[];
  private readonly detached: object[][] = [];
  /** The state `state()` wrote last. */
  protected lastState: PageState | null = null;
  /** Id mode (`ids`: a page that moves by deltas): each node's id, kept from the agreed state; new nodes get ids from `next`. */
  protected next = 0;
  private derivedMap: Map<object, HostClaim> | null = null;
  /** Set by the DOM room's browser form (browser.ts): the portable section is then for a browser. */
  portable?: PortableHost;
  /** What `links` gave the engine section (the browser form writes the same). */
  lastLinks: { data: PageLinks; values: unknown[] } | null = null;
  /** The listeners `links` wrote, in order (a page delta's are a change against the agreed ones: delta.ts). */
  protected listed: ListenerRecord[] = [];

  constructor(
    protected readonly page: Page,
    private readonly ids: { ids: Map<object, number>; next: number } | null = null,
  ) {
    this.next = ids?.next ?? 0;
    this.birth = page.birth;
    this.PS = this.birth.PS;
    this.window = page.window;
    this.document = (this.birth.windowProps.get('document')?.value ?? (page.window as any).document) as object;
    const registry = (this.birth.windowProps.get('customElements')?.value ?? (page.window as any).customElements) as Record<symbol, unknown> | undefined;
    const defined = registry?.[this.PS.registry!];
    if (types.isMap(defined) && (defined as Map<unknown, unknown>).size > 0) throw new SnapshotError('the page defines custom elements: page snapshots do not carry them yet');
    this.docNodes = this.index(this.document, -1);
    this.header = { page: { file: page.file, url: this.birth.href() } };
  }

  /** `root` and its descendants in tree order (template contents inside their template). */
  private index(root: object, r: number): object[] {
    const list: object[] = [];
    const stack: object[] = [root];
    while (stack.length) {
      const n = stack.pop()!;
      this.slots.set(n, this.ids ? (this.ids.ids.get(n) ?? this.next++) : r < 0 ? list.length : [r, list.length]);
      list.push(n);
      const kids = this.children(n);
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
    return list;
  }

  private children(n: object): object[] {
    const PS = this.PS;
    const o = n as Record<symbol, any>;
    const content = o[PS.content!];
    const array = (content && o[PS.localName!] === 'template' ? content[PS.nodeArray!] : o[PS.nodeArray!]) as object[] | undefined;
    return array ? Array.prototype.slice.call(array) : [];
  }

  private slot(node: object): Slot {
    const s = this.slots.get(node);
    if (s !== undefined) return s;
    // a node outside the document: its whole tree is written as a detached tree
    let root = node;
    for (let p = (root as any)[this.PS.parentNode!]; p; p = (root as any)[this.PS.parentNode!]) root = p;
    if (this.slots.has(root) || (root as Record<symbol, unknown>)[this.PS.host!]) throw new SnapshotError('a node inside a shadow root: page snapshots do not carry shadow roots yet');
    this.detached.push(this.index(root, this.detached.length));
    return this.slots.get(node)!;
  }

  protected expandos(o: object): PropertyKey[] {
    return expandoKeys(this.page, o);
  }

  /** Own properties of the window the program made or changed since the page was born. */
  private windowChanges(): PropertyKey[] {
    const out: PropertyKey[] = [];
    for (const k of Reflect.ownKeys(this.window)) {
      if (typeof k === 'symbol' && this.birth.internal.has(k)) continue;
      const b = this.birth.windowProps.get(k);
      const d = Reflect.getOwnPropertyDescriptor(this.window, k)!;
      if (!b || !Object.is(b.value, d.value) || b.get !== d.get || b.set !== d.set || b.writable !== d.writable || b.enumerable !== d.enumerable || b.configurable !== d.configurable) out.push(k);
    }
    return out;
  }

  /** Objects a node keeps for its life (classList, style…): named by their node and property. */
  private derived(): Map<object, HostClaim> {
    if (this.derivedMap) return this.derivedMap;
    const map = new Map<object, HostClaim>();
    for (const n of this.slots.keys()) {
      for (const name of DERIVED) {
        const v = (n as Record<symbol, unknown>)[this.PS[name]!];
        if (isObject(v) && !map.has(v)) map.set(v, { ref: { p: [this.slots.get(n), name] }, props: [] });
      }
    }
    this.derivedMap = map;
    return map;
  }

  roots(): object[] {
    const roots: object[] = [this.window];
    for (const n of this.docNodes) if (this.expandos(n).length) roots.push(n);
    return roots;
  }

  claim(o: object): HostClaim | string | null {
    if (o === this.window) return { ref: { w: 1 }, props: this.windowChanges() };
    const born = this.birth.paths.get(o);
    if (born !== undefined) return { ref: { b: born }, props: [] };
    // one walk up the prototype chain: a node (Node.prototype on it), else what comes first, a built-in or a happy-dom class
    let first: string | null | undefined;
    for (let p = Object.getPrototypeOf(o), n = 0; p !== null && n < 64; p = Object.getPrototypeOf(p), n++) {
      if (p === this.birth.nodePrototype) return { ref: { n: this.slot(o) }, props: this.expandos(o) };
      if (first === undefined) first = this.page.engine.builtins.has(p) ? null : this.birth.paths.get(p);
    }
    const derived = this.derived().get(o);
    if (derived) return derived;
    const canvas = this.page.controller.snapshot.canvasOf(o);
    if (canvas) return { ref: { c: this.slot(canvas) }, props: [] };
    // any other instance of a happy-dom class cannot be written
    if (typeof first === 'string')
      return `a DOM object (an instance of ${first.replace(/\.__proto__$/, '')}; a page snapshot carries nodes, the window, storage, classList/style/dataset and 2D contexts)`;
    return null;
  }

  links(reached: (o: object) => boolean): { data: unknown; values: unknown[] } {
    const PS = this.PS;
    const data: PageLinks = { l: [], p: [], f: [], h: 1 };
    const values: unknown[] = [];
    // a detached node that nothing else holds is garbage in a browser: its listeners go with it
    this.listed = this.page.listeners.filter((r) => !(this.birth.isNode(r.target) && !this.slots.has(r.target) && !reached(r.target)));
    for (const r of this.listed) {
      data.l.push([r.type, r.capture, r.once, r.passive]);
      values.push(r.target, r.callback);
    }
    for (const t of [this.window, ...this.slots.keys()]) {
      const m = (t as Record<symbol, unknown>)[PS.propertyEventListeners!];
      if (!types.isMap(m)) continue;
      for (const [name, fn] of Map.prototype.entries.call(m) as IterableIterator<[string, unknown]>) {
        if (!isObject(fn) || fromAttribute(PS, t, name, fn)) continue;
        data.p.push(name);
        values.push(t, fn);
      }
    }
    const timers = this.page.engine.timers.timers;
    for (const id of this.page.animationFrames) if (timers.has(id)) data.f.push(id);
    const api = this.birth.historyApi;
    data.h = api.length ? Number(Reflect.apply(api.length, this.birth.history, [])) : 1;
    values.push(api.state ? Reflect.apply(api.state, this.birth.history, []) : null);
    this.lastLinks = { data, values };
    return { data, values };
  }

  state(): unknown {
    const PS = this.PS;
    const active = (this.document as Record<symbol, unknown>)[PS.activeElement!];
    const canvases: [Slot, CanvasSnapshot][] = [];
    for (const [n, slot] of this.slots) {
      const id = (n as Record<symbol, unknown>)[PS.localName!] === 'canvas' ? this.page.controller.snapshot.canvasId(n) : 0;
      const saved = id ? this.page.canvases.save(id) : null;
      if (saved) canvases.push([slot, saved]);
    }
    const state: PageState = {
      doc: this.tree(this.document),
      detached: this.detached.map((list) => this.tree(list[0]!)),
      focus: isObject(active) ? (this.slots.get(active) ?? null) : null,
      storage: { local: storageEntries(this.birth.localStorage, PS), session: storageEntries(this.birth.sessionStorage, PS) },
      canvases,
      clock: this.page.clock(),
    };
    if (this.ids) {
      const ids = (list: object[]) => list.map((n) => this.slots.get(n) as number);
      const list = ids(this.docNodes).concat(...this.detached.map(ids));
      const runs: number[] = [];
      for (const id of list) {
        if (runs.length && runs[runs.length - 2]! + runs[runs.length - 1]! === id) runs[runs.length - 1]!++;
        else runs.push(id, 1);
      }
      state.ids = runs;
      state.next = this.next;
    }
    this.lastState = state;
    return state;
  }

  private tree(n: object): Tree {
    const PS = this.PS;
    const o = n as Record<symbol, any>;
    const kids = () => this.children(n).map((c) => this.tree(c));
    switch (o[PS.nodeType!] as number) {
      case 1: {
        if (o[PS.shadowRoot!]) throw new SnapshotError(`a <${o[PS.localName!]}> with a shadow root: page snapshots do not carry shadow roots yet`);
        const attrs: unknown[] = [];
        const items = o[PS.attributes!][PS.items!];
        for (const a of Map.prototype.values.call(items) as IterableIterator<Record<symbol, any>>) {
          const ns = a[PS.namespaceURI!] ?? null;
          attrs.push(ns === null ? String(a[PS.name!]) : [ns, String(a[PS.name!])], String(a[PS.value!]));
        }
        const prefix = o[PS.prefix!];
        const form: FormState = {};
        const local = o[PS.localName!];
        if ((local === 'input' || local === 'textarea') && typeof o[PS.value!] === 'string') form.v = o[PS.value!];
        if (local === 'input' && typeof o[PS.checked!] === 'boolean') form.c = o[PS.checked!];
        if (local === 'input' && o[PS.indeterminate!] === true) form.i = true;
        if (local === 'option') form.s = [o[PS.selectedness!] === true, o[PS.dirtyness!] === true];
        if (local === 'select' && typeof o[PS.selectedIndex!] === 'number') form.x = o[PS.selectedIndex!];
        const ns = o[PS.namespaceURI!] ?? null;
        const out: unknown[] = [prefix ? `${prefix}:${local}` : local, attrs, kids(), Object.keys(form).length ? form : 0, ns];
        if (ns === HTML_NS) out.pop();
        while (out.length > 2 && (out[out.length - 1] === 0 || (Array.isArray(out[out.length - 1]) && (out[out.length - 1] as unknown[]).length === 0))) out.pop();
        return out;
      }
      case 3:
        return String(o[PS.data!]);
      case 4:
      case 8:
        return [o[PS.nodeType!], String(o[PS.data!])];
      case 7:
        return [7, String(o[PS.target!]), String(o[PS.data!])];
      case 10:
        return [10, String(o[PS.name!]), String(o[PS.publicId!]), String(o[PS.systemId!])];
      case 9:
      case 11:
        return [o[PS.nodeType!], kids()];
      default:
        throw new SnapshotError(`a node of type ${String(o[PS.nodeType!])}: page snapshots do not carry it`);
    }
  }
}

/** A page state's node ids (PageState.ids: runs of consecutive ids) one by one; null when they are not runs of ids (or more than `max`). */
export function idList(runs: unknown, max = 1e7): number[] | null {
  if (!Array.isArray(runs) || runs.length % 2) return null;
  const out: number[] = [];
  for (let i = 0; i < runs.length; i += 2) {
    const [first, count] = [runs[i], runs[i + 1]];
    if (!Number.isSafeInteger(first) || first < 0 || !Number.isSafeInteger(count) || count < 1 || out.length + count > max) return null;
    for (let k = 0; k < count; k++) out.push(first + k);
  }
  return out;
}

/** An `on*` attribute's handler, compiled from the attribute (a restore compiles it again when needed). */
export function fromAttribute(PS: Symbols, t: object, name: string, fn: object): boolean {
  const attrs = (t as Record<symbol, any>)[PS.attributes!];
  const items = attrs?.[PS.items!];
  if (!types.isMap(items) || !Map.prototype.has.call(items, `:${name}`)) return false;
  const d = Reflect.getOwnPropertyDescriptor(fn, 'name');
  return d !== undefined && typeof d.value === 'string' && d.value.startsWith('bound ');
}

/** A node's expandos: its own properties but happy-dom's internal symbols (and a form's or select's items). */
export function expandoKeys(page: Page, o: object): PropertyKey[] {
  const internal = page.birth.internal;
  const keys: PropertyKey[] = Object.getOwnPropertyNames(o);
  for (const k of Object.getOwnPropertySymbols(o)) if (!internal.has(k)) keys.push(k);
  if (!types.isProxy(o)) return keys;
  // a form or a select is a proxy whose own keys include its items (by index and name): not expandos
  return keys.filter((k) => {
    if (typeof k === 'string' && /^\d+$/.test(k)) return false;
    const d = Reflect.getOwnPropertyDescriptor(o, k);
    return !(d && 'value' in d && isObject(d.value) && isDomObject(page, d.value));
  });
}

/** A node, or an instance of a happy-dom class. */
export function isDomObject(page: Page, o: object): boolean {
  for (let p = Object.getPrototypeOf(o), n = 0; p !== null && n < 64; p = Object.getPrototypeOf(p), n++) {
    if (page.engine.builtins.has(p)) return false;
    if (page.birth.paths.has(p)) return true;
  }
  return false;
}

/** The restore side: rebuilds the document in a freshly born page, then names its objects. */
export class PageRestore implements HostRestore {
  protected readonly PS: Symbols;
  private docNodes: object[] = [];
  private detached: object[][] = [];
  /** Id mode (the state has `ids`): node by id. */
  protected byId: Map<number, object> | null = null;
  /** The state restored (its `ids` and trees give a page that moves by deltas its node table). */
  restored: PageState | null = null;
  /** Time spent rebuilding the document and its side table (ms). */
  documentMs = 0;

  constructor(protected readonly page: Page) {
    this.PS = page.birth.PS;
  }

  protected fail(what: string): never {
    throw new Error(`page snapshot: ${what}`);
  }

  state(raw: unknown): void {
    const started = performance.now();
    this.rebuild(raw as PageState);
    this.restored = raw as PageState;
    this.documentMs = performance.now() - started;
  }

  private rebuild(data: PageState): void {
    if (!isObject(data) || !Array.isArray(data.doc) || data.doc[0] !== 9 || !Array.isArray(data.detached)) this.fail('no document');
    const PS = this.PS;
    if (typeof data.clock === 'number' && Number.isFinite(data.clock)) this.page.setClock(data.clock);
    const document = this.page.birth.windowProps.get('document')!.value as any;
    const forms: [any, FormState][] = [];
    for (const child of Array.prototype.slice.call(document[PS.nodeArray!])) document.removeChild(child);
    this.docNodes = [document];
    for (const t of (data.doc as unknown[])[1] as Tree[]) document.appendChild(this.build(document, t, this.docNodes, forms));
    this.detached = data.detached.map((t) => {
      const list: object[] = [];
      this.build(document, t, list, forms);
      return list;
    });
    if (data.ids !== undefined) {
      const all = this.docNodes.concat(...this.detached);
      const ids = idList(data.ids, all.length); // (no more ids expanded than there are nodes)
      if (!ids || ids.length !== all.length) this.fail('node ids that do not match its nodes');
      this.byId = new Map();
      ids.forEach((id, i) => {
        if (this.byId!.has(id)) this.fail(`node id ${id} given twice`);
        this.byId!.set(id, all[i]!);
      });
    }
    for (const [el, f] of forms) this.form(el, f);
    document[PS.readyState!] = 'complete';
    this.sideTable(data);
  }

  /** An element's live form state. */
  protected form(el: any, f: FormState): void {
    const PS = this.PS;
    if (f.v !== undefined) el[PS.value!] = String(f.v);
    if (f.c !== undefined) el[PS.checked!] = f.c === true;
    if (f.i !== undefined) el[PS.indeterminate!] = f.i === true;
    if (Array.isArray(f.s)) {
      el[PS.selectedness!] = f.s[0] === true;
      el[PS.dirtyness!] = f.s[1] === true;
    }
    if (typeof f.x === 'number') el[PS.selectedIndex!] = f.x;
  }

  /** Focus, storage (when given) and canvases (those given), once the nodes exist. */
  protected sideTable(data: Pick<PageState, 'focus' | 'canvases'> & { storage?: PageState['storage'] }): void {
    const PS = this.PS;
    const document = this.page.birth.windowProps.get('document')!.value as any;
    document[PS.activeElement!] = data.focus === null ? null : this.node(data.focus);
    const fill = (storage: object | undefined, entries: [string, string][]) => {
      const d = storage ? (storage as Record<symbol, Record<string, string>>)[PS.data!] : undefined;
      if (!d || !Array.isArray(entries)) return;
      for (const k of Object.keys(d)) delete d[k];
      for (const [k, v] of entries) d[String(k)] = String(v);
    };
    if (data.storage) {
      fill(this.page.birth.localStorage, data.storage.local);
      fill(this.page.birth.sessionStorage, data.storage.session);
    }
    const loaded = new Set<object>();
    for (const [slot, saved] of data.canvases ?? []) {
      const el = this.node(slot);
      // (each canvas's pixels once: a list naming one canvas many times would decode its PNG as often)
      if (loaded.has(el)) this.fail(`the canvas at node ${JSON.stringify(slot)} given twice`);
      loaded.add(el);
      this.page.controller.snapshot.context2d(el);
      const id = String((el as { id?: unknown }).id ?? '');
      this.page.canvases.load(this.page.controller.snapshot.canvasId(el), saved, `the <canvas${id ? ` id=${JSON.stringify(id)}` : ''}> at node ${JSON.stringify(slot)}`);
    }
  }

  /** Make the node a tuple describes (its descendants appended), in tree order into `list`. */
  private build(document: any, t: Tree, list: object[], forms: [any, FormState][]): object {
    const [node, kids] = this.makeNode(document, t, forms);
    list.push(node);
    if (!Array.isArray(kids)) this.fail('a node whose children are not a list');
    for (const k of kids) node.appendChild(this.build(document, k as Tree, list, forms));
    return node;
  }

  /** The node a tuple describes, without its children (returned beside it, as the tuple gives them). */
  protected makeNode(document: any, t: Tree, forms: [any, FormState][]): [any, unknown] {
    const PS = this.PS;
    const str = (v: unknown) => String(v);
    if (typeof t === 'string') return [document.createTextNode(t), []];
    if (!Array.isArray(t)) this.fail('a node that is neither a string nor a tuple');
    let node: any;
    let kids: unknown = [];
    switch (typeof t[0] === 'string' ? 1 : t[0]) {
      case 1: {
        node = document.createElementNS(t.length > 4 ? (t[4] ?? null) : HTML_NS, t[0]);
        if (node[PS.localName!] === 'script') node[PS.disableEvaluation!] = true; // restore never runs the page's scripts
        const attrs = t[1];
        if (!Array.isArray(attrs)) this.fail('an element whose attributes are not a list');
        for (let i = 0; i + 1 < attrs.length; i += 2) {
          const name = attrs[i];
          if (Array.isArray(name)) node.setAttributeNS(name[0] ?? null, str(name[1]), str(attrs[i + 1]));
          else node.setAttribute(str(name), str(attrs[i + 1]));
        }
        if (isObject(t[3])) forms.push([node, t[3] as FormState]);
        kids = t[2] ?? [];
        break;
      }
      case 4:
        node = document.createCDATASection(str(t[1]));
        break;
      case 7:
        node = document.createProcessingInstruction(str(t[1]), str(t[2]));
        break;
      case 8:
        node = document.createComment(str(t[1]));
        break;
      case 10:
        node = document.implementation.createDocumentType(str(t[1]), str(t[2]), str(t[3]));
        break;
      case 11:
        node = document.createDocumentFragment();
        kids = t[1];
        break;
      case 9:
        node = document.implementation.createHTMLDocument('');
        for (const child of Array.prototype.slice.call(node[PS.nodeArray!])) node.removeChild(child);
        kids = t[1];
        break;
      default:
        this.fail(`a node of type ${String(t[0])}`);
    }
    return [node, kids];
  }

  protected node(slot: unknown): object {
    if (this.byId) return (typeof slot === 'number' && this.byId.get(slot)) || this.fail(`no node ${JSON.stringify(slot)} in the restored document`);
    const n = typeof slot === 'number' ? this.docNodes[slot] : Array.isArray(slot) ? this.detached[slot[0]]?.[slot[1]] : undefined;
    if (!n) this.fail(`no node ${JSON.stringify(slot)} in the restored document`);
    return n;
  }

  make(raw: unknown): object {
    const ref = raw as Record<string, any>;
    if (!isObject(ref)) this.fail('an object reference that is not an object');
    if (ref.w === 1) return this.page.window;
    if (typeof ref.b === 'string') return this.page.birth.objects.get(ref.b) ?? this.fail(`no DOM object at ${ref.b} in a fresh page`);
    if ('n' in ref) return this.node(ref.n);
    if ('c' in ref) return this.page.controller.snapshot.context2d(this.node(ref.c));
    if (Array.isArray(ref.p) && (DERIVED as readonly string[]).includes(ref.p[1])) {
      const v = Reflect.get(this.node(ref.p[0]), ref.p[1]);
      return isObject(v) ? v : this.fail(`no ${ref.p[1]} on node ${JSON.stringify(ref.p[0])}`);
    }
    return this.fail(`an unknown object reference ${JSON.stringify(ref)}`);
  }

  links(raw: unknown, values: unknown[]): void {
    const data = raw as PageLinks;
    if (!isObject(data) || !Array.isArray(data.l) || !Array.isArray(data.p) || !Array.isArray(data.f)) this.fail('damaged links');
    if (values.length !== 2 * (data.l.length + data.p.length) + 1 || typeof data.h !== 'number') this.fail('links without their values');
    const snap = this.page.controller.snapshot;
    data.l.forEach(([type, capture, once, passive], i) => snap.addListener(values[2 * i], String(type), values[2 * i + 1], capture === true, once === true, passive === true));
    const base = 2 * data.l.length;
    data.p.forEach((name, i) => {
      const m = (values[base + 2 * i] as Record<symbol, unknown>)?.[this.PS.propertyEventListeners!];
      if (!types.isMap(m)) this.fail(`an ${String(name)} property on something without event handlers`);
      Map.prototype.set.call(m, String(name), values[base + 2 * i + 1]);
    });
    for (const id of data.f) {
      if (typeof id !== 'number') this.fail('an animation frame that is not a timer id');
      this.page.animationFrames.add(id);
    }
    // (a kept page, a delta's: only the entries it lacks)
    const { history, historyApi: api } = this.page.birth;
    const length = api.length ? Number(Reflect.apply(api.length, history, [])) : 1;
    for (let i = length; i < Math.min(data.h, 1000) && api.push; i++) Reflect.apply(api.push, history, [null, '']);
    if (api.replace) Reflect.apply(api.replace, history, [values[values.length - 1], '']);
  }
}
