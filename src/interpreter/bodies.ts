// Compiled bodies shared by the engines of a process. A Code is engine state (call-site caches,
// template objects, accessors, its SourceFile), but what the compiler makes of a body is not: the
// same AST, analysis and options give the same bytecode, the same declarations of the functions it
// creates and the same layouts on the scopes it enters. The first compile of a body in a process is
// recorded on its unit's CodeOrder (which the unit cache keeps, units.ts); a later compile of that
// body in another engine replays the record instead: its Code gets the recorded bytecode (shared:
// nothing ever writes `ops`, `handlers`, `positions`, `calleeNames` or `paramRegs` after a compile),
// constants with this engine's Codes, scope layouts and template sites in place of the recorded
// ones, and fresh run-time caches; its children are declared as the compile would; the scopes of
// this engine's analysis fork get the register and slot assignments the compile would write.
// A restore compiles the top-level code of every unit and the bodies of the functions whose
// environments it rebuilds, which is what this saves it (bench/migrate-ab.js);
// test/compiled-bodies.test.ts checks replays against compiles on real programs.
import { type Code, ScopeDesc, packedArray } from './code';
import type { CodeOrder, LazyBody } from './codeorder';
import type { Decl, Node, Scope } from './scope';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** A constant as recorded: shared as it is, a Code of the unit (by index), a scope layout (by index), or made again per engine. */
const enum K {
  Shared = 0,
  Code = 1,
  Desc = 2,
  Fresh = 3,
}

/** What a compile wrote on one scope it entered. */
interface ScopeState {
  node: Node;
  materialized: boolean;
  envSize: number;
  /** Index in `BodyRecipe.descs`, or -1 (no layout kept on the scope). */
  desc: number;
  /** name, captured, index, mapped (undefined where the compile set none) */
  decls: [string, boolean, number, number | undefined][];
}

/** The fields a compile gives a Code, constants as recorded. */
interface Fields {
  kind: Code['kind'];
  name: string;
  strict: boolean;
  ops: Int32Array;
  consts: unknown[];
  constKinds: Uint8Array;
  nregs: number;
  handlers: Int32Array;
  length: number;
  sourceText: string;
  positions: number[];
  flags: number;
  completionReg: number;
  paramNames: string[];
  moduleDesc: number;
  hoistedEnd: number;
  calleeNames: number[];
  paramRegs: number[] | null;
  thisReg: number;
  /** The lengths of its run-time caches as the compile made them (accessors, call sites, frame template). */
  caches: [number, number, number];
}

/** A function the body creates, as its compile declares it (and compiles it, for a default constructor). */
interface Child {
  index: number;
  kind: Code['kind'];
  name: string;
  strict: boolean;
  flags: number;
  length: number;
  paramNames: string[];
  sourceText: string;
  staticName: string | null;
  /** Compiled with its parent (a class's default constructor): its fields. */
  body: Fields | null;
}

/** A scope layout as recorded (a ScopeDesc names its engine's SourceFile: a record keeps no engine's object). */
interface Layout {
  names: string[];
  kinds: number[];
  kind: string;
  /** Whether the compile named its unit on it (a layout it hands the VM; one kept only on a scope is not). */
  named: boolean;
}

export interface BodyRecipe {
  fields: Fields;
  /** The scope layouts the body's constants, its module layout and its scopes name (made again per engine). */
  descs: Layout[];
  scopes: ScopeState[];
  children: Child[];
}

/** The constants a replayed Code gets its own copy of (compiler.ts: template sites, which cache their template object). */
export interface BodyRuntime {
  /** Whether `k` is such a constant. */
  isFresh(k: unknown): boolean;
  /** A copy of one, without its cache. */
  fresh(k: unknown): unknown;
}

/** The record of a body under these compile options (options that change the bytecode are in the key). */
function key(lazy: LazyBody): string {
  return `${lazy.opts.properTailCalls === true ? 't' : ''}${lazy.opts.selfHosted === true ? 's' : ''}${lazy.index}`;
}

/** The children (by index) of each code of `order`. */
function childrenOf(order: CodeOrder): number[][] {
  let kids = order.bodies.kids;
  if (!kids) {
    kids = order.nodes.map(() => []);
    order.parents.forEach((p, i) => {
      if (p >= 0) kids![p]!.push(i);
    });
    order.bodies.kids = kids;
  }
  return kids;
}

class Recorder {
  readonly descs: Layout[] = [];
  private readonly descIndex = new Map<ScopeDesc, number>();
  constructor(
    private readonly codeIndex: (c: Code) => number,
    private readonly rt: BodyRuntime,
  ) {}

  desc(d: ScopeDesc | null | undefined): number {
    if (!d) return -1;
    let i = this.descIndex.get(d);
    if (i === undefined) {
      i = this.descs.length;
      this.descs.push({ names: d.names, kinds: d.kinds, kind: d.kind, named: d.file !== null });
      this.descIndex.set(d, i);
    }
    return i;
  }

  /** The fields of compiled `c`; null when a constant is of a kind this record cannot carry. */
  fields(c: Code): Fields | null {
    const consts = c.consts.slice();
    const constKinds = new Uint8Array(consts.length);
    for (let i = 0; i < consts.length; i++) {
      const k = consts[i];
      if (typeof k !== 'object' || k === null) continue;
      if (k instanceof ScopeDesc) {
        constKinds[i] = K.Desc;
        consts[i] = this.desc(k);
      } else if (this.rt.isFresh(k)) {
        // (a copy: the engine's own caches its template object)
        constKinds[i] = K.Fresh;
        consts[i] = this.rt.fresh(k);
      } else if ((k as Code).ops instanceof Int32Array && 'lazy' in k) {
        const j = this.codeIndex(k as Code);
        if (j < 0) return null;
        constKinds[i] = K.Code;
        consts[i] = j;
      }
    }
    return {
      kind: c.kind,
      name: c.name,
      strict: c.strict,
      ops: c.ops,
      consts,
      constKinds,
      nregs: c.nregs,
      handlers: c.handlers,
      length: c.length,
      sourceText: c.sourceText,
      positions: c.positions,
      flags: c.flags,
      completionReg: c.completionReg,
      paramNames: c.paramNames,
      moduleDesc: this.desc(c.moduleDesc),
      hoistedEnd: c.hoistedEnd,
      calleeNames: c.calleeNames,
      paramRegs: c.paramRegs,
      thisReg: c.thisReg,
      caches: [c.accessors.length, c.callSites.length, c.template.length],
    };
  }
}

/**
 * Record the body of `code`, just compiled from `lazy` (its LazyBody before the compile), with the
 * scopes its compile entered. Bodies whose record could not be replayed exactly are not recorded.
 */
export function recordBody(code: Code, lazy: LazyBody, touched: Iterable<Scope>, rt: BodyRuntime): void {
  const order = lazy.unit.order;
  if (code.lazy !== null) return;
  const k = key(lazy);
  if (order.bodies.map.has(k)) return;
  const list = lazy.unit.list;
  const rec = new Recorder((c) => lazy.unit.indexOf(c), rt);
  const fields = rec.fields(code);
  if (!fields) return;
  const children: Child[] = [];
  for (const j of childrenOf(order)[lazy.index]!) {
    const c = list[j]!;
    const cl = c.lazy as LazyBody | null;
    if (cl && !cl.declared) continue;
    let body: Fields | null = null;
    if (!cl) {
      // compiled with its parent: a default constructor, which creates nothing itself
      if (childrenOf(order)[j]!.length) return;
      body = rec.fields(c);
      if (!body) return;
    }
    children.push({
      index: j,
      kind: c.kind,
      name: c.name,
      strict: c.strict,
      flags: c.flags,
      length: c.length,
      paramNames: c.paramNames,
      sourceText: c.sourceText,
      staticName: cl ? cl.staticName : null,
      body,
    });
  }
  const scopes: ScopeState[] = [];
  for (const s of touched) {
    const decls: ScopeState['decls'] = [];
    for (const [name, d] of s.decls) decls.push([name, d.captured, d.index, (d as Decl & { mapped?: number }).mapped]);
    scopes.push({ node: s.node, materialized: s.materialized, envSize: s.envSize, desc: rec.desc((s as { desc?: ScopeDesc }).desc), decls });
  }
  order.bodies.map.set(k, { fields, descs: rec.descs, scopes, children });
}

/** Give `code` the fields of a record: constants with this engine's Codes (`list`) and layouts (`descs`). */
function apply(code: Code, f: Fields, list: Code[], descs: ScopeDesc[], rt: BodyRuntime): void {
  const consts = f.consts.slice();
  const kinds = f.constKinds;
  for (let i = 0; i < consts.length; i++) {
    const kind = kinds[i];
    if (kind === K.Code) consts[i] = list[consts[i] as number];
    else if (kind === K.Desc) consts[i] = descs[consts[i] as number];
    else if (kind === K.Fresh) consts[i] = rt.fresh(consts[i]);
  }
  const w = code as Writable<Code>;
  w.kind = f.kind;
  w.name = f.name;
  w.strict = f.strict;
  w.ops = f.ops;
  w.consts = consts;
  w.nregs = f.nregs;
  w.handlers = f.handlers;
  w.length = f.length;
  w.sourceText = f.sourceText;
  w.positions = f.positions;
  w.flags = f.flags;
  w.completionReg = f.completionReg;
  w.paramNames = f.paramNames;
  w.moduleDesc = f.moduleDesc < 0 ? null : descs[f.moduleDesc]!;
  w.hoistedEnd = f.hoistedEnd;
  w.calleeNames = f.calleeNames;
  w.paramRegs = f.paramRegs;
  w.thisReg = f.thisReg;
  // run-time caches, new (packed arrays of undefined, as the compile makes them)
  w.accessors = packedArray(f.caches[0]);
  w.callSites = packedArray(f.caches[1]);
  w.template = packedArray(f.caches[2]);
  w.lazy = null;
}

/**
 * Compile `code` (declared, uncompiled, `lazy` its LazyBody) from the record of its body in this
 * process, if there is one: true when done.
 */
export function replayBody(code: Code, lazy: LazyBody, rt: BodyRuntime): boolean {
  const order = lazy.unit.order;
  const r = order.bodies.map.get(key(lazy));
  if (!r) return false;
  const file = lazy.opts.file;
  // this engine's layouts: a layout a compile hands the VM names its unit (finish); one kept only on a scope does not
  const descs = r.descs.map((d) => {
    const copy = new ScopeDesc(d.names, d.kinds, d.kind);
    if (d.named) copy.file = file;
    return copy;
  });
  // the layouts on this engine's scopes (its fork of the unit's analysis: when it is made, if not yet)
  lazy.analysis.write((a) => {
    const scopes = a.scopes;
    for (const st of r.scopes) {
      const s = scopes.get(st.node)!;
      s.materialized = st.materialized;
      s.envSize = st.envSize;
      if (st.desc >= 0) (s as { desc?: ScopeDesc }).desc = descs[st.desc];
      for (const [name, captured, index, mapped] of st.decls) {
        const d = s.decls.get(name)! as Decl & { mapped?: number };
        d.captured = captured;
        d.index = index;
        if (mapped !== undefined) d.mapped = mapped;
      }
    }
  });
  const list = lazy.unit.list;
  for (const ch of r.children) {
    const c = list[ch.index]!;
    const cl = c.lazy as LazyBody;
    const w = c as Writable<Code>;
    w.kind = ch.kind;
    w.name = ch.name;
    w.strict = ch.strict;
    w.flags = ch.flags;
    w.length = ch.length;
    w.paramNames = ch.paramNames;
    w.sourceText = ch.sourceText;
    cl.declared = true;
    cl.staticName = ch.staticName;
    if (ch.body) apply(c, ch.body, list, descs, rt);
  }
  apply(code, r.fields, list, descs, rt);
  return true;
}
