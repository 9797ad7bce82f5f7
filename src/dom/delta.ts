// Page deltas: after a page's first whole trip, each side keeps its page, and a trip carries only what
// changed since the state both agreed on — the engine's owners as for scripts (snapshot/delta.ts, with
// this room's HostCapture claiming the DOM's objects) and the DOM's nodes: created, changed, deleted.
//
// Nodes are named by ids both sides keep (`DomAgreed`), not by their tree order: a page that moves by
// deltas is written in *id mode* (PageState.ids: each node's id in the order the restore builds them),
// and `{n: id}` names a node in every later trip, however the tree changed. The DOM's part of the agreed
// state is one record per node — the node's tuple (snapshot.ts `Tree`) with its children as ids — and a
// delta carries the records that differ (new or changed nodes), the ids dropped, and the side table
// (focus, clock, storage when it changed, canvases whose pixels or context changed, as PNG). The receiver
// checks the whole change against its table before it touches anything (a refusal there leaves the page
// as it was), then applies it in place on the page it kept: new nodes made as a restore makes them,
// changed attributes, data and form state set, changed child lists emptied and filled again in order.
// Listeners travel as a change (those removed by their index among the agreed ones, those added); the
// `on*` properties with every trip (the engine section's links; the kept page's are taken off first);
// the window's changed properties are the window's owner, emptied back to the page's
// birth and refilled (`clear`).
import { createHash } from 'node:crypto';
import { types } from 'node:util';
import { DeltaRefused, SnapshotError, applyDelta, captureDelta, deltaBase, isObject, stateAfterRestore, type DeltaCapture, type DeltaState } from '../snapshot/index';
import type { CanvasSnapshot } from './canvas';
import { Page, type ListenerRecord, type PageOptions } from './page';
import { PageCapture, PageRestore, expandoKeys, fromAttribute, idList, isDomObject, type FormState, type PageLinks, type PageState, type Tree } from './snapshot';

/** The DOM's side of a page's agreed state (DeltaState.host), as one side holds it. */
export interface DomAgreed {
  /** The page's nodes by id, and back. */
  nodes: Map<number, object>;
  ids: Map<object, number>;
  /** Each node's record: its tuple with its children as ids (JSON). */
  records: Map<number, string>;
  /** Each node's children (ids), read from its record. */
  kids: Map<number, number[]>;
  /** The document's id. */
  doc: number;
  /** The id the next new node gets. */
  next: number;
  /** Per canvas with a context: a hash of its saved pixels and context state. */
  canvases: Map<number, string>;
  /** localStorage and sessionStorage (JSON). */
  storage: string;
  /** The window's own properties that are not its birth's, in order (happy-dom's named elements among them). */
  windowKeys: string[];
  /**
   * The page's listeners as written, in order (this side's records): a delta names the agreed ones it
   * removes by their index here, and lists the ones added after the last it keeps (`DeltaLinks`).
   */
  listeners: ListenerRecord[];
}

/**
 * A delta's links (`$.hostLinks` of a page delta): the listeners as a change — `r` the indexes of agreed
 * ones removed (ascending), `l` those added, after the ones kept — with the `on*` properties, frames and
 * history whole.
 */
interface DeltaLinks extends PageLinks {
  r: number[];
}

/** A delta's DOM part (`$.hostState(…)` of a page delta). */
interface DomDelta {
  d: 1;
  /** New and changed nodes: id, record. */
  nodes: [number, Tree][];
  drop: number[];
  focus: number | null;
  storage?: PageState['storage'];
  canvases: [number, CanvasSnapshot][];
  clock: number;
  next: number;
  /** The window's own properties that are not its birth's, in order. */
  wk: string[];
}

const hash = (text: string) => createHash('sha256').update(text).digest('base64');

/** Where a node's tuple (or record) holds its children: an element's third field, a document's or fragment's second; -1: none. */
const childrenAt = (t: unknown[]): number => (typeof t[0] === 'string' ? 2 : t[0] === 9 || t[0] === 11 ? 1 : -1);

/** A node's record and its children's ids, from a tuple whose children are the ids `take` hands out in tree order. */
function flatRecord(t: Tree, take: (t: Tree) => number): { rec: Tree; kids: number[] } {
  if (typeof t === 'string' || !Array.isArray(t)) return { rec: t, kids: [] };
  const rec = t.slice();
  const at = childrenAt(t);
  if (at < 0 || rec.length <= at) return { rec, kids: [] };
  const kids = (t[at] as Tree[]).map(take);
  rec[at] = kids;
  return { rec, kids };
}

/** The records of a state written in id mode (the whole snapshot's document and detached trees); `each` sees every record made. */
function recordsOf(state: PageState, each?: (id: number, rec: Tree, text: string) => void): { records: Map<number, string>; kids: Map<number, number[]>; doc: number } {
  const ids = idList(state.ids);
  if (!ids) throw new SnapshotError('page snapshot: no node ids (a page that moves by deltas is written with them)');
  const records = new Map<number, string>();
  const kids = new Map<number, number[]>();
  let k = 0;
  const take = (t: Tree): number => {
    const id = ids[k++];
    if (typeof id !== 'number') throw new SnapshotError('page snapshot: fewer node ids than nodes');
    const r = flatRecord(t, take);
    const text = JSON.stringify(r.rec);
    records.set(id, text);
    kids.set(id, r.kids);
    each?.(id, r.rec, text);
    return id;
  };
  const doc = take(state.doc);
  for (const t of state.detached) take(t);
  if (k !== ids.length) throw new SnapshotError('page snapshot: more node ids than nodes');
  return { records, kids, doc };
}

const storageText = (s: PageState['storage']) => JSON.stringify(s);

/**
 * The window's own properties that are not its birth's (nor happy-dom's internal symbols), in order — but
 * those holding a DOM object: happy-dom's named elements (`window.status` for `<p id=status>`) come and go
 * with the document, in an order a whole restore does not keep either; a delta leaves them in place.
 */
function programKeys(page: Page): PropertyKey[] {
  const birth = page.birth;
  const w = page.window;
  return Reflect.ownKeys(w).filter((k) => {
    if ((typeof k === 'symbol' && birth.internal.has(k)) || birth.windowProps.has(k)) return false;
    const d = Reflect.getOwnPropertyDescriptor(w, k);
    return !(d && 'value' in d && isObject(d.value) && isDomObject(page, d.value));
  });
}

/** programKeys' string keys: the window's key order a delta keeps. */
const windowKeysOf = (page: Page): string[] => programKeys(page).filter((k): k is string => typeof k === 'string');

/** node → id of an id → node table. */
const idsOf = (byId: Map<number, object>): Map<object, number> => {
  const ids = new Map<object, number>();
  for (const [id, n] of byId) ids.set(n, id);
  return ids;
};

/** How many leading entries two key lists share. */
function commonPrefix(a: readonly PropertyKey[], b: readonly PropertyKey[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
const canvasHashes = (list: [unknown, CanvasSnapshot][]) => new Map(list.map(([id, c]) => [id as number, hash(JSON.stringify(c))]));

/** The capture side in id mode: node ids kept from the agreed state, and the DOM's change against it. */
export class PageDeltaCapture extends PageCapture {
  private after: DomAgreed | null = null;
  private changed: [number, Tree][] = [];

  constructor(
    page: Page,
    private readonly base: DomAgreed | null,
  ) {
    super(page, { ids: base?.ids ?? new Map(), next: base?.next ?? 0 });
  }

  /** The DOM's side of the state this capture wrote (agreed once the other side has it). */
  agreedAfter(): DomAgreed {
    if (this.after) return this.after;
    const st = this.lastState;
    if (!st) throw new SnapshotError('page delta: the page was not captured');
    const nodes = new Map<number, object>();
    const ids = new Map<object, number>();
    for (const [n, id] of this.slots) nodes.set(id as number, n), ids.set(n, id as number);
    const { records, kids, doc } = recordsOf(st, (id, rec, text) => {
      if (this.base?.records.get(id) !== text) this.changed.push([id, rec]);
    });
    const windowKeys = windowKeysOf(this.page);
    this.after = { nodes, ids, records, kids, doc, next: st.next!, canvases: canvasHashes(st.canvases), storage: storageText(st.storage), windowKeys, listeners: this.listed };
    return this.after;
  }

  /**
   * The listeners as a change against the agreed ones. Both lists are in the order they were added (a
   * listener added since comes after every one kept), and so is each target's list, which decides the
   * order they run in: the ones kept are the longest run from the start that keeps the agreed order; all
   * after it travel as added (a listener removed and added again is both), and the agreed ones not kept
   * are named as removed.
   */
  deltaLinks(): { data: DeltaLinks; values: number[] } {
    const { data, values } = this.lastLinks!;
    const agreed = this.base!.listeners;
    const at = new Map(agreed.map((r, i) => [r, i]));
    const kept = new Set<number>();
    let keep = 0;
    for (let last = -1; keep < this.listed.length; keep++) {
      const i = at.get(this.listed[keep]!);
      if (i === undefined || i <= last) break;
      kept.add((last = i));
    }
    const r: number[] = [];
    for (let i = 0; i < agreed.length; i++) if (!kept.has(i)) r.push(i);
    const rest: number[] = [];
    for (let i = 2 * keep; i < values.length; i++) rest.push(i);
    return { data: { ...data, l: data.l.slice(keep), r }, values: rest };
  }

  noDelta(): string | null {
    this.agreedAfter();
    const madeDocument = this.changed.some(([id, rec]) => !this.base?.records.has(id) && Array.isArray(rec) && rec[0] === 9);
    return madeDocument ? "the program made a new document (page deltas carry the page's own document only)" : null;
  }

  deltaState(): unknown {
    const base = this.base!;
    const after = this.agreedAfter();
    const st = this.lastState!;
    const drop: number[] = [];
    for (const id of base.records.keys()) if (!after.records.has(id)) drop.push(id);
    const delta: DomDelta = {
      d: 1,
      nodes: this.changed,
      drop,
      focus: st.focus as number | null,
      canvases: st.canvases.filter(([id]) => base.canvases.get(id as number) !== after.canvases.get(id as number)) as [number, CanvasSnapshot][],
      clock: st.clock,
      next: after.next,
      wk: after.windowKeys,
    };
    if (after.storage !== base.storage) delta.storage = st.storage;
    return delta;
  }

  notClearable(o: object): string | null | undefined {
    if (o === this.window) {
      // emptied back to the page's birth and refilled in order: the program's properties after those it
      // shares with the agreed state's (in order) are deleted and written again, so each must be configurable
      if (!Object.isExtensible(o)) return 'is the window, which is not extensible, and changed';
      const keys = programKeys(this.page);
      const symbol = keys.find((k) => typeof k === 'symbol');
      if (symbol) return `is the window, with a symbol-keyed property (${String(symbol)}), and changed`;
      const before = this.base?.windowKeys ?? [];
      for (const k of before.slice(commonPrefix(before, keys))) {
        const d = Reflect.getOwnPropertyDescriptor(o, k);
        if (d && !d.configurable) return `is the window, whose non-configurable property ${k} (a global var or function) would move after properties the program added, and changed`;
      }
      return null;
    }
    if (this.slots.has(o)) {
      const keys = expandoKeys(this.page, o);
      if (keys.some((k) => !Reflect.getOwnPropertyDescriptor(o, k)?.configurable)) return 'is a node with a non-configurable expando, and changed';
      if (keys.length && !Object.isExtensible(o)) return 'is a node that is not extensible, and changed';
      return null;
    }
    const c = this.claim(o);
    return isObject(c) ? null : undefined;
  }
}

/** The restore side in id mode: a whole page (a fresh one), or a delta applied in place on the kept page. */
export class PageDeltaRestore extends PageRestore {
  private after: DomAgreed | null = null;
  /** The delta's DOM change, once applied. */
  private change: DomDelta | null = null;

  constructor(
    page: Page,
    /** The kept page's agreed DOM (a delta), or null (a whole snapshot into a fresh page). */
    private readonly base: DomAgreed | null,
  ) {
    super(page);
    if (base) this.byId = new Map(base.nodes);
  }

  state(raw: unknown): void {
    if (!this.base) return super.state(raw);
    if (this.after) this.fail('a delta with two DOM changes');
    const started = performance.now();
    const change = checkDomDelta(this.base, raw);
    this.apply(change);
    this.change = change;
    this.documentMs = performance.now() - started;
  }

  /** The DOM's side of the state restored (or made by the delta); its listeners are the page's now (its links were restored). */
  agreedAfter(): DomAgreed {
    if (this.after) return this.after;
    const st = this.restored;
    if (!st || !this.byId) throw new SnapshotError('page snapshot: restored without node ids (not written for deltas)');
    const { records, kids, doc } = recordsOf(st);
    const ids = idsOf(this.byId);
    const windowKeys = windowKeysOf(this.page);
    return (this.after = {
      nodes: new Map(this.byId),
      ids,
      records,
      kids,
      doc,
      next: typeof st.next === 'number' ? st.next : nextAfter(this.byId),
      canvases: canvasHashes(st.canvases),
      storage: storageText(st.storage),
      windowKeys,
      listeners: [...this.page.listeners],
    });
  }

  private apply(p: DomDelta): void {
    const base = this.base!;
    const byId = this.byId!;
    const document = this.page.birth.windowProps.get('document')!.value as any;
    if (Number.isFinite(p.clock)) this.page.setClock(p.clock);
    const forms: [any, FormState][] = [];
    const records = new Map(base.records);
    const kids = new Map(base.kids);
    const relist: number[] = [];
    // new nodes first (without children), then what changed on known ones
    for (const [id, rec] of p.nodes) {
      const old = base.records.get(id);
      const kidIds = recordKids(rec);
      if (old === undefined) {
        const [node] = this.makeNode(document, rec, forms);
        byId.set(id, node);
        if (kidIds.length) relist.push(id);
      } else {
        const node = byId.get(id) as any;
        const before = JSON.parse(old) as Tree;
        if (typeof rec === 'string') node.data = rec;
        else if (typeof rec[0] === 'string') {
          this.attributes(node, (before as unknown[])[1] as unknown[], rec[1] as unknown[]);
          if (isObject(rec[3])) forms.push([node, rec[3] as FormState]);
        } else if (rec[0] === 4 || rec[0] === 8) node.data = String(rec[1]);
        else if (rec[0] === 7) node.data = String(rec[2]);
        if (JSON.stringify(kidIds) !== JSON.stringify(base.kids.get(id) ?? [])) relist.push(id);
      }
      records.set(id, JSON.stringify(rec));
      kids.set(id, kidIds);
    }
    // changed child lists: children leaving a parent are taken out of every changed parent first, so
    // that one moving between two of them is free when it is put in
    for (const id of relist) {
      const node = byId.get(id) as any;
      const left = new Set(kids.get(id));
      for (const k of base.kids.get(id) ?? []) if (!left.has(k) && byId.get(k)) node.removeChild(byId.get(k));
    }
    for (const id of relist) {
      const now = new Set(kids.get(id));
      this.relist(
        byId.get(id),
        (base.kids.get(id) ?? []).filter((k) => now.has(k)),
        kids.get(id)!,
      );
    }
    for (const [el, f] of forms) this.form(el, f);
    for (const id of p.drop) {
      byId.delete(id);
      records.delete(id);
      kids.delete(id);
    }
    this.sideTable({ focus: p.focus, canvases: p.canvases, ...(p.storage ? { storage: p.storage } : {}) });
    const canvases = new Map(base.canvases);
    for (const id of p.drop) canvases.delete(id);
    for (const [id, c] of p.canvases) canvases.set(id, hash(JSON.stringify(c)));
    const ids = idsOf(byId);
    // (the listeners: the page's as they stand, replaced by `links` once the delta's are applied)
    this.after = {
      nodes: new Map(byId),
      ids,
      records,
      kids,
      doc: base.doc,
      next: p.next,
      canvases,
      storage: p.storage ? storageText(p.storage) : base.storage,
      windowKeys: p.wk,
      listeners: [...this.page.listeners],
    };
  }

  /**
   * An element's attributes from `before` to `after` (flat name, value lists), as a program changes them:
   * those gone removed, values set in place, new ones appended — or, when the kept ones changed order,
   * all removed and set again in order.
   */
  private attributes(node: any, before: unknown[], after: unknown[]): void {
    if (JSON.stringify(before) === JSON.stringify(after)) return;
    const key = (n: unknown) => JSON.stringify(n);
    const names = (list: unknown[]) => list.filter((_, i) => i % 2 === 0).map(key);
    const afterNames = names(after);
    const kept = names(before).filter((n) => afterNames.includes(n));
    const inPlace = kept.every((n, i) => afterNames[i] === n);
    for (let i = 0; i < before.length; i += 2) {
      const name = before[i];
      if (inPlace && afterNames.includes(key(name))) continue;
      if (Array.isArray(name)) node.removeAttributeNS(name[0] ?? null, String(name[1]).replace(/^[^:]*:/, ''));
      else node.removeAttribute(String(name));
    }
    const old = new Map<string, unknown>();
    if (inPlace) for (let i = 0; i < before.length; i += 2) old.set(key(before[i]), before[i + 1]);
    for (let i = 0; i + 1 < after.length; i += 2) {
      const name = after[i];
      if (old.get(key(name)) === after[i + 1]) continue;
      if (Array.isArray(name)) node.setAttributeNS(name[0] ?? null, String(name[1]), String(after[i + 1]));
      else node.setAttribute(String(name), String(after[i + 1]));
    }
  }

  /**
   * A parent's children from the ids `before` to `after`: the longest run of kept children that stays in
   * order stays in place; the others are taken out and put in where they belong (as a program moves them).
   */
  private relist(node: any, before: number[], after: number[]): void {
    const byId = this.byId!;
    const at = new Map(after.map((id, i) => [id, i]));
    // longest increasing run of new positions among the kept children (patience sorting)
    const seq = before.filter((id) => at.has(id));
    const tails: number[] = [];
    const prev = new Array<number>(seq.length).fill(-1);
    seq.forEach((id, i) => {
      const pos = at.get(id)!;
      let lo = 0;
      let hi = tails.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (at.get(seq[tails[mid]!]!)! < pos) lo = mid + 1;
        else hi = mid;
      }
      if (lo > 0) prev[i] = tails[lo - 1]!;
      tails[lo] = i;
    });
    const stay = new Set<number>();
    for (let i = tails.length ? tails[tails.length - 1]! : -1; i >= 0; i = prev[i]!) stay.add(seq[i]!);
    for (const id of before) if (!stay.has(id)) node.removeChild(byId.get(id));
    for (let i = after.length - 1, next: any = null; i >= 0; i--) {
      const child = byId.get(after[i]!) as any;
      if (!stay.has(after[i]!)) {
        if (child[this.PS.localName!] === 'script') child[this.PS.disableEvaluation!] = true; // a delta never runs the page's scripts
        node.insertBefore(child, next);
      }
      next = child;
    }
  }

  links(raw: unknown, values: unknown[]): void {
    if (this.base) {
      // the agreed listeners the delta removes go (and any other the page holds: the agreed ones are all it
      // wrote), then it adds its own (super.links); the kept page's `on*` properties and frames give way to
      // the ones the delta lists
      const page = this.page;
      const agreed = this.base.listeners;
      let r: number[];
      try {
        r = checkRemovals(agreed.length, raw);
      } catch (e) {
        // (applyPageDelta checked them before anything changed; text that reaches here unchecked fails the same way)
        this.fail((e as Error).message);
      }
      const removed = new Set(r.map((i) => agreed[i]));
      const kept = new Set(agreed.filter((l) => !removed.has(l)));
      for (const l of [...page.listeners]) if (!kept.has(l)) page.controller.snapshot.removeListener(l.target, l.type, l.callback, l.capture);
      for (const t of [page.window, ...this.byId!.values()]) {
        const m = (t as Record<symbol, unknown>)[this.PS.propertyEventListeners!];
        if (!types.isMap(m)) continue;
        for (const [name, fn] of [...(Map.prototype.entries.call(m) as IterableIterator<[string, unknown]>)]) {
          if (isObject(fn) && !fromAttribute(this.PS, t, name, fn)) Map.prototype.delete.call(m, name);
        }
      }
      page.animationFrames.clear();
    }
    super.links(raw, values);
    if (this.after) this.after.listeners = [...this.page.listeners];
  }

  clear(o: object): boolean {
    const { birth, window } = this.page;
    if (o === window) {
      // back to the page's birth, but for the program's properties it shares, in order, with the state
      // the delta makes (written again in place); the delta refills what the program changed
      const want = this.change?.wk;
      if (!want) this.fail('a window to empty without its property order');
      const keys = programKeys(this.page);
      for (const k of keys.slice(commonPrefix(keys, want))) {
        if (!Reflect.getOwnPropertyDescriptor(o, k)!.configurable) this.fail(`the window's property ${String(k)} cannot be moved after the program's new ones`);
        Reflect.deleteProperty(o, k);
      }
      for (const [k, b] of birth.windowProps) {
        const d = Reflect.getOwnPropertyDescriptor(o, k);
        if (!d) Reflect.defineProperty(o, k, b);
        else if (d.configurable && (!Object.is(b.value, d.value) || b.get !== d.get || b.set !== d.set || b.writable !== d.writable || b.enumerable !== d.enumerable)) Reflect.defineProperty(o, k, b);
      }
      return true;
    }
    if (this.byId && birth.isNode(o)) {
      for (const k of expandoKeys(this.page, o)) Reflect.deleteProperty(o, k);
      return true;
    }
    // the page's other objects (classList, style, 2D contexts, birth objects): no expandos written
    for (let p = Object.getPrototypeOf(o), n = 0; p !== null && n < 64; p = Object.getPrototypeOf(p), n++) {
      if (this.page.engine.builtins.has(p)) return false;
      if (birth.paths.has(p)) return true;
    }
    return birth.paths.has(o);
  }
}

/** One more than the greatest id in use. */
function nextAfter(m: Map<number, object>): number {
  let next = 0;
  for (const id of m.keys()) if (id >= next) next = id + 1;
  return next;
}

/** A record's children (ids). */
function recordKids(rec: Tree): number[] {
  if (typeof rec === 'string' || !Array.isArray(rec)) return [];
  const at = childrenAt(rec);
  return at >= 0 && Array.isArray(rec[at]) ? (rec[at] as number[]) : [];
}

/** What kind of node a record describes (a known node keeps its kind: a change of kind is a forgery). */
function kindOf(rec: unknown): string {
  if (typeof rec === 'string') return 'text';
  if (!Array.isArray(rec)) return '?';
  if (typeof rec[0] === 'string') return `element ${JSON.stringify([rec[0], rec.length > 4 ? rec[4] : 'html'])}`;
  if (rec[0] === 7) return `instruction ${JSON.stringify(rec[1])}`;
  if (rec[0] === 10) return `doctype ${JSON.stringify(rec)}`; // (a doctype never changes)
  return `node of type ${String(rec[0])}`;
}

/** Refuse (a SnapshotError) a record whose shape is not one capture writes. */
function checkRecord(id: number, rec: unknown): void {
  const bad = (what: string): never => {
    throw new SnapshotError(`damaged page delta: node ${id} ${what}`);
  };
  const str = (v: unknown) => typeof v === 'string';
  const ids = (v: unknown) => Array.isArray(v) && v.every((k) => Number.isSafeInteger(k) && k >= 0);
  if (typeof rec === 'string') return;
  if (!Array.isArray(rec)) return bad('is neither a string nor a tuple');
  if (typeof rec[0] === 'string') {
    const attrs = rec[1];
    if (!Array.isArray(attrs) || attrs.length % 2) bad('has attributes that are not a flat name, value list');
    for (let i = 0; i < attrs.length; i += 2) {
      const n = attrs[i];
      if (!(str(n) || (Array.isArray(n) && n.length === 2 && (n[0] === null || str(n[0])) && str(n[1]))) || !str(attrs[i + 1])) bad('has an attribute that is not a name and a string');
    }
    if (rec.length > 2 && !ids(rec[2])) bad('has children that are not node ids');
    if (rec.length > 3 && rec[3] !== 0 && !isObject(rec[3])) bad('has form state that is not an object');
    if (rec.length > 4 && !(rec[4] === null || str(rec[4]))) bad('has a namespace that is not a string');
    if (rec.length > 5) bad('has more fields than an element');
    return;
  }
  switch (rec[0]) {
    case 4:
    case 8:
      if (rec.length !== 2 || !str(rec[1])) bad('is not a [type, data] tuple');
      return;
    case 7:
      if (rec.length !== 3 || !str(rec[1]) || !str(rec[2])) bad('is not a processing instruction');
      return;
    case 10:
      if (rec.length !== 4 || !rec.slice(1).every(str)) bad('is not a doctype');
      return;
    case 9:
    case 11:
      if (rec.length !== 2 || !ids(rec[1])) bad('has children that are not node ids');
      return;
    default:
      bad(`is of an unknown type ${JSON.stringify(rec[0])}`);
  }
}

/**
 * Check a delta's DOM part against the agreed DOM before anything changes: its shape, that known nodes
 * keep their kind, that new ids are new, that every child and dropped id is known or made, and that the
 * result is a forest whose roots are the document and detached trees (each node under one parent, no
 * cycle, no node dropped that is still in the tree). A SnapshotError says what was wrong.
 */
function checkDomDelta(base: DomAgreed, raw: unknown): DomDelta {
  const bad = (what: string): never => {
    throw new SnapshotError(`damaged page delta: ${what}`);
  };
  const p = raw as DomDelta;
  if (!isObject(p) || p.d !== 1 || !Array.isArray(p.nodes) || !Array.isArray(p.drop) || !Array.isArray(p.canvases)) return bad('its DOM change is not a page delta');
  if (!Number.isSafeInteger(p.next) || p.next < base.next) bad('its next node id goes back');
  if (typeof p.clock !== 'number' || !Number.isFinite(p.clock)) bad('its clock is not a number');
  const kids = new Map(base.kids);
  const made = new Map<number, Tree>();
  // (new ids are given in order to the nodes a capture writes: the next id is the one after the last new node)
  let end = base.next;
  for (const entry of p.nodes) {
    if (!Array.isArray(entry) || entry.length !== 2 || !Number.isSafeInteger(entry[0]) || entry[0] < 0) bad('a node entry that is not [id, record]');
    const [id, rec] = entry;
    if (made.has(id)) bad(`node ${id} given twice`);
    made.set(id, rec);
    checkRecord(id, rec);
    const old = base.records.get(id);
    if (old === undefined) {
      if (id < base.next || id >= p.next) bad(`new node ${id} outside the new ids (${base.next}…${p.next - 1})`);
      if (id >= end) end = id + 1;
      if (Array.isArray(rec) && rec[0] === 9) bad(`new node ${id} is a document (page deltas carry the page's own document only)`);
    } else if (kindOf(JSON.parse(old)) !== kindOf(rec)) bad(`node ${id} changed its kind (${kindOf(JSON.parse(old))} to ${kindOf(rec)})`);
    kids.set(id, recordKids(rec));
  }
  if (p.next > end) bad(`its next node id ${p.next} is past the new nodes it carries (it would be ${end})`);
  for (const id of p.drop) {
    if (!Number.isSafeInteger(id) || !base.records.has(id)) bad(`a drop of node ${String(id)}, which this page lacks`);
    if (made.has(id)) bad(`node ${id} both changed and dropped`);
    if (id === base.doc) bad('a drop of the document');
    kids.delete(id);
  }
  // the result: every child live and under one parent, no cycle
  const parent = new Map<number, number>();
  for (const [id, list] of kids) {
    for (const k of list) {
      if (!kids.has(k)) bad(`node ${id} has child ${k}, which the page would not have`);
      if (parent.has(k)) bad(`node ${k} is a child of both ${parent.get(k)} and ${id}`);
      if (k === base.doc) bad('the document is made a child');
      parent.set(k, id);
    }
  }
  let seen = 0;
  for (const id of kids.keys()) {
    if (parent.has(id)) continue;
    const stack = [id];
    while (stack.length) {
      seen++;
      for (const k of kids.get(stack.pop()!)!) stack.push(k);
    }
  }
  if (seen !== kids.size) bad('its nodes form a cycle');
  if (p.focus !== null && !(Number.isSafeInteger(p.focus) && kids.has(p.focus))) bad(`focus on node ${String(p.focus)}, which the page would not have`);
  const isCanvas = (id: number) => {
    const rec = made.has(id) ? made.get(id) : JSON.parse(base.records.get(id) ?? 'null');
    return Array.isArray(rec) && rec[0] === 'canvas';
  };
  const canvases = new Set<number>();
  for (const entry of p.canvases) {
    if (!Array.isArray(entry) || !kids.has(entry[0]) || !isCanvas(entry[0]) || !isObject(entry[1]))
      bad(`a canvas ${JSON.stringify(Array.isArray(entry) ? entry[0] : entry)} that is not a <canvas> of the page`);
    if (canvases.has(entry[0])) bad(`canvas ${entry[0]} given twice`);
    canvases.add(entry[0]);
  }
  if (!Array.isArray(p.wk) || !p.wk.every((k) => typeof k === 'string')) bad("the window's property order is not a list of names");
  if (p.storage !== undefined) {
    const entries = (v: unknown) => Array.isArray(v) && v.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string' && typeof e[1] === 'string');
    if (!isObject(p.storage) || !entries(p.storage.local) || !entries(p.storage.session)) bad('storage that is not lists of string pairs');
  }
  return p;
}

/** The DOM part of a page delta's text (its one `$.hostState` line), parsed; a SnapshotError when it is missing or not JSON. */
function domPartOf(text: string): unknown {
  const m = /^\$\.hostState\(("(?:[^"\\\n]|\\.)*")\);$/m.exec(text);
  if (!m) throw new SnapshotError('damaged page delta: it carries no DOM change');
  try {
    return JSON.parse(JSON.parse(m[1]!) as string);
  } catch {
    throw new SnapshotError('damaged page delta: its DOM change is not JSON');
  }
}

/** A delta's links (`$.hostLinks`): their data, or undefined when it has no links line (two are refused). */
function linksPartOf(text: string): unknown {
  const re = /^\$\.hostLinks\(("(?:[^"\\\n]|\\.)*"), /gm;
  const m = re.exec(text);
  if (!m) return undefined;
  if (re.exec(text)) throw new SnapshotError('damaged page delta: it carries two listener changes');
  try {
    return JSON.parse(JSON.parse(m[1]!) as string);
  } catch {
    throw new SnapshotError('damaged page delta: its listener change is not JSON');
  }
}

/** A delta's removed listeners (`r` of its links): ascending indexes among the `agreed` listeners (a SnapshotError naming what is wrong). */
function checkRemovals(agreed: number, links: unknown): number[] {
  const r = (links as Partial<DeltaLinks> | null)?.r;
  if (!Array.isArray(r) || !r.every((i, n) => Number.isSafeInteger(i) && i >= 0 && i < agreed && (n === 0 || i > r[n - 1]!))) {
    throw new SnapshotError(`damaged page delta: its removed listeners ${JSON.stringify(r)?.slice(0, 80)} are not indexes of the ${agreed} agreed ones in order`);
  }
  return r;
}

/**
 * Capture a page that moves by deltas: a whole snapshot in id mode when nothing is agreed, else a delta
 * against `agreed` (or a whole snapshot with the reason in `fallback`). Its `state` (agreed once the other
 * side applied the text) carries the DOM's side (`host`).
 */
export function capturePage(page: Page, agreed: DeltaState | null): DeltaCapture {
  const dom = (agreed?.host as DomAgreed | undefined) ?? null;
  if (agreed && !dom) throw new SnapshotError('page delta: the agreed state is not a page');
  const host = new PageDeltaCapture(page, dom);
  // (no portable section: only snapvm restores what goes over the link)
  return withDom(captureDelta(page.engine, agreed, { host, portable: false }), host);
}

/** A page's capture `d` (taken with `host`), whose state carries the DOM's side. */
export function withDom(d: DeltaCapture, host: PageDeltaCapture): DeltaCapture {
  const after = host.agreedAfter();
  let state: DeltaState | undefined;
  return {
    kind: d.kind,
    text: d.text,
    full: d.full,
    get state() {
      return (state ??= { ...d.state, host: after });
    },
    get owners() {
      return d.owners;
    },
    ...(d.fallback ? { fallback: d.fallback } : {}),
  };
}

/**
 * Apply a page delta in place on the page kept in `agreed`'s state; the new agreed state. Refused (a
 * DeltaRefused, `touched` false: the page is as it was) when it is for another state or its DOM part
 * or engine section does not check against the agreed state; `touched` when the engine's check after
 * the apply refused it (continue from a whole snapshot).
 */
export function applyPageDelta(page: Page, agreed: DeltaState, text: string): DeltaState {
  const dom = agreed.host as DomAgreed | undefined;
  if (!dom) throw new DeltaRefused('a page delta needs a page that moves by deltas (its agreed state has no node table)', false);
  if (deltaBase(text) === agreed.stateId) {
    // the whole DOM change and the listeners' are checked before anything is applied
    try {
      checkDomDelta(dom, domPartOf(text));
      const links = linksPartOf(text);
      if (links !== undefined) checkRemovals(dom.listeners.length, links);
    } catch (e) {
      if (e instanceof SnapshotError) throw new DeltaRefused(e.message, false);
      throw e;
    }
  }
  const host = new PageDeltaRestore(page, dom);
  const next = applyDelta(page.engine, agreed, text, host);
  return { ...next, host: host.agreedAfter() };
}

/** A page from a whole snapshot written for deltas (id mode), with the state a delta continues from (null when the text is not the canonical one capture writes). */
export function restorePageForDeltas(code: string, options: PageOptions = {}): { page: Page; state: DeltaState | null } {
  const { page, host, table } = Page.restoreHosted(code, options, (p) => new PageDeltaRestore(p, null));
  return { page, state: table ? restoredState(host, () => stateAfterRestore(table, code)) : null };
}

/** The agreed state after a whole page restore (`engine`: the engine's side), or null when the snapshot was not written for deltas (no node ids). */
export function restoredState(host: PageDeltaRestore, engine: () => DeltaState): DeltaState | null {
  return host.restored?.ids ? { ...engine(), host: host.agreedAfter() } : null;
}
