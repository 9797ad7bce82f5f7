// Compiled code: what the compiler produces and the VM runs. Plain records, so that the snapshot
// room can name a function by its code and a suspended frame by (code, pc, registers).
import type { CompileUnit } from './state';

export type FunctionKind =
  | 'normal'
  | 'arrow'
  | 'method'
  | 'getter'
  | 'setter'
  | 'classConstructor'
  | 'derivedConstructor'
  | 'generator'
  | 'async'
  | 'asyncArrow'
  | 'asyncGenerator'
  | 'script'
  | 'module'
  | 'eval'
  | 'fieldInit'
  | 'staticBlock';

/** A scope's runtime environment layout: slot names and which slots start in TDZ. */
export class ScopeDesc {
  readonly index = new Map<string, number>();
  /** The compile unit whose code holds this layout (set by the engine after compiling). */
  file: SourceFile | null = null;
  constructor(
    readonly names: string[],
    /** 1 for lexical (TDZ until initialized), 3 for const and import bindings, 4 for a named function expression's own name, 0 otherwise. */
    readonly kinds: number[],
    readonly kind: string,
  ) {
    names.forEach((n, i) => this.index.set(n, i));
  }
}

export interface Code {
  readonly name: string;
  readonly kind: FunctionKind;
  readonly strict: boolean;
  readonly ops: Int32Array;
  readonly consts: unknown[];
  /** Registers (frame locals) below the operand stack. */
  readonly nregs: number;
  /** [start, end, handler, register] quads: register holds the saved sp, register+1 the saved env. */
  readonly handlers: Int32Array;
  /** `length` of the function object. */
  readonly length: number;
  /** Source text of the function (Function.prototype.toString). */
  readonly sourceText: string;
  readonly file: string;
  /** Full source the positions refer to. */
  readonly source: SourceFile;
  /** [pc, offset] pairs, ascending by pc: source positions for stacks. */
  readonly positions: number[];
  readonly flags: number;
  /** Register holding a script's completion value (-1 if none). */
  readonly completionReg: number;
  readonly paramNames: string[];

  /** [pc, const index] pairs: the source text of the callee of the call at pc. */
  readonly calleeNames: number[];
  /** Registers of the parameters when the call writes arguments straight into them (else null). */
  readonly paramRegs: number[] | null;
  /** A module body's environment layout (the loader creates the environment). */
  readonly moduleDesc: ScopeDesc | null;
  /**
   * A module body's pc after its hoisted function declarations (`Closure k; InitEnv 0 slot` each, from
   * pc 0): the loader makes them at link time and evaluation starts here. 0 for other code.
   */
  readonly hoistedEnd: number;
  /** Register holding a derived constructor's `this` binding (-1: none, or in the function env). */
  readonly thisReg: number;
  /**
   * Per-constant property accessors (load at k, store at k + consts.length), made on first use.
   * Every Code is created with all its fields in one order, so V8 gives all of them one shape.
   */
  readonly accessors: unknown[];
  /**
   * Call and `new` sites' last callee and its Closure record, at the pc of the site's operand and
   * the word after it (finding the record stamped on a function costs far more than a compare).
   * A cache of the VM: no program state lives here.
   */
  readonly callSites: unknown[];
  /** A frame's registers and operand stack as first laid out (PACKED array of undefined), copied per call; it grows to the deepest stack seen at a return. */
  template: unknown[];
  /** The code whose body creates this one (null for a compile unit's top-level code). */
  readonly parent: Code | null;
  /**
   * Set while the body has no bytecode yet (flag `Lazy`): how to compile it on its first call
   * (compiler.ts `compileLazy`). Until the parent's body is compiled, name and kind are not known either.
   */
  lazy: object | null;
}

export const enum CodeFlag {
  UsesThis = 1,
  SloppyThis = 2,
  Arrow = 4,
  ClassConstructor = 8,
  Derived = 16,
  Generator = 32,
  Async = 64,
  Constructor = 128,
  /** No bytecode yet: `ops`, `consts`, registers… are filled on the first call (`Code.lazy`). */
  Lazy = 512,
}

export class SourceFile {
  private lineStarts: number[] | null = null;
  /** How the engine compiled this text, and the resulting top-level code (for the snapshot room). */
  unit: CompileUnit | null = null;
  root: Code | null = null;
  /** Every Code of the unit in its fixed pre-order (codeorder.ts), compiled or not: the index names a function across engines. */
  codes: Code[] = [];
  /** Eval code: the file of the script or module that ran the eval, which its import() calls resolve from (not kept by snapshots). */
  referrer: string | null = null;
  constructor(
    readonly name: string,
    readonly text: string,
  ) {}
  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; column: number } {
    if (!this.lineStarts) {
      const starts = [0];
      for (let i = 0; i < this.text.length; i++) {
        const c = this.text.charCodeAt(i);
        if (c === 10 || (c === 13 && this.text.charCodeAt(i + 1) !== 10) || c === 0x2028 || c === 0x2029) starts.push(i + 1);
      }
      this.lineStarts = starts;
    }
    const starts = this.lineStarts;
    let lo = 0,
      hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }
}

/** A PACKED_ELEMENTS array of n undefineds (a filled `new Array(n)` stays HOLEY in V8); frames copy it. */
export function packedArray(n: number): unknown[] {
  const a: unknown[] = [];
  for (let i = 0; i < n; i++) a.push(undefined);
  return a;
}

/** Source offset of the instruction at pc. */
export function offsetAt(code: Code, pc: number): number {
  const p = code.positions;
  let best = -1;
  for (let i = 0; i < p.length; i += 2) {
    if (p[i]! <= pc) best = p[i + 1]!;
    else break;
  }
  return best;
}

/**
 * A built-in's source text, ecma262's NativeFunction: `function`, `get`/`set`, the name when it is a
 * PropertyName (an identifier name or `[…]`, e.g. not RegExp's legacy `$&`), `() { [native code] }`.
 */
export function nativeSource(name: string): string {
  const m = /^((?:get|set) )?(.*)$/s.exec(name)!;
  const propertyName = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200C\u200D]*$/u.test(m[2]!) || /^\[[^\]]*\]$/.test(m[2]!);
  return `function ${m[1] ?? ''}${propertyName ? m[2] : ''}() { [native code] }`;
}
