// V8's own iterators over arrays (and typed arrays, arguments objects, array-likes), Maps, Sets and
// strings hide where they stand. So the built-ins that make them (Array.prototype.values/keys/
// entries and [Symbol.iterator], the same of %TypedArray%.prototype, Map and Set, String.prototype
// [Symbol.iterator]) and the `next` of their prototypes are wrapped, as weak.ts wraps the weak
// collections: every such iterator, however it was made (a call, `.call`, spread, a V8 built-in that
// iterates), is noted with its source and kind, and each `next` step is counted. A snapshot then
// writes "an iterator over X at position p" and restore makes a real V8 iterator of the same kind,
// stepped to the same place (same prototype, same `next`, done stays done). RegExp string iterators
// (`matchAll`) are noted with the regexp they iterate, whose lastIndex is where they stand.
//
// An array iterator's position is its next index (steps taken); a string iterator's the code units
// it has passed. A Map/Set iterator's position is the number of live entries before its cursor
// (entries deleted meanwhile no longer count, later ones count when appended), which is the size
// minus the entries it has left: those are counted without stepping it and without running guest
// code (V8's preview of an iterator's entries, through util.inspect or the inspector, with a sentinel
// entry in the collection meanwhile: the preview finishes an iterator at the end, `position`).
//
// Cost: replacing `Array.prototype[Symbol.iterator]` and %ArrayIteratorPrototype%.next in the realm
// clears V8's isolate-wide array-iteration protector, so V8 built-ins that iterate arrays (`new Set(a)`,
// `Array.from(a)`, typed array constructors from arrays) would take their generic path, through these
// wrappers. fast-iteration.ts gives the guest-visible ones back a fast path (`plainIteration` is its
// test), and the VM steps an iterator whose `next` is one of these wrappers without the call through
// it (`direct`).
//
// Which definitions clear which protector (`node bench/protectors.js`, V8 11.3 / Node 20): the array one,
// defining `next` on %ArrayIteratorPrototype% or `Symbol.iterator` on any array (Array.prototype is one);
// the string one, String.prototype[Symbol.iterator] or %StringIteratorPrototype%.next; the Map one,
// %MapIteratorPrototype%.next; the Set one, Set.prototype[Symbol.iterator] or %SetIteratorPrototype%.next.
// The other makers (Array.prototype.keys/entries, %TypedArray%.prototype's, Map's, Set.prototype.entries,
// matchAll) clear none. Why the engine still defines those five: a held iterator's position is V8's hidden
// state (the inspector's internal properties show neither an array nor a string iterator's index; a
// heap snapshot shows an array iterator's source but not its index), so it is counted as it moves, and an iterator moves wherever V8's `next` is called
// (V8's Array.from, Set, Map, typed array constructors, Object.fromEntries, AggregateError over a held
// iterator; `Reflect.apply(next, it, [])`; a V8 built-in's callback given a `this`). Only the `next` V8
// finds sees all of them. A Map or Set iterator's `next` is wrapped to note its end (an exhausted
// iterator and one at its collection's end read the same). And `Array.prototype.values ===
// Array.prototype[Symbol.iterator]` must hold, so that maker is wrapped under both names. Keeping the
// protectors would need iterator objects that are the engine's from the realm's start (but the realm's
// Array.prototype is V8's intrinsic: defining its [Symbol.iterator] clears the protector however early),
// or every V8 path that can call a function routed through the engine; neither is done.
import { isObject, type Realm } from './realm';
import { inspect, types } from 'node:util';
import { installFastIteration, dataValue, type Plain } from './fast-iteration';

export type IteratorKind = 'array' | 'map' | 'set' | 'string' | 'regexp';
export type IteratorMode = 'keys' | 'values' | 'entries';

/** What the engine knows about one of V8's iterators. */
export interface TrackedIterator {
  kind: IteratorKind;
  mode: IteratorMode;
  /** The iterated object (undefined once done: V8 lets go of it). */
  source: unknown;
  /** Steps taken (array), code units passed (string); unused for Map/Set (read at capture) and RegExp string iterators (their regexp's lastIndex). */
  pos: number;
  done: boolean;
  /** A RegExp string iterator's string and its flags that matter ("g", "u"); its source is its regexp. */
  string?: string;
  flags?: string;
}

interface KindInfo {
  /** The original makers by mode. */
  make: Partial<Record<IteratorMode, Function>>;
  /** The original `next` of the kind's prototype. */
  next: Function;
  proto: object;
}

const MODES: IteratorMode[] = ['keys', 'values', 'entries'];

type Step = { done: boolean; value: unknown };
/**
 * The parameters and body of a function that makes a RegExp string iterator: V8's
 * RegExp.prototype[Symbol.matchAll] (`matchAll`) called (`apply`) on a stand-in `this` (plain data, no
 * guest code) whose species constructor (`species`: Symbol.species) hands it `matcher`, so the iterator
 * is over a regexp the caller knows. The engine's (`Iterators.matchAllOver`) and a portable section's.
 */
export const matchAllOverText = (matchAll: string, apply: string, species: string): string => `(matcher, flags, lastIndex, string) {
  var C = { __proto__: null };
  C[${species}] = function () { return matcher; };
  return ${apply}(${matchAll}, { __proto__: null, constructor: C, flags: flags, lastIndex: lastIndex }, [string]);
}`;
/** The engine's step of one of V8's iterators' `next`, taken without the call through it (`Iterators.direct`). */
export type DirectStep = (it: object) => Step;

export class Iterators {
  /** iterator → its record */
  readonly made = new WeakMap<object, TrackedIterator>();
  /**
   * The engine's `next` wrappers → the step each does (V8's step, noted), for a caller that has
   * the iterator and its `next` in hand (the VM) to take without calling through the wrapper.
   */
  readonly direct = new Map<unknown, DirectStep>();
  /** Per kind, the wrapper found at `[Symbol.iterator]` where V8 looks for it, its holder, and the `next` wrapper. */
  private readonly iterable: Record<'array' | 'string', { holder: object; maker: Function; next: Function }>;
  private readonly kinds: Record<IteratorKind, KindInfo>;
  private readonly mapSize: Function;
  private readonly setSize: Function;
  /** V8's Map.prototype.set and delete, Set.prototype.add and delete (the probe's sentinel entry). */
  private readonly sentinelOps: Record<'map' | 'set', { add: Function; remove: Function }>;
  private inspector: { session: import('node:inspector').Session; key: string } | null = null;

  constructor(private readonly realm: Realm) {
    const I = realm.intrinsics;
    const g = realm.global as any;
    const R = realm.R;
    const TA = Object.getPrototypeOf(g.Int8Array.prototype);
    const protoOf = (make: Function, source: unknown) => Object.getPrototypeOf(R.apply(make, source, []));
    this.kinds = {
      array: { make: { keys: g.Array.prototype.keys, values: I.ArrayValues, entries: g.Array.prototype.entries }, next: I.ArrayIteratorNext, proto: I.ArrayIteratorPrototype },
      map: { make: { keys: g.Map.prototype.keys, values: g.Map.prototype.values, entries: g.Map.prototype.entries }, next: null!, proto: protoOf(g.Map.prototype.entries, new g.Map()) },
      set: { make: { values: g.Set.prototype.values, entries: g.Set.prototype.entries }, next: null!, proto: protoOf(g.Set.prototype.values, new g.Set()) },
      string: { make: { values: g.String.prototype[Symbol.iterator] }, next: null!, proto: protoOf(g.String.prototype[Symbol.iterator], '') },
      regexp: { make: { values: g.RegExp.prototype[Symbol.matchAll] }, next: null!, proto: Object.getPrototypeOf(R.apply(g.RegExp.prototype[Symbol.matchAll], new g.RegExp('a', 'g'), [''])) },
    };
    for (const k of ['map', 'set', 'string', 'regexp'] as const) this.kinds[k].next = (this.kinds[k].proto as any).next;
    this.regexpExec = g.RegExp.prototype.exec;
    this.mapSize = Object.getOwnPropertyDescriptor(g.Map.prototype, 'size')!.get!;
    this.setSize = Object.getOwnPropertyDescriptor(g.Set.prototype, 'size')!.get!;
    this.sentinelOps = { map: { add: g.Map.prototype.set, remove: g.Map.prototype.delete }, set: { add: g.Set.prototype.add, remove: g.Set.prototype.delete } };

    // the makers: each property that holds the same function gets the same wrapper
    const wrap = (kind: IteratorKind, mode: IteratorMode, holder: object, keys: PropertyKey[], name: string, original = this.kinds[kind].make[mode]!) => {
      const fn = realm.native(name, 0, (t) => {
        const it = R.apply(original, t, []) as object; // V8 (%TypedArray% too) checks the receiver and throws its own TypeError
        this.made.set(it, { kind, mode, source: t, pos: 0, done: false });
        return it;
      });
      for (const key of keys) Object.defineProperty(holder, key, { value: fn, writable: true, enumerable: false, configurable: true });
      return fn;
    };
    const AP = g.Array.prototype;
    I.ArrayValues = wrap('array', 'values', AP, ['values', Symbol.iterator], 'values');
    this.iterable = { array: { holder: AP, maker: I.ArrayValues, next: null! }, string: { holder: g.String.prototype, maker: null!, next: null! } };
    wrap('array', 'keys', AP, ['keys'], 'keys');
    wrap('array', 'entries', AP, ['entries'], 'entries');
    for (const mode of MODES) wrap('array', mode, TA, mode === 'values' ? [mode, Symbol.iterator] : [mode], mode, TA[mode] as Function);
    wrap('map', 'keys', g.Map.prototype, ['keys'], 'keys');
    wrap('map', 'values', g.Map.prototype, ['values'], 'values');
    wrap('map', 'entries', g.Map.prototype, ['entries', Symbol.iterator], 'entries');
    wrap('set', 'values', g.Set.prototype, ['values', 'keys', Symbol.iterator], 'values');
    wrap('set', 'entries', g.Set.prototype, ['entries'], 'entries');
    this.iterable.string.maker = wrap('string', 'values', g.String.prototype, [Symbol.iterator], '[Symbol.iterator]');
    this.wrapMatchAll();

    // the steps
    const doneResult = realm.realmEval<() => Step>('(function () { return { value: undefined, done: true }; })');
    for (const kind of ['array', 'map', 'set', 'string', 'regexp'] as const) {
      const { next, proto } = this.kinds[kind];
      const counted = kind === 'array' || kind === 'string';
      const step = (t: unknown): Step => {
        let rec: TrackedIterator | undefined;
        if (counted) {
          rec = this.made.get(t as object);
          // done stays done (Node 20's typed array iterator starts again over a buffer grown back in bounds)
          if (rec !== undefined && rec.done) return doneResult();
        }
        const r = R.apply(next, t, []) as Step;
        // (a Map/Set or RegExp string iterator's position is read at capture: only its last step is noted;
        // a non-global RegExp string iterator is done once it has matched, V8 says so at the next step)
        if (!counted) {
          if (!r.done && kind !== 'regexp') return r;
          rec = this.made.get(t as object);
        }
        if (rec !== undefined && !rec.done) {
          if (r.done || (kind === 'regexp' && !rec.flags?.includes('g'))) {
            rec.done = true;
            rec.source = undefined;
          } else if (counted) rec.pos += kind === 'string' ? (r.value as string).length : 1;
        }
        return r;
      };
      const fn = realm.defineNative(proto, 'next', 0, step);
      this.direct.set(fn, step);
      if (kind === 'array' || kind === 'string') this.iterable[kind].next = fn;
      if (kind === 'array') I.ArrayIteratorNext = fn;
    }
    installFastIteration(realm, (v) => this.plainIteration(v));
  }

  /**
   * Whether iterating `v` is V8's own, untouched (what V8's iteration protector tells it): a string,
   * or an array that is not a Proxy, of the realm's Array.prototype, without an own
   * `Symbol.iterator`, while the maker V8 would find and the `next` of the iterator it makes are the
   * engine's. Then iterating it runs no guest code but its element reads. Reads descriptors only.
   */
  plainIteration(v: unknown): Plain {
    let kind: 'array' | 'string';
    if (typeof v === 'string') kind = 'string';
    else if (typeof v !== 'object' || v === null || types.isProxy(v) || !Array.isArray(v)) return 0;
    else if (Reflect.getPrototypeOf(v) !== this.iterable.array.holder || Reflect.getOwnPropertyDescriptor(v, Symbol.iterator) !== undefined) return 0;
    else kind = 'array';
    const { holder, maker, next } = this.iterable[kind];
    if (dataValue(holder, Symbol.iterator) !== maker || dataValue(this.kinds[kind].proto, 'next') !== next) return 0;
    return kind === 'array' ? 1 : 2;
  }

  private readonly regexpExec: Function;
  /**
   * V8's RegExp.prototype[Symbol.matchAll] over a stand-in `this` (plain data, no guest code) that hands
   * it `matcher` as the species-made regexp: the iterator V8 makes is over a regexp the engine knows.
   */
  private matchAllOver!: (matcher: object, flags: string, lastIndex: number, string: string) => object;

  /**
   * RegExp.prototype[Symbol.matchAll] (ecma262 §22.2.6.9): its steps 1-6 run as written (realm code:
   * the species constructor, `flags`, `lastIndex` are the guest's), and V8 makes the iterator over the
   * matcher they made, so the engine knows the iterator's regexp (where it stands is that regexp's
   * lastIndex), its string and its flags.
   */
  private wrapMatchAll(): void {
    const realm = this.realm;
    const g = realm.global as any;
    const original = this.kinds.regexp.make.values!;
    this.matchAllOver = realm.realmEval<(m: Function, apply: Function, species: symbol) => never>(`(function (matchAll, apply, species) {
      'use strict';
      return function ${matchAllOverText('matchAll', 'apply', 'species')};
    })`)(original, g.Reflect.apply, Symbol.species);
    const steps = realm.realmEval<(m: Function, RegExpCtor: Function, over: Function) => Function>(`(function (matchAll, RegExpCtor, over) {
      'use strict';
      var newTargetProbe = function () {};
      return function (R, string) {
        // 1-2. (V8 throws its own TypeError for a non-object this)
        if (R === null || (typeof R !== 'object' && typeof R !== 'function')) return [matchAll.call(R, string)];
        // 3. Let S be ? ToString(string).
        var S = \`\${string}\`;
        // 4. Let C be ? SpeciesConstructor(R, %RegExp%).
        var C = R.constructor;
        if (C === undefined) C = RegExpCtor;
        else {
          if (C === null || (typeof C !== 'object' && typeof C !== 'function')) throw new TypeError('object.constructor is not an object');
          C = C[Symbol.species];
          if (C === undefined || C === null) C = RegExpCtor;
          else Reflect.construct(newTargetProbe, [], C); // IsConstructor(C), or a TypeError
        }
        // 5. Let flags be ? ToString(? Get(R, "flags")).
        var flags = \`\${R.flags}\`;
        // 6. Let matcher be ? Construct(C, « R, flags »).
        var matcher = new C(R, flags);
        // 7. Let lastIndex be ? ToLength(? Get(R, "lastIndex")).
        var n = Number(R.lastIndex);
        var lastIndex = n !== n || n <= 0 ? 0 : Math.min(Math.floor(n), 9007199254740991);
        // 8-12. Set(matcher, "lastIndex", lastIndex, true) and the iterator: V8's, over the matcher
        return [over(matcher, flags, lastIndex, S), matcher, S, flags];
      };
    })`)(original, g.RegExp, this.matchAllOver as unknown as Function);
    const fn = realm.native('[Symbol.matchAll]', 1, (t, a) => {
      const r = realm.R.apply(steps, undefined, [t, a[0]]) as unknown[];
      if (r.length === 4) {
        const flags = r[3] as string;
        const marks = (flags.includes('g') ? 'g' : '') + (flags.includes('u') || flags.includes('v') ? 'u' : '');
        this.made.set(r[0] as object, { kind: 'regexp', mode: 'values', source: r[1], pos: 0, done: false, string: r[2] as string, flags: marks });
      }
      return r[0];
    });
    Object.defineProperty(g.RegExp.prototype, Symbol.matchAll, { value: fn, writable: true, enumerable: false, configurable: true });
  }

  /** The prototype of iterators of `kind` (a snapshot writes other prototypes). */
  protoOf(kind: IteratorKind): object {
    return this.kinds[kind].proto;
  }

  /**
   * Where a tracked iterator stands, as restore's `make` takes it. Null when it cannot be told
   * (a Map/Set iterator whose entries the inspector cannot read here).
   */
  position(it: object): { rec: TrackedIterator; pos: number } | null {
    const rec = this.made.get(it);
    if (!rec) return null;
    if (rec.done || (rec.kind !== 'map' && rec.kind !== 'set')) return { rec, pos: rec.done ? 0 : rec.pos };
    // V8's preview of a Map/Set iterator at its collection's end finishes it (its HasMore lets go of the
    // table), so the running program's iterator would then miss the entries added later. A sentinel
    // entry appended for the probe keeps every cursor short of the end (it is after all of them, and
    // counted out); deleted again, no iterator can tell it was there (an entry deleted is skipped,
    // as the spec's emptied record is). No guest code runs: V8's own set/add and delete.
    const R = this.realm.R;
    const { add, remove } = this.sentinelOps[rec.kind];
    const sentinel = {};
    R.apply(add, rec.source, [sentinel, undefined]);
    let left: number | null;
    try {
      left = this.entriesLeft(it);
    } finally {
      R.apply(remove, rec.source, [sentinel]);
    }
    if (left === null) return null;
    const size = R.apply(rec.kind === 'map' ? this.mapSize : this.setSize, rec.source, []) as number;
    return { rec, pos: size - (left - 1) };
  }

  /**
   * How many entries a Map/Set iterator has left, without a step and without running guest code: Node's
   * util.inspect counts them (V8's preview of the entries) while the iterator has no prototype and no
   * properties for it to read; otherwise V8's inspector reads `[[Entries]]` (some 2 ms a probe).
   */
  private entriesLeft(it: object): number | null {
    if (Reflect.ownKeys(it).length === 0 && Object.isExtensible(it)) {
      const proto = Object.getPrototypeOf(it);
      Object.setPrototypeOf(it, null);
      let text: string;
      try {
        text = inspect(it, { maxArrayLength: 0, customInspect: false, showProxy: true, depth: 0, getters: false, showHidden: false });
      } finally {
        Object.setPrototypeOf(it, proto);
      }
      const more = /\.\.\. (\d+) more items?\s*\}$/.exec(text);
      if (more) return Number(more[1]);
      if (/\{\s*\}$/.test(text)) return 0;
    }
    return this.entriesLeftByInspector(it);
  }

  private entriesLeftByInspector(it: object): number | null {
    let ins = this.inspector;
    if (!ins) {
      try {
        const inspector = require('node:inspector') as typeof import('node:inspector');
        const session = new inspector.Session();
        session.connect();
        ins = this.inspector = { session, key: `__snapvmIteratorProbe${Math.random().toString(36).slice(2)}` };
      } catch {
        return null;
      }
    }
    const { session, key } = ins;
    let left: number | null = null;
    (globalThis as any)[key] = it;
    try {
      // (an in-process session answers synchronously)
      session.post('Runtime.evaluate', { expression: `globalThis.${key}`, objectGroup: key }, (err, res) => {
        if (err || !res.result.objectId) return;
        session.post('Runtime.getProperties', { objectId: res.result.objectId, ownProperties: true }, (err2, props) => {
          const entries = err2 ? undefined : props.internalProperties?.find((p) => p.name === '[[Entries]]');
          const m = /^Array\((\d+)\)$/.exec(entries?.value?.description ?? '');
          if (m) left = Number(m[1]);
        });
      });
      session.post('Runtime.releaseObjectGroup', { objectGroup: key });
    } finally {
      delete (globalThis as any)[key];
    }
    return left;
  }

  /**
   * A V8 iterator of `kind` over `source` at `pos` (restore). Array and string iterators are stepped
   * now (an array or array-like source is still empty when a whole snapshot makes it: a length is
   * lent to it for the steps); Map/Set iterators are live over their source's table, so they are
   * stepped by `finish`, once the collections are filled. Throws a message naming what is wrong.
   */
  make(kind: IteratorKind, mode: IteratorMode, source: unknown, pos: number, done: boolean, extra?: { string: unknown; flags: unknown }): { iterator: object; finish: (() => void) | null } {
    const R = this.realm.R;
    const info = this.kinds[kind];
    const maker = info.make[mode];
    if (!maker || !Number.isSafeInteger(pos) || pos < 0) throw new Error(`an iterator of kind ${kind}/${mode} at ${pos}`);
    const step = (it: object, n: number) => {
      for (let i = 0; i < n; i++) R.apply(info.next, it, []);
    };
    const g = this.realm.global as any;
    if (kind === 'regexp') return { iterator: this.makeRegExpIterator(source, pos, done, extra), finish: null };
    if (done) {
      // V8 lets go of a finished iterator's source: one over an empty one, stepped once, is the same
      const empty = kind === 'map' ? new g.Map() : kind === 'set' ? new g.Set() : kind === 'string' ? '' : (this.realm.intrinsics.newArray as () => object)();
      const it = R.apply(maker, empty, []) as object;
      step(it, 1);
      this.made.set(it, { kind, mode, source: undefined, pos: 0, done: true });
      return { iterator: it, finish: null };
    }
    const it = R.apply(maker, source, []) as object; // (the maker checks the source's kind)
    this.made.set(it, { kind, mode, source, pos: 0, done: false });
    if (kind === 'map' || kind === 'set') return { iterator: it, finish: () => step(it, pos) };
    if (kind === 'string') {
      if (typeof source !== 'string' || pos > source.length) throw new Error('a string iterator past its string');
      this.advance(it, pos, false);
      return { iterator: it, finish: null };
    }
    this.stepArray(it, source, pos);
    return { iterator: it, finish: null };
  }

  /**
   * Move a tracked iterator the engine holds to `pos` (a delta applied in place): forward for array and
   * string iterators; a Map/Set iterator stands at its start (its collection was emptied and filled
   * again) and is stepped from there; `done` finishes it. Run once the collections are filled.
   */
  advance(it: object, pos: number, done: boolean): void {
    const rec = this.made.get(it);
    if (!rec) throw new Error('not an iterator the engine made');
    if (!Number.isSafeInteger(pos) || pos < 0) throw new Error(`a position ${pos}`);
    const R = this.realm.R;
    const next = this.kinds[rec.kind].next;
    const step = () => R.apply(next, it, []) as { done: boolean; value: unknown };
    if (rec.done) {
      if (!done) throw new Error('a finished iterator cannot start again');
      return;
    }
    if (done) {
      while (!step().done);
      rec.done = true;
      rec.source = undefined;
      return;
    }
    if (rec.kind === 'regexp') throw new Error('a RegExp string iterator stands where its regexp says');
    if (rec.kind === 'map' || rec.kind === 'set') {
      for (let i = 0; i < pos; i++) if (step().done) throw new Error("a Map or Set iterator past its collection's end");
      return;
    }
    if (pos < rec.pos) throw new Error('an iterator cannot go back');
    if (rec.kind === 'string') {
      while (rec.pos < pos) {
        const r = step();
        if (r.done) throw new Error('a string iterator past its string');
        rec.pos += (r.value as string).length;
      }
      if (rec.pos !== pos) throw new Error('a string iterator inside a surrogate pair');
      return;
    }
    this.checkPassedElements(rec.source, rec.pos, pos);
    for (; rec.pos < pos; rec.pos++) if (step().done) throw new Error("an array iterator past its source's length");
  }

  /** A RegExp string iterator over `matcher` (restore): made by V8 over a stand-in; a finished one over a regexp that never matches. */
  private makeRegExpIterator(matcher: unknown, pos: number, done: boolean, extra?: { string: unknown; flags: unknown }): object {
    const R = this.realm.R;
    const string = extra?.string;
    const flags = extra?.flags;
    if (typeof string !== 'string' || (flags !== '' && flags !== 'g' && flags !== 'u' && flags !== 'gu') || pos !== 0) throw new Error('a RegExp string iterator without its string and flags');
    if (done) {
      // its one step calls the stand-in's own exec: V8's, which finds nothing
      const never = new (this.realm.global as any).RegExp('(?!)');
      Object.defineProperty(never, 'exec', { value: this.regexpExec, writable: true, enumerable: false, configurable: true });
      const it = this.matchAllOver(never, '', 0, '');
      R.apply(this.kinds.regexp.next, it, []);
      this.made.set(it, { kind: 'regexp', mode: 'values', source: undefined, pos: 0, done: true, string: '', flags: '' });
      return it;
    }
    if (!types.isRegExp(matcher)) throw new Error('a RegExp string iterator over something that is not a regexp');
    const last = Reflect.getOwnPropertyDescriptor(matcher, 'lastIndex');
    if (!last || !('value' in last) || !last.writable) throw new Error("a RegExp string iterator whose regexp's lastIndex cannot be set");
    const it = this.matchAllOver(matcher, flags, last.value as number, string);
    this.made.set(it, { kind: 'regexp', mode: 'values', source: matcher, pos: 0, done: false, string, flags });
    return it;
  }

  /**
   * Throws unless an array iterator over `source` passes its elements `from`..`to` without running
   * guest code: not a Proxy (its traps), data elements only (a typed array's always are).
   */
  private checkPassedElements(source: unknown, from: number, to: number): void {
    if (types.isProxy(source)) throw new Error('an array iterator over a Proxy (stepping it would run its traps)');
    if (!isObject(source) || ArrayBuffer.isView(source)) return;
    for (let i = from; i < to; i++) {
      const d = Reflect.getOwnPropertyDescriptor(source, i);
      if (d && !('value' in d)) throw new Error('an array iterator over accessor elements');
    }
  }

  /** Step an array iterator `pos` times over its source without running guest code. */
  private stepArray(it: object, source: unknown, pos: number): void {
    if (pos === 0) return;
    const next = this.kinds.array.next;
    const steps = () => {
      for (let i = 0; i < pos; i++) {
        if ((this.realm.R.apply(next, it, []) as { done: boolean }).done) throw new Error("an array iterator past its source's length");
      }
    };
    if (typeof source !== 'object' || source === null) {
      if (typeof source !== 'string') throw new Error('an array iterator over a value that is not an object');
      steps(); // (a string's characters: no guest code)
      this.made.get(it)!.pos = pos;
      return;
    }
    // (holes pass too: the source is still empty in a whole snapshot)
    this.checkPassedElements(source, 0, pos);
    if (ArrayBuffer.isView(source)) {
      steps();
      this.made.get(it)!.pos = pos;
      return;
    }
    const len = Reflect.getOwnPropertyDescriptor(source, 'length');
    if (len !== undefined && (!('value' in len) || !len.writable)) throw new Error('an array iterator over an object whose length cannot be lent');
    const had = len?.value as number | undefined;
    if (had === undefined || had < pos) {
      if (!Reflect.defineProperty(source, 'length', { value: pos, writable: true, enumerable: len?.enumerable ?? false, configurable: len?.configurable ?? true }))
        throw new Error('an array iterator over an object whose length cannot be lent');
    }
    try {
      steps();
    } finally {
      if (len === undefined) Reflect.deleteProperty(source, 'length');
      else if (had! < pos) Reflect.defineProperty(source, 'length', { value: had });
    }
    this.made.get(it)!.pos = pos;
  }
}
