// The fast path of a restore: the text capture writes uses a small subset of JavaScript (`var`
// declarations, `$o[N] = …` assignments, calls of `$` operations and of a few built-ins, literals,
// array and object literals). This reader parses exactly that subset and performs the same
// operations a guest run of the program would — every call of a guest function goes through the
// realm's Reflect, as the VM's own native calls do — without compiling and interpreting a
// program of hundreds of thousands of statements. It evaluates as it reads (no syntax tree: a
// snapshot is read once), scanning character codes; `canonicalOps` reads without evaluating. Text outside the subset (a hand-edited
// snapshot) is left to the general path, which starts over in a fresh engine (the statements read
// before the reader met it, and the start of the statement where it met it, may have been applied
// to this one).
import type { Engine } from '../interpreter/index';
import { CodeFlag } from '../interpreter/state';
import { types } from 'node:util';

class NotCanonical {}
/** What `$` reads as when nothing is applied (the calls of its operations are reported to `onOp`). */
const OPS = Object.freeze({});
const NOT = new NotCanonical();
/** (made once: a regular expression literal in a method is a new object at every call) */
const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(n)?/y;

/** A character JSON forbids raw in a string. */
const CONTROL = /[\u0000-\u001f]/;
/** Strings up to this many characters are read character by character (string()). */
const SHORT_STRING = 64;

// character codes the reader looks for
const C_DOLLAR = 36;
const C_LPAREN = 40;
const C_RPAREN = 41;
const C_COMMA = 44;
const C_MINUS = 45;
const C_DOT = 46;
const C_SLASH = 47;
const C_0 = 48;
const C_9 = 57;
const C_COLON = 58;
const C_SEMI = 59;
const C_EQ = 61;
const C_LBRACKET = 91;
const C_RBRACKET = 93;
const C_LBRACE = 123;
const C_RBRACE = 125;
const C_QUOTE = 34;
const C_E = 69;
const C_e = 101;
const C_n = 110;
const C_o = 111;

const isIdentStart = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === C_DOLLAR;
/** A descriptor literal `{value: v, writable: true, enumerable: false, configurable: false}` (a host record, defineArgs). */
const isPrototypeDescriptor = (r: Record<string, unknown>): boolean => 'value' in r && r.writable === true && r.enumerable === false && r.configurable === false && !('get' in r) && !('set' in r);
/** The fields ToPropertyDescriptor reads. */
const DESCRIPTOR_FIELDS = new Set(['value', 'writable', 'get', 'set', 'enumerable', 'configurable']);
const isIdentPart = (c: number): boolean => isIdentStart(c) || (c >= C_0 && c <= C_9);

/** What the reader evaluates against; null: only check the form (`canonicalOps`). */
interface Target {
  readonly engine: Engine;
  readonly ops: Record<string, unknown>;
  readonly $o: unknown[];
  readonly scope: Map<string, unknown>;
  readonly hostOps: Set<unknown>;
}

class Reader {
  pos = 0;
  /** Whether the value just read is a literal (`-` and `void` take literals only). */
  private lit = false;
  private readonly R: Engine['realm']['R'] | null;
  private readonly I: Engine['realm']['intrinsics'] | null;
  /** The realm's own Object.defineProperty (defineArgs). */
  private readonly defineProperty: unknown;
  constructor(
    private readonly s: string,
    private to: Target | null,
    /** Read-only (no target): told of each `$.name(…)` call with its arguments' values (literals and host arrays of them). */
    private readonly onOp: ((name: string, args: unknown[]) => void) | null = null,
  ) {
    this.R = to && to.engine.realm.R;
    this.I = to && to.engine.realm.intrinsics;
    this.defineProperty = to && to.engine.builtinsByPath.get('globalThis.Object.defineProperty');
  }

  private ws(): void {
    const s = this.s;
    for (;;) {
      const c = s.charCodeAt(this.pos);
      if (c === 32 || c === 10 || c === 13 || c === 9) this.pos++;
      else if (c === 47 && s.charCodeAt(this.pos + 1) === 47) {
        const nl = s.indexOf('\n', this.pos);
        this.pos = nl < 0 ? s.length : nl + 1;
      } else return;
    }
  }

  /** The code of the next character that is not white space or a comment (NaN at the end). */
  private peek(): number {
    const c = this.s.charCodeAt(this.pos);
    // (most tokens follow one another directly: white space is looked for only where it may be)
    if (c === 32 || c === 10 || c === 13 || c === 9 || c === 47) {
      this.ws();
      return this.s.charCodeAt(this.pos);
    }
    return c;
  }

  private eat(c: number): boolean {
    if (this.peek() === c) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expect(c: number): void {
    if (!this.eat(c)) throw NOT;
  }

  private ident(): string {
    this.ws();
    const s = this.s;
    const start = this.pos;
    if (!isIdentStart(s.charCodeAt(start))) throw NOT;
    let end = start + 1;
    while (isIdentPart(s.charCodeAt(end))) end++;
    this.pos = end;
    return s.slice(start, end);
  }

  /** Read and apply the next statement; false at the end of the text. */
  next(): boolean {
    this.ws();
    if (this.pos >= this.s.length) return false;
    this.statement();
    return true;
  }

  private statement(): void {
    const s = this.s;
    if (s.startsWith('var ', this.pos)) {
      this.pos += 4;
      do {
        const name = this.ident();
        this.expect(C_EQ);
        if (name === '$o') {
          // the object table is the caller's (a delta continues it): its initializer is read, not run
          const to = this.to;
          this.to = null;
          try {
            this.expr();
          } finally {
            this.to = to;
          }
        } else {
          const v = this.expr();
          this.to?.scope.set(name, v);
        }
      } while (this.eat(C_COMMA));
      this.expect(C_SEMI);
      return;
    }
    if (s.startsWith('$o[', this.pos)) {
      // `$o[N] = …`, the one assignment; or an expression that starts with `$o[N]`
      this.pos += 3;
      const index = this.expr();
      const literal = this.lit;
      this.expect(C_RBRACKET);
      if (this.eat(C_EQ)) {
        if (!literal || typeof index !== 'number') throw NOT;
        const value = this.expr();
        this.expect(C_SEMI);
        if (this.to) this.to.$o[index] = value; // (an array literal is a guest array: array())
        return;
      }
      this.divide(this.postfix(this.to ? this.to.$o[index as number] : undefined));
    } else this.expr();
    this.expect(C_SEMI);
  }

  expr(): unknown {
    return this.divide(this.unary());
  }

  private divide(left: unknown): unknown {
    if (this.peek() !== C_SLASH) return left;
    this.pos++;
    const right = this.unary();
    this.lit = false;
    return (left as number) / (right as number);
  }

  private unary(): unknown {
    if (this.eat(C_MINUS)) {
      const v = this.unary();
      if (!this.lit || (typeof v !== 'number' && typeof v !== 'bigint')) throw NOT;
      return -(v as number);
    }
    return this.postfix(this.primary());
  }

  /** Member reads, index reads and calls after `v`. */
  private postfix(v: unknown): unknown {
    for (;;) {
      const c = this.peek();
      if (c === C_DOT) {
        this.pos++;
        const name = this.ident();
        this.lit = false;
        if (this.peek() === C_LPAREN) {
          this.pos++;
          v = this.callMethod(v, name, this.list(C_RPAREN));
        } else v = this.member(v, name);
      } else if (c === C_LBRACKET) {
        this.pos++;
        const index = this.expr();
        this.expect(C_RBRACKET);
        this.lit = false;
        const to = this.to;
        if (to) v = v === to.$o ? to.$o[index as number] : this.R!.get(v as object, index as PropertyKey);
      } else if (c === C_LPAREN) {
        this.pos++;
        // `$props(o, [k, v, …])`, most of a snapshot: the operation copies its list at once, so the
        // literal is read as a host array (its items are still guest values)
        if (this.to !== null && v === this.defineProperty) {
          const { args, literal } = this.defineArgs();
          v = this.define(args, literal);
          this.lit = false;
          continue;
        }
        const args = this.to === null ? this.list(C_RPAREN) : v === this.to.ops.props ? this.propsArgs() : this.list(C_RPAREN);
        this.lit = false;
        v = this.call(v, args);
      } else return v;
    }
  }

  private member(o: unknown, name: string): unknown {
    const to = this.to;
    if (!to) return undefined;
    if (o === to.ops) {
      if (!Object.hasOwn(to.ops, name)) throw new Error(`no restore operation ${name}`);
      return to.ops[name];
    }
    return this.R!.get(o as object, name);
  }

  private callMethod(self: unknown, name: string, args: unknown[]): unknown {
    const to = this.to;
    if (!to) {
      if (self === OPS && this.onOp) this.onOp(name, args);
      return undefined;
    }
    if (self === to.ops) {
      const f = Object.hasOwn(to.ops, name) ? to.ops[name] : undefined;
      if (typeof f !== 'function') throw new Error(`no restore operation ${name}`);
      return (f as (...a: unknown[]) => unknown).apply(undefined, args);
    }
    const f = this.R!.get(self as object, name);
    return this.R!.apply(f as Function, self, args);
  }

  private call(f: unknown, args: unknown[]): unknown {
    const to = this.to;
    if (!to) return undefined;
    if (typeof f !== 'function') throw new Error('a call of something that is not a function');
    if (to.hostOps.has(f)) return (f as (...a: unknown[]) => unknown).apply(undefined, args); // (no spread: no iterator per call)
    return this.R!.apply(f as Function, undefined, args);
  }

  private list(close: number): unknown[] {
    const out: unknown[] = [];
    if (this.eat(close)) return out;
    do out.push(this.expr());
    while (this.eat(C_COMMA));
    this.expect(close);
    return out;
  }

  /** `(o, [k, v, …])` of a `props` call, the list a host array. */
  private propsArgs(): unknown[] {
    const o = this.expr();
    this.expect(C_COMMA);
    this.expect(C_LBRACKET);
    const kv: unknown[] = [];
    if (!this.eat(C_RBRACKET)) {
      do kv.push(this.expr());
      while (this.eat(C_COMMA));
      this.expect(C_RBRACKET);
    }
    this.expect(C_RPAREN);
    return [o, kv];
  }

  /**
   * `(o, key, {…})` of a call of the realm's Object.defineProperty (`$dp`, every global): the descriptor
   * literal is a host record holding only the descriptor's own fields, in the literal's order (capture
   * writes few orders: the records keep few shapes), which the built-in reads and never keeps (a guest
   * object would cost a guest object and four definitions, and would consult the guest's
   * Object.prototype for `get`/`set`). Other keys of the literal are read, evaluated and left out:
   * the built-in reads nothing else. `literal`: whether the descriptor was such a literal (a host record;
   * any other is a guest value, never read here).
   */
  private defineArgs(): { args: unknown[]; literal: boolean } {
    const o = this.expr();
    this.expect(C_COMMA);
    const key = this.expr();
    this.expect(C_COMMA);
    let desc: unknown;
    const literal = this.peek() === C_LBRACE;
    if (literal) {
      this.pos++;
      const d: Record<string, unknown> = {};
      if (!this.eat(C_RBRACE)) {
        do {
          const k = this.ident();
          this.expect(C_COLON);
          const v = this.expr();
          if (DESCRIPTOR_FIELDS.has(k)) d[k] = v;
        } while (this.eat(C_COMMA));
        this.expect(C_RBRACE);
      }
      desc = d;
      this.lit = false;
    } else desc = this.expr();
    this.expect(C_RPAREN);
    return { args: [o, key, desc], literal };
  }

  /**
   * A call of the realm's Object.defineProperty with `defineArgs`'s arguments. Capture writes every
   * function's own `prototype` (`$dp(f, "prototype", {value: p, writable: true, enumerable: false,
   * configurable: false})`). Where `f` is a guest function made from a Code that gives it an own
   * `prototype` (a constructor or a generator: a data property, never enumerable nor configurable, so
   * writable or read-only is all that can have changed), an ordinary [[Set]] does the same: OrdinarySet
   * defines `{value: p}` on the writable property, which is what the full descriptor does to it, and a
   * read-only one refuses (then the built-in runs and says why). V8 sets it through the function's own
   * prototype setter, without making the default prototype object first or redefining its accessor.
   * Anything else (another key or descriptor, any other function) takes the built-in.
   */
  private define(args: unknown[], literal: boolean): unknown {
    const [o, key, d] = args as [unknown, unknown, Record<string, unknown>];
    if (literal && key === 'prototype' && typeof o === 'function' && isPrototypeDescriptor(d)) {
      const rec = this.to!.engine.vm.closures.get(o);
      if (rec !== undefined && (rec.code.flags & (CodeFlag.Constructor | CodeFlag.Generator)) !== 0 && Reflect.set(o, 'prototype', d.value, o)) return o;
    }
    // a literal descriptor on an object that is no proxy, under a key that is a property key already: the
    // host's defineProperty does what the realm's does (a proxy's trap must get a guest descriptor: the realm's)
    if (literal && (typeof key === 'string' || typeof key === 'symbol') && ((typeof o === 'object' && o !== null) || typeof o === 'function') && !types.isProxy(o))
      return Object.defineProperty(o, key, d);
    return this.R!.apply(this.defineProperty as Function, undefined, args);
  }

  private primary(): unknown {
    const c = this.peek();
    if (c === C_QUOTE) {
      this.lit = true;
      return this.string();
    }
    if ((c >= C_0 && c <= C_9) || c === C_DOT) {
      this.lit = true;
      return this.number(c);
    }
    if (c === C_LBRACKET) {
      this.pos++;
      const v = this.array();
      this.lit = false;
      return v;
    }
    if (c === C_LBRACE) {
      this.pos++;
      const v = this.object();
      this.lit = false;
      return v;
    }
    if (c === C_LPAREN) {
      this.pos++;
      const v = this.expr();
      this.expect(C_RPAREN);
      return v;
    }
    // `$o`, the object table, most of the names a snapshot reads (not sliced out and looked up)
    if (c === C_DOLLAR && this.s.charCodeAt(this.pos + 1) === C_o && !isIdentPart(this.s.charCodeAt(this.pos + 2))) {
      this.pos += 2;
      this.lit = false;
      return this.to ? this.to.$o : undefined;
    }
    const name = this.ident();
    this.lit = true;
    switch (name) {
      case 'null':
        return null;
      case 'true':
        return true;
      case 'false':
        return false;
      case 'void':
        this.unary();
        if (!this.lit) throw NOT;
        this.lit = true;
        return undefined;
      case 'new': {
        const C = this.newCallee();
        this.expect(C_LPAREN);
        const args = this.list(C_RPAREN);
        this.lit = false;
        return this.to ? this.R!.construct(C as Function, args) : undefined;
      }
    }
    this.lit = false;
    return this.named(name);
  }

  /** `new X(…)` / `new (X)(…)`: the callee without its argument list. */
  private newCallee(): unknown {
    if (this.eat(C_LPAREN)) {
      const e = this.expr();
      this.expect(C_RPAREN);
      return e;
    }
    let v = this.named(this.ident());
    while (this.peek() === C_DOT) {
      this.pos++;
      v = this.member(v, this.ident());
    }
    return v;
  }

  /** The value of a name the text declared (or `$o`, the object table). */
  private named(name: string): unknown {
    const to = this.to;
    if (!to) return name === '$' ? OPS : undefined;
    if (name === '$o') return to.$o;
    // a name the text never declared (a keyword such as `throw` included): text outside the subset, for the general path
    if (!to.scope.has(name)) throw NOT;
    return to.scope.get(name);
  }

  /**
   * An array literal is a guest array, as when the text runs as guest code: the restore operations
   * read their argument lists from guest arrays either way, and a nested literal may end up in a
   * guest position (a property, an argument of a guest function), where a host array must never be.
   */
  private array(): unknown {
    const values: unknown[] = [];
    let holes: number[] | null = null;
    if (!this.eat(C_RBRACKET))
      for (;;) {
        if (this.peek() === C_COMMA) {
          this.pos++;
          (holes ??= []).push(values.length);
          values.push(undefined);
          continue;
        }
        if (this.eat(C_RBRACKET)) break;
        values.push(this.expr());
        if (this.eat(C_RBRACKET)) break;
        this.expect(C_COMMA);
      }
    if (!this.to) return this.onOp ? values : undefined;
    // the realm's CreateArrayFromList (CreateDataProperty: no setter runs); holes are deleted after
    const out = this.to.engine.realm.arrayFromList(values);
    if (holes) for (const i of holes) Reflect.deleteProperty(out, i);
    return out;
  }

  private object(): unknown {
    const o = this.to ? this.I!.newObject() : undefined;
    if (this.eat(C_RBRACE)) return o;
    do {
      const key = this.ident();
      this.expect(C_COLON);
      const value = this.expr();
      if (o) Object.defineProperty(o, key, { value, writable: true, enumerable: true, configurable: true });
    } while (this.eat(C_COMMA));
    this.expect(C_RBRACE);
    return o;
  }

  private string(): string {
    // JSON string syntax (capture writes strings with JSON.stringify). A short string (most: keys, names)
    // is read in one pass: the text between the quotes is the string unless it holds an escape (then
    // JSON.parse reads it); a raw control character is no JSON.
    const s = this.s;
    const start = this.pos;
    let escaped = false;
    const stop = start + SHORT_STRING;
    for (let i = start + 1; i < stop; ) {
      const c = s.charCodeAt(i);
      if (c === C_QUOTE) {
        this.pos = i + 1;
        return escaped ? this.json(start, i) : s.slice(start + 1, i);
      }
      if (c === 92) {
        escaped = true;
        i += 2;
        continue;
      }
      if (c < 32 || c !== c) throw NOT; // (NaN: the text ended)
      i++;
    }
    // a long one (a unit's source text): the closing quote is the first one after an even run of
    // backslashes (the scans run in V8's indexOf and regular expressions, not character by character here)
    let end = start;
    for (;;) {
      end = s.indexOf('"', end + 1);
      if (end < 0) throw NOT;
      let slashes = 0;
      while (s.charCodeAt(end - 1 - slashes) === 92) slashes++;
      if (slashes % 2 === 0) break;
    }
    this.pos = end + 1;
    const raw = s.slice(start, end + 1);
    if (raw.indexOf('\\') >= 0) return this.json(start, end);
    if (CONTROL.test(raw)) throw NOT;
    return raw.slice(1, -1);
  }

  /** The JSON string literal from `start` to the quote at `end`. */
  private json(start: number, end: number): string {
    try {
      return JSON.parse(this.s.slice(start, end + 1)) as string;
    } catch {
      throw NOT;
    }
  }

  private number(first: number): number | bigint {
    const s = this.s;
    // the common case, a short run of digits (an object id, a code index), is summed here: no substring
    if (first !== C_DOT) {
      let v = 0;
      let i = this.pos;
      for (let c = first; c >= C_0 && c <= C_9 && i - this.pos < 15; c = s.charCodeAt(++i)) v = v * 10 + (c - C_0);
      const c = s.charCodeAt(i);
      if (!((c >= C_0 && c <= C_9) || c === C_DOT || c === C_E || c === C_e || c === C_n)) {
        this.pos = i;
        return v;
      }
    }
    const m = NUMBER;
    m.lastIndex = this.pos;
    const r = m.exec(s);
    if (!r) throw NOT;
    this.pos = m.lastIndex;
    return r[1] ? BigInt(r[0].slice(0, -1)) : Number(r[0]);
  }
}

/**
 * Apply a snapshot's canonical text to `engine` through the restore operations `ops`, statement by
 * statement. Returns false when the text leaves the canonical form: the engine may then hold part of
 * the state, and the caller starts over in a fresh engine on the general path. `$o` is the object
 * table the text fills (a delta continues the table of the state it applies to).
 */
export function readCanonical(code: string, engine: Engine, ops: Record<string, unknown>, $o: unknown[] = []): boolean {
  const hostOps = new Set(Object.values(ops).filter((v) => typeof v === 'function'));
  return readAll(new Reader(code, { engine, ops, $o, scope: new Map<string, unknown>([['$', ops]]), hostOps }));
}

/** Read `reader` to the end of its text; false when the text leaves the canonical form. */
function readAll(reader: Reader): boolean {
  try {
    while (reader.next());
    return true;
  } catch (e) {
    if (e === NOT) return false;
    throw e;
  }
}

/** A `$.name(…)` call of a canonical text, with its arguments' values as far as reading alone gives them. */
export interface CanonicalOp {
  name: string;
  /** Literals are their values, array literals host arrays of them; anything else reads as undefined. */
  args: unknown[];
}

/**
 * The restore-operation calls of `code` (read only, nothing applied), or null when it leaves the
 * canonical form: a delta is checked against the agreed state before it touches an engine (delta-precheck.ts).
 */
export function canonicalOps(code: string): CanonicalOp[] | null {
  const ops: CanonicalOp[] = [];
  return readAll(new Reader(code, null, (name, args) => void ops.push({ name, args }))) ? ops : null;
}
