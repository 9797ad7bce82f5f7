// Capture: walk an engine's state from its roots and write it out as a JavaScript program.
//
// The program runs in a fresh engine (restore.ts gives it `$`, the restore interface) in four phases:
//   1. create   every guest object with its identity (objects first need only what their creation
//               needs: a closure its environment, a bound function its target, a typed array its buffer);
//   2. records  the engine's own records (environments, frames, promise reactions, jobs, timers…) as
//               `$.rec(id, kind, fields)`, whose references to other records are `$.ref(id)` tokens;
//   3. fill     properties, prototypes, slots of environments, promise states, generator states,
//               private fields, map and set entries, global bindings, modified built-ins;
//   4. finish   integrity levels, then the job queue and timers, then the event loop continues.
// Nothing here runs guest code: objects are read through host reflection on ordinary objects only;
// proxies, promises, closures and the rest are read from the engine's records.
import { types } from 'node:util';
import type { Engine } from '../interpreter/index';
import {
  Env,
  Frame,
  HOLE,
  PrivateName,
  hasSloppyWrapper,
  type MappedParams,
  type Closure,
  type GeneratorState,
  offsetAt,
  type Code,
  codeTree,
  descTable,
  TemplateSite,
  getPromiseRecord,
  getBuiltinClosureRecord,
  type ModuleRecord,
  argumentsKeys,
} from '../interpreter/state';
import { FORMAT_VERSION, SnapshotError, envelope, isObject } from './format';
import { pristineOf, recordBaseline, type Pristine } from './pristine';
import { taName, viewBuffer, viewOffset, viewLength, elementSize, bufferLength, isResizable, isGrowable, isLengthTracking, maxByteLength, bufferBytes } from '../typed-arrays';
import { writePortable } from './portable';
import type { HostCapture, HostClaim } from './host';

export interface SnapshotStats {
  turn: number;
  /** Taken at a safe point inside running code (else between turns). */
  safepoint: boolean;
  objects: number;
  functions: number;
  records: number;
  frames: number;
  units: number;
  bytes: number;
  captureMs: number;
  byKind: Record<string, number>;
  bytesByKind: Record<string, number>;
  roots: { globalChanges: number; lexicals: number; jobs: number; timers: number; rejections: number };
  /** Suspended frames: function name, position, and what holds them. */
  frameList: { name: string; at: string }[];
  unitList: { file: string; kind: string; bytes: number }[];
  /** The portable section (what `node SNAP` runs): written or not (and why), its bytes and time. */
  portable?: { ok: boolean; reason: string | null; bytes: number; ms: number };
}

export interface CaptureOptions {
  /** Write the portable section too (default true): `node SNAP` then rebuilds the state in plain Node. */
  portable?: boolean;
  /** The embedder's objects (host.ts): a page's DOM. */
  host?: HostCapture;
  /** An agreed earlier state whose ids this capture keeps (delta.ts). */
  base?: CaptureBase;
  /** Hand the text out as the walk makes it (capture-stream.ts); the snapshot's text is then the sink's. */
  sink?: CaptureSink;
}

/**
 * Where a streamed capture's text goes (capture-stream.ts): `begin` gets the engine section's first lines
 * (before any object), `line` each unit and object creation as the walk makes it, `end` the rest of the
 * engine section, the stats and the portable section once the walk is done, and returns the whole text.
 */
export interface CaptureSink {
  begin(formatOptions: string, lines: string[]): void;
  line(s: string): void;
  end(rest: string, stats: SnapshotStats, portableSection: string): string;
}

export interface Snapshot {
  code: string;
  stats: SnapshotStats;
}

/** A prototype that hints at a kind with hidden state: `probe` (called on the object with `args`) throws unless it is one; `why` it cannot be written (default: V8 hides its state). */
interface BrandHint {
  what: string;
  why?: string;
  probe: unknown;
  args: unknown[];
}

/** An argument index of a mapped arguments object: still mapped to its parameter, present but unmapped, deleted. */
const MAPPED_MAPPED = 1;
const MAPPED_UNMAPPED = 0;
const MAPPED_ABSENT = 2;

/** A compile unit's source text as a literal, and its UTF-8 size: written by every capture of an engine, made once (the text never changes). */
const sourceLiterals = new WeakMap<Code['source'], { literal: string; bytes: number }>();
function sourceLiteral(file: Code['source']): { literal: string; bytes: number } {
  let t = sourceLiterals.get(file);
  if (!t) sourceLiterals.set(file, (t = { literal: lit(file.text), bytes: Buffer.byteLength(file.text) }));
  return t;
}

/**
 * Literals of short strings, which a snapshot writes over and over (property keys, names): a lookup costs
 * less than JSON.stringify. One cache per capture: `Capture.run` (synchronous) makes it and drops it when
 * it returns, so no guest's strings outlive its capture in the process (a server's clients, STYLE.md
 * habit 6); between captures `lit` calls JSON.stringify. Emptied when it grows past its bound.
 */
let shortLiterals: Map<string, string> | null = null;
const SHORT_LITERAL = 32;
const SHORT_LITERALS_MAX = 4096;

function stringLiteral(v: string): string {
  if (v.length > SHORT_LITERAL || shortLiterals === null) return JSON.stringify(v);
  let l = shortLiterals.get(v);
  if (l === undefined) {
    if (shortLiterals.size >= SHORT_LITERALS_MAX) shortLiterals.clear();
    l = JSON.stringify(v);
    shortLiterals.set(v, l);
  }
  return l;
}

/** A JavaScript literal for a primitive. */
export function lit(v: unknown): string {
  switch (typeof v) {
    case 'undefined':
      return 'void 0';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (Number.isNaN(v)) return '0/0';
      if (v === Infinity) return '1/0';
      if (v === -Infinity) return '-1/0';
      if (Object.is(v, -0)) return '-0';
      return String(v);
    case 'bigint':
      return `${v}n`;
    case 'string':
      return stringLiteral(v);
    default:
      if (v === null) return 'null';
      throw new Error(`snapvm: not a primitive: ${typeof v}`);
  }
}

export const WELL_KNOWN = new Map<symbol, string>(
  Object.getOwnPropertyNames(Symbol)
    .filter((k) => typeof (Symbol as any)[k] === 'symbol')
    .map((k) => [(Symbol as any)[k] as symbol, k]),
);

/**
 * Statements of one phase, each tagged with its owner: `o<id>` an object, `r<id>` an engine record,
 * `u<id>` a compile unit, `b<path>` a built-in's changes, `l<name>` a global lexical, '' the roots.
 * delta.ts groups them by owner to write only what changed since an agreed state.
 */
export class Stmts {
  readonly items: string[] = [];
  readonly owners: string[] = [];
  /** Told each statement as it is pushed (a streamed capture, capture-stream.ts, hands the objects out so). */
  tap: ((s: string) => void) | null = null;
  constructor(private readonly current: { owner: string }) {}
  push(...s: string[]): void {
    for (const x of s) this.items.push(x), this.owners.push(this.current.owner), this.tap?.(x);
  }
  pushAs(owner: string, s: string): void {
    this.items.push(s);
    this.owners.push(owner);
    this.tap?.(s);
  }
  get length(): number {
    return this.items.length;
  }
}

/** Ids of an agreed earlier state (delta.ts): known objects, records and units keep theirs, new ones get the next. */
export interface CaptureBase {
  ids: Map<unknown, number>;
  recIds: Map<object, number>;
  units: Map<object, number>;
  nextId: number;
  nextRec: number;
  nextUnit: number;
}

interface UnitInfo {
  id: number;
  codes: Map<Code, number>;
  descs: ReturnType<typeof descTable>;
}

export class Capture {
  /** The owner of the statements pushed now (see Stmts). */
  owner = '';
  readonly creates = new Stmts(this);
  readonly records = new Stmts(this);
  readonly fills = new Stmts(this);
  readonly finals = new Stmts(this);
  readonly header = new Stmts(this);
  /** Statements a delta adds for a known object that changed (its prototype, which a fill may leave implicit). */
  readonly extras = new Stmts(this);
  /** The program's prelude (helper names) and its phase-4 tail (queues, clock), for delta.ts. */
  prelude: string[] = [];
  tail: string[] = [];
  /** Guest objects and unique symbols → index in `$o`. */
  readonly ids = new Map<unknown, number>();
  /** Where each guest value was first met (for errors that name the path to a value). */
  private readonly paths = new Map<unknown, string>();
  /** Engine records → index in the record table. */
  readonly recIds = new Map<object, number>();
  readonly units = new Map<object, UnitInfo>();
  private readonly fillQueue: object[] = [];
  private readonly envsToFill = new Set<object>();
  private readonly pristine: Pristine;
  readonly pristineByPath: ReadonlyMap<string, object>;
  private nextRec = 0;
  private readonly creating = new Set<unknown>();
  private readonly byKind: Record<string, number> = {};
  private frames = 0;
  private functions = 0;
  private readonly vm;
  private readonly realm;
  private readonly hostObjectProto = Object.prototype;
  private readonly hostArrayProto = Array.prototype;
  private readonly hostFunctionProto = Function.prototype;
  /** The realm's own built-ins (the context's global, which guest code cannot change), for brand hints. */
  private readonly realmBuiltins: any;
  /** The realm's own WeakRef.prototype (isWeakRef), once read. */
  private weakRefProto: object | null | undefined = undefined;

  /** The instant the snapshot stands for (before the capture's own work): timers keep their remaining delay from here. */
  readonly at: number;

  /** The engine's module records, and module namespace objects → their module. */
  private readonly moduleRecords = new Set<object>();
  private readonly namespaces = new Map<object, object>();
  /** Namespaces are made after the records are linked: `$o[n] = $.namespace(…)` right after `$.link()`. */
  readonly lateCreates: string[] = [];
  modulesLine = '';

  constructor(
    private readonly engine: Engine,
    /** A safe-point snapshot: the innermost frame of the computation running now. */
    private readonly running: Frame | null = null,
    private readonly options: CaptureOptions = {},
  ) {
    this.host = options.host ?? null;
    this.base = options.base ?? null;
    this.at = engine.timers.now();
    this.realmBuiltins = engine.realm.realmEval('globalThis');
    this.vm = engine.vm;
    this.realm = engine.realm;
    this.pristine = pristineOf(engine);
    this.pristineByPath = this.pristine.byPath;
    for (const m of engine.modules.modules.values()) {
      this.moduleRecords.add(m);
      if (m.namespace) this.namespaces.set(m.namespace, m);
    }
  }

  private readonly host: HostCapture | null;
  private readonly base: CaptureBase | null;
  private readonly bytesByKind: Record<string, number> = {};
  private readonly kindOf = new Map<unknown, string>();
  private lastKind = 'object';
  private readonly frameList: { name: string; at: string }[] = [];
  private readonly unitList: { file: string; kind: string; bytes: number }[] = [];

  /** The id a new entry of `$o` gets (the earlier one for an object of the base state). */
  private newId(o: unknown): number {
    if (!this.base) return this.ids.size;
    return this.base.ids.get(o) ?? this.base.nextId++;
  }

  private peekId(o: unknown): number {
    return this.base ? (this.base.ids.get(o) ?? this.base.nextId) : this.ids.size;
  }

  private newRec(r: object): number {
    if (!this.base) return this.nextRec++;
    const id = this.base.recIds.get(r) ?? this.base.nextRec++;
    this.nextRec = Math.max(this.nextRec, id + 1);
    return id;
  }

  /** Whether `o` has an id in the base state (a delta's known object). */
  known(o: unknown): boolean {
    return this.base !== null && this.base.ids.has(o);
  }

  private count(kind: string): void {
    this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
    this.lastKind = kind;
  }

  /** A phase-2 statement, its bytes counted under `kind` (inspect's bytes by kind). */
  private pushRecord(kind: string, id: number, stmt: string): void {
    this.records.pushAs(`r${id}`, stmt);
    this.addBytes(kind, stmt.length + 1);
  }

  private addBytes(kind: string, n: number): void {
    this.bytesByKind[kind] = (this.bytesByKind[kind] ?? 0) + n;
  }

  private fail(what: string, v: unknown): never {
    const path = this.paths.get(v) ?? '(engine state)';
    throw new SnapshotError(`cannot write out ${what}, reached at ${path}`);
  }

  // ---- guest values ----

  /** The expression for a guest value; objects are created (phase 1) on first use. */
  value(v: unknown, path: string): string {
    if (typeof v === 'symbol') return this.symbol(v, path);
    if (!isObject(v)) {
      if (v === undefined || v === null || typeof v !== 'object') return lit(v);
    }
    const id = this.ids.get(v);
    if (id !== undefined) return `$o[${id}]`;
    if (!this.paths.has(v)) this.paths.set(v, path);
    return `$o[${this.create(v as object)}]`;
  }

  /** Well-known symbols the engine adds where V8 lacks them (Symbol.asyncDispose…): each engine has its own. */
  private engineWellKnown(): Map<symbol, string> {
    if (!this.engineSymbols) {
      this.engineSymbols = new Map();
      const S = (this.realm.global as any).Symbol as object;
      for (const k of Object.getOwnPropertyNames(S)) {
        const d = Object.getOwnPropertyDescriptor(S, k)!;
        // (fixed like the spec's own: a property the program added is not a name the restoring engine has)
        if (typeof d.value === 'symbol' && !d.writable && !d.configurable && !WELL_KNOWN.has(d.value)) this.engineSymbols.set(d.value, k);
      }
    }
    return this.engineSymbols;
  }
  private engineSymbols: Map<symbol, string> | null = null;

  private symbol(s: symbol, path: string): string {
    const wk = WELL_KNOWN.get(s) ?? this.engineWellKnown().get(s);
    if (wk) return `$S.${wk}`;
    const key = Symbol.keyFor(s);
    if (key !== undefined) return `$S.for(${lit(key)})`;
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.newId(s);
      this.ids.set(s, id);
      this.paths.set(s, path);
      this.creates.pushAs(`o${id}`, `$o[${id}] = ${s.description === undefined ? '$S()' : `$S(${lit(s.description)})`};`);
      this.count('symbol');
      const owner = this.owner;
      this.owner = `o${id}`;
      this.weakEntries(s, `$o[${id}]`, path);
      this.owner = owner;
    }
    return `$o[${id}]`;
  }

  private create(o: object): number {
    const nsOf = this.namespaces.get(o);
    if (nsOf) {
      const id = this.newId(o);
      this.ids.set(o, id);
      this.count('module namespace');
      this.lateCreates.push(`$o[${id}] = $.namespace($.ref(${this.record(nsOf)}));`);
      return id;
    }
    if (this.creating.has(o)) this.fail('a cycle among values needed to create each other', o);
    this.creating.add(o);
    const expr = this.creation(o);
    this.creating.delete(o);
    // creation() may have met `o` again through a deferred edge: keep the first id
    let id = this.ids.get(o);
    if (id === undefined) {
      id = this.newId(o);
      this.ids.set(o, id);
      const stmt = `$o[${id}] = ${expr};`;
      this.creates.pushAs(`o${id}`, stmt);
      this.kindOf.set(o, this.lastKind);
      this.addBytes(this.lastKind, stmt.length + 1);
      this.fillQueue.push(o);
    }
    return id;
  }

  /** The expression that creates `o` (its dependencies created first). */
  private creation(o: object): string {
    const vm = this.vm;
    const path = this.paths.get(o) ?? '?';
    const builtin = this.engine.builtins.get(o);
    if (builtin !== undefined) {
      this.count('builtin');
      return `$.builtin(${lit(builtin)})`;
    }
    const proxy = vm.proxies.get(o);
    const claimed = proxy ? null : this.claim(o);
    if (claimed !== null) return claimed;
    if (proxy) {
      this.count('Proxy');
      const revocable = proxy.revocable === true;
      if (proxy.revoked) return `$.proxy(null, null, ${typeof o === 'function' ? '"callable"' : '"revoked"'}, ${revocable})`;
      return `$.proxy(${this.value(proxy.target, `${path}.<target>`)}, ${this.value(proxy.handler, `${path}.<handler>`)}, "live", ${revocable})`;
    }
    if (typeof o === 'function') {
      this.functions++;
      const rec = vm.closures.get(o);
      if (rec) return this.closure(rec, path);
      const bound = vm.boundFunctions.get(o);
      if (bound) {
        this.count('bound function');
        const args = [bound.target, bound.boundThis, ...bound.boundArgs].map((v, i) => this.value(v, `${path}.<bound ${i}>`));
        return `$bind.call(${args.join(', ')})`;
      }
      const revoker = vm.revokers.get(o);
      if (revoker) {
        this.count('proxy revoke function');
        return `$.revoker(${this.value(revoker.proxy, `${path}.<proxy>`)})`;
      }
      const step = this.engine.modules.steps.get(o);
      if (step) {
        this.count('module step');
        return `$.moduleStep(${this.record(step)}, ${lit(step.kind)})`;
      }
      const pc = getBuiltinClosureRecord(o);
      if (pc) {
        this.count('promise function');
        return `$.promiseFunction(${this.record(pc)}, ${lit(pc.kind)})`;
      }
      const native = this.realm.natives.get(o);
      this.fail(native ? `the engine function '${native.name}' (it holds host state)` : 'a function the engine did not make', o);
    }
    const promise = getPromiseRecord(o);
    if (promise) {
      this.count('Promise');
      return `$.promise()`;
    }
    const gen = vm.generators.get(o);
    if (gen) {
      this.count(gen.async ? 'AsyncGenerator' : 'Generator');
      return `$.generator()`;
    }
    if (types.isWeakMap(o) || types.isWeakSet(o)) {
      // entries are written from their keys (weak.ts records them there)
      const C = types.isWeakMap(o) ? 'WeakMap' : 'WeakSet';
      this.count(C);
      return `new (${this.builtinRef(C)})()`;
    }
    const cleanup = this.vm.finalization.cleanups.get(o);
    if (cleanup !== undefined) {
      this.count('FinalizationRegistry');
      return `new (${this.builtinRef('FinalizationRegistry')})(${this.value(cleanup, `${path}.<cleanup>`)})`;
    }
    if (this.isWeakRef(o)) {
      this.count('WeakRef');
      const target = WeakRef.prototype.deref.call(o as WeakRef<object>);
      return `new (${this.builtinRef('WeakRef')})(${target === undefined ? '{}' : this.value(target, `${path}.<target>`)})`;
    }
    const tracked = vm.iterators.position(o);
    if (tracked) {
      // a V8 iterator the engine noted when it was made (interpreter/iterators.ts)
      const { rec, pos } = tracked;
      if (types.isProxy(rec.source) && pos > 0) this.fail('an array iterator over a Proxy (restoring its position would run the traps)', o);
      this.count('iterator');
      const source = this.value(rec.source, `${path}.<iterated>`);
      this.iteratorsWritten.set(o, { kind: rec.kind, source: rec.source, pos, done: rec.done });
      // (a RegExp string iterator stands where its regexp's lastIndex says: its string and flags come along)
      const extra = rec.kind === 'regexp' ? `, ${lit(rec.string ?? '')}, ${lit(rec.flags ?? '')}` : '';
      return `$.iterator(${lit(rec.kind)}, ${lit(rec.mode)}, ${source}, ${pos}, ${rec.done}${extra})`;
    }
    if (types.isMapIterator(o) || types.isSetIterator(o)) this.fail('an iterator whose position V8 hides (not made by a built-in the engine knows)', o);
    if (types.isGeneratorObject(o)) this.fail('an iterator whose position V8 hides', o);
    if (types.isArrayBuffer(o)) {
      this.count('ArrayBuffer');
      const b = o as ArrayBuffer;
      if (this.isDetached(b)) {
        // made empty, detached at the end (views on it are made first)
        this.finals.pushAs(`o${this.peekId(o)}`, `$.detach(${`$o[${this.peekId(o)}]`});`);
        return `$.arrayBuffer("")`;
      }
      if (isResizable(b)) {
        // made at its maximum length (views on it are then in bounds), resized to its length at the end
        this.finals.pushAs(`o${this.peekId(o)}`, `$.resize(${`$o[${this.peekId(o)}]`}, ${bufferLength(b)});`);
        return `$.arrayBuffer(${lit(bufferBytes(b).toString('base64'))}, ${maxByteLength(b)})`;
      }
      return `$.arrayBuffer(${lit(bufferBytes(b).toString('base64'))})`;
    }
    if (types.isSharedArrayBuffer(o)) {
      this.count('SharedArrayBuffer');
      const b = o as SharedArrayBuffer;
      // a growable one is made at its length (it never shrinks: views on it are in bounds) with its maximum
      return `$.sharedArrayBuffer(${lit(bufferBytes(b).toString('base64'))}${isGrowable(b) ? `, ${maxByteLength(b)}` : ''})`;
    }
    if (types.isTypedArray(o) || types.isDataView(o)) {
      const view = o as DataView;
      const C = types.isDataView(o) ? 'DataView' : (taName.call(o) as string);
      this.count(C);
      const buffer = viewBuffer(view);
      const buf = this.value(buffer, `${path}.buffer`);
      if (this.isDetached(buffer)) return `new (${this.builtinRef(C)})(${buf}, 0, 0)`;
      const g = this.viewGeometry(o as ArrayBufferView);
      return `new (${this.builtinRef(C)})(${buf}, ${g.offset}${g.tracking ? '' : `, ${g.length}`})`;
    }
    if (types.isDate(o)) {
      this.count('Date');
      return `new $Date(${lit(Date.prototype.getTime.call(o))})`;
    }
    if (types.isRegExp(o)) {
      this.count('RegExp');
      const { source, flags } = regexpParts(o);
      return `new $RegExp(${lit(source)}, ${lit(flags)})`;
    }
    if (this.realm.isRawJSON?.(o)) {
      // frozen with a null prototype and its one property from the start: JSON.rawJSON makes all of it (fill writes nothing)
      this.count('raw JSON');
      return `${this.builtinRef('JSON.rawJSON')}(${lit(Reflect.get(o, 'rawJSON') as string)})`;
    }
    if (types.isBoxedPrimitive(o)) {
      this.count('boxed primitive');
      const prim = types.isNumberObject(o)
        ? Number.prototype.valueOf.call(o)
        : types.isStringObject(o)
          ? String.prototype.valueOf.call(o)
          : types.isBooleanObject(o)
            ? Boolean.prototype.valueOf.call(o)
            : types.isBigIntObject(o)
              ? BigInt.prototype.valueOf.call(o)
              : Symbol.prototype.valueOf.call(o);
      return `$Object(${this.value(prim, path)})`;
    }
    if (types.isNativeError(o)) {
      this.count('Error');
      return `$.error()`;
    }
    if (types.isArgumentsObject(o)) {
      this.count('arguments');
      const mapped = vm.mappedArguments.get(o);
      return mapped ? `$.mappedArguments(${mapped.n}, ${mapped.argc})` : `$.arguments()`;
    }
    if (types.isMap(o)) {
      this.count('Map');
      return `new $Map()`;
    }
    if (types.isSet(o)) {
      this.count('Set');
      return `new $Set()`;
    }
    if (types.isProxy(o) || types.isExternal(o)) this.fail('an object with state V8 hides', o);
    if (Array.isArray(o)) {
      this.count('Array');
      return '[]';
    }
    for (const [kind, { stamp, encode }] of vm.stampedKinds) {
      const rec = stamp.get(o);
      if (rec !== undefined) {
        this.count(kind);
        this.stamped.set(o, [kind, encode ? this.encoded(rec as object, encode) : (rec as object)]);
        return `$.stamped(${lit(kind)})`;
      }
    }
    if (Object.getPrototypeOf(o) === this.hostObjectProto || Object.getPrototypeOf(o) === this.hostArrayProto) {
      this.fail('a host object (a value from outside the guest realm)', o);
    }
    const hidden = this.hiddenIntrinsicKind(o);
    if (hidden) this.fail(hidden, o);
    this.count('Object');
    // created with its prototype when that can be made first (V8 keeps objects made this way fast)
    const proto = Object.getPrototypeOf(o);
    if (proto !== null && !this.creating.has(proto)) {
      this.protoAtCreation.add(o);
      return `$cr(${this.value(proto, `${path}.<prototype>`)})`;
    }
    return '$cr(null)';
  }

  /** A detached buffer has length 0 and refuses a view (Node 20's ArrayBuffer has no `detached` getter). */
  isDetached(b: ArrayBuffer | SharedArrayBuffer): boolean {
    if (types.isSharedArrayBuffer(b) || bufferLength(b) !== 0) return false;
    try {
      new Uint8Array(b);
      return false;
    } catch {
      return true;
    }
  }

  /**
   * A view's offset and length, and whether it tracks its buffer's length. On a resizable buffer V8
   * reports neither for a view out of bounds, so the buffer is grown to its maximum to read them, shrunk
   * by one element to see whether the view follows, and given back its length (its bytes unchanged).
   */
  viewGeometry(v: ArrayBufferView): { offset: number; length: number; tracking: boolean } {
    const len = () => viewLength(v);
    const buffer = viewBuffer(v);
    // (a growable SharedArrayBuffer never shrinks: its views are in bounds, and V8's serializer says which track it)
    if (isGrowable(buffer)) return { offset: viewOffset(v), length: len(), tracking: isLengthTracking(v) };
    if (!isResizable(buffer)) return { offset: viewOffset(v), length: len(), tracking: false };
    const b = buffer as ArrayBuffer;
    const resize = (ArrayBuffer.prototype as unknown as { resize: (this: ArrayBuffer, n: number) => void }).resize;
    const L = bufferLength(b);
    const M = maxByteLength(b);
    try {
      resize.call(b, M);
      const offset = viewOffset(v);
      const length = len();
      const unit = elementSize(v);
      let tracking = false;
      if (M - unit >= offset && length > 0) {
        resize.call(b, M - unit);
        tracking = len() === length - 1;
      }
      return { offset, length, tracking };
    } finally {
      resize.call(b, L);
    }
  }

  /** V8's own brand check (deref), tried only where the prototype chain hints: a failed one throws, which is slow. */
  isWeakRef(o: object): boolean {
    // (read once: the context's global sits behind slow interceptors)
    const proto = this.weakRefProto === undefined ? (this.weakRefProto = this.realmBuiltins.WeakRef?.prototype ?? null) : this.weakRefProto;
    let p = Object.getPrototypeOf(o);
    // (a proxy on the chain ends the walk: its getPrototypeOf trap is guest code)
    for (let n = 0; p !== null && p !== proto && !types.isProxy(p) && n < 16; n++) p = Object.getPrototypeOf(p);
    if (p !== proto) return false;
    try {
      WeakRef.prototype.deref.call(o as WeakRef<object>);
      return true;
    } catch {
      return false;
    }
  }

  private readonly finalizationWritten = new Set<object>();

  /**
   * Entries of weak collections whose key is `key` (recorded by weak.ts). With `reachedOnly` (a claimed key's
   * collections whose entry for it is written already), only entries of collections the walk met and not in that set.
   */
  private weakEntries(key: unknown, ref: string, path: string, reachedOnly: Set<object> | null = null): void {
    const m = typeof key === 'symbol' ? this.vm.weakSymbolEntries.get(key) : this.vm.weakEntries.get(key);
    // (most keys are in no weak collection and registered nowhere: nothing is made for them)
    if (m)
      for (const [coll, v] of m) {
        if (reachedOnly) {
          if (!this.ids.has(coll) || reachedOnly.has(coll)) continue;
          reachedOnly.add(coll);
        }
        const isMap = types.isWeakMap(coll);
        const adder = this.builtinRef(isMap ? 'WeakMap.prototype.set' : 'WeakSet.prototype.add');
        this.fills.push(`${adder}.call(${this.value(coll, `${path}.<weak collection>`)}, ${ref}${isMap ? `, ${this.value(v, `${path}.<weak value>`)}` : ''});`);
      }
    if (typeof key === 'symbol' || !this.vm.finalization.registrations.has(key as object) || this.finalizationWritten.has(key as object)) return;
    this.finalizationWritten.add(key as object); // (a claimed object's entries are looked at more than once)
    // FinalizationRegistry registrations on this target, in the order they were made
    for (const r of this.vm.finalization.live(key as object)) {
      const args = [this.value(r.registry, `${path}.<registry>`), ref, this.value(r.held, `${path}.<held value>`)];
      if (r.token !== undefined) args.push(this.value(r.token, `${path}.<unregister token>`));
      // owned apart from the target's other statements: a delta cannot take a registration back (delta.ts)
      const target = this.ids.get(key);
      this.fills.pushAs(target === undefined ? this.owner : `f${target}`, `${this.builtinRef('FinalizationRegistry.prototype.register')}.call(${args.join(', ')});`);
    }
  }

  private brandHints: Map<object, BrandHint> | null = null;

  /** The prototypes that hint at a kind with hidden state, each with its side-effect-free brand check (made once per capture). */
  private makeBrandHints(): Map<object, BrandHint> {
    const hints = new Map<object, BrandHint>();
    // prototypes and probes are the fresh engine's built-ins: the guest may replace its globals and methods
    // (a replaced probe would be guest code run by the capture)
    const builtin = (path: string) => this.engine.builtinsByPath.get(`globalThis.${path}`) as any;
    const FR = builtin('FinalizationRegistry.prototype');
    if (FR) hints.set(FR, { what: 'a FinalizationRegistry', probe: builtin('FinalizationRegistry.prototype.unregister'), args: [{}] });
    for (const name of ['Collator', 'DateTimeFormat', 'NumberFormat', 'PluralRules', 'Segmenter', 'ListFormat', 'RelativeTimeFormat', 'DisplayNames', 'Locale']) {
      const proto = builtin(`Intl.${name}.prototype`);
      if (proto && !hints.has(proto)) hints.set(proto, { what: `an Intl.${name}`, probe: builtin(`Intl.${name}.prototype.${name === 'Locale' ? 'toString' : 'resolvedOptions'}`), args: [] });
    }
    // WebAssembly's objects: none is carried yet (a Module's bytes, a Memory's maximum, a Global's or a
    // Table's type cannot be read back once made), so each is refused rather than written as a plain
    // object.
    const at = (path: string) => builtin(`WebAssembly.${path}`);
    const add = (name: string, probe: unknown, args: unknown[] = []) => {
      const proto = at(`${name}.prototype`);
      if (proto && typeof probe === 'function') hints.set(proto, { what: `a WebAssembly.${name}`, why: 'snapvm does not carry WebAssembly state', probe, args });
    };
    const getter = (path: string) => this.engine.builtinsByPath.get(`get globalThis.WebAssembly.${path}`);
    add('Memory', getter('Memory.prototype.buffer'));
    add('Table', getter('Table.prototype.length'));
    // (a v128 global's valueOf throws too, after its brand check: only the brand check's own error says "not one")
    const valueOf = at('Global.prototype.valueOf');
    if (typeof valueOf === 'function') {
      let notOne: unknown;
      try {
        Reflect.apply(valueOf, {}, []);
      } catch (e) {
        notOne = (e as Error)?.message;
      }
      add('Global', function (this: unknown) {
        try {
          Reflect.apply(valueOf, this, []);
        } catch (e) {
          if ((e as Error)?.message === notOne) throw e;
        }
      });
    }
    add('Instance', getter('Instance.prototype.exports'));
    const moduleExports = at('Module.exports');
    if (typeof moduleExports === 'function')
      add('Module', function (this: unknown) {
        return Reflect.apply(moduleExports, undefined, [this]);
      });
    // a Tag has no method of its own: an exception's `is` checks that its argument is one
    const is = at('Exception.prototype.is');
    const Tag = at('Tag');
    const Exception = at('Exception');
    if (typeof is === 'function' && typeof Tag === 'function' && typeof Exception === 'function') {
      const tag = Reflect.construct(Tag, [{ parameters: [] }]);
      const exception = Reflect.construct(Exception, [tag, []]);
      add('Tag', function (this: unknown) {
        return Reflect.apply(is, exception, [this]);
      });
      add('Exception', is, [tag]);
    }
    return hints;
  }

  /**
   * Whether `f` is a guest function with V8's own `caller`/`arguments` (made again with the function on
   * restore): null values, since a capture never runs inside a V8 activation of a guest function.
   */
  hasPoisonProperties(f: object): boolean {
    const rec = this.vm.closures.get(f);
    return rec !== undefined && hasSloppyWrapper(rec.code);
  }

  /** Objects with V8 internal slots we cannot read, found by brand checks that have no side effects. */
  hiddenIntrinsicKind(o: object): string | null {
    // (a brand check throws for most objects, and throwing is slow: only where the prototype chain hints)
    const hints = (this.brandHints ??= this.makeBrandHints());
    for (let p = Object.getPrototypeOf(o), n = 0; p !== null && !types.isProxy(p) && n < 16; p = Object.getPrototypeOf(p), n++) {
      const hint = hints.get(p);
      if (hint === undefined || typeof hint.probe !== 'function') continue;
      try {
        Reflect.apply(hint.probe, o, hint.args);
        return `${hint.what} (${hint.why ?? 'V8 hides its state'})`;
      } catch {
        // not of that kind: a later prototype on the chain may still hint
      }
    }
    // V8's iterator objects: no side-effect-free brand check exists, so the prototype tells
    const proto = Object.getPrototypeOf(o);
    const p = proto === null ? undefined : this.engine.builtins.get(proto);
    if (p && /IteratorPrototype%$/.test(p) && p !== '%AsyncIteratorPrototype%' && Reflect.ownKeys(o).length === 0) return `an iterator object (${p}) (V8 hides its state)`;
    return null;
  }

  private unit(code: Code): { unit: number; code: number } {
    const info = this.unitInfo(code);
    const idx = info.codes.get(code);
    if (idx === undefined) this.fail(`a function missing from its compile unit (${code.name})`, code);
    return { unit: info.id, code: idx };
  }

  private unitInfo(code: Code): UnitInfo {
    const file = code.source;
    if (!file.unit || !file.root) this.fail(`code compiled outside the engine (${code.name})`, code);
    let info = this.units.get(file);
    if (!info) {
      const tree = codeTree(file.root);
      const uid = this.base ? (this.base.units.get(file) ?? this.base.nextUnit++) : this.units.size;
      info = { id: uid, codes: new Map(tree.map((c, i) => [c, i])), descs: descTable(tree) };
      this.units.set(file, info);
      const u = file.unit;
      const inFunction = u.inFunction ? (u.inFunction.method ? 2 : 1) : 0;
      const text = sourceLiteral(file);
      this.unitList.push({ file: file.name, kind: u.kind, bytes: text.bytes });
      this.addBytes('source text', file.text.length);
      this.header.pushAs(`u${info.id}`, `$.unit(${info.id}, ${lit(file.name)}, ${lit(u.kind)}, ${u.strict}, ${u.dynamicOuter}, ${inFunction}, ${u.selfHosted}, ${text.literal});`);
      // tagged templates keep their cached template objects
      tree.forEach((c, ci) =>
        c.consts.forEach((k, ki) => {
          if (k instanceof TemplateSite && k.cache !== undefined)
            this.fills.pushAs(`u${info!.id}`, `$.template(${info!.id}, ${ci}, ${ki}, ${this.value(k.cache, `<template in ${c.name || file.name}>`)});`);
        }),
      );
    }
    return info;
  }

  private closure(rec: Closure, path: string): string {
    this.count('function');
    const { unit, code } = this.unit(rec.code);
    const env = rec.env ? this.env(rec.env, path) : -1;
    return `$.closure(${unit}, ${code}, ${env})`;
  }

  // ---- engine records ----

  /** Environments are created in phase 1 (closures need them); their slots are filled in phase 3. */
  private env(e: Env, path: string): number {
    let id = this.recIds.get(e);
    if (id !== undefined) return id;
    const parent = e.parent ? this.env(e.parent, path) : -1;
    id = this.newRec(e);
    this.recIds.set(e, id);
    this.count('environment');
    if (e.object) {
      this.creates.pushAs(`r${id}`, `$.withEnv(${id}, ${parent}, ${this.value(e.object, `${path}.<with>`)});`);
    } else {
      const desc = e.desc!;
      const info = desc.file?.root ? this.unitInfo(desc.file.root) : undefined;
      const where = info?.descs.get(desc);
      const unitId = info?.id ?? -1;
      if (!where) this.fail(`an environment whose scope is unknown (${desc.names.join(', ')})`, e);
      this.creates.pushAs(`r${id}`, `$.env(${id}, ${parent}, ${unitId}, ${where[0]}, ${where[1]});`);
    }
    this.fillQueue.push(e); // slots in phase 3: they may hold what is being created now
    this.envsToFill.add(e);
    return id;
  }

  /**
   * A value inside the engine's own records: a guest value, the TDZ marker, or another record
   * (written as a `$.ref(id)` token that the restore resolves).
   */
  internal(v: unknown, path: string): string {
    if (v === HOLE) return '$.hole';
    // a module namespace inside a record: resolved when the records are linked (it is made late)
    const nsOf = isObject(v) ? this.namespaces.get(v) : undefined;
    if (nsOf) {
      this.value(v, path);
      return `$.nsref(${this.record(nsOf)})`;
    }
    if (!isObject(v) || this.vm.proxies.get(v) || this.ids.has(v)) return this.value(v, path);
    if (v instanceof Env) return `$.ref(${this.env(v, path)})`;
    if (v instanceof Frame || v instanceof PrivateName) return `$.ref(${this.record(v)})`;
    const proto = Object.getPrototypeOf(v);
    if (proto === this.hostObjectProto || proto === this.hostArrayProto) return `$.ref(${this.record(v)})`;
    if (typeof v === 'function' && proto === this.hostFunctionProto) this.fail('a host function inside an engine record', v);
    return this.value(v, path);
  }

  /** An engine record (phase 2): host plain objects and arrays, frames, private names. */
  record(r: object): number {
    let id = this.recIds.get(r);
    if (id !== undefined) return id;
    id = this.newRec(r);
    this.recIds.set(r, id);
    const path = `<record ${id}>`;
    if (r instanceof Frame) return (this.frame(r, id), id);
    if (this.moduleRecords.has(r)) return (this.moduleRecord(r as ModuleRecord, id), id);
    if (r instanceof PrivateName) {
      this.count('private name');
      this.pushRecord(
        'private name',
        id,
        `$.rec(${id}, "PrivateName", [${lit(r.description)}, ${lit(r.kind)}, ${this.value(r.value, path)}, ${this.value(r.getter, path)}, ${this.value(r.setter, path)}]);`,
      );
      return id;
    }
    if (Array.isArray(r)) {
      this.count('list');
      this.pushRecord('list', id, `$.rec(${id}, "list", [${r.map((v, i) => this.internal(v, `${path}[${i}]`)).join(', ')}]);`);
      return id;
    }
    // A capability with host-side resolving functions (async functions, async generators): its promise says it all.
    const cap = r as { promise?: unknown; resolve?: unknown; reject?: unknown };
    if (typeof cap.resolve === 'function' && Object.getPrototypeOf(cap.resolve) === this.hostFunctionProto) {
      this.count('capability');
      this.pushRecord('capability', id, `$.rec(${id}, "hostCapability", [${this.value(cap.promise, path)}]);`);
      return id;
    }
    this.count('record');
    const fields: string[] = [];
    for (const k of Object.keys(r)) {
      const v = (r as any)[k];
      if (typeof v === 'function' && Object.getPrototypeOf(v) === this.hostFunctionProto) this.fail(`a host function in an engine record (field ${k})`, r);
      fields.push(lit(k), this.internal(v, `${path}.${k}`));
    }
    this.pushRecord('record', id, `$.rec(${id}, "object", [${fields.join(', ')}]);`);
    return id;
  }

  /** V8 iterators written, with where they stand (a delta moves a known one in place, delta.ts). */
  private readonly iteratorsWritten = new Map<object, { kind: string; source: unknown; pos: number; done: boolean }>();
  /** Each V8 iterator's id → its kind, its source's id (an object) and where it stands. */
  iteratorIds(): Map<number, { kind: string; source: number | undefined; pos: number; done: boolean }> {
    return new Map([...this.iteratorsWritten].map(([it, w]) => [this.ids.get(it)!, { ...w, source: isObject(w.source) ? this.ids.get(w.source) : undefined }]));
  }

  /**
   * A running computation can be written out when every frame from the innermost to the turn's
   * entry is a VM frame, and the host code that entered the turn does not wait for its result.
   */
  private readonly runningChain = new Set<Frame>();

  private checkRunning(top: Frame): void {
    let root = top;
    for (let f: Frame | null = top; f; f = f.caller) {
      this.runningChain.add(f);
      if (f.boundary && f.caller) throw new SnapshotError(`a native frame is on the stack (host code called ${f.code.name || 'a function'}): not a safe point`);
      root = f;
    }
    const loop = this.engine.loop;
    const fromTimer = loop.runningCallback !== null && root.closure?.fn === loop.runningCallback;
    const ok = root.code.kind === 'script' || fromTimer || (root.asyncCap !== null && root.delivered);
    if (!ok) throw new SnapshotError(`the running code was entered by host code that waits for its result (${root.code.name || root.code.kind}): not a safe point`);
  }

  private moduleRecord(m: ModuleRecord, id: number): void {
    this.count('module');
    const path = `<module ${m.file}>`;
    const { unit } = this.unit(m.code);
    const fields = [
      lit(m.file),
      unit,
      lit(m.status),
      this.value(m.error, `${path}.<error>`),
      `$.ref(${this.env(m.env, path)})`,
      ...[m.requested, m.imports, m.localExports, m.indirectExports, m.starExports].map((l) => this.internal(l, path)),
      this.value(m.meta, `${path}.<import.meta>`),
      this.value(m.promise, `${path}.<evaluation>`),
    ];
    this.pushRecord('module', id, `$.rec(${id}, "Module", [${fields.join(', ')}]);`);
  }

  private frame(f: Frame, id: number): void {
    this.frames++;
    this.count('frame');
    const path = `<frame ${f.code.name || f.code.kind}>`;
    const off = offsetAt(f.code, Math.max(0, f.pc - 1)); // (pc 0: a function entered at a safe point)
    const pos = off >= 0 ? f.code.source.position(off) : { line: 0, column: 0 };
    const at = `${f.code.file}:${pos.line}:${pos.column}`;
    const name = f.code.name || (f.code.kind === 'script' ? '<script>' : '<anonymous>');
    this.frameList.push({ name, at }); // before its callers: the innermost frame comes first
    const { unit, code } = this.unit(f.code);
    const stack: string[] = [];
    for (let i = 0; i < f.sp; i++) stack.push(this.internal(f.stack[i], `${path}.<register ${i}>`));
    const fields = [
      unit,
      code,
      f.closure ? this.value(f.closure.fn, path) : 'void 0',
      f.pc,
      f.sp,
      `[${stack.join(', ')}]`,
      f.env ? `$.ref(${this.env(f.env, path)})` : 'null',
      f.fnEnv ? `$.ref(${this.env(f.fnEnv, path)})` : 'null',
      this.internal(f.thisValue, `${path}.<this>`),
      this.value(f.newTarget, `${path}.<new.target>`),
      `$.ref(${this.record(f.args)})`,
      this.value(f.argsObj, `${path}.<arguments>`),
      f.gen ? `$.ref(${this.record(f.gen)})` : 'null',
      f.asyncCap ? `$.ref(${this.record(f.asyncCap)})` : 'null',
      f.construct,
      f.delivered,
      // only the running computation's frames are linked: a suspended frame's caller is stale
      f.caller && this.runningChain.has(f) ? `$.ref(${this.record(f.caller)})` : 'null',
      this.runningChain.has(f) && f.boundary,
      f.module ? `$.ref(${this.record(f.module as object)})` : 'null',
    ];
    const stmt = `$.rec(${id}, "Frame", [${fields.join(', ')}]);`;
    this.addBytes('frame', stmt.length);
    this.records.pushAs(`r${id}`, `// frame ${id}: ${name} (${at})`.replace(/[\r\n\u2028\u2029]/g, ' '));
    this.records.pushAs(`r${id}`, stmt);
  }

  // ---- phase 3: what each object holds ----

  private fillEnv(e: Env, id: number): void {
    const path = `<scope ${id}>`;
    if (e.desc) {
      const names = e.desc.names;
      this.fills.push(`$.slots(${id}, [${e.vars.map((v, i) => this.internal(v, `${path}.${names[i]}`)).join(', ')}]);`);
    }
    if (e.extra) {
      for (const [name, cell] of e.extra) this.fills.push(`$.extra(${id}, ${lit(name)}, ${this.internal(cell.value, `${path}.${name}`)});`);
    }
  }

  private fill(o: object): void {
    // (no `instanceof` on guest objects: on a proxy it would run the getPrototypeOf trap)
    if (this.envsToFill.has(o)) return this.fillEnv(o as Env, this.recIds.get(o)!);
    const vm = this.vm;
    const id = this.ids.get(o)!;
    const ref = `$o[${id}]`;
    const path = this.paths.get(o) ?? ref;
    const claim = this.claims.get(o);
    if (claim) return this.fillProperties(o, ref, path, null, claim.props); // weak entries: claimedWeakEntries()
    this.weakEntries(o, ref, path);
    if (this.engine.builtins.has(o)) return; // diffed against a fresh engine in run()
    const closure = typeof o === 'function' ? vm.closures.get(o) : undefined;
    if (closure) this.fillClosure(closure, ref, path);
    const promise = getPromiseRecord(o);
    if (promise) this.fills.push(`$.promiseState(${ref}, $.ref(${this.record(promise)}));`);
    const gen = vm.generators.get(o);
    if (gen) this.fills.push(`$.generatorState(${ref}, $.ref(${this.record(gen as GeneratorState)}));`);
    const stamped = this.stamped.get(o);
    if (stamped) this.fills.push(`$.stampRecord(${ref}, ${lit(stamped[0])}, $.ref(${this.record(stamped[1])}));`);
    if (types.isMap(o)) {
      const entries: string[] = [];
      for (const [k, v] of Map.prototype.entries.call(o) as IterableIterator<[unknown, unknown]>) entries.push(this.value(k, `${path}.<key>`), this.value(v, `${path}.<value>`));
      if (entries.length) this.fills.push(`$.mapEntries(${ref}, [${entries.join(', ')}]);`);
    } else if (types.isSet(o)) {
      const entries: string[] = [];
      for (const k of Set.prototype.values.call(o) as IterableIterator<unknown>) entries.push(this.value(k, `${path}.<entry>`));
      if (entries.length) this.fills.push(`$.setEntries(${ref}, [${entries.join(', ')}]);`);
    }
    const proxy = vm.proxies.get(o);
    if (!proxy && this.known(o) && !this.protoAtCreation.has(o)) {
      // a delta clears a changed object in place: its prototype is then always written
      const proto = Object.getPrototypeOf(o);
      const builtin = proto === null ? undefined : this.engine.builtins.get(proto);
      this.extras.pushAs(`o${id}`, `$setp(${ref}, ${builtin !== undefined ? `$.builtin(${lit(builtin)})` : this.value(proto, `${path}.<prototype>`)});`);
    }
    // (a raw JSON object is whole from its creation: asked once, there)
    if (!proxy && this.kindOf.get(o) !== 'raw JSON') {
      this.fillPrototype(o, ref, path);
      this.fillProperties(o, ref, path, null);
      const mapped = vm.mappedArguments.get(o);
      if (mapped) this.fillMappedArguments(o, mapped, ref, path);
      this.fillIntegrity(o, ref);
    }
    const priv = vm.privates.get(o);
    if (priv) {
      for (const [pn, v] of priv) this.fills.push(`$.privateField(${ref}, $.ref(${this.record(pn)}), ${this.internal(v, `${path}.#${pn.description}`)});`);
    }
  }

  /**
   * A sloppy mapped arguments object: the parameters' values and, for each argument index, whether it
   * is still mapped, present but unmapped, or deleted. Mapping is read by setting the parameter to a
   * probe and looking at the property (put back at once; no guest code runs).
   */
  private fillMappedArguments(o: object, m: MappedParams, ref: string, path: string): void {
    const probe = {};
    const states: number[] = [];
    for (let i = 0; i < m.argc; i++) {
      const d = Reflect.getOwnPropertyDescriptor(o, i);
      let state = d === undefined ? MAPPED_ABSENT : MAPPED_UNMAPPED;
      if (d !== undefined && 'value' in d && i < m.n) {
        const old = m.get(i);
        m.set(i, probe);
        if (Reflect.getOwnPropertyDescriptor(o, i)?.value === probe) state = MAPPED_MAPPED;
        m.set(i, old);
      }
      states.push(state);
    }
    const values = Array.from({ length: m.n }, (_, i) => this.value(m.get(i), `${path}.<parameter ${i}>`));
    this.fills.push(`$.mapParameters(${ref}, [${values.join(', ')}], [${states.join(', ')}]);`);
  }

  private fillClosure(rec: Closure, ref: string, path: string): void {
    if (rec.module) this.fills.push(`$.module(${ref}, $.ref(${this.record(rec.module as object)}));`);
    if (rec.home !== undefined) this.fills.push(`$.home(${ref}, ${this.value(rec.home, `${path}.<home>`)});`);
    if (rec.classInfo) {
      const info = rec.classInfo;
      const el = (e: { key: unknown; init: Function | undefined; isPrivate: boolean }, kind?: string) =>
        `[${kind ? lit(kind) + ', ' : ''}${this.internal(e.key, `${path}.<field>`)}, ${this.value(e.init, `${path}.<initializer>`)}, ${e.isPrivate}]`;
      this.fills.push(
        `$.classInfo(${ref}, [${info.fields.map((e) => el(e)).join(', ')}], [${info.privateMethods.map((p) => `$.ref(${this.record(p)})`).join(', ')}], [${info.staticElements
          .map((e) => el(e, e.kind))
          .join(', ')}], [${info.staticPrivateMethods.map((p) => `$.ref(${this.record(p)})`).join(', ')}]);`,
      );
    }
  }

  private defaultPrototype(o: object): object | null | undefined {
    const vm = this.vm;
    const I = this.realm.intrinsics;
    const rec = typeof o === 'function' ? vm.closures.get(o) : undefined;
    if (rec) {
      return rec.code.flags & 32 /* Generator */
        ? rec.code.flags & 64
          ? vm.asyncGeneratorFunctionPrototype
          : vm.generatorFunctionPrototype
        : rec.code.flags & 64
          ? vm.asyncFunctionPrototype
          : I.FunctionPrototype;
    }
    const bound = vm.boundFunctions.get(o);
    // (the prototype of a proxy target is not asked: its trap is guest code; the prototype is then written)
    if (bound) return types.isProxy(bound.target) ? undefined : Object.getPrototypeOf(bound.target);
    if (getBuiltinClosureRecord(o)) return I.FunctionPrototype;
    if (Array.isArray(o)) return I.ArrayPrototype;
    if (getPromiseRecord(o)) return (this.realm.global as any).Promise.prototype;
    const gen = vm.generators.get(o);
    if (gen) return undefined;
    if (types.isArgumentsObject(o)) return I.ObjectPrototype;
    const it = vm.iterators.made.get(o);
    if (it) return vm.iterators.protoOf(it.kind);
    return undefined; // always written
  }

  /** A host-state record as its kind writes it (once per record: objects sharing one keep sharing it). */
  private encoded(rec: object, encode: (r: never) => object): object {
    let e = this.encodings.get(rec);
    if (!e) this.encodings.set(rec, (e = encode(rec as never)));
    return e;
  }
  private readonly encodings = new Map<object, object>();
  /** Whether a host service's record was written in its encoded form (a delta cannot update its live record in place). */
  get wroteEncoded(): boolean {
    return this.encodings.size > 0;
  }

  readonly protoAtCreation = new Set<object>();
  /** Objects of an engine built-in whose state is a stamped record (vm.stampedKinds). */
  private readonly stamped = new Map<object, [string, object]>();

  private fillPrototype(o: object, ref: string, path: string): void {
    if (this.protoAtCreation.has(o)) return;
    const proto = Object.getPrototypeOf(o);
    const def = this.defaultPrototype(o);
    if (def !== undefined && proto === def) return;
    if (def === undefined && proto === null && this.creationGivesNull(o)) return;
    this.fills.push(`$setp(${ref}, ${this.value(proto, `${path}.<prototype>`)});`);
  }

  private creationGivesNull(o: object): boolean {
    return (
      !Array.isArray(o) &&
      typeof o !== 'function' &&
      !types.isMap(o) &&
      !types.isSet(o) &&
      !types.isDate(o) &&
      !types.isRegExp(o) &&
      !types.isBoxedPrimitive(o) &&
      !types.isNativeError(o) &&
      !types.isArrayBuffer(o) &&
      !types.isSharedArrayBuffer(o) &&
      !types.isArrayBufferView(o) &&
      !getPromiseRecord(o) &&
      !this.vm.generators.get(o) &&
      !types.isArgumentsObject(o)
    );
  }

  /** Own properties in order. `pristine` (a built-in's twin in a fresh engine) limits them to what changed. */
  private fillProperties(o: object, refOf: string | (() => string), path: string, pristine: object | null, only?: PropertyKey[]): void {
    const closure = typeof o === 'function' ? this.vm.closures.get(o) : undefined;
    // a typed array's elements live in its buffer, written with the buffer
    const isTyped = types.isTypedArray(o);
    const mapped = only === undefined ? this.vm.mappedArguments.get(o) : undefined;
    if (mapped) only = argumentsKeys(o, mapped.argc);
    writeProperties(
      this,
      {
        value: (v, p) => this.value(v, p),
        push: (stmt) => this.fills.push(stmt),
        names: { elems: '$.elems', props: '$props', dp: '$dp', del: '$del' },
        // a closure is made with its code's `length` and `name` (those the program deleted go)
        made: closure ? CLOSURE_KEYS : undefined,
        skip: (k, d) =>
          (isTyped && typeof k === 'string' && String(Number(k)) === k && Number.isInteger(Number(k))) ||
          (!!closure && (k === 'length' ? d.value === closure.code.length : k === 'name' && d.value === closure.code.name) && 'value' in d && !d.writable && !d.enumerable && !!d.configurable),
      },
      o,
      refOf,
      path,
      pristine,
      only,
    );
  }

  private argumentsIterators: unknown[] | null = null;
  isArgumentsIterator(v: unknown): boolean {
    this.argumentsIterators ??= [
      this.realm.realmEval('(function () { return arguments; })()[Symbol.iterator]'),
      this.realm.realmEval('(function () { "use strict"; return arguments; })()[Symbol.iterator]'),
    ];
    // V8 gives strict arguments objects made from host calls a values function of its own choosing
    return (
      this.argumentsIterators.includes(v) ||
      v === this.realm.intrinsics.ArrayValues ||
      (typeof v === 'function' && !this.engine.builtins.has(v) && !this.vm.closures.get(v) && (v as Function).name === 'values')
    );
  }

  private fillIntegrity(o: object, refOf: string | (() => string)): void {
    if (Object.isExtensible(o)) return;
    const ref = typeof refOf === 'string' ? refOf : refOf();
    if (Object.isFrozen(o)) this.finals.push(`$freeze(${ref});`);
    else if (Object.isSealed(o)) this.finals.push(`$seal(${ref});`);
    else this.finals.push(`$pe(${ref});`);
  }

  /** Do two values correspond: the same primitive, or the built-in at the same path in both engines? */
  corresponds(v: unknown, pv: unknown): boolean {
    if (!isObject(v) || !isObject(pv)) {
      if (typeof v === 'symbol' && typeof pv === 'symbol') return v === pv || (Symbol.keyFor(v) !== undefined && Symbol.keyFor(v) === Symbol.keyFor(pv));
      return Object.is(v, pv);
    }
    const p = this.engine.builtins.get(v);
    return p !== undefined && p === this.pristine.builtins.get(pv);
  }

  sameDescriptor(d: PropertyDescriptor, pd: PropertyDescriptor): boolean {
    if (d.enumerable !== pd.enumerable || d.configurable !== pd.configurable) return false;
    if ('value' in d) return 'value' in pd && d.writable === pd.writable && this.corresponds(d.value, pd.value);
    return !('value' in pd) && this.corresponds(d.get, pd.get) && this.corresponds(d.set, pd.set);
  }

  /**
   * Whether built-in `o` is as fresh (`twin`): the same prototype, integrity, own keys in the same order and
   * descriptors. When it is, diffBuiltin's writeProperties and fillIntegrity would write nothing. (A guest
   * closure among the built-ins — self-hosted ones — is left to that walk: its made keys are checked there.)
   */
  private sameAsFresh(o: object, twin: object): boolean {
    if (typeof o === 'function' && this.vm.closures.get(o)) return false;
    if (Object.isExtensible(twin) && !Object.isExtensible(o)) return false;
    if (!this.corresponds(Object.getPrototypeOf(o), Object.getPrototypeOf(twin))) return false;
    const fresh = freshShape(twin);
    const keys = Reflect.ownKeys(o);
    if (keys.length !== fresh.keys.length) return false;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k !== fresh.keys[i] || !this.sameDescriptor(Reflect.getOwnPropertyDescriptor(o, k)!, fresh.descs.get(k)!)) return false;
    }
    return true;
  }

  /** What a program changed in a built-in (the global object included): written against its fresh twin. */
  private diffBuiltin(o: object, path: string): void {
    const twin = this.pristineByPath.get(path);
    if (!twin) return; // made by a host service the twin lacks: the restoring engine has it too
    if (this.sameAsFresh(o, twin)) return; // (most built-ins: what the walk below would find, read at less cost)
    const ref = () => this.value(o, path);
    const before = this.fills.length + this.finals.length;
    if (!this.corresponds(Object.getPrototypeOf(o), Object.getPrototypeOf(twin))) this.fills.push(`$setp(${ref()}, ${this.value(Object.getPrototypeOf(o), `${path}.<prototype>`)});`);
    this.fillProperties(o, ref, path, twin);
    if (Object.isExtensible(twin)) this.fillIntegrity(o, ref);
    if (this.fills.length + this.finals.length !== before) this.changedBuiltins.push([o, path]);
  }

  /** The built-ins the program changed (the portable section writes the same changes). */
  readonly changedBuiltins: [object, string][] = [];

  /** `$.builtin(path)` for a built-in named as from a fresh global (`Object.create`). */
  private builtinRef(dotted: string): string {
    const v = this.pristine.lookup(dotted) as object;
    const p = this.pristine.builtins.get(v);
    if (p === undefined) throw new SnapshotError(`no built-in ${dotted}`);
    return `$.builtin(${lit(p)})`;
  }

  /** Drain: filling an object may reach new objects. */
  private drain(): void {
    const owner = this.owner;
    for (let i = this.drained; i < this.fillQueue.length; i++) {
      const o = this.fillQueue[i]!;
      const before = this.fills.length;
      this.owner = this.envsToFill.has(o) ? `r${this.recIds.get(o)}` : `o${this.ids.get(o)}`;
      this.fill(o);
      let n = 0;
      for (let j = before; j < this.fills.length; j++) n += this.fills.items[j]!.length + 1;
      this.addBytes(this.envsToFill.has(o) ? 'environment' : (this.kindOf.get(o) ?? 'object'), n);
    }
    this.owner = owner;
    this.drained = this.fillQueue.length;
  }
  private drained = 0;

  // ---- the embedder's objects (host.ts) ----

  private readonly claims = new Map<object, HostClaim>();
  /** Per claimed key, the weak collections whose entry for it is written. */
  private readonly weakDone = new Map<object, Set<object>>();

  /** `$.host(ref)` for an object the embedder claims, or null. */
  private claim(o: object): string | null {
    const c = this.host?.claim(o) ?? null;
    if (c === null) return null;
    if (typeof c === 'string') this.fail(c, o);
    this.claims.set(o, c);
    this.count('host object');
    return `$.host(${lit(JSON.stringify(c.ref))})`;
  }

  /** The embedder's state that holds guest values, written after the heap (the walk it starts is drained too). */
  private hostLinks(): string[] {
    if (!this.host) return [];
    const { data, values } = this.host.links((o) => this.ids.has(o));
    const exprs = values.map((v, i) => this.value(v, `<host link ${i}>`));
    this.drain();
    // Claimed objects are keys in the embedder's own weak collections too (its code uses the guest's
    // WeakMap): only entries of collections the program reaches are written.
    for (let done = -1; done !== this.ids.size; ) {
      done = this.ids.size;
      for (const o of this.claims.keys()) {
        let written = this.weakDone.get(o);
        if (!written) this.weakDone.set(o, (written = new Set()));
        this.owner = `o${this.ids.get(o)}`;
        this.weakEntries(o, `$o[${this.ids.get(o)}]`, this.paths.get(o) ?? '<host object>', written);
        this.owner = '';
      }
      this.drain();
    }
    this.linkExprs = exprs;
    return [this.hostLinksLine(data, exprs)];
  }

  /** The embedder's links' values as written (`hostLinks`), for a delta's own links line. */
  private linkExprs: string[] = [];

  private hostLinksLine(data: unknown, exprs: string[]): string {
    return `$.hostLinks(${lit(JSON.stringify(data))}, [${exprs.join(', ')}]);`;
  }

  /** `tail` with the embedder's links as a delta carries them (HostCapture.deltaLinks), for delta.ts. */
  deltaTail(): string[] {
    const d = this.host?.deltaLinks?.();
    if (!d) return this.tail;
    // (an embedder's links are the tail's first line: `hostLinks` writes one whenever there is an embedder)
    return [
      this.hostLinksLine(
        d.data,
        d.values.map((i) => this.linkExprs[i]!),
      ),
      ...this.tail.slice(1),
    ];
  }

  // ---- roots ----

  private formatOptions(): string {
    const engine = this.engine;
    return JSON.stringify({
      test262Host: !!engine.options.test262Host,
      frameLimit: engine.options.frameLimit ?? null,
      argv: engine.options.argv ?? null,
      ...(this.host ? { host: this.host.header } : {}),
    });
  }

  private formatLine(): string {
    return `$.format(${FORMAT_VERSION}, ${lit(this.formatOptions())});`;
  }

  /** Helpers the program uses, named by their paths (taken from the fresh twin: the program may have replaced them). */
  private preludeLines(): string[] {
    const b = (dotted: string) => this.builtinRef(dotted);
    return [
      `var $S = ${b('Symbol')}, $Object = ${b('Object')}, $cr = ${b('Object.create')}, $dp = ${b('Object.defineProperty')}, $setp = ${b('Object.setPrototypeOf')};`,
      `var $freeze = ${b('Object.freeze')}, $seal = ${b('Object.seal')}, $pe = ${b('Object.preventExtensions')}, $del = ${b('Reflect.deleteProperty')};`,
      `var $Map = ${b('Map')}, $Set = ${b('Set')}, $Date = ${b('Date')}, $RegExp = ${b('RegExp')}, $bind = ${b('Function.prototype.bind')};`,
      `var $props = $.props;`,
    ];
  }

  run(): Snapshot {
    // (a capture started inside this one, by an embedder's hook, gets its own cache and gives this one back)
    const outer = shortLiterals;
    shortLiterals = new Map();
    try {
      return this.walk();
    } finally {
      shortLiterals = outer;
    }
  }

  private walk(): Snapshot {
    const t0 = performance.now();
    const engine = this.engine;
    const vm = this.vm;
    if (vm.current && !this.running) throw new SnapshotError('a snapshot is taken between event-loop turns or at a safe point (guest code is running)');
    const sink = this.options.sink;
    if (sink) {
      // everything before the objects is known now: the units and objects then go out as they are made;
      // an embedder's (a page's) state stands before any object and is known only after the walk: then the
      // head goes now (a page is born from it) and the units as they are met (they stand before that state),
      // the rest after the walk in capture()'s order
      const head = [this.formatLine(), `var $o = [];`, ...this.preludeLines()];
      sink.begin(this.formatOptions(), this.host ? head : [...head, `// 1. objects`]);
      this.header.tap = (s) => sink.line(s);
      if (!this.host) this.creates.tap = this.header.tap;
    }
    let runningRef = '';
    if (this.running) {
      this.checkRunning(this.running);
      runningRef = `$.ref(${this.record(this.running)})`;
    }
    const modules = [...engine.modules.modules.values()].map((m) => `$.ref(${this.record(m)})`);
    // The global object and every built-in: only what differs from a fresh engine is written.
    const fillsBefore = this.fills.length;
    for (const [o, p] of engine.builtins) {
      this.paths.set(o, p);
      this.owner = `b${p}`;
      this.diffBuiltin(o, p);
    }
    const globalChanges = this.fills.length - fillsBefore;
    for (const [name, b] of vm.globalLex) {
      this.owner = `l${name}`;
      this.fills.push(`$.lexical(${lit(name)}, ${this.internal(b.value, name)}, ${b.isConst});`);
    }
    this.owner = '';
    const jobs = engine.queue.jobs.map((j) => `$.ref(${this.record(j)})`);
    const now = this.at;
    const timers = [...engine.timers.timers.values()].map((t) => {
      const remaining = t.due - now; // negative when overdue: the order among due timers stays
      return `[${t.id}, ${this.value(t.callback, `<timer ${t.id}>`)}, [${t.args.map((a, i) => this.value(a, `<timer ${t.id}>.<arg ${i}>`)).join(', ')}], ${lit(remaining)}, ${t.interval}, ${t.repeat}, ${t.seq}]`;
    });
    const pendingRejections = engine.rejections.pending.map((p) => this.value(p, '<unhandled rejection>'));
    for (const root of this.host?.roots() ?? []) this.value(root, '<host root>');
    this.drain();
    const hostLinks = this.hostLinks();
    const hostState = this.host ? [`$.hostState(${lit(JSON.stringify(this.host.state()))});`] : [];
    this.addBytes('host state', hostState.join('').length);
    const t = engine.timers;
    if (sink) this.header.tap = this.creates.tap = null;
    const formatOptions = this.formatOptions();
    const formatLine = this.formatLine();
    this.prelude = this.preludeLines();
    this.tail = [
      ...hostLinks,
      `$.jobs([${jobs.join(', ')}]);`,
      `$.timers([${timers.join(', ')}], ${t.nextId}, ${t.nextSeq});`,
      `$.rejections([${pendingRejections.join(', ')}]);`,
      ...(runningRef ? [`$.running(${runningRef}, ${engine.loop.runningCallback !== null});`] : []),
      `$.turn(${engine.loop.turn}, ${engine.mainTurnDone});`,
    ];
    this.modulesLine = `$.modules([${modules.join(', ')}]);`;
    // (concat, not spread: the engine clears V8's array-iteration protector for the process, iterators.ts)
    // (a streamed capture handed out everything up to the objects already; with an embedder, up to its state)
    const objects = hostState.concat([`// 1. objects`], this.creates.items);
    const head = sink && !this.host ? [] : sink ? objects : [formatLine, `var $o = [];`].concat(this.prelude, this.header.items, objects);
    const body = head
      .concat(
        [`// 2. engine records`],
        this.records.items,
        [`$.link();`, this.modulesLine],
        this.lateCreates,
        [`// 3. contents`],
        this.fills.items,
        [`// 4. integrity, queues, clock`],
        this.finals.items,
        this.tail,
        [''],
      )
      .join('\n');
    const stats: SnapshotStats = {
      turn: engine.loop.turn + 1,
      safepoint: this.running !== null,
      objects: this.ids.size,
      functions: this.functions,
      records: this.nextRec,
      frames: this.frames,
      units: this.units.size,
      bytes: 0,
      captureMs: 0,
      byKind: this.byKind,
      bytesByKind: this.bytesByKind,
      roots: { globalChanges, lexicals: vm.globalLex.size, jobs: jobs.length, timers: timers.length, rejections: pendingRejections.length },
      frameList: this.frameList,
      unitList: this.unitList,
    };
    // the portable section: plain JavaScript for `node SNAP`, or one line saying why there is none
    let portableSection: string;
    if (this.options.portable === false) {
      portableSection = notPortable('it was written without its portable section');
      stats.portable = { ok: false, reason: 'left out (portable: false)', bytes: 0, ms: 0 };
    } else {
      const p = writePortable(this, engine, this.frameList, this.host?.portable);
      portableSection = p.text ?? notPortable(p.reason!);
      stats.portable = { ok: p.text !== null, reason: p.reason, bytes: p.text ? Buffer.byteLength(p.text) : 0, ms: p.ms };
    }
    stats.captureMs = performance.now() - t0;
    if (sink) return { code: sink.end(body, stats, portableSection), stats };
    sizeStats(stats, Buffer.byteLength(envelope(formatOptions, '', '', '')) + Buffer.byteLength(body) + Buffer.byteLength(portableSection));
    return { code: envelope(formatOptions, JSON.stringify(stats), body, portableSection), stats };
  }
}

/**
 * Set `stats.bytes` to the whole text's size, `rest` being the bytes of all but the stats line: the rest is
 * measured once, and the size's own digits settle in a step or two.
 */
export function sizeStats(stats: SnapshotStats, rest: number): void {
  stats.bytes = 0;
  for (let size = -1; size !== stats.bytes; ) {
    size = stats.bytes;
    stats.bytes = rest + Buffer.byteLength(JSON.stringify(stats));
  }
}

/** The own keys a function made from a Code has from the start. */
export const CLOSURE_KEYS: readonly string[] = ['length', 'name'];

/** How a writer spells its statements (capture's `$` program, the portable section) and what its creation gives. */
export interface PropertyWriter {
  value(v: unknown, path: string): string;
  push(stmt: string): void;
  names: { elems: string; props: string; dp: string; del: string };
  /** A property the object is made with already (not written). */
  skip(k: PropertyKey, d: PropertyDescriptor): boolean;
  /** Keys the object is made with (a closure's `length` and `name`): deleted where it no longer has them. */
  made?: readonly string[];
}

/** A fresh built-in's own keys and descriptors (twin or baseline copy: neither is ever written to), read once per process. */
interface FreshShape {
  keys: PropertyKey[];
  descs: Map<PropertyKey, PropertyDescriptor>;
}
const freshShapes = new WeakMap<object, FreshShape>();
function freshShape(pristine: object): FreshShape {
  let f = freshShapes.get(pristine);
  if (!f) {
    const keys = Reflect.ownKeys(pristine);
    f = { keys, descs: new Map(keys.map((k) => [k, Reflect.getOwnPropertyDescriptor(pristine, k)!])) };
    freshShapes.set(pristine, f);
  }
  return f;
}

/** RegExp.prototype's getters that read a regexp's own slots, never its properties (flags in `flags`' order). */
const REGEXP_SOURCE = Object.getOwnPropertyDescriptor(RegExp.prototype, 'source')!.get!;
const REGEXP_FLAGS = (
  [
    ['hasIndices', 'd'],
    ['global', 'g'],
    ['ignoreCase', 'i'],
    ['multiline', 'm'],
    ['dotAll', 's'],
    ['unicode', 'u'],
    ['unicodeSets', 'v'],
    ['sticky', 'y'],
  ] as const
).map(([name, letter]) => [Object.getOwnPropertyDescriptor(RegExp.prototype, name)!.get!, letter] as const);

/**
 * A regexp's source and flags from its internal slots. (`RegExp.prototype.flags` would read the
 * `global`, `sticky`… properties, which a program may have made accessors: capture runs no guest code.)
 */
export function regexpParts(o: object): { source: string; flags: string } {
  let flags = '';
  for (const [get, letter] of REGEXP_FLAGS) if (Reflect.apply(get, o, [])) flags += letter;
  return { source: Reflect.apply(REGEXP_SOURCE, o, []) as string, flags };
}

/**
 * Write an object's own properties in order with their attributes: an array's leading elements as one
 * list (holes as elisions), runs of plain data properties as one call, others one by one, an array's
 * length where its elements do not imply it. `pristine` (a built-in's twin in a fresh engine) limits
 * them to what the program changed, and what it deleted is deleted.
 */
export function writeProperties(cap: Capture, w: PropertyWriter, o: object, refOf: string | (() => string), path: string, pristine: object | null, only?: PropertyKey[]): void {
  let ref = typeof refOf === 'string' ? refOf : '';
  const need = () => (ref ||= (refOf as () => string)());
  const { elems, props, dp, del } = w.names;
  // (`only`: the keys an embedder lists for an object it claims, its expandos)
  const keys = only ?? Reflect.ownKeys(o);
  const fresh = pristine && freshShape(pristine);
  const plain: string[] = [];
  const flushPlain = () => {
    if (plain.length) w.push(`${props}(${need()}, [${plain.join(', ')}]);`);
    plain.length = 0;
  };
  const isArr = !only && Array.isArray(o);
  // a typed array's own keys begin with its element indices (no other integer key can be added to it),
  // whose values live in its buffer, written with the buffer: not walked one by one
  let first = !only && types.isTypedArray(o) ? viewLength(o as ArrayBufferView) : 0;
  if (isArr && !pristine) {
    const values: string[] = [];
    let last = -1;
    for (; first < keys.length; first++) {
      const k = keys[first]!;
      if (typeof k !== 'string' || k === 'length') break;
      const i = Number(k);
      if (!Number.isInteger(i) || String(i) !== k) break;
      const d = Reflect.getOwnPropertyDescriptor(o, k)!;
      if (!('value' in d) || !d.writable || !d.enumerable || !d.configurable) break;
      for (let h = last + 1; h < i; h++) values.push('');
      values.push(w.value(d.value, `${path}[${i}]`));
      last = i;
    }
    if (values.length) w.push(`${elems}(${need()}, [${values.join(', ')}${values[values.length - 1] === '' ? ',' : ''}]);`);
  }
  // V8's poison properties of a sloppy guest function cannot change: skipped unread (reading them walks V8's stack)
  const poisoned = typeof o === 'function' && cap.hasPoisonProperties(o);
  for (let ki = first; ki < keys.length; ki++) {
    const k = keys[ki]!;
    if (isArr && k === 'length') continue;
    if (poisoned && (k === 'arguments' || k === 'caller')) continue;
    const d = Reflect.getOwnPropertyDescriptor(o, k)!;
    if (fresh) {
      const pd = fresh.descs.get(k);
      if (pd && cap.sameDescriptor(d, pd)) continue;
    } else if (w.skip(k, d)) {
      continue;
    } else if (k === Symbol.iterator && types.isArgumentsObject(o) && 'value' in d && cap.isArgumentsIterator(d.value)) {
      continue; // V8's own %Array.prototype.values%, which a new arguments object carries too
    } else if (typeof o === 'function' && (k === 'arguments' || k === 'caller') && 'value' in d && d.value === null && !d.enumerable && !d.configurable) {
      continue; // V8's own poison properties of sloppy functions, made again with the function
    }
    const kpath = typeof k === 'symbol' ? `${path}[${String(k)}]` : `${path}.${k}`;
    const key = typeof k === 'symbol' ? w.value(k, kpath) : lit(k);
    if ('value' in d) {
      const v = w.value(d.value, kpath);
      if (d.writable && d.enumerable && d.configurable) {
        plain.push(key, v);
        continue;
      }
      flushPlain();
      w.push(`${dp}(${need()}, ${key}, { value: ${v}, writable: ${d.writable}, enumerable: ${d.enumerable}, configurable: ${d.configurable} });`);
    } else {
      flushPlain();
      w.push(`${dp}(${need()}, ${key}, { get: ${w.value(d.get, `get ${kpath}`)}, set: ${w.value(d.set, `set ${kpath}`)}, enumerable: ${d.enumerable}, configurable: ${d.configurable} });`);
    }
  }
  flushPlain();
  if (isArr) {
    const lengthDesc = Reflect.getOwnPropertyDescriptor(o, 'length')!;
    const len = (o as unknown[]).length;
    // an array's length is written unless its elements imply it (the last index + 1) and it is writable
    const implied = !pristine && lengthDesc.writable && (len === 0 || Reflect.getOwnPropertyDescriptor(o, String(len - 1)) !== undefined);
    if (!implied && !(pristine && (pristine as unknown[]).length === len)) w.push(`${dp}(${need()}, "length", { value: ${len}, writable: ${lengthDesc.writable} });`);
  }
  if (fresh) {
    for (const k of fresh.keys) {
      if (!Reflect.getOwnPropertyDescriptor(o, k)) w.push(`${del}(${need()}, ${typeof k === 'symbol' ? w.value(k, path) : lit(k)});`);
    }
  }
  for (const k of w.made ?? []) if (!Reflect.getOwnPropertyDescriptor(o, k)) w.push(`${del}(${need()}, ${lit(k)});`);
}

/**
 * Make the fresh twin engine now, so that the first snapshot does not pause the program to build it.
 * With `fresh` (the caller promises that no guest code has run in `engine` yet), record what its
 * built-ins look like instead: cheaper than a second engine, which matters to a slow client's start-up.
 */
export function prepareCapture(engine: Engine, options: { fresh?: boolean } = {}): void {
  if (options.fresh) recordBaseline(engine);
  else pristineOf(engine);
}

/** The portable section of a state that has none: one clear line in Node, exit code 2. */
function notPortable(why: string): string {
  const line = why.startsWith('this snapshot') ? `snapvm: ${why}` : `snapvm: this snapshot cannot run in plain Node: ${why}`;
  return `console.error(${lit(line)} + "; restore it with \\"snapvm restore " + process.argv[1] + "\\"");\nprocess.exit(2);`;
}

/** Refuse a snapshot while host work is in flight: its result (a model loading, an inference) would never reach the restored program. */
export function checkSettled(engine: Engine): void {
  const inFlight = engine.loop.hostPending;
  if (inFlight)
    throw new SnapshotError(`cannot snapshot while host work is in flight (${inFlight} operation${inFlight > 1 ? 's' : ''}, e.g. a model loading or an inference); snapshot after it settles`);
}

export function capture(engine: Engine, running: Frame | null = null, options: CaptureOptions = {}): Snapshot {
  checkSettled(engine);
  return new Capture(engine, running, options).run();
}
