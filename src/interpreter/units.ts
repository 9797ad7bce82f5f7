// Parsed and analysed compile units, shared by the engines of a process: a restore, an edge server
// that runs the same app for many clients and a page that loads the same script again parse the text
// once. The one process-wide cache besides the DOM bundle (STYLE.md habit 6 asks for none): what it
// holds is pure data made from the source text alone — acorn's ESTree, the scope analysis and the
// order of the unit's Codes (codeorder.ts `CodeOrder`: nodes, parent indices, roles) — never
// a Code, a realm value or anything an engine wrote. The compiler writes register and slot
// assignments onto Scope and Decl records, so each compile gets `Analysis.fork()`, a copy of its own;
// the AST is read-only once analysed (scope.ts rewrites two Annex B shapes during the analysis, before
// the unit is cached). Code shells are not cached: a Code holds engine state (call-site caches of guest
// closures, template objects, accessors, its SourceFile), so two engines must never share one.
import * as acorn from 'acorn';
import { Analysis, type Node } from './scope';
import { SourceFile } from './code';
import { codeOrder, UnitAnalysis, type CodeOrder } from './codeorder';

export type UnitKind = 'script' | 'module' | 'eval';

/** How a text is parsed and analysed; everything else about a compile (proper tail calls, laziness) comes after. */
export interface UnitOptions {
  kind: UnitKind;
  /** Eval code called from strict code (strict from its first token). */
  strict: boolean;
  /** Direct eval: `this`, `arguments`, … are the caller's. */
  dynamicOuter: boolean;
  /** Direct eval inside a function (new.target allowed; `method`: super.x too). */
  inFunction: { method: boolean } | null;
}

/** A unit's source could not be parsed: acorn's message without its `(line:column)` suffix, and the offset. */
export class UnitSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

/**
 * Runtime errors for function call assignment targets (ecma262 §13.15.1 / §13.4.1, AssignmentTargetType
 * ~web-compat~, which V8 and browsers support): in sloppy code a call may stand as the target of `=`, a
 * compound assignment (not `&&=`, `||=`, `??=`), `++`/`--` and a for-in/of head, where it is called and
 * then throws a ReferenceError (compiler.ts); inside a destructuring pattern it stays a SyntaxError.
 */
class WebCompatParser extends acorn.Parser {
  /** How deep the pattern being converted or checked is nested (a call is a target only at the top). */
  private patternDepth = 0;

  private callTarget(node: Node, isBinding: boolean): boolean {
    const self = this as unknown as { strict: boolean; type: { isAssign?: boolean }; value: unknown };
    return node?.type === 'CallExpression' && !isBinding && !self.strict && this.patternDepth === 0 && !(self.type.isAssign && ['&&=', '||=', '??='].includes(self.value as string));
  }

  private nested<T>(node: Node, inner: () => T): T {
    const pattern = node?.type === 'ObjectExpression' || node?.type === 'ArrayExpression' || node?.type === 'ObjectPattern' || node?.type === 'ArrayPattern';
    if (pattern) this.patternDepth++;
    try {
      return inner();
    } finally {
      if (pattern) this.patternDepth--;
    }
  }

  toAssignable(node: Node, isBinding: boolean, refDestructuringErrors?: unknown): Node {
    if (this.callTarget(node, isBinding)) return node;
    return this.nested(node, () => (acorn.Parser.prototype as any).toAssignable.call(this, node, isBinding, refDestructuringErrors));
  }

  checkLValSimple(expr: Node, bindingType = 0, checkClashes?: unknown): void {
    // (bindingType 0 is acorn's BIND_NONE: an assignment, not a declaration)
    if (this.callTarget(expr, bindingType !== 0)) return;
    (acorn.Parser.prototype as any).checkLValSimple.call(this, expr, bindingType, checkClashes);
  }

  checkLValPattern(expr: Node, bindingType = 0, checkClashes?: unknown): void {
    this.nested(expr, () => (acorn.Parser.prototype as any).checkLValPattern.call(this, expr, bindingType, checkClashes));
  }
}

/** Direct eval code inside a function may use `new.target` (acorn has no option for it). */
class FunctionEvalParser extends WebCompatParser {
  get allowNewDotTarget(): boolean {
    return true;
  }
}
/** Eval code called from strict code is strict from its first token. */
class StrictEvalParser extends WebCompatParser {
  strictDirective(): boolean {
    return true;
  }
}
class StrictFunctionEvalParser extends StrictEvalParser {
  get allowNewDotTarget(): boolean {
    return true;
  }
}

/**
 * Direct eval code may use the private names of the classes around the call: the parse accepts any
 * (an enclosing class record on acorn's stack) and lists on the root, as `outerPrivateNames`, those
 * the code does not declare itself; the engine checks them against the caller's environments
 * (engine.ts directEval), so the unit does not depend on the caller.
 */
const outerPrivateParsers = new Map<typeof acorn.Parser, typeof acorn.Parser>();
function outerPrivateParser(base: typeof acorn.Parser): typeof acorn.Parser {
  let p = outerPrivateParsers.get(base);
  if (!p) {
    p = class extends (base as any) {
      parse(): Node {
        const outer = { declared: Object.create(null), used: [] as Node[] };
        (this as any).privateNameStack.push(outer);
        const ast = super.parse();
        ast.outerPrivateNames = [...new Set(outer.used.map((n) => n.name as string))];
        return ast;
      }
    } as unknown as typeof acorn.Parser;
    outerPrivateParsers.set(base, p);
  }
  return p;
}

function parse(source: string, o: UnitOptions): Node {
  const strict = o.kind === 'eval' && o.strict;
  const base = strict ? (o.inFunction ? StrictFunctionEvalParser : StrictEvalParser) : o.inFunction ? FunctionEvalParser : WebCompatParser;
  const parser = o.kind === 'eval' && o.dynamicOuter ? outerPrivateParser(base) : base;
  try {
    return parser.parse(source, {
      ecmaVersion: 'latest',
      sourceType: o.kind === 'module' ? 'module' : 'script',
      allowHashBang: true,
      locations: false,
      // direct eval inside a function may use new.target, and inside a method super.x
      allowSuperOutsideMethod: o.inFunction?.method ?? false,
    });
  } catch (e) {
    const err = e as { message: string; pos?: number };
    if (typeof err?.message !== 'string') throw e;
    throw new UnitSyntaxError(err.message.replace(/ \(\d+:\d+\)$/, ''), err.pos ?? 0);
  }
}

/** A SyntaxError's message and the stack a load reports for it (`SyntaxError: m\n    at file:line:col`). */
export function syntaxErrorText(e: UnitSyntaxError, file: string, source: string): { message: string; stack: string } {
  const { line, column } = new SourceFile(file, source).position(e.pos);
  return { message: e.message, stack: `SyntaxError: ${e.message}\n    at ${file}:${line}:${column}` };
}

interface Entry {
  /** The parse options and file name (the source text is the outer key). */
  readonly key: string;
  readonly ast: Node;
  readonly analysis: Analysis;
  /** Its Codes' order (codeorder.ts), found at the first compile. */
  order: CodeOrder | null;
  readonly bytes: number;
  /** When it was last used (the cache's clock): the least recently used goes first. */
  used: number;
}

/**
 * Heap bytes per source character of a cached unit (text, ESTree and analysis): 22 on Octane's
 * EarleyBoyer, 42 on Box2D (retained heap after a gc). The bound counts this estimate.
 */
const BYTES_PER_CHAR = 48;

/** An LRU map of analysed units, bounded by their estimated heap size. */
export class UnitCache {
  /**
   * By source text, then by options and file: V8 keeps a string's hash on the string, so the text
   * (hundreds of KB) is hashed once per string and never copied into a longer key.
   */
  private readonly entries = new Map<string, Entry[]>();
  private bytes = 0;
  private units = 0;
  private clock = 0;
  /** Hits and misses since the process started (or the last `clear`). */
  hits = 0;
  misses = 0;
  constructor(private limitBytes: number) {}

  get size(): { units: number; bytes: number; limit: number } {
    return { units: this.units, bytes: this.bytes, limit: this.limitBytes };
  }

  setLimit(bytes: number): void {
    if (!(Number.isFinite(bytes) && bytes >= 0)) throw new RangeError(`snapvm: the unit cache limit must be a number of bytes >= 0, not ${String(bytes)}`);
    this.limitBytes = bytes;
    this.evict();
  }

  clear(): void {
    this.entries.clear();
    this.bytes = this.units = 0;
    this.hits = this.misses = 0;
  }

  /** The AST and the analysis of `source` as `file` (an engine's, forked at its first compile: UnitAnalysis), parsed at most once while cached. Throws UnitSyntaxError. */
  unit(source: string, file: string, o: UnitOptions): { ast: Node; analysis: UnitAnalysis; order: CodeOrder } {
    const e = this.entry(source, file, o);
    return { ast: e.ast, analysis: new UnitAnalysis(e.analysis), order: (e.order ??= codeOrder(e.ast, e.analysis)) };
  }

  /** The cached AST of `source` (read-only: shared by every engine of the process). Throws UnitSyntaxError. */
  ast(source: string, file: string, o: UnitOptions): Node {
    return this.entry(source, file, o).ast;
  }

  private entry(source: string, file: string, o: UnitOptions): Entry {
    const key = `${o.kind}${o.strict ? 's' : ''}${o.dynamicOuter ? 'd' : ''}${o.inFunction ? (o.inFunction.method ? 'm' : 'f') : ''} ${file}`;
    const same = this.entries.get(source);
    const hit = same?.find((e) => e.key === key);
    if (hit) {
      this.hits++;
      hit.used = ++this.clock;
      return hit;
    }
    this.misses++;
    const ast = parse(source, o);
    const e: Entry = { key, ast, analysis: new Analysis(ast, o.kind, o.strict, o.dynamicOuter), order: null, bytes: (source.length + file.length) * BYTES_PER_CHAR, used: ++this.clock };
    if (e.bytes <= this.limitBytes) {
      if (same) same.push(e);
      else this.entries.set(source, [e]);
      this.bytes += e.bytes;
      this.units++;
      this.evict();
    }
    return e;
  }

  /** Drop least recently used units until the estimate is within the limit (a scan: units are few). */
  private evict(): void {
    while (this.bytes > this.limitBytes) {
      let oldest: Entry | null = null;
      let at = '';
      for (const [source, list] of this.entries) for (const e of list) if (!oldest || e.used < oldest.used) (oldest = e), (at = source);
      if (!oldest) return;
      const list = this.entries.get(at)!;
      list.splice(list.indexOf(oldest), 1);
      if (list.length === 0) this.entries.delete(at);
      this.bytes -= oldest.bytes;
      this.units--;
    }
  }
}

const DEFAULT_LIMIT_MB = 64;

function limitFromEnv(): number {
  const v = process.env.SNAPVM_UNIT_CACHE_MB;
  if (v === undefined || v === '') return DEFAULT_LIMIT_MB * 2 ** 20;
  const mb = Number(v);
  if (!(Number.isFinite(mb) && mb >= 0)) throw new RangeError(`snapvm: SNAPVM_UNIT_CACHE_MB must be a number of megabytes >= 0, not ${JSON.stringify(v)}`);
  return mb * 2 ** 20;
}

/** The process's unit cache (64 MB by default; SNAPVM_UNIT_CACHE_MB, or `unitCache.setLimit`). */
export const unitCache = new UnitCache(limitFromEnv());

/**
 * Parse and analyse `source` into the process's unit cache, so that a later load of the same text
 * (evaluateScript, a module, a restore) skips both. Throws the SyntaxError a load would report (a
 * host SyntaxError with the same message and `stack`).
 */
export function prepareUnit(source: string, file: string, kind: 'script' | 'module'): void {
  if (kind !== 'script' && kind !== 'module') throw new TypeError(`snapvm: prepareUnit kind must be 'script' or 'module', not ${JSON.stringify(kind)}`);
  try {
    unitCache.ast(source, file, { kind, strict: false, dynamicOuter: false, inFunction: null });
  } catch (e) {
    if (!(e instanceof UnitSyntaxError)) throw e;
    const { message, stack } = syntaxErrorText(e, file, source);
    const err = new SyntaxError(message);
    err.stack = stack;
    throw err;
  }
}
