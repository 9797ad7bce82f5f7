// Deltas: after a first whole snapshot, two engines that agree on a state exchange only what changed.
//
// The agreed state (`DeltaState`) is the same on both sides: every object, engine record and compile
// unit has an id (the `$o[i]` / record / unit numbers of the capture or restore that made the state),
// and every *owner* (an object, a record, a unit's template objects, a built-in's changes, a global
// lexical) has a hash of the statements a capture writes for it. A delta capture (capture.ts with the
// base's ids) walks the whole heap as a snapshot does, but writes only the owners whose statements
// hash differently, the new ones, and the ids no longer reached; the receiver applies it *in place*
// on the engine it kept (restore.ts's operations on its own table, plus the few below that first
// empty a changed object or record), so nothing is rebuilt. A delta names the state it applies to
// (the SHA-256 of the text that made it) and is refused anywhere else. What cannot be changed in
// place exactly (a module graph, an object whose kind of creation changed, property orders a clear
// and refill would not give back) makes the capture fall back to a whole snapshot.
import { createHash } from 'node:crypto';
import { types } from 'node:util';
import type { Engine } from '../interpreter/index';
import { Env, Verifier, type Code, type Frame } from '../interpreter/state';
import { Capture, checkSettled, lit, type CaptureBase, type CaptureOptions, type Snapshot, type Stmts } from './capture';
import { SnapshotError, engineSection, isObject } from './format';
import { bufferLength, isResizable, maxByteLength } from '../typed-arrays';
import { pristineOf } from './pristine';
import { canonicalOps, readCanonical } from './reader';
import { precheckDelta } from './delta-precheck';
import { Restorer, type RestoreTable } from './restore';
import { checkState } from './delta-check';
import type { HostRestore } from './host';

export const DELTA_MAGIC = '// snapvm delta';
export const DELTA_TRAILER = '// end of snapvm delta';

/** A state two engines agree on, as one side holds it. */
export interface DeltaState {
  /** SHA-256 (hex) of the text (snapshot or delta) that made this state. */
  stateId: string;
  table: RestoreTable;
  /** owner → hash of its creation statement and of its other statements ("creation fill"). */
  hashes: Map<string, string>;
  nextId: number;
  nextRec: number;
  nextUnit: number;
  /** The receiver's verifier, kept from one delta's check to the next (each code verified once). */
  verifier?: Verifier;
  /** The embedder's side of the state (a page's node table: dom/delta.ts), kept by the embedder's own delta functions. */
  host?: unknown;
}

/**
 * A delta refused by `applyDelta`. `touched`: whether the refusal came after the delta began changing
 * the engine (its state is then neither the old one nor the new: continue from a whole snapshot).
 */
export class DeltaRefused extends SnapshotError {
  constructor(
    message: string,
    readonly touched: boolean,
  ) {
    super(message);
  }
}

export interface DeltaCapture {
  /** What to send: a delta against the base, or a whole snapshot (no base, or a fallback). */
  kind: 'delta' | 'full';
  text: string;
  /** The whole snapshot of the same state (for sizes, and to continue from after a failed apply). */
  full: Snapshot;
  /** The state both sides hold once the receiver applied `text`. */
  state: DeltaState;
  /** Why a delta fell back to a whole snapshot. */
  fallback?: string;
  /** Owners written: new, changed, dropped. */
  owners: { added: number; changed: number; dropped: number };
}

export const sha256hex = (text: string): string => createHash('sha256').update(text).digest('hex');

// ---- hashing of owners' statements (two 32-bit lanes) ----

function mix(h: Int32Array, k: number, s: string): void {
  let a = h[k]!;
  let b = h[k + 1]!;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  h[k] = Math.imul(a ^ 10, 16777619);
  h[k + 1] = b ^ 10;
}

const SEEDS = [0x811c9dc5, 0x9747b28c, 0x811c9dc5, 0x9747b28c];

class OwnerHashes {
  /** owner → its four lanes' offset in `lanes` (owners in the order first met) */
  private readonly at = new Map<string, number>();
  private lanes = new Int32Array(4096);

  /** `lane` 0: the owner's creation; 2: everything else. Comment lines are not hashed. */
  add(owner: string, lane: number, stmt: string): void {
    if (owner === '' || (stmt.charCodeAt(0) === 47 && stmt.charCodeAt(1) === 47)) return;
    let k = this.at.get(owner);
    if (k === undefined) {
      k = this.at.size * 4;
      this.at.set(owner, k);
      if (k + 4 > this.lanes.length) {
        const grown = new Int32Array(this.lanes.length * 2);
        grown.set(this.lanes);
        this.lanes = grown;
      }
      this.lanes.set(SEEDS, k);
    }
    mix(this.lanes, k + lane, stmt);
  }

  done(): Map<string, string> {
    const out = new Map<string, string>();
    const h = this.lanes;
    // (signed decimal: V8 writes small integers several times faster than in base 36)
    for (const [o, k] of this.at) out.set(o, `${h[k]!}.${h[k + 1]!} ${h[k + 2]!}.${h[k + 3]!}`);
    return out;
  }
}

/** Each owner's hash from the statements the capture tagged with it. */
function ownerHashes(cap: Capture): Map<string, string> {
  const h = new OwnerHashes();
  const add = (list: Stmts, lane: number) => {
    for (let i = 0; i < list.items.length; i++) h.add(list.owners[i]!, lane, list.items[i]!);
  };
  add(cap.creates, 0);
  add(cap.records, 2);
  add(cap.fills, 2);
  add(cap.finals, 2);
  return h.done();
}

/**
 * Each owner's hash read back from a whole snapshot's text, by what each statement names first (the
 * receiver of a whole snapshot has no tags). Where this reading and a capture's tags disagreed about a
 * statement, both owners would only hash as changed and be sent again: never a change missed.
 */
function hashesFromText(text: string): Map<string, string> {
  const h = new OwnerHashes();
  const builtinPath: string[] = [];
  let lane = -1; // before the objects: the header
  for (const line of engineSection(text).split('\n')) {
    if (line.startsWith('//')) {
      if (line === '// 1. objects') lane = 0;
      else if (line === '// 2. engine records') lane = 2;
      continue;
    }
    if (lane < 0) continue;
    let m = /^\$o\[(\d+)\] = (\$\.builtin\(("(?:[^"\\]|\\.)*")\);$)?/.exec(line);
    if (m) {
      if (m[3]) builtinPath[Number(m[1])] = JSON.parse(m[3]) as string;
      h.add(`o${m[1]}`, 0, line);
      continue;
    }
    if ((m = /^\$\.(?:env|withEnv)\((\d+),/.exec(line))) h.add(`r${m[1]}`, 0, line);
    else if ((m = /^\$\.(?:rec|slots|extra)\((\d+),/.exec(line))) h.add(`r${m[1]}`, 2, line);
    else if ((m = /^\$\.lexical\(("(?:[^"\\]|\\.)*")/.exec(line))) h.add(`l${JSON.parse(m[1]!)}`, 2, line);
    else if ((m = /^\$\.template\((\d+),/.exec(line))) h.add(`u${m[1]}`, 2, line);
    else if ((m = /^\$\.builtin\("[^"]*FinalizationRegistry\.prototype\.register"\)\.call\(\$o\[\d+\], \$o\[(\d+)\]/.exec(line)))
      h.add(`f${m[1]}`, 2, line); // a registration: its target's
    else if ((m = /^\$\.builtin\("[^"]*"\)\.call\(\$o\[\d+\], \$o\[(\d+)\]/.exec(line)))
      h.add(`o${m[1]}`, 2, line); // a weak entry: its key's
    else if ((m = /^(?:\$props|\$dp|\$setp|\$del|\$freeze|\$seal|\$pe|\$\.\w+)\(\$o\[(\d+)\]/.exec(line))) {
      const path = builtinPath[Number(m[1])];
      h.add(path !== undefined ? `b${path}` : `o${m[1]}`, 2, line);
    }
  }
  return h.done();
}

// ---- the sending side ----

function baseOf(state: DeltaState): CaptureBase {
  const ids = new Map<unknown, number>();
  state.table.objs.forEach((o, i) => ids.set(o, i));
  const recIds = new Map<object, number>();
  state.table.recs.forEach((r, i) => typeof r === 'object' && r !== null && recIds.set(r, i));
  const units = new Map<object, number>();
  state.table.units.forEach((codes, i) => codes[0] && units.set(codes[0].source, i));
  return { ids, recIds, units, nextId: state.nextId, nextRec: state.nextRec, nextUnit: state.nextUnit };
}

function stateOf(cap: Capture, base: CaptureBase | null, hashes: Map<string, string>, text: string, before: Code[][] = []): DeltaState {
  const objs: unknown[] = [];
  for (const [o, i] of cap.ids) objs[i] = o;
  const recs: unknown[] = [];
  for (const [r, i] of cap.recIds) recs[i] = r;
  const units: Code[][] = [];
  for (const info of cap.units.values()) units[info.id] = [...info.codes.keys()];
  // known units stay in the table even when no function of theirs is reached now
  if (base) for (const i of base.units.values()) if (!units[i] && before[i]) units[i] = before[i];
  return {
    stateId: sha256hex(text),
    table: { objs, recs, units },
    hashes,
    nextId: base ? base.nextId : cap.ids.size,
    nextRec: Math.max(base?.nextRec ?? 0, recs.length),
    nextUnit: Math.max(base?.nextUnit ?? 0, units.length),
  };
}

/**
 * A whole snapshot as a capture's outcome: nothing to diff against (also a streamed one,
 * capture-stream.ts), or a delta that could not be applied exactly (`fallback` says why). Its state (the
 * owners' hashes for the next delta, the text's hash) is made when first read, which a sender can do
 * while the snapshot is on its way. `owners` gives the owners' hashes (made once, shared with a delta's diff).
 */
export function wholeCapture(
  cap: Capture,
  full: Snapshot,
  owners: () => Map<string, string> = () => ownerHashes(cap),
  base: DeltaState | null = null,
  seed: CaptureBase | null = null,
  fallback?: string,
): DeltaCapture {
  let state: DeltaState | undefined;
  return {
    kind: 'full',
    text: full.code,
    full,
    get state() {
      return (state ??= { ...stateOf(cap, seed, owners(), full.code, base?.table.units), ...(base?.verifier ? { verifier: base.verifier } : {}) });
    },
    get owners() {
      return { added: this.state.hashes.size, changed: 0, dropped: 0 };
    },
    ...(fallback ? { fallback } : {}),
  };
}

/**
 * Capture `engine`: a whole snapshot when there is no agreed `base`, else a delta against it (or a
 * whole snapshot when a delta could not be applied exactly; `fallback` says why).
 */
export function captureDelta(engine: Engine, base: DeltaState | null, options: Omit<CaptureOptions, 'base'> = {}, running: Frame | null = null): DeltaCapture {
  checkSettled(engine);
  const seed = base ? baseOf(base) : null;
  const knownUnits = seed ? new Set(seed.units.values()) : null;
  // (`running`: from a safe-point hook, the running frame: the state of a computation stopped there)
  const cap = new Capture(engine, running, { ...options, base: seed ?? undefined });
  const full = cap.run();
  let hashesMade: Map<string, string> | undefined;
  const ownersNow = () => (hashesMade ??= ownerHashes(cap));
  const whole = (fallback?: string): DeltaCapture => wholeCapture(cap, full, ownersNow, base, seed, fallback);
  if (!base || !seed) return whole();
  // an embedder's objects travel in a delta only when it can write its own state as a change
  const host = options.host;
  if (host && !host.deltaState) return whole("the embedder's state travels whole");
  const hostWhy = host?.noDelta?.();
  if (hostWhy) return whole(hostWhy);
  const hashes = ownersNow();
  if (engine.modules.modules.size > 0) return whole('the program has modules (deltas cover scripts)');
  // a service's record is written encoded and decoded into a new live record: it cannot change in place
  if (cap.wroteEncoded) return whole("the program holds a host service's objects (deltas cover the engine's own)");

  // which owners changed
  const added = new Set<string>();
  const changedCreation = new Set<string>();
  const changedFill = new Set<string>();
  for (const [owner, h] of hashes) {
    const old = base.hashes.get(owner);
    if (old === undefined) {
      added.add(owner);
      continue;
    }
    if (old === h) continue;
    const [oc, of] = old.split(' ');
    const [nc, nf] = h.split(' ');
    if (oc !== nc) changedCreation.add(owner);
    if (of !== nf) changedFill.add(owner);
  }
  // A known V8 iterator is moved in place (`$.iteratorAt`, once the collections are filled): an array
  // or string iterator forward; emptying a Map or Set in place sends the iterators over it back to the
  // start, so a Map/Set iterator that moved has its collection refilled, and each one over a refilled
  // collection is stepped from the start.
  const moves: string[] = [];
  const moved = new Set<string>();
  for (const [it, w] of cap.iteratorIds()) {
    const owner = `o${it}`;
    if (added.has(owner)) continue;
    const collection = w.kind === 'map' || w.kind === 'set';
    const src = w.source === undefined ? null : `o${w.source}`;
    const refilled = src !== null && (changedFill.has(src) || changedCreation.has(src));
    if (!changedCreation.has(owner) && !(collection && refilled)) continue;
    if (w.kind === 'regexp') return whole(`a RegExp string iterator ($o[${it}]) finished`);
    if (collection && !w.done && src !== null && !added.has(src)) changedFill.add(src);
    changedCreation.delete(owner);
    moved.add(owner);
    moves.push(`$.iteratorAt($o[${it}], ${w.pos}, ${w.done});`);
  }
  const dropped = [...base.hashes.keys()].filter((o) => !hashes.has(o));
  // units are never dropped: a unit without template objects has no statements
  const byId = (owner: string) => Number(owner.slice(1));
  const objOf = (owner: string) => base.table.objs[byId(owner)];

  // what cannot be changed in place exactly
  // a FinalizationRegistry registration cannot be taken back: a known target's may only be added to
  const droppedSet = new Set(dropped);
  for (const owner of [...changedCreation, ...changedFill, ...dropped]) {
    if (owner[0] === 'f' && !(droppedSet.has(owner) && droppedSet.has(`o${byId(owner)}`))) return whole(`the finalization registrations on $o[${byId(owner)}] changed`);
  }
  // (the creation statement of each owner, by owner)
  const creationOf = new Map<string, string>();
  cap.creates.owners.forEach((owner, i) => creationOf.set(owner, cap.creates.items[i]!));
  for (const owner of changedCreation) {
    if (owner[0] !== 'o') return whole(`record ${owner.slice(1)} changed how it is made`);
    const stmt = creationOf.get(owner) ?? '';
    const expr = stmt.slice(stmt.indexOf('=') + 2);
    if (!/^(\$\.arrayBuffer\("|new \$Date\(|\$cr\()/.test(expr) || expr.startsWith('$.arrayBuffer("")')) return whole(`an object ($o[${byId(owner)}]) changed how it is made`);
    // a resizable buffer is made at its maximum and resized at the end: that resize comes along
    if (/^\$\.arrayBuffer\("[^"]*", \d+\)/.test(expr)) changedFill.add(owner);
  }
  for (const owner of changedFill) {
    if (owner[0] !== 'o') continue;
    const o = objOf(owner) as object;
    const hostWhy = isObject(o) ? host?.notClearable?.(o) : undefined; // (undefined: not the embedder's)
    const why = hostWhy !== undefined ? hostWhy : notClearable(engine, o);
    if (why) return whole(`an object ($o[${byId(owner)}]) ${why}`);
  }

  const writes = (owner: string) => added.has(owner) || changedFill.has(owner);
  const known = (owner: string) => !added.has(owner);
  const pick = (list: Stmts, keep: (owner: string, stmt: string) => boolean) => {
    const out: string[] = [];
    for (let i = 0; i < list.items.length; i++) if (keep(list.owners[i]!, list.items[i]!)) out.push(list.items[i]!);
    return out;
  };
  // a known object keeps the records stamped on it (a promise's, a generator's): they change as records
  const stampedOnce = /^\$\.(promiseState|generatorState|stampRecord)\(/;
  const state = stateOf(cap, seed, hashes, '', base.table.units);
  if (base.verifier) state.verifier = base.verifier;
  const lines: string[] = [DELTA_MAGIC, `$.delta(${JSON.stringify(base.stateId)}, ${state.nextId}, ${state.nextRec}, ${state.nextUnit});`, ...cap.prelude];
  lines.push(...pick(cap.header, (o) => !knownUnits!.has(byId(o))));
  // (the embedder's change, before any object: new objects of its own are named by it)
  if (host?.deltaState) lines.push(`$.hostState(${lit(JSON.stringify(host.deltaState()))});`);
  lines.push('// 1. objects');
  lines.push(...pick(cap.creates, (o) => added.has(o)));
  for (const owner of changedCreation) {
    const stmt = creationOf.get(owner)!;
    lines.push(`$.recreate($o[${byId(owner)}], ${stmt.slice(stmt.indexOf('=') + 2, -1)});`);
  }
  lines.push('// 2. engine records');
  for (const owner of changedFill) if (owner[0] === 'r') lines.push(`$.clearRec(${byId(owner)});`);
  lines.push(...pick(cap.records, (o) => writes(o)));
  lines.push('$.link();');
  lines.push('// 3. contents');
  for (const owner of changedFill) {
    if (owner[0] === 'o') lines.push(`$.clear($o[${byId(owner)}]);`);
    else if (owner[0] === 'b') lines.push(`$.pristine(${JSON.stringify(owner.slice(1))});`);
  }
  lines.push(...pick(cap.extras, (o) => changedFill.has(o)));
  lines.push(...pick(cap.fills, (o, s) => writes(o) && !(known(o) && o[0] === 'o' && stampedOnce.test(s))));
  lines.push('// 4. integrity, queues, clock');
  lines.push(...pick(cap.finals, (o) => writes(o)));
  lines.push(...moves);
  for (const owner of dropped) if (owner[0] === 'b') lines.push(`$.pristine(${JSON.stringify(owner.slice(1))});`);
  lines.push('$.clearQueues();', ...cap.deltaTail());
  const dropObjs = dropped.filter((o) => o[0] === 'o').map(byId);
  const dropRecs = dropped.filter((o) => o[0] === 'r').map(byId);
  if (dropObjs.length || dropRecs.length) lines.push(`$.drop([${dropObjs.join(', ')}], [${dropRecs.join(', ')}]);`);
  const sums: string[] = [];
  for (const owner of [...added, ...changedCreation, ...changedFill, ...moved]) sums.push(JSON.stringify(owner), JSON.stringify(hashes.get(owner)));
  lines.push(`$.sums([${sums.join(', ')}], [${dropped.map((o) => JSON.stringify(o)).join(', ')}]);`);
  lines.push(DELTA_TRAILER, '');
  const text = lines.join('\n');
  state.stateId = sha256hex(text);
  return { kind: 'delta', text, full, state, owners: { added: added.size, changed: new Set([...changedCreation, ...changedFill, ...moved]).size, dropped: dropped.length } };
}

/**
 * Why `o` cannot be emptied and filled again in place with the same result, or null. Emptying deletes
 * the configurable own properties and refilling appends them: that keeps the order when no
 * non-configurable property follows a configurable one, and needs an extensible object.
 */
function notClearable(engine: Engine, o: object): string | null {
  if (!o || engine.vm.proxies.get(o) || engine.builtins.has(o)) return null;
  // emptying its indices would end their mapping to the parameters
  if (engine.vm.mappedArguments.has(o)) return 'is a mapped arguments object and changed';
  const closure = typeof o === 'function' ? engine.vm.closures.get(o) : undefined;
  let configurableSeen = false;
  for (const k of Reflect.ownKeys(o)) {
    if (typeof k === 'string' && (isIndex(k) || (closure && (k === 'length' || k === 'name')))) continue;
    if (Array.isArray(o) && k === 'length') continue;
    const d = Reflect.getOwnPropertyDescriptor(o, k)!;
    if (d.configurable) {
      configurableSeen = true;
      if (!Object.isExtensible(o)) return 'is not extensible and changed';
    } else if (configurableSeen) return 'has a non-configurable property after a configurable one';
  }
  return null;
}

const isIndex = (k: string) => k.length > 0 && k.length < 11 && /^(0|[1-9]\d*)$/.test(k) && Number(k) < 4294967295;

// ---- the receiving side ----

/** The agreed state right after the whole snapshot `text` was restored with `table` (the owners' hashes read from the text). */
export function stateAfterRestore(table: RestoreTable, text: string): DeltaState {
  return { stateId: sha256hex(text), table, hashes: hashesFromText(text), nextId: table.objs.length, nextRec: table.recs.length, nextUnit: table.units.length };
}

/** Read a delta's envelope: the state it applies to. */
export function deltaBase(text: string): string | null {
  if (!text.startsWith(DELTA_MAGIC + '\n')) return null;
  const m = /^\$\.delta\("([0-9a-f]{64})", \d+, \d+, \d+\);$/m.exec(text.slice(DELTA_MAGIC.length + 1, DELTA_MAGIC.length + 200));
  return m ? m[1]! : null;
}

export const isDelta = (text: string): boolean => text.startsWith(DELTA_MAGIC + '\n');

/**
 * Apply a delta in place on `engine`, which holds `state`; returns the new agreed state. A delta for
 * another state, a damaged one, or one naming records neither the state nor it has (delta-precheck.ts)
 * is refused before anything is changed (a DeltaRefused, not `touched`); one whose records hold what
 * their positions must not (delta-check.ts) after it was applied (`touched`).
 */
export function applyDelta(engine: Engine, state: DeltaState, text: string, host: HostRestore | null = null): DeltaState {
  const refuse = (message: string): never => {
    throw new DeltaRefused(message, false);
  };
  const base = deltaBase(text);
  if (base === null) refuse('damaged delta: its first lines are not a snapvm delta header');
  if (!text.endsWith(DELTA_TRAILER + '\n')) refuse('damaged delta: it is cut short (its last line is missing)');
  if (base !== state.stateId) refuse(`a delta against state ${base!.slice(0, 12)}… cannot be applied to state ${state.stateId.slice(0, 12)}… (the base differs)`);
  const calls = canonicalOps(text);
  if (calls === null) refuse('damaged delta: it is not in the form capture writes');
  // as capture: a program with modules travels whole (and a delta could refill a module's records)
  if (engine.modules.modules.size > 0) refuse('a delta cannot be applied to a program with modules');
  const table = state.table;
  // the records it names, against the agreed state: refused here, it never touched the engine
  try {
    precheckDelta(calls!, table);
  } catch (e) {
    if (e instanceof SnapshotError) refuse(e.message);
    throw e;
  }
  const hashes = new Map(state.hashes);
  const next = { nextId: state.nextId, nextRec: state.nextRec, nextUnit: state.nextUnit };
  const verifier = state.verifier ?? new Verifier();
  try {
    const restorer = new Restorer(engine, host, table);
    const ops: Record<string, unknown> = { ...restorer.operations(), ...deltaOperations(engine, table, hashes, next, host) };
    if (!readCanonical(text, engine, ops, table.objs)) throw new SnapshotError('damaged delta');
    // typed as a whole restore: records the delta refilled may stand where it does not name them
    checkState(engine, table, verifier);
  } catch (e) {
    const message = e instanceof SnapshotError ? e.message : `damaged delta: ${(e as Error)?.message ?? String(e)}`;
    throw new DeltaRefused(message, true);
  }
  return { stateId: sha256hex(text), table, hashes, ...next, verifier };
}

function deltaOperations(
  engine: Engine,
  table: RestoreTable,
  hashes: Map<string, string>,
  next: { nextId: number; nextRec: number; nextUnit: number },
  host: HostRestore | null,
): Record<string, unknown> {
  const vm = engine.vm;
  const realm = engine.realm;
  const bad: (what: string) => never = (what) => {
    throw new SnapshotError(`damaged delta: ${what}`);
  };
  const byPath = engine.builtinsByPath;
  const own = (o: object) => Reflect.ownKeys(o);
  let fresh: ReturnType<typeof pristineOf> | null = null;
  /** An ordinary object emptied as its creation left it (its own properties; a Map's or Set's entries). */
  const clearOrdinary = (o: unknown) => {
    if (!isObject(o) || types.isProxy(o)) bad('clear of something that is not an ordinary object');
    const closure = typeof o === 'function' ? vm.closures.get(o) : undefined;
    if (types.isMap(o)) Map.prototype.clear.call(o);
    else if (types.isSet(o)) Set.prototype.clear.call(o);
    if (Array.isArray(o)) {
      const d = Reflect.getOwnPropertyDescriptor(o, 'length')!;
      if (d.writable) Reflect.set(o, 'length', 0);
    }
    for (const k of own(o)) {
      if (closure && (k === 'length' || k === 'name')) continue;
      const d = Reflect.getOwnPropertyDescriptor(o, k);
      if (d?.configurable) Reflect.deleteProperty(o, k);
    }
    if (closure) {
      // as a new function has them (a fill writes them only when they differ)
      for (const [k, v] of [
        ['length', closure.code.length],
        ['name', closure.code.name],
      ] as const) {
        const d = Reflect.getOwnPropertyDescriptor(o, k);
        if (!d || d.configurable) Reflect.defineProperty(o, k, { value: v, writable: false, enumerable: false, configurable: true });
      }
    }
  };
  return {
    delta: (_base: unknown, nextId: unknown, nextRec: unknown, nextUnit: unknown) => {
      if (![nextId, nextRec, nextUnit].every((n) => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)) bad('its counters');
      Object.assign(next, { nextId, nextRec, nextUnit });
    },
    /** A known object whose creation changed: an ArrayBuffer's bytes, a Date's time, an object's prototype. */
    recreate: (o: unknown, fresh: unknown) => {
      if (!isObject(o) || !isObject(fresh)) bad('recreate of something that is not an object');
      if (types.isArrayBuffer(o) && types.isArrayBuffer(fresh)) {
        // (by its slots: a guest's own `byteLength` does not answer)
        const length = bufferLength(fresh as ArrayBuffer);
        if (bufferLength(o as ArrayBuffer) !== length) {
          // a resizable one is made at its maximum, as the fresh one is; its `$.resize` at the end gives its length
          if (!isResizable(o as ArrayBuffer) || !isResizable(fresh as ArrayBuffer) || maxByteLength(o as ArrayBuffer) !== length) bad('a buffer whose length changed');
          (ArrayBuffer.prototype as unknown as { resize: (this: ArrayBuffer, n: number) => void }).resize.call(o as ArrayBuffer, length);
        }
        new Uint8Array(o as ArrayBuffer).set(new Uint8Array(fresh as ArrayBuffer));
      } else if (types.isDate(o) && types.isDate(fresh)) {
        Date.prototype.setTime.call(o, Date.prototype.getTime.call(fresh));
      } else if (!vm.proxies.get(o) && !types.isProxy(o)) {
        if (!Reflect.setPrototypeOf(o, Object.getPrototypeOf(fresh))) bad('a prototype that cannot be set');
      } else bad('recreate of a proxy');
    },
    /** Empty a known object that changed, as its creation left it; its fill follows. */
    clear: (o: unknown) => {
      // the embedder's object: its expandos emptied by the embedder, its weak entries here
      const embedders = isObject(o) && host?.clear?.(o) === true;
      if (!embedders) clearOrdinary(o);
      vm.privates.get(o as object)?.clear();
      const weak = vm.weakEntries.get(o as object);
      if (weak) {
        for (const coll of [...weak.keys()]) {
          const del = byPath.get(types.isWeakMap(coll) ? 'globalThis.WeakMap.prototype.delete' : 'globalThis.WeakSet.prototype.delete');
          if (typeof del === 'function') realm.R.apply(del, coll, [o]);
          weak.delete(coll);
        }
      }
    },
    /** Empty a known record that changed (its fields follow). */
    clearRec: (id: unknown) => {
      const r = table.recs[id as number];
      if (!isObject(r)) bad(`clear of record ${String(id)}, which this state lacks`);
      if (Array.isArray(r)) r.length = 0;
      else if (r instanceof Env) r.extra = null;
      // (every own key: an engine cache under a symbol, vm.ts DIRECT_STEP, goes with the fields it was made from)
      else if (Object.getPrototypeOf(r) === Object.prototype) for (const k of Reflect.ownKeys(r)) delete (r as Record<PropertyKey, unknown>)[k];
    },
    /** A built-in back to what a fresh engine has (its changes, if any, follow). */
    pristine: (path: unknown) => {
      const o = byPath.get(String(path));
      const twin = (fresh ??= pristineOf(engine));
      const t = twin.byPath.get(String(path));
      if (!o || !t) return bad(`no built-in ${String(path)}`);
      // a twin's value as this engine's (a built-in at the same path), or NONE
      const NONE = {};
      const mapped = (v: unknown) => (isObject(v) ? (byPath.get(twin.builtins.get(v) ?? '') ?? NONE) : v);
      for (const k of own(o)) if (!Reflect.getOwnPropertyDescriptor(t, k)) Reflect.deleteProperty(o, k);
      for (const k of own(t)) {
        const d = Reflect.getOwnPropertyDescriptor(t, k)!;
        const m: PropertyDescriptor = 'value' in d ? { ...d, value: mapped(d.value) } : { ...d, get: mapped(d.get) as () => unknown, set: mapped(d.set) as (v: unknown) => void };
        if (m.value === NONE || m.get === NONE || m.set === NONE) continue;
        Reflect.defineProperty(o, k, m);
      }
      const proto = mapped(Object.getPrototypeOf(t));
      if (proto !== NONE) Reflect.setPrototypeOf(o, proto as object | null);
    },
    clearQueues: () => {
      engine.queue.jobs.length = 0;
      engine.timers.timers.clear();
      engine.rejections.pending.length = 0;
      // a computation stopped at a safe point in the state left is over (the delta's $.running names one the new state has)
      engine.pendingFrame = null;
      engine.pendingTimerTurn = false;
    },
    drop: (objs: unknown, recs: unknown) => {
      if (!Array.isArray(objs) || !Array.isArray(recs)) bad('a drop list');
      for (const i of objs as number[]) delete table.objs[i];
      for (const i of recs as number[]) delete table.recs[i];
    },
    sums: (list: unknown, dropped: unknown) => {
      if (!Array.isArray(list) || !Array.isArray(dropped) || list.length % 2) bad('its owner sums');
      for (let i = 0; i < list.length; i += 2) hashes.set(String(list[i]), String(list[i + 1]));
      for (const o of dropped as unknown[]) hashes.delete(String(o));
    },
  };
}
