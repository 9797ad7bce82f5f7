// AST → bytecode. One FunctionCompiler per function body; the scope analysis (scope.ts) decides
// where each name lives: a register of the frame, a slot of a heap environment (captured or under
// eval), the global object / global lexical record, or a by-name lookup (`with`, sloppy eval).
import { Op } from './opcodes';
import { type Analysis, type Scope, type Decl, type Node, THIS, NEW_TARGET, HOME, FN, ARGUMENTS, boundNames, hasSimpleParams } from './scope';
import { type Code, CodeFlag, type FunctionKind, ScopeDesc, type SourceFile, packedArray } from './code';
import { type LazyBody, type UnitCodes, unitCodes, type CodeOrder, type UnitAnalysis } from './codeorder';
import { recordBody, replayBody, type BodyRuntime } from './bodies';
import { literalRegExp } from './regexp-compat';

class Label {
  pos = -1;
  readonly refs: number[] = [];
}

/** A constant describing a template literal site: cooked and raw strings. */
export class TemplateSite {
  cache: unknown = undefined;
  constructor(
    readonly cooked: (string | undefined)[],
    readonly raw: string[],
  ) {}
}

export class PrivateNameDesc {
  constructor(readonly description: string) {}
}

/** What a class element needs at run time. */
export interface ClassElementInfo {
  kind: 'method' | 'getter' | 'setter' | 'field' | 'staticBlock';
  isStatic: boolean;
  isPrivate: boolean;
}

/** Names that a global declaration instantiation creates. */
export interface GlobalDecls {
  vars: string[];
  functions: string[];
  lexical: { name: string; isConst: boolean }[];
}

type Cleanup = { type: 'env' } | { type: 'iter'; reg: number; async: boolean } | { type: 'finally'; rec: FinallyRecord };

interface FinallyRecord {
  entry: Label;
  kindReg: number;
  valueReg: number;
  jumps: { target: JumpTarget | null; isContinue: boolean }[];
}

interface JumpTarget {
  labels: string[];
  breakLabel: Label;
  continueLabel: Label | null;
  cleanupDepth: number;
  /** Cleanups a `continue` leaves (a for-of keeps its iterator open on continue). */
  continueDepth: number;
  /** A plain block/label target that only `break label` can reach. */
  labelOnly: boolean;
}

export interface CompileOptions {
  file: SourceFile;
  /** Direct eval: free names are looked up by name in the caller's environments. */
  dynamicOuter?: boolean;
  /** Engine-written built-ins (selfhosted.ts): `callWithThis(f, t, …args)` calls f with this = t. */
  selfHosted?: boolean;
  /** ES2015 proper tail calls (off by default: they drop frames from stack traces, as in V8). */
  properTailCalls?: boolean;
  /** Compile a function's body on its first call (compileLazy) instead of with the unit (default false). */
  lazy?: boolean;
}

export class CompileError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** `analysis`: the program's, made for this compile alone (the compiler writes onto its scopes: units.ts forks a shared one). */
export function compileProgram(program: Node, kind: 'script' | 'module' | 'eval', opts: CompileOptions, analysis: UnitAnalysis, order?: CodeOrder): Code {
  // (the top scope's strictness is no compile's to write: read on the shared analysis)
  const top = analysis.shared.scopes.get(program)!;
  const unit = unitCodes(program, analysis, opts, order);
  opts.file.codes = unit.list;
  const root = declare(unit.shell(program), kind, '', top.strict, 0, 0, [], '');
  // (a sloppy eval's top level deletes names from its scope: never recorded)
  const lazy = root.lazy as LazyBody;
  if (kind === 'eval' || !replayBody(root, lazy, BODY_RUNTIME)) {
    const own = analysis.get();
    const fc = new FunctionCompiler(own, own.scopes.get(program)!, program, kind, opts, unit, '');
    fc.compileTop();
    if (kind !== 'eval') recordBody(root, lazy, fc.touched, BODY_RUNTIME);
  }
  // in list order, a parent's body is compiled (and its children declared) before its children
  if (!opts.lazy) for (const c of unit.list) if (c.lazy && (c.lazy as LazyBody).declared) compileLazy(c);
  return root;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * `list` as an Int32Array, copied word by word: iterators.ts clears V8's array-iteration protector for the
 * process, after which `Int32Array.from(list)` and `new Int32Array(list)` step an iterator (~15× slower).
 */
function int32(list: readonly number[]): Int32Array {
  const out = new Int32Array(list.length);
  for (let i = 0; i < list.length; i++) out[i] = list[i]!;
  return out;
}

/** What a Code is before its body is compiled: what creating and naming its function needs. */
function declare(code: Code, kind: FunctionKind, name: string, strict: boolean, flags: number, length: number, paramNames: string[], sourceText: string): Code {
  const c = code as Writable<Code>;
  const lazy = c.lazy as LazyBody | null;
  if (!lazy || lazy.declared) throw new Error(`invariant: the Code of ${name || 'an anonymous function'} is declared twice`);
  Object.assign(c, { kind, name, strict, flags: flags | CodeFlag.Lazy, length, paramNames, sourceText });
  lazy.declared = true;
  return code;
}

/** The flags a function's Code gets from its kind and scope (the body adds none). */
function functionFlags(kind: FunctionKind, methodKind: FunctionKind | undefined, s: Scope): number {
  let flags = s.usesThis ? CodeFlag.UsesThis : 0;
  if (kind === 'classConstructor' || kind === 'derivedConstructor') flags |= CodeFlag.ClassConstructor | CodeFlag.Constructor;
  if (kind === 'derivedConstructor') flags |= CodeFlag.Derived;
  if (kind === 'normal' && !methodKind) flags |= CodeFlag.Constructor;
  if (kind === 'arrow' || kind === 'asyncArrow') flags |= CodeFlag.Arrow;
  if (kind === 'generator' || kind === 'asyncGenerator') flags |= CodeFlag.Generator;
  if (kind === 'async' || kind === 'asyncArrow' || kind === 'asyncGenerator') flags |= CodeFlag.Async;
  if (!s.strict) flags |= CodeFlag.SloppyThis;
  return flags;
}

/**
 * Give a declared Code its bytecode (its first call, a restored frame or environment of it, or at
 * once without `lazy`). Its parent's body is compiled, so every scope around it has its layout.
 */
export function compileLazy(code: Code): void {
  const lazy = code.lazy as LazyBody | null;
  if (!lazy) return;
  if (!lazy.declared) throw new Error(`invariant: compiling a Code whose parent body was never compiled`);
  if (replayBody(code, lazy, BODY_RUNTIME)) return;
  const analysis = lazy.analysis.get();
  const s = analysis.scopes.get(lazy.node)!;
  const fc = new FunctionCompiler(analysis, s, lazy.node, code.kind, lazy.opts, lazy.unit, code.name);
  if (lazy.role === 'field') fc.compileField(lazy.node, lazy.staticName);
  else if (lazy.role === 'staticBlock') fc.compileStaticBody();
  else fc.compileBody();
  recordBody(code, lazy, fc.touched, BODY_RUNTIME);
}

/** The constants a replayed body (bodies.ts) gets its own copy of: template sites (each caches its template object). */
const BODY_RUNTIME: BodyRuntime = {
  isFresh: (k) => k instanceof TemplateSite,
  fresh: (k) => new TemplateSite((k as TemplateSite).cooked, (k as TemplateSite).raw),
};

/** Make `code` declared (its name and kind known): compile the bodies of the ancestors that are not yet (a snapshot names any Code of a unit). */
export function declareCode(code: Code): void {
  const lazy = code.lazy as LazyBody | null;
  if (!lazy || lazy.declared || !code.parent) return;
  declareCode(code.parent);
  compileLazy(code.parent);
  if (!lazy.declared) throw new Error(`invariant: compiling ${code.parent.name || 'a function'} did not declare its child at ${lazy.node.start}`);
}

/** The Codes a compiled unit holds in its constants, in pre-order (what the order of codeorder.ts must equal). */
export function emittedCodes(root: Code): Code[] {
  const out: Code[] = [];
  const visit = (c: Code) => {
    out.push(c);
    for (const k of c.consts) if (typeof k === 'object' && k !== null && (k as Code).ops instanceof Int32Array && Array.isArray((k as Code).consts)) visit(k as Code);
  };
  visit(root);
  return out;
}

class FunctionCompiler {
  private readonly ops: number[] = [];
  private readonly consts: unknown[] = [];
  private readonly constIndex = new Map<unknown, number>();
  private nregs = 0;
  private readonly handlers: number[] = [];
  private readonly positions: number[] = [];
  private scope: Scope;
  private readonly cleanups: Cleanup[] = [];
  private readonly targets: JumpTarget[] = [];
  private completionReg = -1;
  /** The first of the three registers of the innermost `using` list (disposing), or -1. */
  private usingReg = -1;
  private retReg = -1;
  private pendingLabels: string[] = [];
  private flags = 0;
  private moduleDesc: ScopeDesc | null = null;
  private hoistedEnd = 0;
  private paramRegs: number[] | null = null;
  /** `arguments` is only passed on by `.apply` (see compileFunction). */
  private lazyArguments = false;
  private readonly calleeNames: number[] = [];
  /** The scopes this compile wrote layouts on (bodies.ts records them). */
  readonly touched = new Set<Scope>();

  constructor(
    private readonly analysis: Analysis,
    private readonly fnScope: Scope,
    private readonly node: Node,
    private readonly kind: FunctionKind,
    private readonly opts: CompileOptions,
    private readonly unit: UnitCodes,
    private readonly name: string,
  ) {
    this.scope = fnScope;
  }

  // ---- emission helpers ----
  private emit(op: number, ...operands: number[]): void {
    // Peephole: `GetReg r; GetProp k` → `GetRegProp r k` unless a jump lands between them.
    if ((op === Op.GetProp || op === Op.GetPropKeep) && this.lastOp === this.ops.length - 2 && this.ops[this.lastOp] === Op.GetReg && this.labelAt !== this.ops.length) {
      const r = this.ops[this.lastOp + 1]!;
      this.ops.length = this.lastOp;
      this.ops.push(op === Op.GetProp ? Op.GetRegProp : Op.GetRegPropKeep, r, operands[0]!);
      return;
    }
    // `Undef; Return` → ReturnUndef; `SetProp k; Pop` → SetPropPop k; `GetReg a; GetReg b` → GetReg2 a b
    if (this.labelAt !== this.ops.length) {
      if (op === Op.Return && this.lastOp === this.ops.length - 1 && this.ops[this.lastOp] === Op.Undef) {
        this.ops[this.lastOp] = Op.ReturnUndef;
        return;
      }
      if (op === Op.Pop && this.lastOp === this.ops.length - 2 && this.ops[this.lastOp] === Op.SetProp) {
        this.ops[this.lastOp] = Op.SetPropPop;
        return;
      }
      if (op === Op.Pop && this.lastOp === this.ops.length - 1 && this.ops[this.lastOp] === ExtOp.SetElemRaw) {
        this.ops[this.lastOp] = ExtOp.SetElemPop;
        return;
      }
      if (op === Op.GetReg && this.lastOp === this.ops.length - 2 && this.ops[this.lastOp] === Op.GetReg) {
        this.ops[this.lastOp] = Op.GetReg2;
        this.ops.push(operands[0]!);
        return;
      }
    }
    // `Int n; Add` (and the other numeric operators of INT_OPERAND) → `AddInt n`; `GetReg2 o k; GetElem` → `GetRegElem o k`
    if (this.labelAt !== this.ops.length) {
      const withInt = INT_OPERAND.get(op);
      if (withInt !== undefined && this.lastOp === this.ops.length - 2 && this.ops[this.lastOp] === Op.Int) {
        this.fuseLast(withInt);
        return;
      }
      if (op === Op.GetElem && this.lastOp === this.ops.length - 3 && this.ops[this.lastOp] === Op.GetReg2) {
        this.fuseLast(ExtOp.GetRegElem);
        return;
      }
    }
    // `o.m` then `Swap` (a method call's `f this`) → one instruction pushing f and o.
    if (op === Op.Swap && this.labelAt !== this.ops.length) {
      if (this.lastOp === this.ops.length - 3 && this.ops[this.lastOp] === Op.GetRegPropKeep) {
        this.ops[this.lastOp] = Op.GetRegPropMethod;
        return;
      }
      if (this.lastOp === this.ops.length - 2 && this.ops[this.lastOp] === Op.GetPropKeep) {
        this.ops[this.lastOp] = Op.GetPropMethod;
        return;
      }
    }
    this.lastOp = this.ops.length;
    // (one push per word: with the array-iteration protector cleared (iterators.ts), a spread push makes an iterator and its results)
    const ops = this.ops;
    ops.push(op);
    for (let i = 0; i < operands.length; i++) ops.push(operands[i]!);
  }
  /**
   * The last instruction becomes `fused` (same operands) and takes in the one being emitted: a source
   * position noted for the latter (an error it throws) moves to the fused instruction.
   */
  private fuseLast(fused: number): void {
    const p = this.positions;
    if (p.length && p[p.length - 2] === this.ops.length) {
      if (p.length >= 4 && p[p.length - 4] === this.lastOp) {
        p[p.length - 3] = p[p.length - 1]!;
        p.length -= 2;
      } else p[p.length - 2] = this.lastOp;
    }
    this.ops[this.lastOp] = fused;
  }
  /** Start of the last instruction emitted through emit() (for the peephole). */
  private lastOp = -1;
  /** Position of the last label placed: a jump target splits instructions the peephole would fuse. */
  private labelAt = -1;
  private k(value: unknown): number {
    if (typeof value === 'object' && value !== null) {
      this.consts.push(value);
      return this.consts.length - 1;
    }
    const key = typeof value === 'number' && Object.is(value, -0) ? '-0' : typeof value === 'bigint' ? `${value}n` : value;
    let i = this.constIndex.get(key);
    if (i === undefined) {
      i = this.consts.length;
      this.consts.push(value);
      this.constIndex.set(key, i);
    }
    return i;
  }
  private reg(): number {
    return this.nregs++;
  }
  private label(): Label {
    return new Label();
  }
  private place(l: Label): void {
    l.pos = this.ops.length;
    this.labelAt = l.pos;
    for (const r of l.refs) this.ops[r] = l.pos;
  }
  private jump(op: number, l: Label): void {
    // `Int n; JumpIfNotLt t` → `JumpIfNotLtInt t n` (and ≤ > ≥): the target stays the first operand
    const withInt = INT_COMPARE.get(op);
    if (withInt !== undefined && this.labelAt !== this.ops.length && this.lastOp === this.ops.length - 2 && this.ops[this.lastOp] === Op.Int) {
      const n = this.ops[this.lastOp + 1]!;
      this.fuseLast(withInt);
      this.ops.length = this.lastOp + 1;
      this.target(l);
      this.ops.push(n);
      return;
    }
    this.ops.push(op);
    this.target(l);
  }
  /** A jump's target operand: the label's position, or a reference the label fills when placed. */
  private target(l: Label): void {
    if (l.pos >= 0) this.ops.push(l.pos);
    else {
      l.refs.push(this.ops.length);
      this.ops.push(-1);
    }
  }
  private pos(node: Node): void {
    const p = this.positions;
    if (p.length && p[p.length - 2] === this.ops.length) p[p.length - 1] = node.start;
    else p.push(this.ops.length, node.start);
  }
  private error(message: string, node: Node): never {
    throw new CompileError(message, node.start);
  }

  // ---- scopes ----
  /** Assign registers / env slots to a scope's declarations and emit its environment. */
  private enterScope(s: Scope, emitPush = true): void {
    this.touched.add(s);
    const envNames: string[] = [];
    const envKinds: number[] = [];
    const forceEnv = s.kind === 'module' || (s.fn.containsEval && s.kind !== 'script');
    for (const d of s.decls.values()) {
      if (this.isGlobalDecl(s, d)) continue; // global object / global lexical record
      if (d.captured || forceEnv) {
        d.captured = true;
        d.index = envNames.length;
        envNames.push(d.name);
        envKinds.push(d.kind === 'const' || d.kind === 'import' ? 3 : d.lexical ? 1 : d.kind === 'fname' ? 4 : 0);
      } else {
        d.index = this.reg();
      }
    }
    s.materialized = envNames.length > 0 || (s.isFunction && s.directEval) || (s.kind === 'eval' && this.opts.dynamicOuter === true);
    s.envSize = envNames.length;
    if (s.materialized && emitPush) {
      this.emit(Op.PushEnv, this.k(new ScopeDesc(envNames, envKinds, s.kind)));
      this.cleanups.push({ type: 'env' });
    } else if (s.materialized) (s as any).desc = new ScopeDesc(envNames, envKinds, s.kind);
    // Lexical registers start in TDZ; in loops a block is entered many times.
    for (const d of s.decls.values()) {
      if (!d.captured && d.index >= 0 && d.lexical) this.emit(Op.Hole), this.emit(Op.SetReg, d.index);
    }
  }
  private leaveScope(s: Scope): void {
    if (s.materialized) {
      this.emit(Op.PopEnv);
      this.cleanups.pop();
    }
  }

  /** Declarations that belong to the global environment: a script's, and sloppy indirect eval's vars and functions. */
  private isGlobalDecl(s: Scope, d: Decl): boolean {
    if (this.opts.dynamicOuter) return false;
    return s.kind === 'script' || (s.kind === 'eval' && !s.strict && (d.kind === 'var' || d.kind === 'function'));
  }

  private topKind(): string {
    let s: Scope = this.scope;
    while (s.parent) s = s.parent;
    return s.kind;
  }

  /**
   * Where `name` lives, seen from the code being compiled: a register or environment slot; `'global'`, a
   * global binding a scope around it declares; `'undeclared'`, none does (the global object's, if any:
   * a strict store to it must find it there when the reference is evaluated); `'dynamic'`, looked up by
   * name (under `with` or a sloppy direct eval).
   */
  private resolve(name: string): { decl: Decl; depth: number } | 'global' | 'undeclared' | 'dynamic' {
    let depth = 0;
    for (let s: Scope | null = this.scope; s; s = s.parent) {
      if (s.kind === 'with') return 'dynamic';
      const d = s.decls.get(name);
      if (d && !this.isGlobalDecl(s, d)) {
        if (!d.captured) return { decl: d, depth: -1 };
        return { decl: d, depth };
      }
      if (d) return 'global';
      if (s.isFunction && s.directEval && !s.strict && s.kind !== 'eval') return 'dynamic';
      if (s.materialized) depth++;
    }
    return this.opts.dynamicOuter ? 'dynamic' : 'undeclared';
  }

  /** Whether `name` is a global binding here (declared by a scope around or not). */
  private isGlobalName(name: string): boolean {
    const r = this.resolve(name);
    return r === 'global' || r === 'undeclared';
  }

  private getVar(name: string, node?: Node): void {
    const r = this.resolve(name);
    if (name.startsWith('%') && (r === 'global' || r === 'undeclared')) {
      // `this` of a script is the global object, of a module undefined; others are absent there.
      if (name === THIS && this.topKind() === 'script') this.ops.push(ExtOp.GlobalThis);
      else this.emit(Op.Undef);
      return;
    }
    if (r === 'global' || r === 'undeclared') this.emit(Op.GetGlobal, this.k(name));
    else if (r === 'dynamic') this.emit(Op.GetName, this.k(name));
    else if (r.depth < 0) {
      const mapped = (r.decl as { mapped?: number }).mapped;
      if (mapped !== undefined) this.emit(ExtOp.MappedGet, mapped);
      else if (
        (r.decl.lexical && !(node && node.start >= r.decl.initEnd && r.decl.scope.node.type !== 'SwitchStatement')) ||
        (r.decl.kind === 'pseudo' && name === THIS && r.decl.scope.fn.node.kind === 'constructor' && false) ||
        (name === THIS && this.kind === 'derivedConstructor')
      )
        this.emit(Op.GetRegChecked, r.decl.index, this.k(name));
      else this.emit(Op.GetReg, r.decl.index);
    } else if (r.decl.kind === 'import') this.emit(ExtOp.GetImport, r.depth, r.decl.index);
    else if (r.decl.lexical || (r.decl.kind === 'pseudo' && name === THIS)) this.emit(Op.GetEnvChecked, r.depth, r.decl.index, this.k(name));
    else this.emit(Op.GetEnv, r.depth, r.decl.index);
    void node;
  }

  /** Store the value on top of the stack (consumed) into a variable. `init` for declarations. */
  /** `hops`: environments the running code has pushed above `this.scope`'s (Annex B's var copy from a block). */
  private setVar(name: string, init: boolean, hops = 0): void {
    const r = this.resolve(name);
    if (r === 'global' || r === 'undeclared') {
      if (init && this.scope.kind === 'script') this.emit(Op.InitName, this.k(name));
      else this.emit(Op.SetGlobal, this.k(name), this.scope.strict ? 1 : 0);
      return;
    }
    if (r === 'dynamic') {
      if (init) this.emit(Op.InitName, this.k(name));
      // SetName's second operand: bit 0 strict, the rest the environments to skip before the lookup
      else this.emit(Op.SetName, this.k(name), (this.scope.strict ? 1 : 0) | (hops << 1));
      return;
    }
    const d = r.decl;
    if (!init && (d.kind === 'const' || d.kind === 'import')) {
      // Reading first keeps the TDZ error ahead of the const error.
      if (r.depth < 0) this.emit(Op.GetRegChecked, d.index, this.k(name));
      else this.emit(Op.GetEnvChecked, r.depth, d.index, this.k(name));
      this.emit(Op.Pop);
      this.emit(Op.ThrowConstAssign, this.k(name));
      return;
    }
    if (!init && d.kind === 'fname') {
      if (this.scope.strict) this.emit(Op.ThrowConstAssign, this.k(name));
      else this.emit(Op.Pop);
      return;
    }
    const checked = !init && d.lexical;
    const mapped = (d as { mapped?: number }).mapped;
    if (r.depth < 0 && mapped !== undefined) this.emit(ExtOp.MappedSet, mapped);
    else if (r.depth < 0) this.emit(checked ? Op.SetRegChecked : Op.SetReg, d.index, ...(checked ? [this.k(name)] : []));
    else if (checked) this.emit(Op.SetEnvChecked, r.depth + hops, d.index, this.k(name));
    else this.emit(init ? Op.InitEnv : Op.SetEnv, r.depth + hops, d.index);
  }

  // ---- functions ----
  compileTop(): Code {
    const program = this.node;
    const top = this.fnScope;
    if (this.kind === 'script' || (this.kind === 'eval' && !top.strict && !this.opts.dynamicOuter)) {
      // Global declaration instantiation.
      this.completionReg = this.reg();
      this.enterScope(top, false);
      const decls = this.globalDecls(top);
      this.emit(Op.DeclareGlobals, this.k(decls));
      this.hoistFunctions(top, true);
    } else if (this.kind === 'eval') {
      this.completionReg = this.reg();
      if (!top.strict) {
        // Sloppy direct eval: vars and functions go to the caller's variable environment.
        const vars: string[] = [];
        const fns: string[] = [];
        for (const d of top.decls.values()) if (d.kind === 'var' || d.kind === 'function') (d.kind === 'var' ? vars : fns).push(d.name);
        for (const n of [...vars, ...fns]) top.decls.delete(n);
        this.emit(Op.DeclareEvalVars, this.k({ vars, functions: fns, lexical: [] }));
        this.enterScope(top);
        for (const f of top.functions) {
          this.emit(Op.Closure, this.k(this.compileFunction(f, f.id.name)));
          this.emit(Op.SetName, this.k(f.id.name), 0);
        }
      } else {
        this.enterScope(top);
        this.hoistFunctions(top, false);
      }
    } else {
      // A module's environment is made by the loader at link time (imports are bound into it).
      this.enterScope(top, false);
      this.moduleDesc = (top as any).desc ?? new ScopeDesc([], [], 'module');
      if (containsTopLevelAwait(program)) this.flags |= CodeFlag.Async;
      this.hoistFunctions(top, false);
      this.hoistedEnd = this.ops.length;
    }
    if (top.usesThis || top.decls.has(THIS)) {
      const d = top.decls.get(THIS);
      if (d) {
        this.emit(Op.This);
        this.storeDecl(d);
      }
    }
    this.disposing(program.body, () => {
      for (const s of program.body) this.statement(s);
    });
    if (this.completionReg >= 0) this.emit(Op.GetReg, this.completionReg);
    else this.emit(Op.Undef);
    this.emit(Op.Return);
    return this.finish();
  }

  private globalDecls(top: Scope): GlobalDecls {
    const decls: GlobalDecls = { vars: [], functions: [], lexical: [] };
    for (const d of top.decls.values()) {
      if (d.kind === 'var') decls.vars.push(d.name);
      else if (d.kind === 'function') decls.functions.push(d.name);
      else if (d.lexical && top.kind === 'script') decls.lexical.push({ name: d.name, isConst: d.kind === 'const' });
    }
    return decls;
  }

  private storeDecl(d: Decl): void {
    if (!d.captured) this.emit(Op.SetReg, d.index);
    else this.emit(Op.InitEnv, 0, d.index);
  }

  private hoistFunctions(s: Scope, global: boolean): void {
    for (const f of s.functions) {
      const name = f.id ? f.id.name : '*default*';
      this.emit(Op.Closure, this.k(this.compileFunction(f, f.id ? f.id.name : 'default')));
      if (global) this.emit(Op.InitName, this.k(name));
      else this.setVar(name, true);
    }
  }

  compileFunction(node: Node, name: string, kindOverride?: FunctionKind): Code {
    const scope = this.analysis.scopes.get(node)!;
    let kind: FunctionKind = kindOverride ?? 'normal';
    if (!kindOverride) {
      if (node.type === 'ArrowFunctionExpression') kind = node.async ? 'asyncArrow' : 'arrow';
      else if (node.generator) kind = node.async ? 'asyncGenerator' : 'generator';
      else if (node.async) kind = 'async';
    } else if (kindOverride === 'method' || kindOverride === 'getter' || kindOverride === 'setter') {
      if (node.generator) kind = node.async ? 'asyncGenerator' : 'generator';
      else if (node.async) kind = 'async';
    }
    const params: Node[] = node.params ?? [];
    let length = 0;
    for (const p of params) {
      if (p.type === 'RestElement' || p.type === 'AssignmentPattern') break;
      length++;
    }
    const code = declare(
      this.unit.shell(node),
      kind,
      name,
      scope.strict,
      functionFlags(kind, kindOverride, scope),
      length,
      params.map((p) => (p.type === 'Identifier' ? p.name : '')),
      this.opts.file.text.slice(node.start, node.end),
    );
    return code;
  }

  compileBody(): Code {
    const node = this.node;
    const s = this.fnScope;
    const kind = this.kind;
    // the flags its declaration gave it (compileFunction: functionFlags of its kind and scope)
    this.flags = this.unit.shell(node).flags & ~CodeFlag.Lazy;
    this.retReg = this.reg();
    // Parameters and body share one scope here (NON-SPEC: no separate var environment when
    // parameters have expressions).
    this.enterScope(s);
    this.pos(node);
    // Pseudo variables first: parameter defaults may use them.
    const pseudo: [string, Op][] = [
      [THIS, Op.This],
      [NEW_TARGET, Op.NewTarget],
      [HOME, Op.HomeObject],
      [FN, Op.ActiveFunction],
    ];
    for (const [n, op] of pseudo) {
      const d = s.decls.get(n);
      if (d && d.kind === 'pseudo') {
        // `this` in a register is written by the call itself (Code.thisReg)
        if (n === THIS && !d.captured) continue;
        if (n === THIS && kind === 'derivedConstructor') this.emit(Op.Hole);
        else this.emit(op);
        this.storeDecl(d);
      }
    }
    const params: Node[] = node.params ?? [];
    const simple = hasSimpleParams(params);
    const argsDecl = s.decls.get(ARGUMENTS);
    // `arguments` only ever passed on by `x.apply(t, arguments)`, in a function whose arguments
    // object would hold the values of the call (strict, or no parameters to map): no object is
    // made; each such call passes the frame's argument list (ExtOp.ApplyArguments).
    this.lazyArguments =
      !!argsDecl &&
      argsDecl.kind === 'pseudo' &&
      s.usesArguments &&
      !argsDecl.captured &&
      !s.containsEval &&
      s.argumentsMentions > 0 &&
      s.argumentsMentions === s.argumentsApplyMentions &&
      (s.strict || (node.params ?? []).length === 0);
    if (argsDecl && argsDecl.kind === 'pseudo' && s.usesArguments && !this.lazyArguments) {
      // A sloppy function with simple parameters has a mapped arguments object: arguments[i] and
      // parameter i are one binding. V8 makes it (see VM.createMappedArguments); the parameters
      // then live in V8's closure, so this needs parameters that no closure captures.
      const mapped = !s.strict && simple && params.length > 0 && params.every((p) => !s.decls.get(p.name)!.captured);
      if (mapped) {
        params.forEach((p, i) => ((s.decls.get(p.name)! as Decl & { mapped?: number }).mapped = i));
        this.emit(ExtOp.MappedArguments, params.length);
      } else this.emit(Op.Arguments);
      this.storeDecl(argsDecl);
    }
    // Simple parameters kept in registers, with no arguments object to see them, are written into
    // the registers by the call itself (Code.paramRegs): no argument list is allocated.
    const usesArgumentsObject = !!argsDecl && argsDecl.kind === 'pseudo' && s.usesArguments;
    const names = params.map((p) => p.name);
    if (
      simple &&
      !usesArgumentsObject &&
      new Set(names).size === names.length &&
      params.every((p) => {
        const d = s.decls.get(p.name)!;
        return !d.captured && d.index >= 0 && d.kind === 'param';
      })
    ) {
      this.paramRegs = params.map((p) => s.decls.get(p.name)!.index);
    }
    params.forEach((p, i) => {
      if (this.paramRegs) return;
      if ((s.decls.get(p.name) as { mapped?: number } | undefined)?.mapped !== undefined) return;
      if (p.type === 'RestElement') {
        this.ops.push(ExtOp.Rest, i);
        this.bindPattern(p.argument, true);
        return;
      }
      this.emitArg(i);
      this.targetWithDefault(p, (t) => this.bindPattern(t, true));
    });
    // The body's own environment when parameters have expressions: vars named like a parameter
    // start with its value. Function declarations are instantiated after the parameters.
    if (s.varScope !== s) {
      const body = s.varScope;
      this.scope = body;
      this.enterScope(body);
      for (const d of body.decls.values()) {
        if (d.kind !== 'var' || !s.decls.has(d.name)) continue;
        this.scope = s;
        this.getVar(d.name);
        this.scope = body;
        this.setVar(d.name, true);
      }
      this.hoistFunctions(body, false);
    } else this.hoistFunctions(s, false);
    if (kind === 'generator' || kind === 'asyncGenerator') this.emit(Op.GenStart);
    if (node.body.type === 'BlockStatement') {
      this.disposing(node.body.body, () => {
        for (const st of node.body.body) this.statement(st);
      });
      this.emitReturnValue(() => this.emit(Op.Undef), false);
    } else {
      this.expression(node.body);
      this.emit(Op.Return);
    }
    return this.finish();
  }

  /** Push argument i of the frame (undefined when absent). */
  /** A method's source text is its whole definition (with `async`, `*`, `get`), less `static` and the comments after it. */
  private withSource(code: Code, def: Node): Code {
    let text = this.opts.file.text.slice(def.start, def.end);
    if (def.static) text = text.replace(/^static(?:\s|\/\*[\s\S]*?\*\/|\/\/[^\n\r\u2028\u2029]*)*/, '');
    (code as { sourceText: string }).sourceText = text;
    return code;
  }

  private emitArg(i: number): void {
    this.ops.push(ExtOp.Arg, i);
  }

  /** Write the body into this function's Code (made by codeorder.ts, declared by the parent's body). */
  private finish(): Code {
    const code = this.unit.shell(this.node) as Writable<Code>;
    for (const k of this.consts) if (k instanceof ScopeDesc) k.file = this.opts.file;
    if (this.moduleDesc) this.moduleDesc.file = this.opts.file;
    const thisDecl = this.fnScope.decls.get(THIS);
    Object.assign(code, {
      ops: int32(this.ops),
      consts: this.consts,
      nregs: this.nregs,
      handlers: int32(this.handlers),
      positions: this.positions,
      flags: this.flags | (this.fnScope.usesThis ? CodeFlag.UsesThis : 0),
      completionReg: this.completionReg,
      moduleDesc: this.moduleDesc,
      hoistedEnd: this.hoistedEnd,
      calleeNames: this.calleeNames,
      paramRegs: this.paramRegs,
      thisReg: thisDecl && !thisDecl.captured && thisDecl.index >= 0 ? thisDecl.index : -1,
      accessors: accessorSlots(this.consts.length),
      callSites: packedArray(this.ops.length + 1),
      template: packedArray(this.nregs + STACK_HEADROOM),
      lazy: null,
    });
    return code;
  }

  // ---- statements ----
  private statement(s: Node): void {
    switch (s.type) {
      case 'ExpressionStatement':
        this.pos(s);
        if (this.completionReg >= 0) {
          this.expression(s.expression);
          this.emit(Op.SetReg, this.completionReg);
        } else this.effect(s.expression);
        return;
      case 'VariableDeclaration':
        return this.varDeclaration(s);
      case 'FunctionDeclaration':
        if (s.annexB) {
          // Annex B.3.3: when the declaration is evaluated, copy the block binding to the var.
          // The var is resolved from the function's var scope, but the store runs in the block's
          // environment: it skips the environments pushed between them.
          this.getVar(s.id.name);
          const saved = this.scope;
          const target = saved.fn.varScope;
          let hops = 0;
          for (let sc: Scope | null = saved; sc && sc !== target; sc = sc.parent) if (sc.materialized) hops++;
          this.scope = target;
          this.setVar(s.id.name, false, hops);
          this.scope = saved;
        }
        return;
      case 'ClassDeclaration':
        this.classExpression(s, s.id.name);
        this.setVar(s.id.name, true);
        return;
      case 'ReturnStatement':
        this.pos(s);
        if (s.argument && (this.inTailPosition() || (this.kind !== 'asyncGenerator' && this.cleanups.every((c) => c.type === 'env')))) this.tailReturn(s.argument);
        else if (s.argument) {
          const arg = s.argument;
          this.emitReturnValue(() => this.expression(arg), true);
        } else this.emitReturnValue(() => this.emit(Op.Undef), false);
        return;
      case 'IfStatement': {
        this.setCompletionUndefined();
        const elseL = this.label();
        this.condition(s.test, elseL);
        this.statement(s.consequent);
        if (s.alternate) {
          const end = this.label();
          this.jump(Op.Jump, end);
          this.place(elseL);
          this.statement(s.alternate);
          this.place(end);
        } else this.place(elseL);
        return;
      }
      case 'BlockStatement':
        return this.block(s, () => {
          for (const t of s.body) this.statement(t);
        });
      case 'EmptyStatement':
        return;
      case 'DebuggerStatement':
        return;
      case 'ThrowStatement':
        this.pos(s);
        this.expression(s.argument);
        this.emit(Op.Throw);
        return;
      case 'WhileStatement': {
        this.setCompletionUndefined();
        const t = this.pushTarget(true);
        this.place(t.continueLabel!);
        this.condition(s.test, t.breakLabel);
        this.statement(s.body);
        this.jump(Op.Jump, t.continueLabel!);
        this.popTarget(t);
        return;
      }
      case 'DoWhileStatement': {
        this.setCompletionUndefined();
        const t = this.pushTarget(true);
        const top = this.label();
        this.place(top);
        this.statement(s.body);
        this.place(t.continueLabel!);
        // the back-edge is an unconditional Jump, as in every other loop: the VM's safe point
        const exit = this.label();
        this.expression(s.test);
        this.jump(Op.JumpIfFalse, exit);
        this.jump(Op.Jump, top);
        this.place(exit);
        this.popTarget(t);
        return;
      }
      case 'ForStatement':
        return this.forStatement(s);
      case 'ForInStatement':
        return this.forInOf(s, 'in');
      case 'ForOfStatement':
        return this.forInOf(s, s.await ? 'await' : 'of');
      case 'BreakStatement':
      case 'ContinueStatement':
        return this.breakContinue(s);
      case 'LabeledStatement': {
        this.pendingLabels.push(s.label.name);
        const body = s.body;
        // `a: b: while (…)`: every label of the chain names the loop
        if (body.type === 'LabeledStatement') return this.statement(body);
        if (body.type === 'ForStatement' || body.type === 'WhileStatement' || body.type === 'DoWhileStatement' || body.type === 'ForInStatement' || body.type === 'ForOfStatement') {
          this.statement(body);
        } else {
          const labels = this.pendingLabels;
          this.pendingLabels = [];
          const t: JumpTarget = { labels, breakLabel: this.label(), continueLabel: null, cleanupDepth: this.cleanups.length, continueDepth: this.cleanups.length, labelOnly: true };
          this.targets.push(t);
          this.statement(body);
          this.targets.pop();
          this.place(t.breakLabel);
        }
        return;
      }
      case 'TryStatement':
        return this.tryStatement(s);
      case 'SwitchStatement':
        return this.switchStatement(s);
      case 'WithStatement': {
        this.setCompletionUndefined();
        this.expression(s.object);
        this.emit(ExtOp.PushWith);
        this.cleanups.push({ type: 'env' });
        const ws = this.analysis.scopes.get(s)!;
        ws.materialized = true;
        this.touched.add(ws);
        const saved = this.scope;
        this.scope = ws;
        this.statement(s.body);
        this.scope = saved;
        this.cleanups.pop();
        this.emit(Op.PopEnv);
        return;
      }
      case 'ImportDeclaration':
        return;
      case 'ExportNamedDeclaration':
        if (s.declaration) this.statement(s.declaration);
        return;
      case 'ExportDefaultDeclaration': {
        const d = s.declaration;
        if (d.type === 'FunctionDeclaration') return;
        if (d.type === 'ClassDeclaration') {
          this.classExpression(d, d.id ? d.id.name : 'default');
          this.setVar(d.id ? d.id.name : '*default*', true);
          return;
        }
        this.namedExpression(d, 'default');
        this.setVar('*default*', true);
        return;
      }
      case 'ExportAllDeclaration':
        return;
      default:
        this.error(`unsupported statement ${s.type}`, s);
    }
  }

  /** Evaluate a test and jump to `falseLabel` when it is falsy (comparisons fuse with the jump). */
  private condition(e: Node, falseLabel: Label): void {
    if (e.type === 'UnaryExpression' && e.operator === '!') {
      this.expression(e.argument);
      this.jump(Op.JumpIfTrue, falseLabel);
      return;
    }
    if (e.type === 'BinaryExpression' && (e.operator === '==' || e.operator === '!=') && isNullLiteral(e.right)) {
      // `x == null` is `x` being undefined or null (no conversion can run)
      this.expression(e.left);
      this.pos(e);
      this.jump(e.operator === '==' ? ExtOp.JumpIfNotNullishPop : ExtOp.JumpIfNullishPop, falseLabel);
      return;
    }
    if (e.type === 'BinaryExpression' && e.left.type !== 'PrivateIdentifier') {
      const fused = FUSED_JUMP[e.operator as string];
      if (fused !== undefined) {
        this.expression(e.left);
        this.expression(e.right);
        this.pos(e);
        this.jump(fused, falseLabel);
        return;
      }
    }
    this.expression(e);
    this.jump(Op.JumpIfFalse, falseLabel);
  }

  /** Evaluate an expression whose value is not used. */
  private effect(e: Node): void {
    if (e.type === 'UpdateExpression') {
      const r = this.updatedRegister(e);
      if (r >= 0) {
        this.emit(e.operator === '++' ? Op.IncReg : Op.DecReg, r);
        return;
      }
    }
    if (e.type === 'AssignmentExpression' && e.left.type === 'Identifier' && (e.operator === '=' || !['&&=', '||=', '??='].includes(e.operator))) {
      const r = this.resolve(e.left.name);
      if (
        typeof r === 'object' &&
        r.depth < 0 &&
        r.decl.kind !== 'class' &&
        r.decl.kind !== 'fname' &&
        r.decl.kind !== 'import' &&
        r.decl.kind !== 'const' &&
        (r.decl as { mapped?: number }).mapped === undefined
      ) {
        // a `let` written after its declaration (in its own function) is surely initialized
        const checked = r.decl.lexical && !(e.start >= r.decl.initEnd && r.decl.scope.node.type !== 'SwitchStatement');
        if (e.operator === '=') this.namedExpression(e.right, e.start === e.left.start ? e.left.name : '');
        else {
          this.getVar(e.left.name, e.left);
          this.expression(e.right);
          this.emit(binaryOp(e.operator.slice(0, -1)));
        }
        if (checked) this.emit(Op.SetRegChecked, r.decl.index, this.k(e.left.name));
        else this.emit(Op.SetReg, r.decl.index);
        return;
      }
    }
    this.expression(e);
    this.emit(Op.Pop);
  }

  /** ES2015 proper tail calls: strict code, not in a generator, async function or constructor,
   *  not inside a try block or a for-of loop (their completions still have work to do). */
  private inTailPosition(): boolean {
    return (
      this.opts.properTailCalls === true &&
      this.fnScope.strict &&
      (this.kind === 'normal' || this.kind === 'arrow' || this.kind === 'method' || this.kind === 'getter' || this.kind === 'setter') &&
      this.noTail === 0 &&
      this.cleanups.every((c) => c.type === 'env')
    );
  }
  private noTail = 0;

  /**
   * `return <expr>` with nothing to run on the way out: each branch of a conditional returns by
   * itself, and calls in tail position replace this frame when proper tail calls are on.
   */
  private tailReturn(e: Node): void {
    if (
      this.inTailPosition() &&
      e.type === 'CallExpression' &&
      !e.optional &&
      e.callee.type !== 'Super' &&
      !e.arguments.some((a: Node) => a.type === 'SpreadElement') &&
      e.callee.type !== 'ChainExpression'
    ) {
      this.callee(e.callee);
      for (const a of e.arguments) this.expression(a);
      this.pos(e);
      if (e.callee.type === 'Identifier' && e.callee.name === 'eval') {
        // https://tc39.es/ecma262/#sec-function-calls-runtime-semantics-evaluation: only %eval% itself
        // makes a direct eval (never a tail call); any other function named eval is called as a tail call
        const tail = this.label();
        this.emit(ExtOp.IsEvalCallee, e.arguments.length);
        this.jump(Op.JumpIfFalse, tail);
        this.emit(Op.DirectEval, e.arguments.length, this.evalSiteFlags());
        this.emit(Op.Return);
        this.place(tail);
      }
      this.nameCallee(e.callee);
      this.emit(Op.TailCall, e.arguments.length);
      this.emit(Op.Return);
      return;
    }
    if (e.type === 'ConditionalExpression') {
      const elseL = this.label();
      this.condition(e.test, elseL);
      this.tailReturn(e.consequent);
      this.place(elseL);
      this.tailReturn(e.alternate);
      return;
    }
    if (e.type === 'TaggedTemplateExpression' && this.inTailPosition() && e.tag.type !== 'Super') {
      this.taggedTemplate(e, Op.TailCall);
      this.emit(Op.Return);
      return;
    }
    if (e.type === 'LogicalExpression') {
      this.expression(e.left);
      const done = this.label();
      this.jump(e.operator === '&&' ? Op.JumpIfFalseKeep : e.operator === '||' ? Op.JumpIfTrueKeep : Op.JumpIfNotNullishKeep, done);
      this.emit(Op.Pop);
      this.tailReturn(e.right);
      this.place(done);
      this.emit(Op.Return);
      return;
    }
    if (e.type === 'SequenceExpression') {
      e.expressions.forEach((x: Node, i: number) => {
        if (i < e.expressions.length - 1) this.effect(x);
        else this.tailReturn(x);
      });
      return;
    }
    this.expression(e);
    this.emit(Op.Return);
  }

  private setCompletionUndefined(): void {
    if (this.completionReg >= 0) {
      this.emit(Op.Undef);
      this.emit(Op.SetReg, this.completionReg);
    }
  }

  private block(node: Node, body: () => void): void {
    const s = this.analysis.scopes.get(node);
    if (!s) return body();
    const saved = this.scope;
    this.scope = s;
    this.enterScope(s);
    this.hoistFunctions(s, false);
    this.disposing(node.type === 'BlockStatement' ? node.body : null, body);
    this.leaveScope(s);
    this.scope = saved;
  }

  private varDeclaration(s: Node): void {
    for (const d of s.declarations) {
      if (!d.init) {
        if (s.kind === 'var') continue;
        this.emit(Op.Undef);
        this.bindPattern(d.id, true);
        continue;
      }
      this.pos(d);
      if (s.kind === 'var' && d.id.type === 'Identifier' && this.resolve(d.id.name) === 'dynamic') {
        // under `with` or a sloppy direct eval the binding is resolved before the initializer (which may delete it)
        const ref = this.reference(d.id, true);
        this.namedExpression(d.init, d.id.name);
        ref.store();
        continue;
      }
      this.namedExpression(d.init, d.id.type === 'Identifier' ? d.id.name : '');
      if (s.kind === 'using' || s.kind === 'await using') this.usingAdd(s.kind);
      this.bindPattern(d.id, s.kind !== 'var');
    }
  }

  /** AddDisposableResource(the innermost `using` list, the value on the stack (kept), hint). */
  private usingAdd(kind: string): void {
    if (this.usingReg < 0) throw new Error('invariant: a using declaration outside a disposing statement list');
    this.emit(ExtOp.UsingAdd, this.usingReg, kind === 'await using' ? 1 : 0);
  }

  private pushTarget(loop: boolean): JumpTarget {
    const t: JumpTarget = {
      labels: this.pendingLabels,
      breakLabel: this.label(),
      continueLabel: loop ? this.label() : null,
      cleanupDepth: this.cleanups.length,
      continueDepth: this.cleanups.length,
      labelOnly: false,
    };
    this.pendingLabels = [];
    this.targets.push(t);
    return t;
  }
  private popTarget(t: JumpTarget): void {
    this.targets.pop();
    this.place(t.breakLabel);
  }

  private breakContinue(s: Node): void {
    const isContinue = s.type === 'ContinueStatement';
    let target: JumpTarget | undefined;
    for (let i = this.targets.length - 1; i >= 0; i--) {
      const t = this.targets[i]!;
      if (s.label) {
        if (t.labels.includes(s.label.name)) {
          target = t;
          break;
        }
      } else if (!t.labelOnly && (!isContinue || t.continueLabel)) {
        target = t;
        break;
      }
    }
    if (!target) this.error('Illegal break/continue', s);
    this.jumpOut(this.cleanups.length, target, isContinue);
  }

  /** Leave through the cleanups above `target` (or all, for return), then jump or return. */
  private jumpOut(from: number, target: JumpTarget | null, isContinue: boolean): void {
    const until = target ? (isContinue ? target.continueDepth : target.cleanupDepth) : 0;
    for (let i = from - 1; i >= until; i--) {
      const c = this.cleanups[i]!;
      if (c.type === 'env') this.emit(Op.PopEnv);
      else if (c.type === 'iter') {
        this.emit(Op.GetReg, c.reg);
        if (c.async) {
          // AsyncIteratorClose: await return()'s result, then require an object
          const closed = this.label();
          this.jump(ExtOp.AsyncIterClose, closed);
          this.emitAwait();
          this.emit(ExtOp.AsyncIterCloseResult);
          this.place(closed);
        } else this.emit(Op.IterClose);
      } else {
        const rec = c.rec;
        rec.jumps.push({ target, isContinue });
        this.emit(Op.Int, 3 + rec.jumps.length - 1);
        this.emit(Op.SetReg, rec.kindReg);
        this.jump(Op.Jump, rec.entry);
        return;
      }
    }
    if (target) this.jump(Op.Jump, isContinue ? target.continueLabel! : target.breakLabel);
    else {
      this.emit(Op.GetReg, this.retReg);
      this.emit(Op.Return);
    }
  }

  /**
   * Return the value `value` pushes. `awaited`: an async generator awaits it first, as `return expr`
   * does (ecma262 §15.5.4, ES2025 ReturnStatement); `return;`, the end of the body and a `return()`
   * resumption (awaited by the yield itself) do not.
   */
  private emitReturnValue(value: () => void, awaited: boolean): void {
    value();
    if (awaited && this.kind === 'asyncGenerator') this.emitAwait();
    if (this.cleanups.some((c) => c.type !== 'env')) {
      this.emit(Op.SetReg, this.retReg);
      this.jumpOut(this.cleanups.length, null, false);
    } else this.emit(Op.Return);
  }

  private forStatement(s: Node): void {
    this.setCompletionUndefined();
    const ls = this.analysis.scopes.get(s);
    const saved = this.scope;
    if (ls) {
      this.scope = ls;
      this.enterScope(ls);
    }
    this.disposing(s.init ? [s.init] : null, () => {
      if (s.init) {
        if (s.init.type === 'VariableDeclaration') this.varDeclaration(s.init);
        else {
          this.expression(s.init);
          this.emit(Op.Pop);
        }
      }
      const perIteration = ls && ls.materialized && s.init.kind === 'let';
      if (perIteration) this.emit(Op.CopyEnv);
      const t = this.pushTarget(true);
      const top = this.label();
      this.place(top);
      if (s.test) this.condition(s.test, t.breakLabel);
      this.statement(s.body);
      this.place(t.continueLabel!);
      if (perIteration) this.emit(Op.CopyEnv);
      if (s.update) this.effect(s.update);
      this.jump(Op.Jump, top);
      this.popTarget(t);
    });
    if (ls) {
      this.leaveScope(ls);
      this.scope = saved;
    }
  }

  private forInOf(s: Node, mode: 'in' | 'of' | 'await'): void {
    this.setCompletionUndefined();
    const first = s.left.type === 'VariableDeclaration' ? s.left.declarations[0] : null;
    if (mode === 'in' && first?.init && first.id.type === 'Identifier') {
      // Annex B §B.3.5 (sloppy `for (var x = init in o)`): the initializer is evaluated and stored first, once
      const ref = this.reference(first.id, true);
      this.namedExpression(first.init, first.id.name);
      ref.store();
    }
    const ls = this.analysis.scopes.get(s);
    const saved = this.scope;
    // The head expression is evaluated with the loop's lexical names in TDZ.
    if (ls) {
      this.scope = ls;
      this.enterScope(ls);
    }
    this.expression(s.right);
    if (ls) {
      this.leaveScope(ls);
      this.scope = saved;
    }
    const iterReg = this.reg();
    if (mode === 'in') this.emit(Op.ForInPrepare);
    else this.emit(mode === 'await' ? Op.GetAsyncIterator : Op.GetIterator);
    this.emit(Op.SetReg, iterReg);
    const tryReg = this.reg();
    this.reg();
    if (mode !== 'in') this.emit(ExtOp.TrySave, tryReg);
    const t = this.pushTarget(true);
    this.place(t.continueLabel!);
    this.emit(Op.GetReg, iterReg);
    if (mode === 'in') this.jump(Op.ForInStep, t.breakLabel);
    else if (mode === 'await') {
      this.emit(ExtOp.AsyncIterNext);
      this.emitAwait();
      this.jump(ExtOp.AsyncIterStep, t.breakLabel);
    } else this.jump(Op.IterStep, t.breakLabel);
    if (mode !== 'in') this.cleanups.push({ type: 'iter', reg: iterReg, async: mode === 'await' });
    t.continueDepth = this.cleanups.length;
    const start = this.ops.length;
    if (ls) {
      this.scope = ls;
      this.enterScope(ls);
    }
    const head = s.left.type === 'VariableDeclaration' ? s.left : null;
    if (head && (head.kind === 'using' || head.kind === 'await using')) {
      // a `using` head: each iteration's value is disposed when the iteration ends (the value
      // waits in a register: the implicit try starts at the loop body's stack height)
      const value = this.reg();
      this.emit(Op.SetReg, value);
      this.disposing([head], () => {
        this.emit(Op.GetReg, value);
        this.usingAdd(head.kind);
        this.bindPattern(head.declarations[0].id, true);
        this.statement(s.body);
      });
    } else {
      if (head) this.bindPattern(head.declarations[0].id, head.kind !== 'var');
      else this.assignTo(s.left);
      this.statement(s.body);
    }
    if (ls) {
      this.leaveScope(ls);
      this.scope = saved;
    }
    const end = this.ops.length;
    if (mode !== 'in') this.cleanups.pop();
    this.jump(Op.Jump, t.continueLabel!);
    if (mode !== 'in') {
      this.handlers.push(start, end, this.ops.length, tryReg);
      this.emit(Op.GetReg, iterReg);
      this.emit(mode === 'await' ? ExtOp.AsyncIterCloseThrow : ExtOp.IterCloseThrow);
    }
    this.popTarget(t);
  }

  private tryStatement(s: Node): void {
    this.setCompletionUndefined();
    const tryBlock = () =>
      this.block(s.block, () => {
        for (const t of s.block.body) this.statement(t);
      });
    const tryCatch = () => {
      if (!s.handler) return tryBlock();
      const r = this.reg();
      this.reg();
      this.emit(ExtOp.TrySave, r);
      const start = this.ops.length;
      this.noTail++;
      tryBlock();
      this.noTail--;
      const end = this.ops.length;
      const after = this.label();
      this.jump(Op.Jump, after);
      this.handlers.push(start, end, this.ops.length, r);
      // exception value on the stack
      const cs = this.analysis.scopes.get(s.handler)!;
      const saved = this.scope;
      this.scope = cs;
      this.enterScope(cs);
      if (s.handler.param) this.bindPattern(s.handler.param, true);
      else this.emit(Op.Pop);
      this.block(s.handler.body, () => {
        for (const t of s.handler.body.body) this.statement(t);
      });
      this.leaveScope(cs);
      this.scope = saved;
      this.place(after);
    };
    if (!s.finalizer) return tryCatch();
    this.withFinally(tryCatch, () =>
      this.block(s.finalizer, () => {
        for (const t of s.finalizer.body) this.statement(t);
      }),
    );
  }

  /**
   * `try { body } finally { finalizer }`: every way out of `body` (normal, throw, break, continue,
   * return) runs `finalizer`, which sees how it completed in `fin.kindReg` (0 normal, 1 throw with the
   * value in `fin.valueReg`, 3+ a jump of `fin.jumps`) and then goes on that way.
   */
  private withFinally(body: () => void, finalizer: (fin: FinallyRecord) => void): void {
    const r = this.reg();
    this.reg();
    this.emit(ExtOp.TrySave, r);
    const fin: FinallyRecord = { entry: this.label(), kindReg: this.reg(), valueReg: this.reg(), jumps: [] };
    this.cleanups.push({ type: 'finally', rec: fin });
    const start = this.ops.length;
    body();
    this.cleanups.pop();
    const end = this.ops.length;
    this.emit(Op.Int, 0);
    this.emit(Op.SetReg, fin.kindReg);
    this.jump(Op.Jump, fin.entry);
    this.handlers.push(start, end, this.ops.length, r);
    this.emit(Op.SetReg, fin.valueReg);
    this.emit(Op.Int, 1);
    this.emit(Op.SetReg, fin.kindReg);
    this.place(fin.entry);
    // The finally block's own completion must not replace the try's completion value when it completes
    // normally; a break or continue out of it carries the finally block's own value, undefined if it has none
    // (ecma262 §14.15.3: UpdateEmpty(F, undefined)).
    const savedCompletion = this.completionReg;
    let keep = -1;
    if (savedCompletion >= 0) {
      keep = this.reg();
      this.emit(Op.GetReg, savedCompletion);
      this.emit(Op.SetReg, keep);
      this.emit(Op.Undef);
      this.emit(Op.SetReg, savedCompletion);
    }
    finalizer(fin);
    if (keep >= 0) {
      this.emit(Op.GetReg, keep);
      this.emit(Op.SetReg, savedCompletion);
    }
    // Dispatch on how the protected part completed.
    this.ifThrew(fin, () => {
      this.emit(Op.GetReg, fin.valueReg);
      this.emit(Op.Throw);
    });
    fin.jumps.forEach((j, i) => {
      const next = this.label();
      this.emit(Op.GetReg, fin.kindReg);
      this.emit(Op.Int, 3 + i);
      this.emit(Op.StrictNe);
      this.jump(Op.JumpIfTrue, next);
      this.jumpOut(this.cleanups.length, j.target, j.isContinue);
      this.place(next);
    });
  }

  /** Emits `then` to run only when withFinally's protected part completed with a throw (kind 1). */
  private ifThrew(fin: FinallyRecord, then: () => void): void {
    const notThrow = this.label();
    this.emit(Op.GetReg, fin.kindReg);
    this.emit(Op.Int, 1);
    this.emit(Op.StrictNe);
    this.jump(Op.JumpIfTrue, notThrow);
    then();
    this.place(notThrow);
  }

  /**
   * Explicit resource management: a statement list (block, function, static block or module body,
   * for head; a bare case clause may not declare `using`) that declares `using` / `await using` runs in an implicit try/finally whose finally is
   * DisposeResources. Its DisposeCapability is three registers (so a snapshot taken inside holds
   * it): the resources (a guest array of value, method, mode triples, ExtOp.UsingAdd), the error so
   * far and the flags (1 has error, 2 needsAwait, 4 hasAwaited). ExtOp.UsingDispose disposes
   * resources until one must be awaited; the compiled loop awaits it and steps again.
   */
  private disposing(statements: Node[] | null, body: () => void): void {
    const kinds = usingKinds(statements);
    if (kinds === 0) return body();
    const r = this.reg();
    this.reg();
    this.reg();
    this.emit(Op.Undef);
    this.emit(Op.SetReg, r);
    this.emit(Op.Undef);
    this.emit(Op.SetReg, r + 1);
    this.emit(Op.Int, 0);
    this.emit(Op.SetReg, r + 2);
    const saved = this.usingReg;
    this.usingReg = r;
    this.withFinally(body, (fin) => {
      // DisposeResources(disposeCapability, completion): a throw completion is the error so far
      this.ifThrew(fin, () => {
        this.emit(Op.GetReg, fin.valueReg);
        this.emit(Op.SetReg, r + 1);
        this.emit(Op.Int, 1);
        this.emit(Op.SetReg, r + 2);
      });
      const loop = this.label();
      const done = this.label();
      const t = this.reg();
      this.reg();
      this.emit(ExtOp.TrySave, t);
      this.place(loop);
      this.jump(ExtOp.UsingDispose, done);
      this.ops.push(r);
      // a value to await (only `await using` resources give one): a rejection joins the error so far
      const start = this.ops.length;
      if (kinds & 2) this.emitAwait();
      this.emit(Op.Pop);
      const end = this.ops.length;
      this.jump(Op.Jump, loop);
      this.handlers.push(start, end, this.ops.length, t);
      this.emit(ExtOp.UsingJoin, r);
      this.jump(Op.Jump, loop);
      this.place(done);
    });
    this.usingReg = saved;
  }

  private switchStatement(s: Node): void {
    this.setCompletionUndefined();
    this.expression(s.discriminant);
    const v = this.reg();
    this.emit(Op.SetReg, v);
    const t = this.pushTarget(false);
    const bs = this.analysis.scopes.get(s);
    const saved = this.scope;
    if (bs) {
      this.scope = bs;
      this.enterScope(bs);
      this.hoistFunctions(bs, false);
    }
    const bodies = s.cases.map(() => this.label());
    let defaultIdx = -1;
    s.cases.forEach((c: Node, i: number) => {
      if (!c.test) {
        defaultIdx = i;
        return;
      }
      this.emit(Op.GetReg, v);
      this.expression(c.test);
      this.emit(Op.StrictEq);
      this.jump(Op.JumpIfTrue, bodies[i]!);
    });
    const end = this.label();
    this.jump(Op.Jump, defaultIdx >= 0 ? bodies[defaultIdx]! : end);
    s.cases.forEach((c: Node, i: number) => {
      this.place(bodies[i]!);
      for (const st of c.consequent) this.statement(st);
    });
    this.place(end);
    if (bs) {
      this.leaveScope(bs);
      this.scope = saved;
    }
    // break jumps past the PopEnv: the target depth was taken before the env was pushed
    const after = this.label();
    this.jump(Op.Jump, after);
    this.popTarget(t);
    this.place(after);
  }

  // ---- patterns and assignment targets ----
  /** Bind the value on top of the stack (consumed) to a declaration pattern. */
  private bindPattern(p: Node, init: boolean): void {
    if (p.type === 'Identifier') return this.setVar(p.name, init);
    this.destructure(p, (target) => this.bindPattern(target, init));
  }

  /** Assign the value on top of the stack (consumed) to an assignment target. */
  private assignTo(p: Node): void {
    switch (p.type) {
      case 'Identifier':
        return this.setVar(p.name, false);
      case 'MemberExpression': {
        // value on stack: evaluate the reference then rotate.
        // (a super reference's parts go to registers, the value stays below them: reference())
        if (p.object.type === 'Super') return this.reference(p, true).store();
        this.expression(p.object);
        // value obj key → obj key value (two right rotations)
        if (p.property.type === 'PrivateIdentifier') {
          this.getVar('#' + p.property.name);
          this.emit(Op.Rot3);
          this.emit(Op.Rot3);
          this.emit(Op.SetPrivate);
        } else if (p.computed) {
          // (the key is converted by the store, after the value: ecma262 §13.3.3 keeps the key's value in the reference)
          this.expression(p.property);
          this.emit(Op.Rot3);
          this.emit(Op.Rot3);
          this.emit(ExtOp.SetElemRaw);
        } else {
          this.emit(Op.Swap);
          this.emit(Op.SetProp, this.k(p.property.name));
        }
        this.emit(Op.Pop);
        return;
      }
      case 'ObjectPattern':
      case 'ArrayPattern':
        return this.destructure(p, (t) => this.assignTo(t), true);
      case 'AssignmentPattern':
        this.error('Invalid destructuring assignment target', p);
        break;
      case 'ParenthesizedExpression':
        return this.assignTo(p.expression);
      case 'CallExpression':
        this.callTarget(p);
        this.emit(Op.Pop);
        return;
      default:
        this.error('Invalid assignment target', p);
    }
  }

  /**
   * Destructure the value on top of the stack (consumed); `sink` stores the value on top into a target.
   * In a destructuring assignment (`assign`) a target that is not a pattern is evaluated as a reference
   * before its value is read (ecma262 §13.15.5.5-6: its object and key, then the iterator step or the
   * property read), so a throw there closes the iterator that has not stepped.
   */
  private destructure(p: Node, sink: (target: Node) => void, assign = false): void {
    if (p.type === 'AssignmentPattern') this.error('unexpected default', p);
    if (p.type === 'ObjectPattern') {
      this.emit(ExtOp.RequireObjectCoercible);
      const keys: number[] = [];
      const hasRest = p.properties.some((q: Node) => q.type === 'RestElement');
      for (const prop of p.properties) {
        if (prop.type === 'RestElement') {
          const store = this.targetRef(prop.argument, assign);
          // stack: obj ; build a copy without the listed keys
          const arr = this.reg();
          this.emit(Op.NewArray);
          for (const kr of keys) {
            this.emit(Op.GetReg, kr);
            this.emit(Op.ArrayPush);
          }
          this.emit(Op.SetReg, arr);
          this.emit(Op.GetReg, arr);
          this.emit(ExtOp.ObjectRest);
          this.targetWithDefault(prop.argument, store ?? sink, assign);
          return;
        }
        this.emit(Op.Dup);
        if (prop.computed) {
          this.expression(prop.key);
          this.emit(Op.ToPropertyKey);
        } else this.emit(Op.Const, this.k(prop.key.type === 'Identifier' ? prop.key.name : String(prop.key.value)));
        if (hasRest) {
          const kr = this.reg();
          this.emit(Op.Dup);
          this.emit(Op.SetReg, kr);
          keys.push(kr);
        }
        const store = this.targetRef(prop.value, assign);
        this.emit(Op.GetElem);
        this.targetWithDefault(prop.value, store ?? sink, assign);
      }
      this.emit(Op.Pop);
      return;
    }
    if (p.type === 'ArrayPattern') {
      const it = this.reg();
      this.emit(Op.GetIterator);
      this.emit(Op.SetReg, it);
      const tryReg = this.reg();
      this.reg();
      this.emit(ExtOp.TrySave, tryReg);
      const start = this.ops.length;
      // a generator's return() while suspended inside the pattern closes the iterator
      this.cleanups.push({ type: 'iter', reg: it, async: false });
      for (const e of p.elements) {
        const store = e ? this.targetRef(e.type === 'RestElement' ? e.argument : e, assign) : null;
        this.emit(Op.GetReg, it);
        if (e?.type === 'RestElement') {
          this.emit(Op.IterRest);
          this.targetWithDefault(e.argument, store ?? sink, assign);
          continue;
        }
        this.emit(Op.IterValue);
        if (!e) {
          this.emit(Op.Pop);
          continue;
        }
        this.targetWithDefault(e, store ?? sink, assign);
      }
      this.cleanups.pop();
      const end = this.ops.length;
      this.emit(Op.GetReg, it);
      this.emit(Op.IterClose);
      const after = this.label();
      this.jump(Op.Jump, after);
      this.handlers.push(start, end, this.ops.length, tryReg);
      this.emit(Op.GetReg, it);
      this.emit(ExtOp.IterCloseThrow);
      this.place(after);
      return;
    }
    sink(p);
  }

  /**
   * A destructuring target evaluated as a reference now, before its value is read (ecma262 §13.15.5.6
   * step 1; §8.6.3 SingleNameBinding step 2): in an assignment (`assign`) a member expression's object
   * and key are kept in registers; in an assignment or a binding, a name under `with` or a sloppy direct
   * eval, or one no scope declares in strict code, is resolved (reference()). The store into it is
   * returned; null for other targets (a name is resolved when stored, a pattern destructures its value).
   */
  private targetRef(t: Node, assign: boolean): ((target: Node) => void) | null {
    if (t.type === 'AssignmentPattern') t = t.left;
    while (t.type === 'ParenthesizedExpression') t = t.expression;
    if (t.type === 'Identifier') {
      // (a strict store to an undeclared global name is resolved now too: PutValue throws when it was unresolvable)
      const r = this.resolve(t.name);
      return r === 'dynamic' || (r === 'undeclared' && this.scope.strict) ? this.reference(t, true).store : null;
    }
    if (!assign || t.type !== 'MemberExpression') return null;
    const regs: number[] = [];
    const keep = () => {
      const r = this.reg();
      this.emit(Op.SetReg, r);
      regs.push(r);
    };
    const push = () => {
      for (const r of regs) this.emit(Op.GetReg, r);
    };
    // MakeSuperPropertyReference now: `this` checked, the key's value, GetSuperBase (reference())
    if (t.object.type === 'Super') return this.reference(t, true).store;
    this.expression(t.object);
    keep();
    // value obj key → obj key value (two right rotations), then the store
    const storeRotated = (op: Op | ExtOp, key: () => void) => () => {
      push();
      key();
      this.emit(Op.Rot3);
      this.emit(Op.Rot3);
      this.emit(op);
      this.emit(Op.Pop);
    };
    if (t.property.type === 'PrivateIdentifier') {
      const name = '#' + t.property.name;
      return storeRotated(Op.SetPrivate, () => this.getVar(name));
    }
    if (!t.computed) {
      const k = this.k(t.property.name);
      return () => {
        push();
        this.emit(Op.Swap);
        this.emit(Op.SetProp, k);
        this.emit(Op.Pop);
      };
    }
    // the key's value: ToPropertyKey comes at the store (PutValue), after the iterator step or the property read
    this.expression(t.property);
    keep();
    return storeRotated(ExtOp.SetElemRaw, () => {});
  }

  private targetWithDefault(t: Node, sink: (target: Node) => void, assign = false): void {
    if (t.type === 'AssignmentPattern') {
      const skip = this.label();
      this.jump(Op.JumpIfUndefined, skip);
      const done = this.label();
      this.jump(Op.Jump, done);
      this.place(skip);
      this.emit(Op.Pop);
      this.namedExpression(t.right, t.left.type === 'Identifier' ? t.left.name : '');
      this.place(done);
      t = t.left;
    }
    if (t.type === 'ObjectPattern' || t.type === 'ArrayPattern') this.destructure(t, sink, assign);
    else sink(t);
  }

  // ---- expressions ----
  /** An expression whose anonymous function or class value takes `name` (NamedEvaluation). */
  private namedExpression(e: Node, name: string): void {
    if (name && isAnonymousFunction(e)) {
      if (e.type === 'ClassExpression') this.classExpression(e, name);
      else this.emit(Op.Closure, this.k(this.compileFunction(e, name)));
    } else this.expression(e);
  }

  private expression(e: Node): void {
    switch (e.type) {
      case 'Literal':
        return this.literal(e);
      case 'Identifier':
        if (e.name === 'undefined' && this.isGlobalName('undefined')) return this.emit(Op.Undef);
        if (e.applyArgument && this.lazyArguments && e.name === ARGUMENTS) return this.emit(ExtOp.ApplyArguments);
        return this.getVar(e.name, e);
      case 'ThisExpression':
        return this.getVar(THIS);
      case 'TemplateLiteral': {
        this.emit(Op.Const, this.k(e.quasis[0].value.cooked));
        e.expressions.forEach((x: Node, i: number) => {
          this.expression(x);
          this.emit(Op.ToString);
          this.emit(Op.Add);
          const q = e.quasis[i + 1].value.cooked;
          if (q) {
            this.emit(Op.Const, this.k(q));
            this.emit(Op.Add);
          }
        });
        return;
      }
      case 'TaggedTemplateExpression':
        return this.taggedTemplate(e, Op.Call);
      case 'ArrayExpression': {
        this.emit(Op.NewArray);
        for (const el of e.elements) {
          if (!el) this.emit(Op.ArrayHole);
          else if (el.type === 'SpreadElement') {
            this.expression(el.argument);
            this.emit(Op.ArraySpread);
          } else {
            this.expression(el);
            this.emit(Op.ArrayPush);
          }
        }
        // the elements were gathered in an engine list; the guest array is made with CreateDataProperty
        this.emit(Op.ArrayFinish);
        return;
      }
      case 'ObjectExpression':
        return this.objectExpression(e);
      case 'FunctionExpression':
      case 'ArrowFunctionExpression': {
        // A named function expression sees its own name in a scope between it and the outside.
        const nameScope = e.id ? this.analysis.scopes.get(e.id) : undefined;
        if (!nameScope) {
          this.emit(Op.Closure, this.k(this.compileFunction(e, e.id ? e.id.name : '')));
          return;
        }
        const saved = this.scope;
        this.scope = nameScope;
        this.enterScope(nameScope);
        this.emit(Op.Closure, this.k(this.compileFunction(e, e.id.name)));
        this.emit(Op.Dup);
        this.setVar(e.id.name, true);
        this.leaveScope(nameScope);
        this.scope = saved;
        return;
      }
      case 'ClassExpression':
        return this.classExpression(e, e.id ? e.id.name : '');
      case 'UnaryExpression':
        return this.unary(e);
      case 'UpdateExpression':
        return this.update(e);
      case 'BinaryExpression':
        if (e.left.type === 'PrivateIdentifier') {
          this.getVar('#' + e.left.name);
          this.expression(e.right);
          this.emit(Op.HasPrivate);
          return;
        }
        if ((e.operator === '==' || e.operator === '!=') && isNullLiteral(e.right)) {
          this.expression(e.left);
          this.emit(e.operator === '==' ? ExtOp.IsNullish : ExtOp.IsNotNullish);
          return;
        }
        this.expression(e.left);
        this.expression(e.right);
        this.emit(binaryOp(e.operator));
        return;
      case 'LogicalExpression': {
        this.expression(e.left);
        const end = this.label();
        this.jump(e.operator === '&&' ? Op.JumpIfFalseKeep : e.operator === '||' ? Op.JumpIfTrueKeep : Op.JumpIfNotNullishKeep, end);
        this.emit(Op.Pop);
        this.expression(e.right);
        this.place(end);
        return;
      }
      case 'ConditionalExpression': {
        const elseL = this.label();
        const end = this.label();
        this.condition(e.test, elseL);
        this.expression(e.consequent);
        this.jump(Op.Jump, end);
        this.place(elseL);
        this.expression(e.alternate);
        this.place(end);
        return;
      }
      case 'AssignmentExpression':
        return this.assignment(e);
      case 'SequenceExpression':
        e.expressions.forEach((x: Node, i: number) => {
          this.expression(x);
          if (i < e.expressions.length - 1) this.emit(Op.Pop);
        });
        return;
      case 'MemberExpression':
        return this.member(e, null);
      case 'ChainExpression':
        return this.optionalChain(
          () => (e.expression.type === 'CallExpression' ? this.call(e.expression) : this.member(e.expression, null)),
          () => this.emit(Op.Undef),
        );
      case 'CallExpression': {
        const saved = this.chain;
        this.chain = null;
        this.call(e);
        this.chain = saved;
        return;
      }
      case 'NewExpression': {
        this.pos(e);
        this.expression(e.callee);
        if (e.arguments.some((a: Node) => a.type === 'SpreadElement')) {
          this.argumentArray(e.arguments);
          this.pos(e);
          this.nameCallee(e.callee);
          this.emit(Op.NewSpread);
        } else {
          for (const a of e.arguments) this.expression(a);
          this.pos(e);
          this.nameCallee(e.callee);
          this.emit(Op.New, e.arguments.length);
        }
        return;
      }
      case 'MetaProperty':
        if (e.meta.name === 'new') return this.getVar(NEW_TARGET);
        this.emit(ExtOp.ImportMeta);
        return;
      case 'YieldExpression':
        return this.yieldExpression(e);
      case 'AwaitExpression':
        this.expression(e.argument);
        this.emitAwait();
        return;
      case 'ImportExpression':
        this.pos(e);
        this.expression(e.source);
        if (e.options) this.expression(e.options);
        else this.emit(Op.Undef);
        this.emit(ExtOp.DynamicImport);
        return;
      case 'ParenthesizedExpression':
        return this.expression(e.expression);
      case 'Super':
        this.error("'super' keyword unexpected here", e);
        break;
      default:
        this.error(`unsupported expression ${e.type}`, e);
    }
  }

  private chain: { stubs: { label: Label; pops: number }[] } | null = null;

  /**
   * An optional chain: `body` compiles it, each `?.` in it jumps (after popping what the chain had
   * pushed) to a stub that pushes the short-circuit result (`shortCircuit`), then to the end.
   */
  private optionalChain(body: () => void, shortCircuit: () => void): void {
    const exit = { stubs: [] as { label: Label; pops: number }[] };
    const outer = this.chain;
    this.chain = exit;
    body();
    this.chain = outer;
    if (!exit.stubs.length) return;
    const end = this.label();
    this.jump(Op.Jump, end);
    for (const st of exit.stubs) {
      this.place(st.label);
      for (let i = 0; i < st.pops; i++) this.emit(Op.Pop);
      shortCircuit();
      this.jump(Op.Jump, end);
    }
    this.place(end);
  }

  private optionalCheck(pops: number): void {
    if (!this.chain) throw new Error('optional outside chain');
    const l = this.label();
    this.chain.stubs.push({ label: l, pops });
    this.jump(ExtOp.JumpIfNullish, l);
  }

  private literal(e: Node): void {
    const v = e.value;
    if (e.regex) {
      this.emit(Op.RegExpLiteral, this.k(literalRegExp(e.regex.pattern, e.regex.flags)));
      return;
    }
    if (e.bigint !== undefined) {
      this.emit(Op.Const, this.k(BigInt(e.bigint)));
      return;
    }
    if (v === null) this.emit(Op.Null);
    else if (v === true) this.emit(Op.True);
    else if (v === false) this.emit(Op.False);
    else if (typeof v === 'number' && (v | 0) === v && !Object.is(v, -0)) this.emit(Op.Int, v);
    else this.emit(Op.Const, this.k(v));
  }

  /**
   * A member expression's key. `convert` false leaves a computed key's value as it is, for the get or
   * set to convert: `super[k]` reads the home object's prototype (GetSuperBase) before ToPropertyKey.
   */
  private propertyKey(e: Node, convert = true): void {
    if (e.computed) {
      this.expression(e.property);
      if (convert) this.emit(Op.ToPropertyKey);
    } else this.emit(Op.Const, this.k(e.property.name));
  }

  /** Member expression; when `keep`, leaves `obj value` (for calls). */
  private member(e: Node, keep: 'keep' | null): void {
    if (e.object.type === 'Super') {
      // GetThisBinding first (an uninitialized `this` throws before the key is evaluated): this home key → home key this
      this.getVar(THIS);
      this.getVar(HOME);
      this.propertyKey(e, false);
      this.emit(Op.Rot3);
      this.emit(Op.Rot3);
      this.emit(Op.GetSuper);
      if (keep) {
        this.getVar(THIS);
        this.emit(Op.Swap);
      }
      return;
    }
    // (a call on the spine of an optional chain, `a?.b.c(x).d`, stays in the chain: expression() would leave it)
    if (this.chain && e.object.type === 'CallExpression') this.call(e.object);
    else this.expression(e.object);
    if (e.optional) this.optionalCheck(1);
    this.pos(e);
    if (e.property.type === 'PrivateIdentifier') {
      if (keep) this.emit(Op.Dup);
      this.getVar('#' + e.property.name);
      this.emit(Op.GetPrivate);
    } else if (e.computed) {
      this.expression(e.property);
      this.emit(keep ? Op.GetElemKeep : Op.GetElem);
    } else this.emit(keep ? Op.GetPropKeep : Op.GetProp, this.k(e.property.name));
  }

  /** Push `f this` for a call. */
  private callee(c: Node): void {
    if (c.type === 'MemberExpression') {
      this.member(c, 'keep');
      this.emit(Op.Swap);
      return;
    }
    if (c.type === 'Identifier') {
      const r = this.resolve(c.name);
      if (r === 'dynamic') {
        this.emit(Op.GetNameWithThis, this.k(c.name));
        return;
      }
    }
    if (c.type === 'ParenthesizedExpression') return this.callee(c.expression);
    if (this.chain && c.type === 'CallExpression') this.call(c);
    else this.expression(c);
    this.emit(Op.Undef);
  }

  private call(e: Node): void {
    if (e.callee.type === 'Super') return this.superCall(e);
    if (this.opts.selfHosted && e.callee.type === 'Identifier' && e.callee.name === 'callWithThis') {
      for (const a of e.arguments) this.expression(a);
      this.pos(e);
      this.emit(Op.Call, e.arguments.length - 2);
      return;
    }
    const spread = e.arguments.some((a: Node) => a.type === 'SpreadElement');
    const isEval = e.callee.type === 'Identifier' && e.callee.name === 'eval' && !e.optional;
    if (e.callee.type === 'ChainExpression' && e.callee.expression.type === 'MemberExpression') {
      // `(o?.f)()` calls f with o as this; a short-circuit leaves undefined to call (a TypeError)
      const member = e.callee.expression;
      this.optionalChain(
        () => {
          this.member(member, 'keep');
          this.emit(Op.Swap);
        },
        () => {
          this.emit(Op.Undef);
          this.emit(Op.Undef);
        },
      );
    } else if (e.callee.type === 'ChainExpression') {
      this.expression(e.callee);
      this.emit(Op.Undef);
    } else this.callee(e.callee);
    if (e.optional) {
      // stack: f this
      this.emit(Op.Swap);
      this.optionalCheck(2);
      this.emit(Op.Swap);
    }
    if (spread) {
      this.argumentArray(e.arguments);
      this.pos(e);
      if (isEval) {
        this.emit(ExtOp.DirectEvalSpread, this.evalSiteFlags());
        return;
      }
      this.nameCallee(e.callee);
      this.emit(Op.CallSpread);
      return;
    }
    for (const a of e.arguments) this.expression(a);
    this.pos(e);
    if (isEval) this.emit(Op.DirectEval, e.arguments.length, this.evalSiteFlags());
    else {
      this.nameCallee(e.callee);
      this.emit(Op.Call, e.arguments.length);
    }
  }

  /** Remember the callee's source text for "x is not a function" errors at the next instruction. */
  /** A tagged template: the tag called (`call`: Op.Call, or Op.TailCall in tail position) with the template object and the substitutions. */
  private taggedTemplate(e: Node, call: Op.Call | Op.TailCall): void {
    this.pos(e);
    this.callee(e.tag);
    const site = new TemplateSite(
      e.quasi.quasis.map((q: Node) => q.value.cooked ?? undefined),
      e.quasi.quasis.map((q: Node) => q.value.raw),
    );
    this.emit(Op.TemplateObject, this.k(site));
    for (const x of e.quasi.expressions) this.expression(x);
    this.emit(call, 1 + e.quasi.expressions.length);
  }

  private nameCallee(callee: Node): void {
    const text = this.opts.file.text.slice(callee.start, callee.end);
    this.calleeNames.push(this.ops.length, this.k(text.length > 60 ? text.slice(0, 57) + '...' : text));
  }

  private argumentArray(args: Node[]): void {
    this.emit(Op.NewArray);
    for (const a of args) {
      if (a.type === 'SpreadElement') {
        this.expression(a.argument);
        this.emit(Op.ArraySpread);
      } else {
        this.expression(a);
        this.emit(Op.ArrayPush);
      }
    }
  }

  /**
   * The last operand of DirectEval / DirectEvalSpread: bit 0 strict, bit 1 in a parameter list with
   * expressions (the eval's vars may not redeclare a parameter or `arguments`), bit 2 the function's
   * top-level lexical declarations share its var environment (simple parameters: the eval's vars may
   * not redeclare them either, as the separate lexical environment of FunctionDeclarationInstantiation
   * step 30 would say): vm.ts declareEvalVars reads it from the calling instruction.
   */
  private evalSiteFlags(): number {
    const inParams = this.scope.isFunction && this.scope.varScope !== this.scope;
    const fnScope = this.scope.fn;
    const sharedLex = (fnScope.kind === 'function' || fnScope.kind === 'arrow') && fnScope.varScope === fnScope;
    return (this.scope.strict ? 1 : 0) | (inParams ? 2 : 0) | (sharedLex ? 4 : 0);
  }

  private superCall(e: Node): void {
    this.getVar(FN);
    this.getVar(NEW_TARGET);
    if (e.arguments.some((a: Node) => a.type === 'SpreadElement')) {
      this.argumentArray(e.arguments);
      this.pos(e);
      this.emit(Op.SuperCallSpread);
    } else {
      for (const a of e.arguments) this.expression(a);
      this.pos(e);
      this.emit(Op.SuperCall, e.arguments.length);
    }
    // Bind `this` (ReferenceError if already bound), then initialize fields.
    const r = this.resolve(THIS);
    if (typeof r !== 'object') {
      this.emit(Op.Dup);
      this.emit(ExtOp.BindThisDynamic);
    } else {
      this.emit(Op.Dup);
      if (r.depth < 0) this.emit(ExtOp.BindThisReg, r.decl.index);
      else this.emit(ExtOp.BindThisEnv, r.depth, r.decl.index);
    }
    this.emit(Op.Dup);
    this.getVar(FN);
    this.emit(Op.RunFieldInit);
  }

  private unary(e: Node): void {
    const op = e.operator;
    if (op === 'typeof' && e.argument.type === 'Identifier') {
      const r = this.resolve(e.argument.name);
      if (r === 'global' || r === 'undeclared') return this.emit(Op.TypeofGlobal, this.k(e.argument.name));
      if (r === 'dynamic') return this.emit(Op.TypeofName, this.k(e.argument.name));
    }
    if (op === 'delete') {
      const a = e.argument;
      if (a.type === 'MemberExpression' && a.object.type !== 'Super') {
        this.expression(a.object);
        if (a.computed) {
          this.expression(a.property);
          this.emit(Op.DeleteElem, this.scope.strict ? 1 : 0);
        } else this.emit(Op.DeleteProp, this.k(a.property.name), this.scope.strict ? 1 : 0);
        return;
      }
      if (a.type === 'ChainExpression') {
        const m = a.expression;
        this.optionalChain(
          () => {
            if (m.type === 'MemberExpression') {
              this.expression(m.object);
              if (m.optional) this.optionalCheck(1);
              if (m.computed) {
                this.expression(m.property);
                this.emit(Op.DeleteElem, this.scope.strict ? 1 : 0);
              } else this.emit(Op.DeleteProp, this.k(m.property.name), this.scope.strict ? 1 : 0);
            } else {
              this.expression(m);
              this.emit(Op.Pop);
              this.emit(Op.True);
            }
          },
          () => this.emit(Op.True),
        );
        return;
      }
      if (a.type === 'MemberExpression') {
        // delete super.x: evaluate then throw ReferenceError
        this.emit(Op.ThrowError, this.k('ReferenceError'), this.k("Unsupported reference to 'super'"));
        return;
      }
      if (a.type === 'Identifier') {
        const r = this.resolve(a.name);
        if (typeof r !== 'object') this.emit(Op.DeleteName, this.k(a.name));
        else this.emit(Op.False);
        return;
      }
      this.expression(a);
      this.emit(Op.Pop);
      this.emit(Op.True);
      return;
    }
    this.expression(e.argument);
    switch (op) {
      case '-':
        return this.emit(Op.Neg);
      case '+':
        return this.emit(Op.Plus);
      case '!':
        return this.emit(Op.Not);
      case '~':
        return this.emit(Op.BitNot);
      case 'typeof':
        return this.emit(Op.Typeof);
      case 'void':
        this.emit(Op.Pop);
        return this.emit(Op.Undef);
    }
    this.error(`unknown unary ${op}`, e);
  }

  /**
   * Evaluate a reference for read-modify-write. `load` pushes its value; `store` consumes the
   * value on top of the stack (every kind of reference leaves the stack as it found it).
   */
  private reference(t: Node, storeOnly = false): { load: () => void; store: () => void } {
    if (t.type === 'Identifier') {
      const r = this.resolve(t.name);
      // under `with` or a sloppy direct eval the binding is resolved once: the RHS may delete or shadow it;
      // so is a strict store to a global name this unit does not declare, which stays unresolvable (a
      // ReferenceError) even when the RHS makes it (only the global object and lexicals are looked at)
      const undeclared = r === 'undeclared' && storeOnly && this.scope.strict;
      if (r === 'dynamic' || undeclared) {
        const ref = this.reg(),
          k = this.k(t.name);
        this.emit(undeclared ? ExtOp.ResolveGlobalRef : ExtOp.ResolveNameRef, k, ref);
        return { load: () => this.emit(ExtOp.GetNameRef, k, ref), store: () => this.emit(ExtOp.SetNameRef, k, ref, this.scope.strict ? 1 : 0) };
      }
      return { load: () => this.getVar(t.name), store: () => this.setVar(t.name, false) };
    }
    if (t.type === 'ParenthesizedExpression') return this.reference(t.expression, storeOnly);
    if (t.type === 'CallExpression') {
      // a sloppy call as a target (units.ts WebCompatParser): called, then a ReferenceError (what follows is unreachable)
      this.callTarget(t);
      return { load: () => this.emit(Op.Undef), store: () => this.emit(Op.Pop) };
    }
    if (t.type !== 'MemberExpression') this.error('Invalid left-hand side in assignment', t);
    // A member reference is its parts in registers (evaluated once) and a get / set instruction.
    const member = (pushParts: () => void, get: number, set: number) => ({
      load: () => {
        pushParts();
        this.pos(t);
        this.emit(get);
      },
      store: () => {
        const v = this.reg();
        this.emit(Op.SetReg, v);
        pushParts();
        this.emit(Op.GetReg, v);
        this.emit(set);
        this.emit(Op.Pop);
      },
    });
    if (t.object.type === 'Super') {
      // https://tc39.es/ecma262/#sec-makesuperpropertyreference: GetThisBinding comes first (an
      // uninitialized `this` throws before the key is evaluated), then the key's value, then
      // GetSuperBase, once: the reference's get and set both use that base, whatever the key's
      // conversion or the right-hand side does to the home object's prototype afterwards.
      const self = this.reg(),
        base = this.reg(),
        key = this.reg();
      this.getVar(THIS);
      this.emit(Op.SetReg, self);
      this.getVar(HOME);
      this.propertyKey(t, false);
      this.emit(Op.Swap);
      this.emit(ExtOp.SuperBase);
      this.emit(Op.SetReg, base);
      // (a plain store leaves the key to SetSuperRef's PutValue; a read-modify-write converts it here,
      // once, after GetValue's check of the base, as its get and set must see the same key)
      if (!storeOnly) this.emit(ExtOp.RefKey, base);
      this.emit(Op.SetReg, key);
      return member(
        () => {
          this.emit(Op.GetReg, base);
          this.emit(Op.GetReg, key);
          this.emit(Op.GetReg, self);
        },
        ExtOp.GetSuperRef,
        ExtOp.SetSuperRef,
      );
    }
    const obj = this.reg();
    this.expression(t.object);
    this.emit(Op.SetReg, obj);
    if (t.property.type === 'PrivateIdentifier') {
      const name = '#' + t.property.name;
      return member(
        () => {
          this.emit(Op.GetReg, obj);
          this.getVar(name);
        },
        Op.GetPrivate,
        Op.SetPrivate,
      );
    }
    const key = this.reg();
    if (t.computed) {
      // GetValue of the reference: ToObject of a null or undefined base throws before ToPropertyKey
      this.expression(t.property);
      this.emit(ExtOp.RefKey, obj);
    } else this.propertyKey(t);
    this.emit(Op.SetReg, key);
    return member(
      () => {
        this.emit(Op.GetReg, obj);
        this.emit(Op.GetReg, key);
      },
      Op.GetElem,
      Op.SetElem,
    );
  }

  /**
   * A call as an assignment target (sloppy code, AssignmentTargetType ~web-compat~): the call is
   * evaluated, then PutValue / GetValue of what is not a reference throws a ReferenceError.
   */
  private callTarget(t: Node): void {
    this.expression(t);
    this.emit(Op.Pop);
    this.pos(t);
    this.emit(Op.ThrowError, this.k('ReferenceError'), this.k('Invalid left-hand side in assignment'));
  }

  /** The register an update expression (`x++`…) of a plain frame local changes in place, else -1. */
  private updatedRegister(e: Node, initialized = false): number {
    if (e.argument.type !== 'Identifier') return -1;
    const r = this.resolve(e.argument.name);
    if (typeof r !== 'object' || r.depth >= 0 || ['const', 'class', 'fname', 'import'].includes(r.decl.kind) || (r.decl as { mapped?: number }).mapped !== undefined) return -1;
    // (`initialized`: a `let` written after its declaration in its own function, else the TDZ check names it)
    if (initialized && r.decl.lexical && !(e.start >= r.decl.initEnd && r.decl.scope.node.type !== 'SwitchStatement')) return -1;
    return r.decl.index;
  }

  private update(e: Node): void {
    const r = this.updatedRegister(e, true);
    if (r >= 0) {
      this.emit(e.prefix ? (e.operator === '++' ? ExtOp.PreIncReg : ExtOp.PreDecReg) : e.operator === '++' ? ExtOp.PostIncReg : ExtOp.PostDecReg, r);
      return;
    }
    const ref = this.reference(e.argument);
    ref.load();
    this.emit(Op.ToNumeric);
    if (e.prefix) {
      this.emit(e.operator === '++' ? Op.Inc : Op.Dec);
      this.emit(Op.Dup);
      ref.store();
    } else {
      this.emit(Op.Dup);
      this.emit(e.operator === '++' ? Op.Inc : Op.Dec);
      ref.store();
    }
  }

  private assignment(e: Node): void {
    const op = e.operator;
    if (op === '=') {
      const t = e.left;
      if (t.type === 'ObjectPattern' || t.type === 'ArrayPattern') {
        this.expression(e.right);
        this.emit(Op.Dup);
        this.assignTo(t);
        return;
      }
      if (t.type === 'Identifier') {
        // The reference is resolved before the value (matters under `with`). A parenthesized name,
        // `(f) = function () {}`, names nothing (IsIdentifierRef of a cover grammar is false); acorn
        // drops the parentheses, so the assignment starting before its target says they were there.
        // (`reference`: under `with` or a sloppy direct eval the binding is resolved before the value is evaluated)
        const ref = this.reference(t, true);
        this.namedExpression(e.right, e.start === t.start ? t.name : '');
        this.emit(Op.Dup);
        ref.store();
        return;
      }
      if (t.type === 'MemberExpression' && t.object.type !== 'Super') {
        this.expression(t.object);
        if (t.property.type === 'PrivateIdentifier') {
          this.getVar('#' + t.property.name);
          this.expression(e.right);
          this.emit(Op.SetPrivate);
        } else if (t.computed) {
          this.expression(t.property);
          this.expression(e.right);
          this.emit(ExtOp.SetElemRaw);
        } else {
          this.expression(e.right);
          this.pos(e);
          this.emit(Op.SetProp, this.k(t.property.name));
        }
        return;
      }
      const ref = this.reference(t, true);
      this.expression(e.right);
      this.emit(Op.Dup);
      ref.store();
      return;
    }
    const ref = this.reference(e.left);
    if (op === '&&=' || op === '||=' || op === '??=') {
      ref.load();
      const end = this.label();
      this.jump(op === '&&=' ? Op.JumpIfFalseKeep : op === '||=' ? Op.JumpIfTrueKeep : Op.JumpIfNotNullishKeep, end);
      this.emit(Op.Pop);
      this.namedExpression(e.right, e.left.type === 'Identifier' ? e.left.name : '');
      this.emit(Op.Dup);
      ref.store();
      this.place(end);
      return;
    }
    ref.load();
    this.expression(e.right);
    this.emit(binaryOp(op.slice(0, -1)));
    this.emit(Op.Dup);
    ref.store();
  }

  private emitAwait(): void {
    this.emit(Op.Await);
    const normal = this.label();
    this.jump(Op.Resume, normal);
    // an await never resumes with `return`
    this.emit(Op.Return);
    this.place(normal);
  }

  private yieldExpression(e: Node): void {
    if (e.delegate) {
      this.expression(e.argument);
      this.emit(this.kind === 'asyncGenerator' ? Op.GetAsyncIterator : Op.GetIterator);
      // received value starts as undefined, mode normal
      const it = this.reg(),
        received = this.reg(),
        mode = this.reg();
      this.emit(Op.SetReg, it);
      this.emit(Op.Undef);
      this.emit(Op.SetReg, received);
      this.emit(Op.Int, 0);
      this.emit(Op.SetReg, mode);
      const loop = this.label(),
        done = this.label(),
        ret = this.label();
      this.place(loop);
      this.emit(Op.GetReg, it);
      this.emit(Op.GetReg, received);
      this.emit(Op.GetReg, mode);
      // YieldStarStep: calls next/throw/return; pushes [result, flag] flag: 0 yield value, 1 done (value), 2 return(value),
      // 3 (async) a return with no inner `return` method (the value as it is)
      this.emit(Op.YieldStarStep, this.kind === 'asyncGenerator' ? 1 : 0);
      const returnNow = this.label();
      if (this.kind === 'asyncGenerator') {
        // flag 3: a return with no `return` method on the iterator: the value itself, awaited once at `ret`
        this.emit(Op.Swap);
        this.emit(Op.Dup);
        this.emit(Op.Int, 3);
        this.jump(Op.JumpIfStrictEq, returnNow);
        this.emit(Op.Swap);
        // The step pushed the mode and a promise-ish result to await; the check takes both
        this.emit(Op.Await);
        const ok = this.label();
        this.jump(Op.Resume, ok);
        this.emit(Op.Return);
        this.place(ok);
        this.emit(ExtOp.YieldStarCheck);
      }
      // stack: value flag
      const notDone = this.label();
      this.emit(Op.Dup);
      this.emit(Op.Int, 1);
      this.emit(Op.StrictNe);
      this.jump(Op.JumpIfTrue, notDone);
      this.emit(Op.Pop);
      this.jump(Op.Jump, done);
      this.place(notDone);
      this.emit(Op.Int, 2);
      this.emit(Op.StrictEq);
      this.jump(Op.JumpIfTrue, ret);
      // yield the inner result object as is (sync) / value (async)
      this.emit(ExtOp.YieldRaw, this.kind === 'asyncGenerator' ? 1 : 0);
      // resumed: value kind
      this.emit(Op.SetReg, mode);
      this.emit(Op.SetReg, received);
      if (this.kind === 'asyncGenerator') {
        // https://tc39.es/ecma262/#sec-asyncgeneratoryield steps 9-10: a return resumption awaits its value
        // first (a rejection makes it a throw into the inner iterator), then asks the iterator's `return`
        this.emit(Op.GetReg, mode);
        this.emit(Op.Int, 2);
        this.jump(Op.JumpIfNotStrictEq, loop);
        this.emit(Op.GetReg, received);
        this.emit(Op.Await);
        this.emit(Op.SetReg, mode);
        this.emit(Op.SetReg, received);
        this.emit(Op.GetReg, mode);
        this.emit(Op.Int, 0);
        this.jump(Op.JumpIfNotStrictEq, loop);
        this.emit(Op.Int, 2);
        this.emit(Op.SetReg, mode);
      }
      this.jump(Op.Jump, loop);
      if (this.kind === 'asyncGenerator') {
        this.place(returnNow);
        this.emit(Op.Pop);
      }
      this.place(ret);
      this.emitReturnValue(() => {}, true);
      this.place(done);
      return;
    }
    if (e.argument) this.expression(e.argument);
    else this.emit(Op.Undef);
    if (this.kind === 'asyncGenerator') this.emitAwait();
    this.emit(Op.Yield);
    const normal = this.label();
    this.jump(Op.Resume, normal);
    // return requested: run finally blocks and return the value
    if (this.kind === 'asyncGenerator') this.emitAwait();
    this.emitReturnValue(() => {}, false);
    this.place(normal);
  }

  private objectExpression(e: Node): void {
    this.emit(Op.NewObject);
    for (const p of e.properties) {
      if (p.type === 'SpreadElement') {
        this.expression(p.argument);
        this.emit(Op.CopyDataProps);
        continue;
      }
      if (!p.computed && !p.method && p.kind === 'init' && !p.shorthand && ((p.key.type === 'Identifier' && p.key.name === '__proto__') || (p.key.type === 'Literal' && p.key.value === '__proto__'))) {
        this.expression(p.value);
        this.emit(Op.SetProtoLiteral);
        continue;
      }
      const staticName = p.computed ? null : p.key.type === 'Identifier' ? p.key.name : String(p.key.value);
      if (p.computed) {
        this.expression(p.key);
        this.emit(Op.ToPropertyKey);
      } else this.emit(Op.Const, this.k(staticName));
      if (p.kind === 'get' || p.kind === 'set' || p.method) {
        const kind = p.kind === 'get' ? 'getter' : p.kind === 'set' ? 'setter' : 'method';
        const fname = staticName === null ? '' : p.kind === 'get' ? `get ${staticName}` : p.kind === 'set' ? `set ${staticName}` : staticName;
        this.emit(Op.Closure, this.k(this.withSource(this.compileFunction(p.value, fname, kind), p)));
        if (staticName === null) this.emit(Op.SetFunctionName, this.k(p.kind === 'get' ? 'get' : p.kind === 'set' ? 'set' : ''));
        this.emit(Op.DefineMethod, p.kind === 'get' ? 1 : p.kind === 'set' ? 2 : 0, 1);
        continue;
      }
      if (staticName !== null) this.namedExpression(p.value, staticName);
      else {
        this.expression(p.value);
        if (isAnonymousFunction(p.value)) this.emit(Op.SetFunctionName, this.k(''));
      }
      this.emit(Op.DefineField);
    }
  }

  // ---- classes ----
  private classExpression(c: Node, name: string): void {
    const cs = this.analysis.scopes.get(c)!;
    const saved = this.scope;
    this.scope = cs;
    this.enterScope(cs);
    // Private names are fresh for every evaluation of the class.
    for (const d of cs.decls.values()) {
      if (!d.name.startsWith('#')) continue;
      this.emit(Op.NewPrivateName, this.k(new PrivateNameDesc(d.name)));
      this.setVar(d.name, true);
    }
    if (c.superClass) this.expression(c.superClass);
    const ctorNode = c.body.body.find((m: Node) => m.type === 'MethodDefinition' && m.kind === 'constructor');
    const derived = !!c.superClass;
    let ctorCode: Code;
    if (ctorNode) ctorCode = this.compileFunction(ctorNode.value, name, derived ? 'derivedConstructor' : 'classConstructor');
    else ctorCode = this.defaultConstructor(c, name, derived);
    (ctorCode as { sourceText: string }).sourceText = this.opts.file.text.slice(c.start, c.end);
    this.emit(Op.MakeClass, this.k(ctorCode), derived ? 1 : 0);
    // stack: proto ctor
    const proto = this.reg(),
      ctor = this.reg();
    this.emit(Op.SetReg, ctor);
    this.emit(Op.SetReg, proto);
    for (const el of c.body.body) {
      if (el.type === 'MethodDefinition' && el.kind === 'constructor') continue;
      const isPrivate = el.key?.type === 'PrivateIdentifier';
      const staticName = el.type === 'StaticBlock' ? '' : isPrivate ? '#' + el.key.name : el.computed ? null : el.key.type === 'Identifier' ? el.key.name : String(el.key.value);
      this.emit(Op.GetReg, el.static || el.type === 'StaticBlock' ? ctor : proto);
      if (el.type === 'StaticBlock') {
        this.emit(Op.Undef);
        this.emit(Op.Closure, this.k(this.compileStaticBlock(el)));
        this.emit(ExtOp.ClassElement, 2, ctor);
        continue;
      }
      if (isPrivate) this.getVar(staticName!);
      else if (el.computed) {
        this.expression(el.key);
        this.emit(Op.ToPropertyKey);
      } else this.emit(Op.Const, this.k(staticName));
      if (el.type === 'MethodDefinition') {
        const kind = el.kind === 'get' ? 'getter' : el.kind === 'set' ? 'setter' : 'method';
        const fname = staticName === null ? '' : el.kind === 'get' ? `get ${staticName}` : el.kind === 'set' ? `set ${staticName}` : staticName;
        this.emit(Op.Closure, this.k(this.withSource(this.compileFunction(el.value, fname, kind), el)));
        if (staticName === null) this.emit(Op.SetFunctionName, this.k(el.kind === 'get' ? 'get' : el.kind === 'set' ? 'set' : ''));
        if (isPrivate) this.emit(ExtOp.DefinePrivateMethod, el.kind === 'get' ? 1 : el.kind === 'set' ? 2 : 0, el.static ? 1 : 0, ctor);
        else this.emit(Op.DefineMethod, el.kind === 'get' ? 1 : el.kind === 'set' ? 2 : 0, 0);
        this.emit(Op.Pop);
      } else {
        // field: its initializer is a function of its own, run with the instance as `this`
        if (el.value) {
          const fs = this.analysis.scopes.get(el)!;
          const code = declare(this.unit.shell(el), 'fieldInit', staticName ?? '', fs.strict, fs.usesThis ? CodeFlag.UsesThis : 0, 0, [], this.opts.file.text.slice(el.start, el.end));
          (code.lazy as LazyBody).staticName = staticName;
          this.emit(Op.Closure, this.k(code));
        } else this.emit(Op.Undef);
        this.emit(ExtOp.ClassElement, el.static ? 1 : 0, ctor);
      }
    }
    this.emit(Op.GetReg, ctor);
    if (c.id) {
      this.emit(Op.Dup);
      this.setVar(c.id.name, true);
    }
    this.emit(ExtOp.ClassFinish);
    this.leaveScope(cs);
    this.scope = saved;
  }

  compileField(el: Node, name: string | null): Code {
    this.enterScope(this.fnScope);
    this.pos(el.value);
    const pseudo: [string, Op][] = [
      [THIS, Op.This],
      [HOME, Op.HomeObject],
      [NEW_TARGET, Op.NewTarget],
    ];
    for (const [n, op] of pseudo) {
      const d = this.fnScope.decls.get(n);
      if (d) {
        this.emit(op);
        this.storeDecl(d);
      }
    }
    const anon = isAnonymousFunction(el.value);
    if (name !== null && anon) this.namedExpression(el.value, name);
    else {
      this.expression(el.value);
      if (anon) {
        // computed key: the VM passes the key as the first argument
        this.ops.push(ExtOp.Arg, 0);
        this.emit(Op.Swap);
        this.emit(Op.SetFunctionName, this.k(''));
        this.emit(Op.Swap);
        this.emit(Op.Pop);
      }
    }
    this.emit(Op.Return);
    return this.finish();
  }

  private compileStaticBlock(el: Node): Code {
    const fs = this.analysis.scopes.get(el)!;
    return declare(this.unit.shell(el), 'staticBlock', '', fs.strict, fs.usesThis ? CodeFlag.UsesThis : 0, 0, [], this.opts.file.text.slice(el.start, el.end));
  }

  compileStaticBody(): Code {
    const fs = this.fnScope;
    const el = this.node;
    this.enterScope(fs);
    for (const [n, op] of [
      [THIS, Op.This],
      [HOME, Op.HomeObject],
      [NEW_TARGET, Op.NewTarget],
    ] as [string, Op][]) {
      const d = fs.decls.get(n);
      if (d) {
        this.emit(op);
        this.storeDecl(d);
      }
    }
    this.hoistFunctions(fs, false);
    this.retReg = this.reg();
    this.disposing(el.body, () => {
      for (const s of el.body) this.statement(s);
    });
    this.emit(Op.Undef);
    this.emit(Op.Return);
    return this.finish();
  }

  private defaultConstructor(c: Node, name: string, derived: boolean): Code {
    const code = declare(
      this.unit.shell(c),
      derived ? 'derivedConstructor' : 'classConstructor',
      name,
      true,
      CodeFlag.ClassConstructor | CodeFlag.Constructor | (derived ? CodeFlag.Derived : 0),
      0,
      [],
      this.opts.file.text.slice(c.start, c.end),
    );
    return Object.assign(code as Writable<Code>, {
      ops: int32(derived ? [ExtOp.DefaultDerivedCtor, Op.Dup, Op.ActiveFunction, Op.RunFieldInit, Op.Return] : [Op.Undef, Op.Return]),
      positions: [0, c.start],
      flags: code.flags & ~CodeFlag.Lazy,
      accessors: accessorSlots(0),
      callSites: packedArray(6),
      template: packedArray(0),
      lazy: null,
    });
  }
}

// Opcodes that the compiler uses beyond the core table get numbers after it. A const enum, so that
// the VM's `switch` has only number literals as cases (V8 then dispatches through a jump table).
export const enum ExtOp {
  Arg = Op.Last + 1,
  Rest = Op.Last + 2,
  PushWith = Op.Last + 3,
  TrySave = Op.Last + 4,
  IterCloseThrow = Op.Last + 5,
  RequireObjectCoercible = Op.Last + 6,
  ObjectRest = Op.Last + 7,
  JumpIfNullish = Op.Last + 8,
  SetElemRaw = Op.Last + 9,
  BindThisReg = Op.Last + 10,
  BindThisEnv = Op.Last + 11,
  BindThisDynamic = Op.Last + 12,
  /** (kind, ctorReg) target key init|undefined -> : a field or static block of the class whose constructor is in ctorReg */
  ClassElement = Op.Last + 13,
  ClassFinish = Op.Last + 14,
  /** (kind, static, ctorReg) target pn f -> target: a private method or accessor of the class in ctorReg */
  DefinePrivateMethod = Op.Last + 15,
  DefaultDerivedCtor = Op.Last + 16,
  ImportMeta = Op.Last + 17,
  DynamicImport = Op.Last + 18,
  AsyncIterNext = Op.Last + 19,
  AsyncIterStep = Op.Last + 20,
  /** t: it -> r | (jump t): call the iterator's `return()` (marking it done), or jump to t when it has none */
  AsyncIterClose = Op.Last + 21,
  AsyncIterCloseThrow = Op.Last + 22,
  YieldRaw = Op.Last + 23,
  YieldStarCheck = Op.Last + 24,
  GlobalThis = Op.Last + 25,
  GetImport = Op.Last + 26,
  MappedArguments = Op.Last + 27,
  MappedGet = Op.Last + 28,
  MappedSet = Op.Last + 29,
  /** t: v -> ; jump unless v is undefined or null (`if (v == null)`) */
  JumpIfNotNullishPop = Op.Last + 30,
  /** t: v -> ; jump if v is undefined or null (`if (v != null)`) */
  JumpIfNullishPop = Op.Last + 31,
  /** v -> v == null */
  IsNullish = Op.Last + 32,
  /** v -> v != null */
  IsNotNullish = Op.Last + 33,
  /** f this t -> f this t list: the frame's arguments for `f.apply(t, arguments)` (a list when f is Function.prototype.apply, else the arguments object) */
  ApplyArguments = Op.Last + 34,
  /** r hint: v -> v: AddDisposableResource(the `using` list in registers r.., v, hint 0 sync / 1 async) */
  UsingAdd = Op.Last + 35,
  /** t r: -> | -> v: DisposeResources of the `using` list in registers r..: jump to t when done
   *  (throwing the error so far, if any), else fall through with a value to await */
  UsingDispose = Op.Last + 36,
  /** r: e -> : a rejected disposal joins the error so far of the `using` list in registers r.. */
  UsingJoin = Op.Last + 37,
  /** k r: -> : resolve the name k once into register r (VM.resolveRef: null when unresolvable), for a compound assignment or update of a dynamic name */
  ResolveNameRef = Op.Last + 38,
  /** k r: -> v: GetValue of the name k resolved in register r */
  GetNameRef = Op.Last + 39,
  /** k r s: v -> : PutValue of the name k resolved in register r (s: strict) */
  SetNameRef = Op.Last + 40,
  /** r: key -> key: a member reference's key: TypeError when the base in register r is null or undefined, else ToPropertyKey */
  RefKey = Op.Last + 41,
  /** flags: f this list -> v: `eval(...args)`, a direct eval when f is %eval% (flags as DirectEval's) */
  DirectEvalSpread = Op.Last + 42,
  /** n: a -> a + n (n a small integer; emit's peephole fuses `Int n; Add`), and so on for the operators of INT_OPERAND */
  AddInt = Op.Last + 43,
  SubInt = Op.Last + 44,
  MulInt = Op.Last + 45,
  BitAndInt = Op.Last + 46,
  BitOrInt = Op.Last + 47,
  ShlInt = Op.Last + 48,
  ShrInt = Op.Last + 49,
  UShrInt = Op.Last + 50,
  /** o k: -> regs[o][regs[k]] (`GetReg2 o k; GetElem`) */
  GetRegElem = Op.Last + 51,
  /** t n: a -> ; jump unless a < n (`Int n; JumpIfNotLt t`), and so on for INT_COMPARE */
  JumpIfNotLtInt = Op.Last + 52,
  JumpIfNotLeInt = Op.Last + 53,
  JumpIfNotGtInt = Op.Last + 54,
  JumpIfNotGeInt = Op.Last + 55,
  /** r: -> old: `r++` whose value is used (old is ToNumeric of the register's value) */
  PostIncReg = Op.Last + 56,
  /** r: -> old: `r--` whose value is used */
  PostDecReg = Op.Last + 57,
  /** r: -> new: `++r` whose value is used */
  PreIncReg = Op.Last + 58,
  /** r: -> new: `--r` whose value is used */
  PreDecReg = Op.Last + 59,
  /** o key v -> : `SetElemRaw; Pop` (an element assignment as a statement) */
  SetElemPop = Op.Last + 60,
  /** home -> base: GetSuperBase (home.[[GetPrototypeOf]]()) of a super reference kept in a register */
  SuperBase = Op.Last + 61,
  /** base key this -> v: GetValue of a super reference whose base SuperBase resolved */
  GetSuperRef = Op.Last + 62,
  /** base key this v -> v: PutValue of a super reference whose base SuperBase resolved */
  SetSuperRef = Op.Last + 63,
  /** argc: f this args -> f this args bool: whether f (below argc arguments and this) is %eval% */
  IsEvalCallee = Op.Last + 64,
  /** k r: -> : ResolveNameRef of a name no scope around declares (a strict store to it): the global one (undefined), or null when unresolvable */
  ResolveGlobalRef = Op.Last + 65,
  /** r -> : AsyncIteratorClose's last step: TypeError unless the awaited result of `return()` is an object */
  AsyncIterCloseResult = Op.Last + 66,
}

/** Number of inline operands each extended instruction takes (as opcodes.ts's `operandCount` for Op). */
export const extOperandCount: Partial<Record<ExtOp, number>> = {
  [ExtOp.Arg]: 1,
  [ExtOp.Rest]: 1,
  [ExtOp.TrySave]: 1,
  [ExtOp.JumpIfNullish]: 1,
  [ExtOp.BindThisReg]: 1,
  [ExtOp.AsyncIterStep]: 1,
  [ExtOp.AsyncIterClose]: 1,
  [ExtOp.YieldRaw]: 1,
  [ExtOp.MappedArguments]: 1,
  [ExtOp.MappedGet]: 1,
  [ExtOp.MappedSet]: 1,
  [ExtOp.JumpIfNotNullishPop]: 1,
  [ExtOp.JumpIfNullishPop]: 1,
  [ExtOp.UsingJoin]: 1,
  [ExtOp.UsingAdd]: 2,
  [ExtOp.UsingDispose]: 2,
  [ExtOp.BindThisEnv]: 2,
  [ExtOp.ClassElement]: 2,
  [ExtOp.GetImport]: 2,
  [ExtOp.DefinePrivateMethod]: 3,
  [ExtOp.ResolveNameRef]: 2,
  [ExtOp.ResolveGlobalRef]: 2,
  [ExtOp.GetNameRef]: 2,
  [ExtOp.SetNameRef]: 3,
  [ExtOp.RefKey]: 1,
  [ExtOp.DirectEvalSpread]: 1,
  [ExtOp.IsEvalCallee]: 1,
  [ExtOp.AddInt]: 1,
  [ExtOp.SubInt]: 1,
  [ExtOp.MulInt]: 1,
  [ExtOp.BitAndInt]: 1,
  [ExtOp.BitOrInt]: 1,
  [ExtOp.ShlInt]: 1,
  [ExtOp.ShrInt]: 1,
  [ExtOp.UShrInt]: 1,
  [ExtOp.GetRegElem]: 2,
  [ExtOp.JumpIfNotLtInt]: 2,
  [ExtOp.JumpIfNotLeInt]: 2,
  [ExtOp.JumpIfNotGtInt]: 2,
  [ExtOp.JumpIfNotGeInt]: 2,
  [ExtOp.PostIncReg]: 1,
  [ExtOp.PostDecReg]: 1,
  [ExtOp.PreIncReg]: 1,
  [ExtOp.PreDecReg]: 1,
};

/** Which `using` declarations a statement list holds: 1 `using`, 2 `await using`. */
function usingKinds(statements: Node[] | null): number {
  let kinds = 0;
  for (const st of statements ?? []) {
    const d = st.type === 'ExportNamedDeclaration' ? st.declaration : st;
    if (d?.type === 'VariableDeclaration') kinds |= d.kind === 'using' ? 1 : d.kind === 'await using' ? 2 : 0;
  }
  return kinds;
}

/** Whether a module body awaits at its top level (outside any function). */
function containsTopLevelAwait(n: Node): boolean {
  if (!n || typeof n !== 'object') return false;
  if (n.type === 'AwaitExpression' || (n.type === 'ForOfStatement' && n.await) || (n.type === 'VariableDeclaration' && n.kind === 'await using')) return true;
  if (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression' || n.type === 'ClassDeclaration' || n.type === 'ClassExpression') return false;
  for (const key in n) {
    const v = n[key];
    if (Array.isArray(v)) {
      for (const c of v) if (containsTopLevelAwait(c)) return true;
    } else if (v && typeof v === 'object' && typeof v.type === 'string' && containsTopLevelAwait(v)) return true;
  }
  return false;
}

function isNullLiteral(e: Node): boolean {
  return e.type === 'Literal' && e.value === null && e.regex === undefined && e.bigint === undefined;
}

function isAnonymousFunction(e: Node): boolean {
  return (e.type === 'FunctionExpression' || e.type === 'ClassExpression' || e.type === 'ArrowFunctionExpression') && !e.id;
}

/** Numeric operators with a small-integer right operand inline (`Int n; Add` → `AddInt n`, emit's peephole). */
const INT_OPERAND = new Map<number, number>([
  [Op.Add, ExtOp.AddInt],
  [Op.Sub, ExtOp.SubInt],
  [Op.Mul, ExtOp.MulInt],
  [Op.BitAnd, ExtOp.BitAndInt],
  [Op.BitOr, ExtOp.BitOrInt],
  [Op.Shl, ExtOp.ShlInt],
  [Op.Shr, ExtOp.ShrInt],
  [Op.UShr, ExtOp.UShrInt],
]);

/** Compare-and-branch instructions with a small-integer right operand inline (jump's peephole). */
const INT_COMPARE = new Map<number, number>([
  [Op.JumpIfNotLt, ExtOp.JumpIfNotLtInt],
  [Op.JumpIfNotLe, ExtOp.JumpIfNotLeInt],
  [Op.JumpIfNotGt, ExtOp.JumpIfNotGtInt],
  [Op.JumpIfNotGe, ExtOp.JumpIfNotGeInt],
]);

const FUSED_JUMP: Record<string, Op> = {
  '<': Op.JumpIfNotLt,
  '<=': Op.JumpIfNotLe,
  '>': Op.JumpIfNotGt,
  '>=': Op.JumpIfNotGe,
  '===': Op.JumpIfNotStrictEq,
  '!==': Op.JumpIfStrictEq,
  '==': Op.JumpIfNotEq,
  '!=': Op.JumpIfEq,
};

function binaryOp(op: string): Op {
  switch (op) {
    case '+':
      return Op.Add;
    case '-':
      return Op.Sub;
    case '*':
      return Op.Mul;
    case '/':
      return Op.Div;
    case '%':
      return Op.Mod;
    case '**':
      return Op.Exp;
    case '&':
      return Op.BitAnd;
    case '|':
      return Op.BitOr;
    case '^':
      return Op.BitXor;
    case '<<':
      return Op.Shl;
    case '>>':
      return Op.Shr;
    case '>>>':
      return Op.UShr;
    case '==':
      return Op.Eq;
    case '!=':
      return Op.Ne;
    case '===':
      return Op.StrictEq;
    case '!==':
      return Op.StrictNe;
    case '<':
      return Op.Lt;
    case '<=':
      return Op.Le;
    case '>':
      return Op.Gt;
    case '>=':
      return Op.Ge;
    case 'in':
      return Op.In;
    case 'instanceof':
      return Op.InstanceOf;
  }
  throw new Error(`unknown operator ${op}`);
}

export { boundNames };

/**
 * Operand stack slots a new frame has above its registers: pushes within them store in bounds
 * (V8 deoptimizes the loop when a store site that never grew an array first does). Deeper stacks
 * grow the array, and the code's template takes that length at the next return.
 */
const STACK_HEADROOM = 16;

/** Room for a load and a store accessor per constant, filled on first use (packed, so V8 keeps one elements kind). */
function accessorSlots(nconsts: number): unknown[] {
  return packedArray(nconsts * 2);
}
