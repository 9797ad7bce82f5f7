// The fast path of a restore: the text capture writes uses a small subset of JavaScript (`var`
// declarations, `$o[N] = …` assignments, calls of `$` operations and of a few built-ins, literals,
// array and object literals). This reader parses exactly that subset and performs the same
// operations a guest run of the program would — every call of a guest function goes through the
// realm's Reflect, as the VM's own native calls do — without compiling and interpreting a
// program of hundreds of thousands of statements. Text outside the subset (a hand-edited
// snapshot) is left to the general path, which starts over in a fresh engine (the statements read
// before the reader met it may have been applied to this one).
import type { Engine } from '../interpreter/index';

type Node =
  | { t: 'lit'; v: unknown }
  | { t: 'id'; name: string }
  | { t: 'member'; obj: Node; name: string }
  | { t: 'index'; obj: Node; index: Node }
  | { t: 'call'; callee: Node; args: Node[] }
  | { t: 'new'; callee: Node; args: Node[] }
  | { t: 'array'; items: (Node | null)[] }
  | { t: 'object'; props: [string, Node][] }
  | { t: 'div'; a: Node; b: Node };

export type Stmt = { t: 'var'; decls: [string, Node][] } | { t: 'assign'; index: number; value: Node } | { t: 'expr'; e: Node };

class NotCanonical {}
const NOT = new NotCanonical();
/** (made once: a regular expression literal in a method is a new object at every call) */
const IDENT = /[A-Za-z_$][\w$]*/y;
const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?(n)?/y;
/** A character JSON forbids raw in a string. */
const CONTROL = /[\u0000-\u001f]/;

// character codes the parser looks for
const C_LPAREN = 40;
const C_RPAREN = 41;
const C_COMMA = 44;
const C_MINUS = 45;
const C_DOT = 46;
const C_SLASH = 47;
const C_COLON = 58;
const C_SEMI = 59;
const C_EQ = 61;
const C_LBRACKET = 91;
const C_RBRACKET = 93;
const C_LBRACE = 123;
const C_RBRACE = 125;
const C_QUOTE = 34;

class Parser {
  pos = 0;
  constructor(private readonly s: string) {}

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
    const m = IDENT;
    m.lastIndex = this.pos;
    const r = m.exec(this.s);
    if (!r) throw NOT;
    this.pos = m.lastIndex;
    return r[0];
  }

  /** The next statement, or null at the end of the text. */
  next(): Stmt | null {
    this.ws();
    if (this.pos >= this.s.length) return null;
    return this.statement();
  }

  private statement(): Stmt {
    const start = this.pos;
    if (this.s.startsWith('var ', this.pos)) {
      this.pos += 4;
      const decls: [string, Node][] = [];
      do {
        const name = this.ident();
        this.expect(C_EQ);
        decls.push([name, this.expr()]);
      } while (this.eat(C_COMMA));
      this.expect(C_SEMI);
      return { t: 'var', decls };
    }
    const e = this.expr();
    if (this.eat(C_EQ)) {
      // only `$o[N] = …`
      if (e.t !== 'index' || e.obj.t !== 'id' || e.obj.name !== '$o' || e.index.t !== 'lit' || typeof e.index.v !== 'number') throw NOT;
      const value = this.expr();
      this.expect(C_SEMI);
      return { t: 'assign', index: e.index.v, value };
    }
    this.expect(C_SEMI);
    if (this.pos === start) throw NOT;
    return { t: 'expr', e };
  }

  expr(): Node {
    let left = this.unary();
    if (this.peek() === C_SLASH) {
      this.pos++;
      left = { t: 'div', a: left, b: this.unary() };
    }
    return left;
  }

  private unary(): Node {
    if (this.eat(C_MINUS)) {
      const n = this.unary();
      if (n.t !== 'lit' || (typeof n.v !== 'number' && typeof n.v !== 'bigint')) throw NOT;
      return { t: 'lit', v: -(n.v as number) };
    }
    return this.postfix();
  }

  private postfix(): Node {
    let n = this.primary();
    for (;;) {
      const c = this.peek();
      if (c === C_DOT) {
        this.pos++;
        n = { t: 'member', obj: n, name: this.ident() };
      } else if (c === C_LBRACKET) {
        this.pos++;
        const index = this.expr();
        this.expect(C_RBRACKET);
        n = { t: 'index', obj: n, index };
      } else if (c === C_LPAREN) {
        this.pos++;
        n = { t: 'call', callee: n, args: this.list(C_RPAREN) };
      } else return n;
    }
  }

  private list(close: number): Node[] {
    const out: Node[] = [];
    if (this.eat(close)) return out;
    do out.push(this.expr());
    while (this.eat(C_COMMA));
    this.expect(close);
    return out;
  }

  private primary(): Node {
    const c = this.peek();
    if (c === C_QUOTE) return { t: 'lit', v: this.string() };
    if ((c >= 48 && c <= 57) || c === C_DOT) return this.number();
    if (c === C_LBRACKET) {
      this.pos++;
      const items: (Node | null)[] = [];
      if (this.eat(C_RBRACKET)) return { t: 'array', items };
      for (;;) {
        if (this.peek() === C_COMMA) {
          this.pos++;
          items.push(null); // a hole
          continue;
        }
        if (this.eat(C_RBRACKET)) break;
        items.push(this.expr());
        if (this.eat(C_RBRACKET)) break;
        this.expect(C_COMMA);
      }
      return { t: 'array', items };
    }
    if (c === C_LBRACE) {
      this.pos++;
      const props: [string, Node][] = [];
      if (!this.eat(C_RBRACE)) {
        do {
          const key = this.ident();
          this.expect(C_COLON);
          props.push([key, this.expr()]);
        } while (this.eat(C_COMMA));
        this.expect(C_RBRACE);
      }
      return { t: 'object', props };
    }
    if (c === C_LPAREN) {
      this.pos++;
      const e = this.expr();
      this.expect(C_RPAREN);
      return e;
    }
    const name = this.ident();
    switch (name) {
      case 'null':
        return { t: 'lit', v: null };
      case 'true':
        return { t: 'lit', v: true };
      case 'false':
        return { t: 'lit', v: false };
      case 'void': {
        const n = this.unary();
        if (n.t !== 'lit') throw NOT;
        return { t: 'lit', v: undefined };
      }
      case 'new': {
        const callee = this.newCallee();
        this.expect(C_LPAREN);
        return { t: 'new', callee, args: this.list(C_RPAREN) };
      }
      default:
        return { t: 'id', name };
    }
  }

  /** `new X(…)` / `new (X)(…)`: the callee without its argument list. */
  private newCallee(): Node {
    if (this.eat(C_LPAREN)) {
      const e = this.expr();
      this.expect(C_RPAREN);
      return e;
    }
    let n: Node = { t: 'id', name: this.ident() };
    while (this.peek() === C_DOT) {
      this.pos++;
      n = { t: 'member', obj: n, name: this.ident() };
    }
    return n;
  }

  private string(): string {
    // JSON string syntax (capture writes strings with JSON.stringify): the closing quote is the first one
    // after an even run of backslashes (the scan runs in V8's indexOf, not character by character here)
    const s = this.s;
    const start = this.pos;
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
    // no escape: the text between the quotes is the string (JSON forbids raw control characters)
    if (raw.indexOf('\\') < 0) {
      if (CONTROL.test(raw)) throw NOT;
      return raw.slice(1, -1);
    }
    try {
      return JSON.parse(raw) as string;
    } catch {
      throw NOT;
    }
  }

  private number(): Node {
    const m = NUMBER;
    m.lastIndex = this.pos;
    const r = m.exec(this.s);
    if (!r) throw NOT;
    this.pos = m.lastIndex;
    return { t: 'lit', v: r[1] ? BigInt(r[0].slice(0, -1)) : Number(r[0]) };
  }
}

/**
 * Apply a snapshot's canonical text to `engine` through the restore operations `ops`, statement by
 * statement. Returns false when the text leaves the canonical form: the engine may then hold part of
 * the state, and the caller starts over in a fresh engine on the general path. `$o` is the object
 * table the text fills (a delta continues the table of the state it applies to).
 */
export function readCanonical(code: string | Stmt[], engine: Engine, ops: Record<string, unknown>, $o: unknown[] = []): boolean {
  // (statements parseCanonical already read: a delta is parsed once, before it touches the engine)
  let i = 0;
  const parser = typeof code === 'string' ? new Parser(code) : { next: () => (i < code.length ? code[i++]! : null) };
  const realm = engine.realm;
  const R = realm.R;
  const I = realm.intrinsics;
  const scope = new Map<string, unknown>([['$', ops]]);
  const hostOps = new Set(Object.values(ops).filter((v) => typeof v === 'function'));
  const isGuestCallable = (f: unknown) => typeof f === 'function' && !hostOps.has(f);

  /**
   * An array literal is a guest array, as when the text runs as guest code: the restore operations
   * read their argument lists from guest arrays either way, and a nested literal may end up in a
   * guest position (a property, an argument of a guest function), where a host array must never be.
   */
  const guestArray = (items: (Node | null)[]): unknown[] => {
    // the realm's CreateArrayFromList (CreateDataProperty: no setter runs); holes are deleted after
    const values: unknown[] = [];
    let holes = false;
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      values.push(item ? evaluate(item) : (holes = true) && undefined);
    }
    const out = realm.arrayFromList(values);
    if (holes) for (let i = 0; i < items.length; i++) if (!items[i]) Reflect.deleteProperty(out, i);
    return out;
  };

  const evaluate = (n: Node): unknown => {
    switch (n.t) {
      case 'lit':
        return n.v;
      case 'id': {
        if (n.name === '$o') return $o;
        if (!scope.has(n.name)) throw new Error(`unknown name ${n.name}`);
        return scope.get(n.name);
      }
      case 'member': {
        const o = evaluate(n.obj);
        if (o === ops) {
          if (!Object.prototype.hasOwnProperty.call(ops, n.name)) throw new Error(`no restore operation ${n.name}`);
          return ops[n.name];
        }
        return R.get(o as object, n.name);
      }
      case 'index': {
        const o = evaluate(n.obj);
        const i = evaluate(n.index);
        if (o === $o) return $o[i as number];
        return R.get(o as object, i as PropertyKey);
      }
      case 'call': {
        const args = n.args.map(evaluate);
        if (n.callee.t === 'member') {
          const self = evaluate(n.callee.obj);
          if (self === ops) {
            const f = ops[n.callee.name];
            if (typeof f !== 'function') throw new Error(`no restore operation ${n.callee.name}`);
            return (f as (...a: unknown[]) => unknown)(...args);
          }
          const f = R.get(self as object, n.callee.name);
          return R.apply(f as Function, self, args);
        }
        const f = evaluate(n.callee);
        if (typeof f !== 'function') throw new Error('a call of something that is not a function');
        if (!isGuestCallable(f)) return (f as (...a: unknown[]) => unknown)(...args);
        return R.apply(f as Function, undefined, args);
      }
      case 'new': {
        const C = evaluate(n.callee);
        return R.construct(C as Function, n.args.map(evaluate));
      }
      case 'array':
        return guestArray(n.items);
      case 'object': {
        const o = I.newObject();
        for (const [k, v] of n.props) Object.defineProperty(o, k, { value: evaluate(v), writable: true, enumerable: true, configurable: true });
        return o;
      }
      case 'div':
        return (evaluate(n.a) as number) / (evaluate(n.b) as number);
    }
  };

  for (;;) {
    let st: Stmt | null;
    try {
      st = parser.next();
    } catch (e) {
      if (e === NOT) return false;
      throw e;
    }
    if (st === null) return true;
    if (st.t === 'var') for (const [name, e] of st.decls) scope.set(name, name === '$o' ? $o : evaluate(e));
    else if (st.t === 'assign') $o[st.index] = evaluate(st.value); // (an array literal is a guest array: guestArray)
    else evaluate(st.e);
  }
}

/**
 * `code`'s statements if it is entirely in the canonical form, else null (parsed only, nothing applied):
 * a delta is checked before it touches an engine, then applied from these (readCanonical).
 */
export function parseCanonical(code: string): Stmt[] | null {
  const parser = new Parser(code);
  const out: Stmt[] = [];
  try {
    for (let st = parser.next(); st !== null; st = parser.next()) out.push(st);
    return out;
  } catch (e) {
    if (e === NOT) return null;
    throw e;
  }
}
