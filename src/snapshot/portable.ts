// Portable output: the section of a snapshot that plain Node runs (`node SNAP`) to rebuild the same
// state with V8's own objects and continue the program — no snapvm needed.
//
// It is written from the same engine state the capture walks, as ordinary JavaScript:
//   - every guest object is made by the V8 operation that makes its kind (`Object.create`, `new Map`,
//     `new Date(t)`, `Proxy.revocable`, `bind`…), then its properties are defined in order with their
//     attributes, then prototypes, then integrity levels; built-ins are reached by their paths;
//   - closures are made by evaluating their own source text *inside* a generated scope factory per
//     engine `Env`: one invocation of the factory is one Env, its `var`s are the Env's bindings (set by
//     the factory's setter once every object exists), and factories nest as Envs nest, so free names
//     resolve to the shared bindings. A factory whose Env holds `%this` is a plain function invoked with
//     that `this` (arrows inside inherit it); one that holds `%home` is a method whose home object gets
//     the right prototype. TDZ bindings are declared after the factory's `return`, so they stay in TDZ;
//   - a class is its source text with static blocks and static fields stripped (their effects are in
//     the captured properties), method keys renamed to fixed ones (the methods are taken from there
//     and the captured properties written instead) and its heritage replaced by a placeholder (the
//     prototypes are set afterwards);
//   - promises are made pending with their resolving functions kept; pending reactions become `then`s
//     that settle the derived promise the way the reaction would; settled states, then the queued jobs
//     (in order, on V8's own microtask queue), then timers (remaining delay and period) follow. Timer ids
//     stay snapvm's: a small shim of setTimeout/setInterval/clearTimeout/clearInterval keeps them.
// Guest strings only ever appear as JSON literals; guest source text (a complete function or class,
// the engine's own `sourceText`) only inside parentheses; generated names carry a prefix that occurs in
// no source text embedded. What cannot be written this way throws NotPortable with the path from a root.
import { taName, viewBuffer, bufferLength, isResizable, isGrowable, maxByteLength, bufferBytes } from '../typed-arrays';
import * as acorn from 'acorn';
import { types } from 'node:util';
import { Script } from 'node:vm';
import type { Engine } from '../interpreter/index';
import {
  CodeFlag,
  type Env,
  HOLE,
  PrivateName,
  getPromiseRecord,
  getBuiltinClosureRecord,
  codeTree,
  descTable,
  matchAllOverText,
  type Closure,
  type Code,
  type ImportCell,
  type Job,
  type ModuleRecord,
  type PromiseRecord,
  type TrackedIterator,
} from '../interpreter/state';
import { type Capture, type PropertyWriter, CLOSURE_KEYS, lit, regexpParts, WELL_KNOWN, writeProperties } from './capture';
import { isObject } from './format';
import type { PortableHost } from './host';
import { importLocalsByEnv } from './typed';

/** The state cannot be written as plain JavaScript; the message names what and the path to it. */
export class NotPortable extends Error {}

/** Asks the writer to start again with another prefix (a source text contained the one chosen). */
class PrefixTaken extends Error {}

type Reaction = Extract<Job, { kind: 'promiseReaction' }>['reaction'];
type Desc = NonNullable<Env['desc']>;

const IDENT = /^[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*$/u;
const RESERVED = new Set(
  'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with'.split(
    ' ',
  ),
);

/** Node expressions for the hidden intrinsics a built-in path may start from (state.ts's builtinPaths). */
const HIDDEN: Record<string, [string, () => unknown]> = {
  '%GeneratorFunction.prototype%': ['Object.getPrototypeOf(function* () {})', () => Object.getPrototypeOf(function* () {})],
  // biome-ignore lint/complexity/useArrowFunction: the same function as the Node expression beside it
  '%AsyncFunction.prototype%': ['Object.getPrototypeOf(async function () {})', () => Object.getPrototypeOf(async function () {})],
  '%AsyncGeneratorFunction.prototype%': ['Object.getPrototypeOf(async function* () {})', () => Object.getPrototypeOf(async function* () {})],
  '%ThrowTypeError%': [
    '(function () { "use strict"; return Object.getOwnPropertyDescriptor(arguments, "callee").get; })()',
    function () {
      // biome-ignore lint/suspicious/noRedundantUseStrict: strict whatever the emit (the getter exists only on a strict function's arguments)
      'use strict';
      // biome-ignore lint/complexity/noArguments: the arguments object itself is the point
      return Object.getOwnPropertyDescriptor(arguments, 'callee')!.get;
    },
  ],
  '%ArrayIteratorPrototype%': ['Object.getPrototypeOf([][Symbol.iterator]())', () => Object.getPrototypeOf([][Symbol.iterator]())],
  '%AsyncIteratorPrototype%': ['Object.getPrototypeOf(Object.getPrototypeOf((async function* () {}).prototype))', () => Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}.prototype))],
  '%MapIteratorPrototype%': ['Object.getPrototypeOf(new Map().entries())', () => Object.getPrototypeOf(new Map().entries())],
  '%SetIteratorPrototype%': ['Object.getPrototypeOf(new Set().values())', () => Object.getPrototypeOf(new Set().values())],
  '%StringIteratorPrototype%': ['Object.getPrototypeOf(""[Symbol.iterator]())', () => Object.getPrototypeOf(''[Symbol.iterator]())],
  '%RegExpStringIteratorPrototype%': ['Object.getPrototypeOf(/a/[Symbol.matchAll](""))', () => Object.getPrototypeOf(/a/[Symbol.matchAll](''))],
  '%TypedArray%': ['Object.getPrototypeOf(Int8Array)', () => Object.getPrototypeOf(Int8Array)],
  '%arguments[Symbol.iterator]%': [
    '(function () { return arguments; })()[Symbol.iterator]',
    function () {
      // biome-ignore lint/complexity/noArguments: the arguments object itself is the point
      return (arguments as any)[Symbol.iterator];
    },
  ],
};

/** A guest object's own data property (an accessor gives undefined: no guest getter ever runs here). */
function dataValue(o: unknown, k: PropertyKey, part: 'value' | 'get' | 'set' = 'value'): unknown {
  if (!isObject(o)) return undefined;
  const d = Reflect.getOwnPropertyDescriptor(o, k);
  if (!d) return undefined;
  return part === 'value' ? ('value' in d ? d.value : undefined) : d[part];
}

/** A *host* object's own property as Node's helpers read it (a getter of Node's own runs, as for `globalThis.console`). */
function ownValue(o: unknown, k: PropertyKey, part: 'value' | 'get' | 'set'): unknown {
  if (!isObject(o)) return undefined;
  const d = Reflect.getOwnPropertyDescriptor(o, k);
  if (!d) return undefined;
  if (part !== 'value') return d[part];
  if ('value' in d) return d.value;
  try {
    return d.get ? Reflect.apply(d.get, o, []) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A built-in's path (`globalThis.Map.prototype.set`, `get globalThis.Map.prototype.size`,
 * `Object.getPrototypeOf(globalThis.Int8Array)`, `%TypedArray%.from`) as a Node expression over the
 * prelude's helpers, and its value in this (host) Node, which tells whether plain Node has it.
 */
function builtinPath(path: string, P: string): { expr: string; host: unknown } {
  let s = path;
  let part: 'value' | 'get' | 'set' = 'value';
  if (s.startsWith('get ') || s.startsWith('set ')) {
    part = s.slice(0, 3) as 'get' | 'set';
    s = s.slice(4);
  }
  let pos = 0;
  const bad = (): never => {
    throw new NotPortable(`the built-in ${path} (its path cannot be read)`);
  };
  const chain = (): { expr: string; host: unknown; key?: { expr: string; host: PropertyKey }; base?: { expr: string; host: unknown } } => {
    let cur: { expr: string; host: unknown };
    if (s.startsWith('globalThis', pos)) {
      pos += 'globalThis'.length;
      cur = { expr: `${P}global`, host: globalThis };
    } else if (s.startsWith('Object.getPrototypeOf(globalThis)', pos)) {
      // the engine's global object inherits from Object.prototype; Node's global has a chain of its own
      pos += 'Object.getPrototypeOf(globalThis)'.length;
      cur = { expr: `${P}own(${P}own(${P}global, "Object"), "prototype")`, host: Object.prototype };
    } else if (s.startsWith('Object.getPrototypeOf(', pos)) {
      pos += 'Object.getPrototypeOf('.length;
      const inner = chain();
      if (s[pos] !== ')') bad();
      pos++;
      cur = { expr: `${P}proto(${inner.expr})`, host: isObject(inner.host) ? Object.getPrototypeOf(inner.host) : undefined };
    } else if (s[pos] === '%') {
      const end = s.indexOf('%', pos + 1);
      const hidden = end > 0 ? HIDDEN[s.slice(pos, end + 1)] : undefined;
      if (!hidden) throw new NotPortable(`the engine intrinsic ${path}, which plain Node does not name`);
      pos = end + 1;
      cur = { expr: hidden[0], host: hidden[1]() };
    } else return bad();
    let last: { expr: string; host: unknown; key?: { expr: string; host: PropertyKey }; base?: { expr: string; host: unknown } } = cur;
    for (;;) {
      let key: { expr: string; host: PropertyKey } | null = null;
      const m = /^\.([A-Za-z_$][\w$]*)/.exec(s.slice(pos));
      if (m) {
        pos += m[0].length;
        key = { expr: lit(m[1]), host: m[1]! };
      } else if (s.startsWith('[Symbol.', pos)) {
        const end = s.indexOf(']', pos);
        const name = s.slice(pos + 8, end);
        const sym = (Symbol as any)[name];
        if (typeof sym !== 'symbol') throw new NotPortable(`the built-in ${path} (keyed by a symbol plain Node lacks)`);
        pos = end + 1;
        key = { expr: `${P}S[${lit(name)}]`, host: sym };
      } else if (s.startsWith('["', pos)) {
        const m2 = /^\[("(?:[^"\\]|\\.)*")\]/.exec(s.slice(pos));
        if (!m2) bad();
        pos += m2![0].length;
        const k = JSON.parse(m2![1]!) as string;
        key = { expr: lit(k), host: k };
      }
      if (!key) return last;
      last = { expr: `${P}own(${last.expr}, ${key.expr})`, host: ownValue(last.host, key.host, 'value'), key, base: last };
    }
  };
  const r = chain();
  if (pos !== s.length) bad();
  if (part === 'value') return r;
  if (!r.key || !r.base) return bad();
  return { expr: `${P}own(${r.base.expr}, ${r.key.expr}, ${lit(part)})`, host: ownValue(r.base.host, r.key.host, part) };
}

/** A scope factory: one per (parent factory, scope layout, TDZ pattern); each invocation is one Env. */
interface Factory {
  id: number;
  kind: 'arrow' | 'function' | 'method';
  vars: string[];
  tdz: string[];
  /** Case i + 1 of the dispatcher: a maker's source, or a child factory. */
  cases: (string | Factory)[];
  makers: Map<string, number>;
  children: Map<string, Factory>;
  /** This factory's case in its parent's dispatcher (0 at the top). */
  caseNo: number;
  /** A class scope with private names: the factory evaluates the class, its dispatcher inside the class body. */
  priv?: PrivateScope;
  /** A module scope importing bindings: the factory holds an object whose getters read them live (`imp`). */
  imports?: boolean;
  /** Bindings other factories read live (imported from this module scope): a reader case each. */
  readers?: Set<string>;
}

/** The variable a module scope's binding becomes (a default export's hidden binding is named for it). */
function bindingVar(name: string, P: string): string {
  return name === '*default*' ? `${P}default` : name;
}

/** A class's source as the portable section evaluates it (PortableWriter.classText). */
interface ClassText {
  text: string;
  methods: { key: string; isStatic: boolean; kind: string; text: string }[];
  derived: boolean;
  /** The constructor's parameters became a rest parameter: `length` is written. */
  restLength: boolean;
}

/** A class scope (an engine Env) holding private names, and the class text its factory evaluates. */
interface PrivateScope {
  ct: ClassText;
  /** The class text with constWrites applied, split where the dispatcher goes. */
  head: string;
  tail: string;
  /** The private names the scope holds: fields get a setter case, methods a getter case. */
  fields: string[];
  methods: string[];
}

const METHOD_KINDS = new Set(['method', 'getter', 'setter']);

/** Parse a function's or class's source text as one expression; what does not parse is refused. */
function parseSource(text: string, what: string): any {
  try {
    // (a closure of a class body names the class's private names: Node's own class declares them)
    return acorn.parseExpressionAt(text, 0, { ecmaVersion: 'latest', checkPrivateFields: false } as acorn.Options);
  } catch (e) {
    throw new NotPortable(`${what} whose source text does not parse as an expression (${(e as Error).message})`);
  }
}

export class PortableWriter {
  private readonly O: string;
  private readonly raws: string[] = [];
  private readonly creates: string[] = [];
  private readonly fills: string[] = [];
  private readonly finals: string[] = [];
  private readonly settles: string[] = [];
  private readonly tail: string[] = [];
  private readonly builtins: string[] = [];
  private readonly builtinNames: string[] = [];
  private readonly ids = new Map<unknown, number>();
  private readonly paths = new Map<unknown, string>();
  private readonly creating = new Set<unknown>();
  private readonly fillQueue: object[] = [];
  /** Setting an Env's bindings, once every object can be made. */
  private readonly envQueue: (() => void)[] = [];
  private readonly envIds = new Map<Env, number>();
  private readonly envFactory = new Map<Env, Factory>();
  private readonly topFactories = new Map<string, Factory>();
  private readonly descIds = new Map<Desc, number>();
  private nextFactory = 0;
  private nextEnv = 0;
  private nextHome = 0;
  private readonly sharedIds = new Map<object, number>();
  /** The engine-side object standing for the prototype Node gives each object when it is made. */
  private readonly protoGiven = new Map<object, unknown>();
  private readonly byPath: ReadonlyMap<string, object>;
  private readonly vm;
  private readonly realm;
  private static readonly NEVER = {};

  constructor(
    private readonly cap: Capture,
    private readonly engine: Engine,
    private readonly P: string,
    /** An embedder whose platform runs the section (the DOM room's browser form), or none: plain Node. */
    private readonly host?: PortableHost,
  ) {
    this.O = `${P}o`;
    this.vm = engine.vm;
    this.realm = engine.realm;
    this.byPath = engine.builtinsByPath;
  }

  private fail(what: string, v: unknown): never {
    const path = this.paths.get(v) ?? '(engine state)';
    throw new NotPortable(`${what}, reached at ${path}`);
  }

  /** Guest text embedded as is (source text, binding names): the prefix must not occur in it. */
  private raw(text: string): string {
    if (text.includes(this.P)) throw new PrefixTaken();
    this.raws.push(text);
    return text;
  }

  private stdProto(name: string): unknown {
    const C = this.byPath.get(`globalThis.${name}`);
    return C ? dataValue(C, 'prototype') : undefined;
  }

  // ---- values ----

  value(v: unknown, path: string): string {
    if (typeof v === 'symbol') return this.symbol(v, path);
    if (!isObject(v)) return lit(v);
    const id = this.ids.get(v);
    if (id !== undefined) return `${this.O}[${id}]`;
    if (!this.paths.has(v)) this.paths.set(v, path);
    return `${this.O}[${this.create(v)}]`;
  }

  private symbol(s: symbol, path: string): string {
    const wk = WELL_KNOWN.get(s);
    if (wk) return `${this.P}S.${wk}`;
    const key = Symbol.keyFor(s);
    if (key !== undefined) return `${this.P}S.for(${lit(key)})`;
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(s, id);
      this.paths.set(s, path);
      this.creates.push(`${this.O}[${id}] = ${this.P}S(${s.description === undefined ? '' : lit(s.description)});`);
      this.weakEntries(s, `${this.O}[${id}]`, path);
    }
    return `${this.O}[${id}]`;
  }

  /**
   * A V8 iterator the engine noted (interpreter/iterators.ts): made over its source by Node's own
   * built-in, and stepped to its position once the collections are filled (a string's at once).
   */
  private iteratorCreation(o: object, path: string): { expr: string; given: unknown } | null {
    const at = this.vm.iterators.position(o);
    if (!at) return null;
    const { rec, pos } = at;
    if (rec.kind === 'regexp') return this.regexpIterator(o, rec, path);
    const source = rec.source;
    if (!rec.done && rec.kind === 'array' && pos > 0 && isObject(source) && !ArrayBuffer.isView(source)) {
      // stepping it again must run no guest code and stop where it stood
      if (types.isProxy(source)) this.fail('an array iterator over a Proxy', o);
      const len = Reflect.getOwnPropertyDescriptor(source, 'length');
      if (!len || !('value' in len) || !(len.value >= pos)) this.fail("an array iterator past its source's length", o);
      for (let i = 0; i < pos; i++) {
        const d = Reflect.getOwnPropertyDescriptor(source, i);
        if (d && !('value' in d)) this.fail('an array iterator over accessor elements', o);
      }
    }
    const src = this.value(source, `${path}.<iterated>`);
    const args = `${lit(rec.kind)}, ${lit(rec.mode)}, ${src}, ${rec.done}`;
    if (rec.kind === 'string') return { expr: `${this.P}iter(${args}, ${pos})`, given: this.vm.iterators.protoOf(rec.kind) };
    if (pos > 0) this.finals.push(`${this.P}step(${lit(rec.kind)}, ${this.O}[${this.ids.size}], ${pos});`);
    return { expr: `${this.P}iter(${args}, 0)`, given: this.vm.iterators.protoOf(rec.kind) };
  }

  /**
   * A RegExp string iterator (matchAll): V8 has no constructor for one, so Node's own
   * `RegExp.prototype[Symbol.matchAll]` makes it over a stand-in whose species constructor hands it
   * the iterator's regexp (the same object, standing where its lastIndex says) with the flags that
   * matter; a finished one is made over a regexp that never matches, stepped once.
   */
  private regexpIterator(o: object, rec: TrackedIterator, path: string): { expr: string; given: unknown } {
    const given = this.vm.iterators.protoOf('regexp');
    if (rec.done) return { expr: `${this.P}matchAllDone()`, given };
    const m = rec.source;
    if (!types.isRegExp(m) || this.vm.proxies.get(m as object)) this.fail('a RegExp string iterator over something that is not a regexp', o);
    const last = Reflect.getOwnPropertyDescriptor(m as object, 'lastIndex');
    if (!last || !('value' in last) || !last.writable) this.fail("a RegExp string iterator whose regexp's lastIndex cannot be set", o);
    const at = typeof last!.value === 'number' ? last!.value : 0;
    return { expr: `${this.P}matchAll(${this.value(m, `${path}.<regexp>`)}, ${lit(rec.flags ?? '')}, ${lit(at)}, ${lit(rec.string ?? '')})`, given };
  }

  /** Give `o` an id made by `expr` now (objects a class evaluation makes, and the class itself). */
  private adopt(o: object, expr: string, given: unknown): number {
    const id = this.ids.size;
    this.ids.set(o, id);
    this.creates.push(`${this.O}[${id}] = ${expr};`);
    this.protoGiven.set(o, given);
    this.fillQueue.push(o);
    return id;
  }

  private create(o: object): number {
    if (this.creating.has(o)) this.fail('a cycle among values needed to create each other', o);
    this.creating.add(o);
    const r = this.creation(o);
    this.creating.delete(o);
    let id = this.ids.get(o);
    if (id === undefined) {
      if (r === null) this.fail('an object its class did not make', o);
      id = this.adopt(o, r.expr, r.given);
      if (typeof o === 'function') this.adoptPrototype(o, id);
    }
    return id;
  }

  /** A plain function's `prototype` object (whose `constructor` is the function) is the one Node makes with it. */
  private adoptPrototype(f: Function, id: number): void {
    const rec = this.vm.closures.get(f);
    if (!rec || rec.code.kind !== 'normal') return;
    const p = dataValue(f, 'prototype');
    if (typeof p !== 'object' || p === null || this.ids.has(p) || this.creating.has(p)) return;
    if (this.vm.proxies.get(p) || this.vm.privates.get(p) || this.engine.builtins.has(p) || Array.isArray(p) || dataValue(p, 'constructor') !== f) return;
    if (!this.paths.has(p)) this.paths.set(p, `${this.paths.get(f) ?? '?'}.prototype`);
    this.adopt(p, `${this.O}[${id}].prototype`, this.realm.intrinsics.ObjectPrototype);
    this.madeProto.set(f, p);
    this.madeProto.set(p, f);
  }

  /** A function and the prototype object Node made with it, both ways. */
  private readonly madeProto = new Map<object, object>();

  /** Module namespace objects and their modules. */
  private readonly nsModules = new Map<object, ModuleRecord>();

  // ---- private class members ----
  /** Class scopes with private names, and the class found for each (its text comes from its code). */
  private readonly privateScopes = new Map<Env, PrivateScope>();
  private readonly envClass = new Map<Env, Function>();
  /** Each private name a written class scope holds: the scope and its `#name`. */
  private readonly pnIndex = new Map<PrivateName, { env: Env; name: string }>();
  /** Objects holding private elements, with the names not yet written (a name no written scope holds stays unwritten: no code can name it). */
  private readonly privPending: { o: object; left: Set<PrivateName>; stamped: Set<Env> }[] = [];
  /** Stamping private elements onto objects: after every object is made, before any property is written. */
  private readonly stamps: string[] = [];
  private readonly forceLength = new Set<object>();

  /** The `name` Node gives a function made from this code (null: not known, written always). */
  private nodeName(rec: Closure): string | null {
    const code = rec.code;
    if (METHOD_KINDS.has(code.kind)) return null; // made under a placeholder key
    if (code.kind === 'arrow' || code.kind === 'asyncArrow') return '';
    const m = code.flags & 8 ? /^class\b\s*([A-Za-z_$][\w$]*)?\s*(?:extends\b|\{)/.exec(code.sourceText) : /^(?:async\s+)?function\b\s*\*?\s*([A-Za-z_$][\w$]*)?\s*\(/.exec(code.sourceText);
    return m ? (m[1] ?? '') : null;
  }

  /** How Node makes `o` (its dependencies made first), and the prototype that gives it; null when adopted. */
  private creation(o: object): { expr: string; given: unknown } | null {
    const vm = this.vm;
    const cap = this.cap;
    const I = this.realm.intrinsics;
    const path = this.paths.get(o) ?? '?';
    const builtin = this.engine.builtins.get(o);
    if (builtin !== undefined) return { expr: this.builtinRef(builtin, o), given: undefined };
    const hosted = this.host ? this.hostCreation(o) : null;
    if (hosted) return hosted;
    const nsModule = this.nsModules.get(o);
    if (nsModule) return this.namespaceCreation(o, nsModule, path);
    const proxy = vm.proxies.get(o);
    if (proxy) {
      if (proxy.revoked) return { expr: `${this.P}revoked(${typeof o === 'function'})`, given: undefined };
      const target = this.value(proxy.target, `${path}.<target>`);
      const handler = this.value(proxy.handler, `${path}.<handler>`);
      return { expr: proxy.revocable ? `${this.P}revocable(${target}, ${handler})` : `new ${this.P}Proxy(${target}, ${handler})`, given: undefined };
    }
    if (typeof o === 'function') {
      const rec = vm.closures.get(o);
      if (rec) return this.closure(o, rec, path);
      const bound = vm.boundFunctions.get(o);
      if (bound) {
        const args = [bound.target, bound.boundThis, ...bound.boundArgs].map((v, i) => this.value(v, `${path}.<bound ${i}>`));
        // (bind gives the target's prototype: not asked of a proxy, whose trap is guest code)
        return { expr: `${this.P}call(${this.P}bind, ${args.join(', ')})`, given: types.isProxy(bound.target) ? PortableWriter.NEVER : Object.getPrototypeOf(bound.target) };
      }
      const revoker = vm.revokers.get(o);
      if (revoker) return { expr: `${this.P}rv.get(${this.value(revoker.proxy, `${path}.<proxy>`)})`, given: I.FunctionPrototype };
      const pc = getBuiltinClosureRecord(o);
      if (pc) return { expr: this.promiseFunction(pc, path), given: I.FunctionPrototype };
      this.fail(this.engine.modules.steps.get(o) ? 'a module evaluation step' : 'a function the engine keeps host state for', o);
    }
    const promise = getPromiseRecord(o);
    if (promise) return { expr: `${this.P}np()`, given: this.stdProto('Promise') };
    const gen = vm.generators.get(o);
    if (gen) {
      if (gen.state !== 'completed' || gen.async) this.fail('a generator that has not finished', o);
      return { expr: `${this.P}doneGen()`, given: NaN };
    }
    const std = (C: string, expr: string) => ({ expr, given: this.stdProto(C) });
    if (types.isWeakMap(o)) return std('WeakMap', `new ${this.P}WeakMap()`);
    if (types.isWeakSet(o)) return std('WeakSet', `new ${this.P}WeakSet()`);
    if (cap.isWeakRef(o)) {
      const target = WeakRef.prototype.deref.call(o as WeakRef<object>);
      return std('WeakRef', `new ${this.P}WeakRef(${target === undefined ? '{}' : this.value(target, `${path}.<target>`)})`);
    }
    const iterator = this.iteratorCreation(o, path);
    if (iterator) return iterator;
    if (types.isMapIterator(o) || types.isSetIterator(o) || types.isGeneratorObject(o)) this.fail('an iterator whose position V8 hides', o);
    if (types.isArrayBuffer(o)) {
      const b = o as ArrayBuffer;
      if (cap.isDetached(b)) {
        this.finals.push(`${this.P}detach(${this.O}[${this.ids.size}]);`);
        return std('ArrayBuffer', `${this.P}buf("")`);
      }
      if (isResizable(b)) {
        this.finals.push(`${this.P}call(${this.P}resize, ${this.O}[${this.ids.size}], ${bufferLength(b)});`);
        const bytes = Buffer.alloc(maxByteLength(b));
        bufferBytes(b).copy(bytes);
        return std('ArrayBuffer', `${this.P}buf(${lit(bytes.toString('base64'))}, ${maxByteLength(b)})`);
      }
      return std('ArrayBuffer', `${this.P}buf(${lit(bufferBytes(b).toString('base64'))})`);
    }
    if (types.isSharedArrayBuffer(o)) {
      const b = o as SharedArrayBuffer;
      return std('SharedArrayBuffer', `${this.P}sab(${lit(bufferBytes(b).toString('base64'))}${isGrowable(b) ? `, ${maxByteLength(b)}` : ''})`);
    }
    if (types.isTypedArray(o) || types.isDataView(o)) {
      const view = o as DataView;
      const C = types.isDataView(o) ? 'DataView' : (taName.call(o) as string);
      const buffer = viewBuffer(view);
      const buf = this.value(buffer, `${path}.buffer`);
      if (cap.isDetached(buffer)) return std(C, `new ${this.P}global.${C}(${buf}, 0, 0)`);
      const g = cap.viewGeometry(o as ArrayBufferView);
      return std(C, `new ${this.P}global.${C}(${buf}, ${g.offset}${g.tracking ? '' : `, ${g.length}`})`);
    }
    if (types.isDate(o)) return std('Date', `new ${this.P}Date(${lit(Date.prototype.getTime.call(o))})`);
    if (types.isRegExp(o)) {
      const { source, flags } = regexpParts(o);
      return std('RegExp', `new ${this.P}RegExp(${lit(source)}, ${lit(flags)})`);
    }
    if (types.isBoxedPrimitive(o)) {
      const [C, prim] = types.isNumberObject(o)
        ? ['Number', Number.prototype.valueOf.call(o)]
        : types.isStringObject(o)
          ? ['String', String.prototype.valueOf.call(o)]
          : types.isBooleanObject(o)
            ? ['Boolean', Boolean.prototype.valueOf.call(o)]
            : types.isBigIntObject(o)
              ? ['BigInt', BigInt.prototype.valueOf.call(o)]
              : ['Symbol', Symbol.prototype.valueOf.call(o)];
      return std(C as string, `${this.P}Object(${this.value(prim, path)})`);
    }
    if (types.isNativeError(o)) return std('Error', `${this.P}err()`);
    if (this.realm.isRawJSON?.(o)) this.fail('a raw JSON object (JSON.rawJSON; plain Node 20 has none)', o);
    if (types.isArgumentsObject(o)) return { expr: `${this.P}args()`, given: I.ObjectPrototype };
    if (types.isMap(o)) return std('Map', `new ${this.P}Map()`);
    if (types.isSet(o)) return std('Set', `new ${this.P}Set()`);
    if (types.isProxy(o) || types.isExternal(o)) this.fail('an object with state V8 hides', o);
    if (Array.isArray(o)) return { expr: '[]', given: I.ArrayPrototype };
    for (const [kind, { stamp }] of vm.stampedKinds) if (stamp.get(o) !== undefined) this.fail(`an engine ${kind} object`, o);
    if (Object.getPrototypeOf(o) === Object.prototype || Object.getPrototypeOf(o) === Array.prototype) this.fail('a host object (a value from outside the guest realm)', o);
    const hidden = cap.hiddenIntrinsicKind(o);
    if (hidden) this.fail(hidden, o);
    // a class's prototype object is made by its class
    const K = this.classOf(o);
    if (K) {
      this.value(K, `${path}.constructor`);
      if (this.ids.has(o)) return null;
    }
    const proto = Object.getPrototypeOf(o);
    if (proto !== null && !this.creating.has(proto)) return { expr: `${this.P}cr(${this.value(proto, `${path}.<prototype>`)})`, given: proto };
    return { expr: `${this.P}cr(null)`, given: null };
  }

  private builtinRef(path: string, o: unknown): string {
    const { expr, host } = builtinPath(path, this.P);
    if (host === undefined) this.fail(`the built-in ${path}, which plain Node lacks`, o);
    this.builtins.push(expr);
    this.builtinNames.push(path);
    return `${this.P}B[${this.builtins.length - 1}]`;
  }

  /** The class whose `prototype` is `o` (read from `o.constructor`, a data property: no guest code runs). */
  private classOf(o: object): Function | null {
    if (this.vm.proxies.get(o)) return null;
    const K = dataValue(o, 'constructor');
    if (typeof K !== 'function') return null;
    const rec = this.vm.closures.get(K);
    if (!rec || !(rec.code.flags & 8) /* ClassConstructor */) return null;
    return dataValue(K, 'prototype') === o ? K : null;
  }

  private promiseFunction(pc: NonNullable<ReturnType<typeof getBuiltinClosureRecord>>, path: string): string {
    const P = this.P;
    switch (pc.kind) {
      case 'resolve':
      case 'reject':
        // resolving functions that already resolved their promise do nothing any more
        if (pc.alreadyResolved.value && getPromiseRecord(pc.promise)?.state === 'pending') return `${P}spent()`;
        return `${P}rs.get(${this.value(pc.promise, `${path}.<promise>`)})[${pc.kind === 'resolve' ? 0 : 1}]`;
      case 'thenFinally':
      case 'catchFinally':
        return `${P}fin(${this.value(pc.onFinally, `${path}.<onFinally>`)}, ${pc.kind === 'thenFinally'})`;
      case 'valueThunk':
        return `${P}thunk(${this.value(pc.value, `${path}.<value>`)})`;
      case 'thrower':
        return `${P}thrower(${this.value(pc.reason, `${path}.<reason>`)})`;
      case 'allResolveElement':
      case 'allSettledElement':
      case 'anyRejectElement': {
        // Promise.all / allSettled / any in flight: the elements share their list, count and flags
        const list = pc.kind === 'anyRejectElement' ? pc.errors : pc.values;
        const cap = pc.capability;
        const settle = pc.kind === 'anyRejectElement' ? cap.reject : cap.resolve;
        const settleExpr =
          typeof settle === 'function' ? this.value(settle, `${path}.<capability>`) : `${P}rs.get(${this.value(cap.promise, `${path}.<promise>`)})[${pc.kind === 'anyRejectElement' ? 1 : 0}]`;
        const kind = pc.kind === 'allResolveElement' ? 0 : pc.kind === 'allSettledElement' ? (pc.status === 'fulfilled' ? 1 : 2) : 3;
        return `${P}elem(${kind}, ${this.shared(
          list,
          () => `[]`,
          (ref) => this.fills.push(`${P}push(${ref}, [${list.map((v, i) => this.value(v, `${path}.<list ${i}>`)).join(', ')}]);`),
        )}, ${this.shared(pc.remainingElements, () => `{ v: ${pc.remainingElements.value} }`)}, ${this.shared(pc.alreadyCalled, () => `{ v: ${pc.alreadyCalled.value} }`)}, ${pc.index}, ${settleExpr})`;
      }
      default:
        return this.fail('a pending promise capability executor', pc);
    }
  }

  /** Host records several engine functions share (a combinator's list, count, flags): one Node object each. */
  private shared(rec: object, make: () => string, fill?: (ref: string) => void): string {
    let id = this.sharedIds.get(rec);
    if (id === undefined) {
      id = this.sharedIds.size;
      this.sharedIds.set(rec, id);
      this.creates.push(`${this.P}sh[${id}] = ${make()};`);
      if (fill) fill(`${this.P}sh[${id}]`);
    }
    return `${this.P}sh[${id}]`;
  }

  // ---- closures and their scopes ----

  /** The prototype Node gives a function made from this code (the engine's intrinsic for it). */
  private closureProto(rec: Closure): unknown {
    const vm = this.vm;
    const flags = rec.code.flags;
    if (flags & 16 /* Derived */) return PortableWriter.NEVER;
    if (flags & 32) return flags & 64 ? vm.asyncGeneratorFunctionPrototype : vm.generatorFunctionPrototype;
    return flags & 64 ? vm.asyncFunctionPrototype : this.realm.intrinsics.FunctionPrototype;
  }

  private closure(o: Function, rec: Closure, path: string): { expr: string; given: unknown } | null {
    const code = rec.code;
    if (rec.module && /\bimport\s*(?:\.\s*meta\b|\()/.test(code.sourceText)) this.fail('a function of an ES module that uses import.meta or import()', o);
    if (!['normal', 'arrow', 'method', 'getter', 'setter', 'classConstructor', 'derivedConstructor', 'generator', 'async', 'asyncArrow', 'asyncGenerator'].includes(code.kind)) {
      this.fail(`an engine function of kind ${code.kind}`, o);
    }
    // a method of a class is made by its class
    if (METHOD_KINDS.has(code.kind) && isObject(rec.home)) {
      const homeRec = typeof rec.home === 'function' ? this.vm.closures.get(rec.home) : undefined;
      const K = homeRec && homeRec.code.flags & 8 ? rec.home : this.classOf(rec.home);
      if (K && !this.ids.has(K)) {
        this.value(K, `${path}.<class>`);
        if (this.ids.has(o)) return null;
      }
    }
    if (code.flags & 8) return this.classCreation(o, rec, path);
    if (METHOD_KINDS.has(code.kind) && /^(?:(?:get|set|async)\s+|\*\s*)*#/.test(code.sourceText)) return this.privateMethod(o, rec, path);
    const P = this.P;
    const isMethod = METHOD_KINDS.has(code.kind);
    let src: string;
    if (isMethod) {
      const text = `({${code.sourceText}\n})`;
      const obj = parseSource(text, 'a method');
      const prop = obj.properties?.[0];
      if (!prop || prop.type !== 'Property' || prop.value.type !== 'FunctionExpression') this.fail('a method whose source text is not a method', o);
      const fn = prop.value;
      const head = (prop.kind === 'get' ? 'get ' : prop.kind === 'set' ? 'set ' : '') + (fn.async ? 'async ' : '') + (fn.generator ? '*' : '');
      src = `({ ${head}${lit(`${P}m`)}${this.raw(text.slice(fn.start, fn.end))} })`;
    } else src = `(${this.raw(code.sourceText)}\n)`;
    src = this.constWrites(src, rec.env, o);
    const maker = code.strict ? `() => { "use strict"; return ${src}; }` : `() => ${src}`;
    let made = rec.env ? `${this.envRef(rec.env, path)}(${this.makerCase(this.envFactory.get(rec.env)!, maker)})()` : `(${maker})()`;
    if (isMethod) {
      const part = code.kind === 'getter' ? 'get' : code.kind === 'setter' ? 'set' : 'value';
      const hid = this.nextHome++;
      made = `${P}method(${hid}, ${made}, ${lit(part)})`;
      // (the home object matters only to `super`)
      if (isObject(rec.home) && /\bsuper\b/.test(code.sourceText)) this.finals.push(`${P}setp(${P}h[${hid}], ${this.value(Object.getPrototypeOf(rec.home), `${path}.<home>.<prototype>`)});`);
    }
    return { expr: made, given: this.closureProto(rec) };
  }

  /**
   * `text` (an expression: a closure's or class's source as the portable section evaluates it) with
   * every assignment to a `const` binding it sees (in its scope chain, or a global one) made to throw
   * Node's TypeError, as the binding would: the scope factories declare every binding with `var`.
   */
  private constWrites(text: string, env: Env | null, o: object): string {
    const consts = new Set<string>();
    /** A named function expression's own name: immutable, an assignment throws in strict code only. */
    const fnames = new Set<string>();
    /** Imported bindings: read live through the module scope's `imp` object. */
    const imported = new Set<string>();
    const seen = new Set<string>();
    for (let e = env; e; e = e.parent) {
      e.desc?.names.forEach((name, i) => {
        if (seen.has(name)) return;
        seen.add(name);
        const kind = e!.desc!.kinds[i];
        if ((kind === 3 || kind === 4) && !name.startsWith('#')) consts.add(name); // (const and import bindings, compiler.ts)
        if (kind === 4) fnames.add(name);
        const cell = this.importCell(e!, i);
        if (cell && !cell.namespace) imported.add(name);
      });
    }
    const P = this.P;
    const ref = (name: string) => (imported.has(name) ? `${P}imp.${name}` : name);
    const rec = typeof o === 'function' ? this.vm.closures.get(o) : undefined;
    const strictAt = (n: any, outer: boolean): boolean =>
      outer || n.type === 'ClassExpression' || n.type === 'ClassDeclaration' || (isFunction(n) && n.body.type === 'BlockStatement' && n.body.body.some((st: any) => st.directive === 'use strict'));
    for (const [name, b] of this.vm.globalLex) if (b.isConst && !seen.has(name)) consts.add(name);
    if (consts.size === 0) return text;
    const edits: [number, number, string][] = [];
    const names = (pattern: any, out: Set<string>): void => {
      if (!pattern) return;
      if (pattern.type === 'Identifier') out.add(pattern.name);
      else if (pattern.type === 'ObjectPattern') for (const p of pattern.properties) names(p.type === 'RestElement' ? p.argument : p.value, out);
      else if (pattern.type === 'ArrayPattern') for (const p of pattern.elements) names(p, out);
      else if (pattern.type === 'RestElement') names(pattern.argument, out);
      else if (pattern.type === 'AssignmentPattern') names(pattern.left, out);
    };
    const isFunction = (n: any) => n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression';
    /** The names a function's `var`s and hoisted functions declare (nested functions left out). */
    const varNames = (n: any, out: Set<string>, top: boolean): void => {
      if (!n || typeof n.type !== 'string') return;
      if (!top && isFunction(n)) {
        if (n.type === 'FunctionDeclaration' && n.id) out.add(n.id.name);
        return;
      }
      if (n.type === 'VariableDeclaration' && n.kind === 'var') for (const d of n.declarations) names(d.id, out);
      for (const k of Object.keys(n)) {
        const v = n[k];
        if (Array.isArray(v)) v.forEach((c) => varNames(c, out, false));
        else if (v && typeof v === 'object' && typeof v.type === 'string') varNames(v, out, false);
      }
    };
    /** The names a block's own statements declare lexically. */
    const lexicalNames = (body: any[], out: Set<string>): void => {
      for (const st of body) {
        if (st.type === 'VariableDeclaration' && st.kind !== 'var') for (const d of st.declarations) names(d.id, out);
        else if ((st.type === 'ClassDeclaration' || st.type === 'FunctionDeclaration') && st.id) out.add(st.id.name);
      }
    };
    // the names declared between a node and the closure's scope: the const is shadowed there
    const walk = (n: any, shadowed: ReadonlySet<string>, outerStrict: boolean): void => {
      if (!n || typeof n.type !== 'string') return;
      const strict = strictAt(n, outerStrict);
      let inner = shadowed;
      const extend = (add: (s: Set<string>) => void) => {
        const s2 = new Set(inner);
        add(s2);
        inner = s2;
      };
      if (isFunction(n)) {
        extend((s2) => {
          if (n.type === 'FunctionExpression' && n.id) s2.add(n.id.name);
          for (const p of n.params) names(p, s2);
          if (n.type !== 'ArrowFunctionExpression') s2.add('arguments');
          varNames(n.body, s2, true);
          if (n.body.type === 'BlockStatement') lexicalNames(n.body.body, s2);
        });
      } else if (n.type === 'ClassExpression' && n.id) extend((s2) => s2.add(n.id.name));
      else if (n.type === 'BlockStatement' || n.type === 'StaticBlock') extend((s2) => lexicalNames(n.body, s2));
      else if (n.type === 'SwitchStatement') extend((s2) => n.cases.forEach((c: any) => lexicalNames(c.consequent, s2)));
      else if ((n.type === 'ForStatement' || n.type === 'ForInStatement' || n.type === 'ForOfStatement') && (n.init ?? n.left)?.type === 'VariableDeclaration') {
        const d = n.init ?? n.left;
        if (d.kind !== 'var') extend((s2) => d.declarations.forEach((x: any) => names(x.id, s2)));
      } else if (n.type === 'CatchClause') extend((s2) => names(n.param, s2));
      const isConst = (name: string) => consts.has(name) && !inner.has(name);
      const isImport = (name: string) => imported.has(name) && !inner.has(name);
      // an imported binding read: a getter of `imp` (called as a plain function where it is called)
      if (n.type === 'Identifier') {
        if (isImport(n.name)) edits.push([n.start, n.end, ref(n.name)]);
        return;
      }
      const skip = new Set<string>();
      if ((n.type === 'CallExpression' && n.callee.type === 'Identifier') || (n.type === 'TaggedTemplateExpression' && n.tag.type === 'Identifier')) {
        const callee = n.type === 'CallExpression' ? n.callee : n.tag;
        if (isImport(callee.name)) {
          edits.push([callee.start, callee.end, `(0, ${ref(callee.name)})`]);
          skip.add(n.type === 'CallExpression' ? 'callee' : 'tag');
        }
      } else if (n.type === 'Property' && n.shorthand && n.value.type === 'Identifier' && isImport(n.value.name)) {
        edits.push([n.start, n.end, `${n.key.name}: ${ref(n.value.name)}`]);
        return;
      } else if (n.type === 'MemberExpression' && !n.computed) skip.add('property');
      else if ((n.type === 'Property' || n.type === 'MethodDefinition' || n.type === 'PropertyDefinition') && !n.computed) skip.add('key');
      else if (n.type === 'LabeledStatement' || n.type === 'BreakStatement' || n.type === 'ContinueStatement') skip.add('label');
      else if (n.type === 'MetaProperty') return;
      const ignored = (name: string) => fnames.has(name) && !strict; // (sloppy code: the assignment does nothing)
      if (n.type === 'AssignmentExpression' || n.type === 'ForOfStatement' || n.type === 'ForInStatement') {
        const left = n.left;
        if (left.type === 'Identifier' && n.type === 'AssignmentExpression') {
          if (isConst(left.name)) {
            // (only inserted text around the right side, whose own edits stay inside it)
            const name = ref(left.name);
            const op = n.operator as string;
            const logical = op === '||=' || op === '&&=' || op === '??=';
            const ca = ignored(left.name) ? '' : `, ${P}ca()`;
            const [head, tail] = op === '=' ? ['((', `)${ca})`] : logical ? [`(${name} ${op.slice(0, -1)} ((`, `)${ca}))`] : [`((${name} ${op.slice(0, -1)} (`, `))${ca})`];
            edits.push([n.start, n.right.start, head], [n.end, n.end, tail]);
            skip.add('left');
          }
        } else if (left.type !== 'VariableDeclaration') {
          const targets = new Set<string>();
          names(left, targets);
          if ([...targets].some(isConst)) this.fail('a closure that assigns a const binding by destructuring or in a for-in/of head', o);
        }
      } else if (n.type === 'UpdateExpression' && n.argument.type === 'Identifier' && isConst(n.argument.name)) {
        const name = ref(n.argument.name);
        edits.push([n.start, n.end, ignored(n.argument.name) ? (n.prefix ? `(+${name} ${n.operator[0]} 1)` : `(+${name})`) : `(+${name}, ${P}ca())`]);
        return;
      }
      for (const k of Object.keys(n)) {
        if (k === 'type' || k === 'start' || k === 'end' || skip.has(k)) continue;
        const v = n[k];
        if (Array.isArray(v)) v.forEach((c) => walk(c, inner, strict));
        else if (v && typeof v === 'object' && typeof v.type === 'string') walk(v, inner, strict);
      }
    };
    // (most closures never name a const they see)
    if (![...consts, ...imported].some((c) => new RegExp(`(^|[^\\w$])${c.replace(/\$/g, '\\$')}($|[^\\w$])`).test(text))) return text;
    let ast: any;
    try {
      ast = acorn.parseExpressionAt(text, 0, { ecmaVersion: 'latest', allowSuperOutsideMethod: true, allowAwaitOutsideFunction: true, checkPrivateFields: false } as acorn.Options);
    } catch (e) {
      this.fail(`a closure whose source text does not parse alone (${(e as Error).message})`, o);
    }
    walk(ast, new Set(), !!rec?.code.strict);
    if (edits.length === 0) return text;

    // from the end; at one offset, an enclosing assignment's closing text goes after an inner one's
    edits.sort((a, b) => b[0] - a[0]);
    let out = text;
    for (const [start, end, repl] of edits) out = out.slice(0, start) + repl + out.slice(end);
    return out;
  }

  /**
   * A class's source as the portable section evaluates it: static blocks and public static fields
   * stripped, method keys renamed (`methods`), computed field keys replaced by their values, the
   * heritage replaced by the placeholder `H`. A class with private members (`priv`) is also made
   * derived (a base class from `H`, which stays its [[Prototype]]: `H` then constructs as a base
   * class does) and gets a hidden constructor path: while `T` holds an object, `new K()` runs no
   * constructor body and no field initialiser, and `H` returns `T`, so K's instance elements (its
   * private fields, methods and accessors: their brand) are stamped onto that object; static
   * private fields are declared without initialiser (their values are set afterwards), and a
   * placeholder method marks where the factory puts its dispatcher (a static block).
   */
  private classText(code: Code, rec: Closure | null, K: object, path: string, priv: boolean): ClassText {
    const P = this.P;
    const info = rec?.classInfo;
    const text = `(${code.sourceText}\n)`;
    const ast = parseSource(text, 'a class');
    if (ast.type !== 'ClassExpression') this.fail('a class whose source text is not a class', K);
    const edits: [number, number, string][] = [];
    const derived = !!ast.superClass && !(ast.superClass.type === 'Literal' && ast.superClass.value === null);
    if (priv && ast.superClass && !derived) this.fail('a class with private members that extends null', K);
    if (derived) edits.push([ast.superClass.start, ast.superClass.end, `${P}H`]);
    else if (priv) edits.push([ast.body.start, ast.body.start, `extends ${P}H `]);
    const methods: ClassText['methods'] = [];
    let field = 0;
    let restLength = false;
    const keyRange = (el: any): [number, number] => (el.computed ? [text.lastIndexOf('[', el.key.start), text.indexOf(']', el.key.end) + 1] : [el.key.start, el.key.end]);
    const guard = (el: any) => edits.push([el.value.start, el.value.end, `${P}T !== null ? void 0 : (${text.slice(el.value.start, el.value.end)})`]);
    for (const el of ast.body.body) {
      const isPrivate = el.key?.type === 'PrivateIdentifier';
      if (isPrivate && !priv) this.fail('a class with private members', K);
      if (el.type === 'StaticBlock' || (el.type === 'PropertyDefinition' && el.static)) {
        edits.push([el.start, el.end, isPrivate ? `static #${el.key.name};` : ';']);
        continue;
      }
      if (el.type === 'PropertyDefinition') {
        const f = info?.fields[field++];
        if (el.computed) {
          if (!f) this.fail('a class whose fields the engine did not record', K);
          const [s, e] = keyRange(el);
          edits.push([s, e, `[${this.value(f!.key, `${path}.<field key>`)}]`]);
        }
        if (priv && el.value) guard(el);
        continue;
      }
      if (el.kind === 'constructor') {
        if (!priv) continue;
        const fn = el.value;
        if (fn.params.every((p: any) => p.type === 'Identifier')) {
          edits.push([fn.body.start + 1, fn.body.start + 1, derived ? ` if (${P}T !== null) return super();` : ` super(); if (${P}T !== null) return;`]);
        } else {
          // (a parameter pattern or default would run with no arguments: the body becomes an arrow, which
          // sees the same this, arguments, new.target and super, called once the hidden path is passed)
          restLength = true;
          const params = text.slice(fn.params[0].start, fn.params[fn.params.length - 1].end);
          const body = text.slice(fn.body.start, fn.body.end);
          edits.push([fn.start, fn.end, `(...${P}a) { ${derived ? `if (${P}T !== null) return super();` : `super(); if (${P}T !== null) return;`} return ((${params}) => ${body})(...${P}a); }`]);
        }
        continue;
      }
      if (isPrivate) continue;
      const key = `${P}k${methods.length}`;
      const [s, e] = keyRange(el);
      edits.push([s, e, lit(key)]);
      methods.push({ key, isStatic: el.static, kind: el.kind, text: text.slice(el.start, el.end).replace(/^static\s*/, '') });
    }
    if (priv) {
      if (!derived && !ast.body.body.some((el: any) => el.kind === 'constructor')) edits.push([ast.body.start + 1, ast.body.start + 1, ' constructor() { super(); }']);
      edits.push([ast.body.end - 1, ast.body.end - 1, ` static ${P}SB() {} `]);
    }
    let out = text;
    for (const [s, e, r] of edits.sort((a, b) => b[0] - a[0])) out = out.slice(0, s) + r + out.slice(e);
    this.raw(text);
    return { text: out, methods, derived, restLength };
  }

  /** A class: its source with static parts stripped, evaluated in its scope; its prototype and methods adopted. */
  private classCreation(K: Function, rec: Closure, path: string): null {
    const P = this.P;
    const priv = rec.env ? this.isPrivateScope(rec.env) : false;
    let ct: ClassText;
    let made: string;
    if (priv) {
      // the class is made by its scope's factory (private-scope factories below)
      this.envClass.set(rec.env!, K);
      const ref = this.envRef(rec.env!, path);
      if (this.ids.has(K)) return null;
      ct = this.privateScopes.get(rec.env!)!.ct;
      made = `${ref}(-1)`;
      if (ct.restLength) this.forceLength.add(K);
    } else {
      ct = this.classText(rec.code, rec, K, path, false);
      const out = this.constWrites(ct.text, rec.env, K);
      const maker = `() => ${out}`;
      made = rec.env ? `${this.envRef(rec.env, path)}(${this.makerCase(this.envFactory.get(rec.env)!, maker)})()` : `(${maker})()`;
      if (this.ids.has(K)) return null;
    }
    const { methods, derived } = ct;
    const kid = this.adopt(K, made, this.closureProto(rec));
    this.sourceText(kid, rec.code.sourceText);
    const proto = dataValue(K, 'prototype');
    let pid = -1;
    if (isObject(proto)) {
      if (this.ids.has(proto)) this.fail('a class prototype reached before its class', proto);
      this.paths.set(proto, `${this.paths.get(K) ?? path}.prototype`);
      pid = this.adopt(proto, `${this.O}[${kid}].prototype`, derived || priv ? PortableWriter.NEVER : this.realm.intrinsics.ObjectPrototype);
    }
    const used = new Set<unknown>();
    for (const m of methods) {
      const homeId = m.isStatic ? kid : pid;
      const home = m.isStatic ? K : proto;
      if (homeId < 0) continue;
      const kind = m.kind === 'get' ? 'getter' : m.kind === 'set' ? 'setter' : 'method';
      const part = m.kind === 'get' ? 'get' : m.kind === 'set' ? 'set' : 'value';
      for (const k of Reflect.ownKeys(home as object)) {
        const fn = dataValue(home, k, part);
        const r = typeof fn === 'function' ? this.vm.closures.get(fn) : undefined;
        if (!r || used.has(fn) || this.ids.has(fn) || r.home !== home || r.code.kind !== kind || r.code.sourceText !== m.text) continue;
        used.add(fn);
        this.paths.set(fn, `${this.paths.get(home) ?? path}.${String(k)}`);
        this.sourceText(this.adopt(fn as Function, `${P}own(${this.O}[${homeId}], ${lit(m.key)}, ${lit(part)})`, this.closureProto(r)), m.text);
        break;
      }
      this.creates.push(`${P}del(${this.O}[${homeId}], ${lit(m.key)});`);
    }
    return null;
  }

  /**
   * A function whose text Node has rewritten (a class, its methods) keeps its own source text for
   * `Function.prototype.toString`, which becomes a proxy of Node's own answering from a table first.
   */
  private sourceText(id: number, text: string): void {
    if (!this.sourceTable) {
      this.sourceTable = true;
      this.finals.unshift(`${this.P}srcInstall();`);
    }
    this.finals.push(`${this.P}src.set(${this.O}[${id}], ${lit(text)});`);
  }

  private sourceTable = false;

  /** A function reading an imported binding live: a reader case of the exporting module scope's factory. */
  private reader(cell: ImportCell, path: string): string {
    if (!cell.env) return `${this.P}thunk(${this.value(cell.namespace, `${path}.<namespace>`)})`;
    const ref = this.envRef(cell.env, path);
    const f = this.envFactory.get(cell.env)!;
    const name = bindingVar(cell.env.desc!.names[cell.slot]!, this.P);
    (f.readers ??= new Set()).add(name);
    return `${ref}(-5)(${lit(name)})`;
  }

  /**
   * A module namespace: a proxy over a target of the same shape (sorted names, writable and
   * non-configurable, `Symbol.toStringTag` 'Module', not extensible, null prototype) whose traps read
   * each export live through a reader, as the engine's own namespace does. (It is a Proxy to Node's
   * reflection — util.types.isProxy — and not a module namespace object to util.types.)
   */
  private namespaceCreation(o: object, m: ModuleRecord, path: string): { expr: string; given: unknown } {
    const names = Reflect.ownKeys(o).filter((k): k is string => typeof k === 'string');
    const id = this.ids.size;
    this.envQueue.push(() => {
      const readers = names.map((name) => {
        const cell = this.engine.modules.resolveExport(m, name);
        if (!cell || cell === 'ambiguous') this.fail(`a module namespace whose export ${name} does not resolve`, o);
        return this.reader(cell, `${path}.${name}`);
      });
      this.fills.push(`${this.P}nsFill(${this.O}[${id}], [${names.map((n, i) => `${lit(n)}, ${readers[i]}`).join(', ')}]);`);
    });
    return { expr: `${this.P}ns([${names.map(lit).join(', ')}])`, given: null };
  }

  private isPrivateScope(e: Env): boolean {
    return e.desc?.kind === 'class' && e.desc.names.some((n) => n.startsWith('#'));
  }

  /** The code of the class whose scope has this layout (the first class made after the layout in the code pushing it). */
  private classCodeOf(e: Env): Code {
    const desc = e.desc!;
    const root = desc.file?.root;
    const codes = root ? codeTree(root) : [];
    // one table per unit for the writer (made again when a layout is missing: a body compiled since)
    let table = root && this.descTables.get(root);
    if (root && !table?.has(desc)) this.descTables.set(root, (table = descTable(codes)));
    const at = table?.get(desc);
    const consts = at ? codes[at[0]]!.consts : [];
    for (let j = at ? at[1] + 1 : consts.length; j < consts.length; j++) {
      const c = consts[j] as Code;
      if (c && c.ops instanceof Int32Array && c.flags & CodeFlag.ClassConstructor) return c;
    }
    return this.fail('a class scope whose class cannot be found', e);
  }
  private readonly descTables = new Map<Code, ReturnType<typeof descTable>>();

  /** The import cell in slot i of `e`, or null: the slots of a module environment's import locals hold one once linked (modules.ts). */
  private importCell(e: Env, i: number): ImportCell | null {
    const v = e.vars[i];
    if (v === HOLE || !isObject(v)) return null;
    return (this.importLocals ??= importLocalsByEnv(this.engine)).get(e)?.has(e.desc!.names[i]!) ? (v as ImportCell) : null;
  }
  private importLocals: ReadonlyMap<Env, ReadonlySet<string>> | null = null;

  /** The class text a private scope's factory evaluates, and the private names it sets and reads. */
  private privateScope(e: Env, path: string): PrivateScope {
    const K = this.envClass.get(e);
    const rec = K ? this.vm.closures.get(K)! : null;
    const ct = this.classText(rec ? rec.code : this.classCodeOf(e), rec, K ?? e, path, true);
    const text = this.constWrites(ct.text, e, K ?? e);
    const mark = ` static ${this.P}SB() {} `;
    const at = text.indexOf(mark);
    if (at < 0) this.fail('a class whose text could not be prepared', K ?? e);
    const fields: string[] = [];
    const methods: string[] = [];
    e.desc!.names.forEach((name, i) => {
      const pn = e.vars[i];
      if (!name.startsWith('#') || !(pn instanceof PrivateName)) return;
      if (!IDENT.test(name.slice(1))) this.fail(`a private name ${JSON.stringify(name)}`, e);
      if (pn.kind === 'field') fields.push(this.raw(name));
      else if (pn.kind === 'method') methods.push(this.raw(name));
    });
    const ps = { ct, head: text.slice(0, at), tail: text.slice(at + mark.length), fields, methods };
    this.privateScopes.set(e, ps);
    return ps;
  }

  /**
   * Private elements of the objects written so far whose names a written class scope holds: the
   * object is stamped by that class's hidden constructor path (`P.stamp`; a class's own static
   * elements come with its evaluation) and its private fields set through the class's dispatcher.
   * Returns whether anything was written (new objects may then need writing).
   */
  private privateStates(): boolean {
    const P = this.P;
    let progress = false;
    for (const entry of this.privPending) {
      const privates = this.vm.privates.get(entry.o)!;
      const ref = `${this.O}[${this.ids.get(entry.o)}]`;
      const path = this.paths.get(entry.o) ?? ref;
      for (const pn of entry.left) {
        const at = this.pnIndex.get(pn);
        if (!at) continue;
        entry.left.delete(pn);
        progress = true;
        const scope = this.envRef(at.env, path);
        if (!entry.stamped.has(at.env)) {
          entry.stamped.add(at.env);
          const r = typeof entry.o === 'function' ? this.vm.closures.get(entry.o) : undefined;
          if (!(r && r.env === at.env && r.code.flags & 8)) {
            if (types.isProxy(entry.o)) this.fail('a proxy holding private fields', entry.o);
            this.stamps.push(`${P}stamp(${scope}(-1), ${ref});`);
          }
        }
        if (pn.kind === 'field') this.fills.push(`${scope}(-3)(${ref}, ${lit(at.name)}, ${this.value(privates.get(pn), `${path}.${at.name}`)});`);
      }
    }
    return progress;
  }

  /** A private method as a value: read from the class (static) or from an object stamped for it. */
  private privateMethod(o: Function, rec: Closure, path: string): { expr: string; given: unknown } {
    const e = rec.env;
    const slot = e && this.isPrivateScope(e) ? e.desc!.names.findIndex((n, i) => n.startsWith('#') && (e.vars[i] as PrivateName | undefined)?.value === o) : -1;
    if (slot < 0) this.fail('a private accessor function (Node never hands one out)', o);
    const scope = this.envRef(e!, path);
    const pn = e!.vars[slot] as PrivateName;
    const K = this.envClass.get(e!);
    const isStatic = !!K && !!this.vm.privates.get(K)?.has(pn);
    const holder = isStatic ? this.value(K, `${path}.<class>`) : `${this.P}stamp(${scope}(-1), {})`;
    return { expr: `${scope}(-4)(${holder}, ${lit(e!.desc!.names[slot])})`, given: this.closureProto(rec) };
  }

  private makerCase(f: Factory, maker: string): number {
    let n = f.makers.get(maker);
    if (n === undefined) {
      f.cases.push(maker);
      n = f.cases.length;
      f.makers.set(maker, n);
    }
    return n;
  }

  /** The expression for an Env instance, made (with its parents) on first use. */
  private envRef(e: Env, path: string): string {
    let id = this.envIds.get(e);
    if (id !== undefined) return `${this.P}e[${id}]`;
    if (this.creating.has(e)) this.fail('a scope needed to create its own `this`', e);
    this.creating.add(e);
    if (e.object) this.fail('a `with` scope', e);
    if (e.extra) this.fail('a scope extended by a sloppy direct eval', e);
    const desc = e.desc!;
    const priv = this.isPrivateScope(e);
    const parentRef = e.parent ? this.envRef(e.parent, path) : null;
    const parentF = e.parent ? this.envFactory.get(e.parent)! : null;
    const vars: string[] = [];
    const slots: number[] = [];
    const tdz: string[] = [];
    let thisSlot = -1;
    let homeSlot = -1;
    const imports: [string, ImportCell][] = [];
    desc.names.forEach((name, i) => {
      let v = e.vars[i];
      const cell = this.importCell(e, i);
      if (cell && !cell.namespace) {
        // (an imported binding: read live through the importing factory's `imp` object)
        if (!IDENT.test(name) || RESERVED.has(name)) this.fail(`an import named ${JSON.stringify(name)}`, e);
        imports.push([this.raw(name), cell]);
        return;
      }
      if (cell) v = cell.namespace;
      if (desc.kind === 'module' && name === '*default*') {
        // (a default export's hidden binding, named by the writer)
        (v === HOLE ? tdz : vars).push(bindingVar(name, this.P));
        if (v !== HOLE) slots.push(i);
        return;
      }
      if (name === '%this') thisSlot = i;
      else if (name === '%home') homeSlot = i;
      else if (name === '%new.target') {
        if (v !== undefined && v !== HOLE) this.fail('an arrow function that reads new.target', e);
      } else if (name === '%fn') this.fail('an arrow function that calls super()', e);
      else if (priv) {
        // (a private scope's bindings are the class's own: its name and its private names)
        if (name.startsWith('#') && v instanceof PrivateName) this.pnIndex.set(v, { env: e, name });
      } else if (name.startsWith('#')) this.fail('a class with private members', e);
      else if (!IDENT.test(name) || RESERVED.has(name)) this.fail(`a binding named ${JSON.stringify(name)}`, e);
      else if (v === HOLE) tdz.push(this.raw(name));
      else {
        vars.push(this.raw(name));
        slots.push(i);
      }
    });
    const slotValue = (i: number) => {
      const cell = this.importCell(e, i);
      return cell ? cell.namespace : e.vars[i];
    };
    const kind = homeSlot >= 0 ? 'method' : thisSlot >= 0 || vars.includes('arguments') ? 'function' : 'arrow';
    let descId = this.descIds.get(desc);
    if (descId === undefined) this.descIds.set(desc, (descId = this.descIds.size));
    // (a private scope's factory evaluates its class: one per scope, whose computed keys are its own)
    const key = priv ? `priv|${this.nextFactory}` : `${descId}|${kind}|${tdz.join(',')}`;
    const siblings = parentF ? parentF.children : this.topFactories;
    let f = siblings.get(key);
    if (!f) {
      f = { id: this.nextFactory++, kind, vars, tdz, cases: [], makers: new Map(), children: new Map(), caseNo: 0 };
      if (priv) f.priv = this.privateScope(e, path);
      if (imports.length) f.imports = true;
      if (parentF) {
        parentF.cases.push(f);
        f.caseNo = parentF.cases.length;
      }
      siblings.set(key, f);
    }
    const getter = parentRef ? `${parentRef}(${f.caseNo})` : kind === 'method' ? `${this.P}F${f.id}()` : `${this.P}F${f.id}`;
    const thisExpr = thisSlot >= 0 && e.vars[thisSlot] !== HOLE ? this.value(e.vars[thisSlot], `${path}.<this>`) : 'void 0';
    id = this.nextEnv++;
    let stmt: string;
    if (kind === 'arrow') stmt = `${this.P}e[${id}] = ${getter}();`;
    else if (kind === 'function') stmt = `${this.P}e[${id}] = ${this.P}call(${getter}, ${thisExpr});`;
    else {
      stmt = `${this.P}eh[${id}] = ${getter}; ${this.P}e[${id}] = ${this.P}call(${this.P}eh[${id}].${this.P}m, ${thisExpr});`;
      const home = e.vars[homeSlot];
      if (isObject(home)) this.finals.push(`${this.P}setp(${this.P}eh[${id}], ${this.value(Object.getPrototypeOf(home), `${path}.<home>.<prototype>`)});`);
    }
    this.creates.push(stmt);
    this.envIds.set(e, id);
    this.envFactory.set(e, f);
    this.creating.delete(e);
    // the bindings are set once every object exists
    if (vars.length) this.envQueue.push(() => this.fills.push(`${this.P}e[${id}](0, [${slots.map((i) => this.value(slotValue(i), `${path}.${desc.names[i]}`)).join(', ')}]);`));
    if (imports.length) {
      const envId = id;
      this.envQueue.push(() => {
        for (const [name, cell] of imports) this.fills.push(`${this.P}dp(${this.P}e[${envId}](-6), ${lit(name)}, { get: ${this.reader(cell, path)}, enumerable: true });`);
      });
    }
    return `${this.P}e[${id}]`;
  }

  private renderFactory(f: Factory, top: boolean): string {
    const P = this.P;
    const cases = [`case 0: ${f.vars.map((n, i) => `${n} = ${P}v[${i}];`).join(' ')} return;`];
    f.cases.forEach((c, i) => cases.push(`case ${i + 1}: return ${typeof c === 'string' ? c : this.renderFactory(c, false)};`));
    if (f.priv) {
      // the dispatcher is made by a static block of the class, so everything it makes sees the private names
      const { head, tail, fields, methods } = f.priv;
      cases.push(`case -1: return ${P}c;`);
      if (fields.length) cases.push(`case -3: return function (${P}x, ${P}n, ${P}y) { switch (${P}n) { ${fields.map((n) => `case ${lit(n)}: ${P}x.${n} = ${P}y; return;`).join(' ')} } };`);
      if (methods.length) cases.push(`case -4: return function (${P}x, ${P}n) { switch (${P}n) { ${methods.map((n) => `case ${lit(n)}: return ${P}x.${n};`).join(' ')} } };`);
      return `() => {\nvar ${P}d;\n${head}static { const ${P}c = this; ${P}d = (${P}k, ${P}v) => { switch (${P}k) {\n${cases.join('\n')}\n} }; }${tail};\nreturn ${P}d;\n}`;
    }
    if (f.imports) cases.push(`case -6: return ${P}imp;`);
    if (f.readers?.size) cases.push(`case -5: return function (${P}n) { switch (${P}n) { ${[...f.readers].map((n) => `case ${lit(n)}: return function () { return ${n}; };`).join(' ')} } };`);
    const body = `{\n${f.vars.length ? `var ${f.vars.join(', ')};\n` : ''}${f.imports ? `var ${P}imp = ${P}cr(null);\n` : ''}return (${P}k, ${P}v) => { switch (${P}k) {\n${cases.join('\n')}\n} };${f.tdz.length ? `\nlet ${f.tdz.join(', ')};` : ''}\n}`;
    if (f.kind === 'arrow') return `() => ${body}`;
    if (f.kind === 'function') return `function () ${body}`;
    return top ? `() => ({ ${P}m() ${body} })` : `({ ${P}m() ${body} })`;
  }

  // ---- what each object holds ----

  private weakEntries(key: unknown, ref: string, path: string): void {
    const m = typeof key === 'symbol' ? this.vm.weakSymbolEntries.get(key) : this.vm.weakEntries.get(key as object);
    if (!m) return;
    for (const [coll, v] of m) {
      const c = this.value(coll, `${path}.<weak collection>`);
      this.fills.push(types.isWeakMap(coll) ? `${this.P}call(${this.P}wmSet, ${c}, ${ref}, ${this.value(v, `${path}.<weak value>`)});` : `${this.P}call(${this.P}wsAdd, ${c}, ${ref});`);
    }
  }

  private fill(o: object): void {
    const id = this.ids.get(o)!;
    const ref = `${this.O}[${id}]`;
    const path = this.paths.get(o) ?? ref;
    this.weakEntries(o, ref, path);
    const privates = this.vm.privates.get(o);
    if (privates?.size) this.privPending.push({ o, left: new Set(privates.keys()), stamped: new Set() });
    if (this.engine.builtins.has(o) || this.vm.proxies.get(o) || this.nsModules.has(o)) return;
    const hostProps = this.hostProps.get(o);
    if (hostProps) return this.fillHost(o, ref, path, hostProps);
    const promise = getPromiseRecord(o);
    if (promise) this.fillPromise(promise, ref, path);
    if (types.isMap(o)) {
      const entries: string[] = [];
      for (const [k, v] of Map.prototype.entries.call(o) as IterableIterator<[unknown, unknown]>) entries.push(this.value(k, `${path}.<key>`), this.value(v, `${path}.<value>`));
      if (entries.length) this.fills.push(`${this.P}entries(${ref}, ${this.P}mapSet, [${entries.join(', ')}], 2);`);
    } else if (types.isSet(o)) {
      const entries: string[] = [];
      for (const k of Set.prototype.values.call(o) as IterableIterator<unknown>) entries.push(this.value(k, `${path}.<entry>`));
      if (entries.length) this.fills.push(`${this.P}entries(${ref}, ${this.P}setAdd, [${entries.join(', ')}], 1);`);
    }
    const proto = Object.getPrototypeOf(o);
    if (!this.protoGiven.has(o) || this.protoGiven.get(o) !== proto) this.fills.push(`${this.P}setp(${ref}, ${this.value(proto, `${path}.<prototype>`)});`);
    this.fillProperties(o, ref, path, null);
    this.fillIntegrity(o, ref);
  }

  private fillPromise(rec: PromiseRecord, ref: string, path: string): void {
    const P = this.P;
    if (rec.state === 'pending') {
      const f = rec.fulfillReactions ?? [];
      const r = rec.rejectReactions ?? [];
      for (let i = 0; i < f.length; i++) {
        const d = this.derived(f[i]!, `${path}.<reaction ${i}>`);
        this.fills.push(`${P}react(${ref}, ${this.handler(f[i]!, path)}, ${this.handler(r[i]!, path)}, ${d});`);
      }
    } else {
      this.settles.push(`${P}rs.get(${ref})[${rec.state === 'fulfilled' ? 0 : 1}](${this.value(rec.result, `${path}.<result>`)});`);
      if (rec.state === 'rejected' && rec.isHandled) this.settles.push(`${P}call(${P}then, ${ref}, void 0, ${P}noop);`);
    }
  }

  /** The promise a reaction settles (made by `then`): a promise of the intrinsic constructor only. */
  private derived(r: Reaction, path: string): string {
    if (!r.capability) this.fail('a pending await', r);
    if (r.capability.resolve !== undefined || !getPromiseRecord(r.capability.promise)) this.fail('a reaction of a promise subclass', r);
    return this.value(r.capability.promise, path);
  }

  private handler(r: Reaction, path: string): string {
    const h = r.handler;
    if (h === undefined) return 'void 0';
    if (typeof h !== 'function') this.fail('a pending await', r);
    return this.value(h, `${path}.<handler>`);
  }

  private fillProperties(o: object, refOf: string | (() => string), path: string, pristine: object | null): void {
    const indexed = types.isTypedArray(o) || types.isStringObject(o);
    const rec = typeof o === 'function' ? this.vm.closures.get(o) : undefined;
    writeProperties(
      this.cap,
      // a typed array's elements live in its buffer; a String object's characters come with it; a
      // function made from source has its `length`, and its `name` and `prototype` where Node gives the same
      this.writer(rec ? CLOSURE_KEYS : undefined, (k, d) => {
        if (indexed) return typeof k === 'string' && (k === 'length' || String(Number(k) >>> 0) === k);
        if (!('value' in d)) return false;
        const made = this.madeProto.get(o);
        if (rec) {
          if (k === 'length' && this.forceLength.has(o)) return false;
          if (k === 'length' || k === 'name') return !d.writable && !d.enumerable && !!d.configurable && d.value === (k === 'length' ? rec.code.length : this.nodeName(rec));
          return k === 'prototype' && made !== undefined && d.value === made && !!d.writable && !d.enumerable && !d.configurable;
        }
        return k === 'constructor' && made !== undefined && d.value === made && !!d.writable && !d.enumerable && !!d.configurable;
      }),
      o,
      refOf,
      path,
      pristine,
    );
  }

  private fillIntegrity(o: object, refOf: string | (() => string)): void {
    if (Object.isExtensible(o)) return;
    const ref = typeof refOf === 'string' ? refOf : refOf();
    this.finals.push(`${this.P}${Object.isFrozen(o) ? 'freeze' : Object.isSealed(o) ? 'seal' : 'pe'}(${ref});`);
  }

  /** What the program changed in a built-in (the global object included), against its fresh twin. */
  private diffBuiltin(o: object, path: string): void {
    const twin = this.cap.pristineByPath.get(path);
    if (!twin) return;
    // an engine-only built-in (`snapvm`, the test262 host): Node has none to change; a use of it fails where it is used
    try {
      if (builtinPath(path, this.P).host === undefined) return;
    } catch (e) {
      if (e instanceof NotPortable) return;
      throw e;
    }
    const ref = () => this.value(o, path);
    if (!this.cap.corresponds(Object.getPrototypeOf(o), Object.getPrototypeOf(twin))) this.fills.push(`${this.P}setp(${ref()}, ${this.value(Object.getPrototypeOf(o), `${path}.<prototype>`)});`);
    this.fillProperties(o, ref, path, twin);
    if (Object.isExtensible(twin)) this.fillIntegrity(o, ref);
  }

  // ---- an embedder's objects (a page's browser form: host.ts's PortableHost) ----

  /** Own properties to write for each object the embedder claimed (its expandos). */
  private readonly hostProps = new Map<object, PropertyKey[]>();

  private hostCreation(o: object): { expr: string; given: unknown } | null {
    const c = this.host!.claim(o, this.P);
    if (c === null) return null;
    if (typeof c === 'string') this.fail(c, o);
    this.hostProps.set(o, c.props);
    return { expr: c.expr, given: Object.getPrototypeOf(o) };
  }

  private fillHost(o: object, ref: string, path: string, props: PropertyKey[]): void {
    writeProperties(
      this.cap,
      this.writer(undefined, () => false),
      o,
      ref,
      path,
      null,
      props,
    );
  }

  /** How this section spells property writes (capture.ts's writeProperties), with what `skip` leaves out. */
  private writer(made: readonly string[] | undefined, skip: PropertyWriter['skip']): PropertyWriter {
    const P = this.P;
    return { value: (v, p) => this.value(v, p), push: (stmt) => this.fills.push(stmt), names: { elems: `${P}elems`, props: `${P}props`, dp: `${P}dp`, del: `${P}del` }, skip, made };
  }

  /** A browser's global lexical bindings: one classic script declares them once the heap exists (a TDZ one cannot be made so). */
  private browserLexicals(names: string[], tdz: string[]): string {
    if (tdz.length) throw new NotPortable(`a global let/const (${tdz[0]}) still in its temporal dead zone`);
    if (!names.length) return '';
    const decl = names.map((n, i) => `${n} = ${this.P}lx[${i}]`);
    const isConst = names.map((n) => this.vm.globalLex.get(n)?.isConst === true);
    const lets = decl.filter((_, i) => !isConst[i]);
    const consts = decl.filter((_, i) => isConst[i]);
    const text = `${lets.length ? `let ${lets.join(', ')};` : ''}${consts.length ? `const ${consts.join(', ')};` : ''}`;
    for (const [i, n] of names.entries()) this.fills.push(`${this.P}lx[${i}] = ${this.value(this.vm.globalLex.get(n)!.value, n)};`);
    return `${this.P}script(${lit(text)});`;
  }

  // ---- roots ----

  write(): string {
    const engine = this.engine;
    const vm = this.vm;
    const P = this.P;
    for (const m of engine.modules.modules.values()) if (m.namespace) this.nsModules.set(m.namespace, m);
    for (const [o, p] of this.cap.changedBuiltins) {
      this.paths.set(o, p);
      this.diffBuiltin(o, p);
    }
    const lexicals: string[] = [];
    const tdzLexicals: string[] = [];
    for (const [name, b] of vm.globalLex) {
      if (!IDENT.test(name) || RESERVED.has(name)) throw new NotPortable(`a global binding named ${JSON.stringify(name)}`);
      if (b.value === HOLE) tdzLexicals.push(this.raw(name));
      else {
        lexicals.push(this.raw(name));
        if (!this.host) this.fills.push(`${name} = ${this.value(b.value, name)};`);
      }
    }
    // (a browser: the page's global lexical bindings are declared as such, where its later scripts see them)
    const lexicalScript = this.host ? this.browserLexicals(lexicals, tdzLexicals) : '';
    if (this.host) lexicals.length = 0;
    engine.queue.jobs.forEach((j, i) => {
      const at = `<job ${i}>`;
      if (j.kind === 'promiseReaction') {
        const d = this.derived(j.reaction, `${at}.<promise>`);
        this.tail.push(`${P}job(${this.handler(j.reaction, at)}, ${this.value(j.argument, `${at}.<argument>`)}, ${j.reaction.type === 'fulfill'}, ${d});`);
      } else if (j.kind === 'promiseResolveThenable') {
        const p = this.value(j.promiseToResolve, `${at}.<promise>`);
        this.tail.push(`${P}thenableJob(${p}, ${this.value(j.thenable, `${at}.<thenable>`)}, ${this.value(j.then, `${at}.<then>`)});`);
      } else if (j.kind === 'microtask') this.tail.push(`${P}queue(${this.value(j.callback, `${at}.<callback>`)});`);
      else throw new NotPortable(`a pending await (${at})`);
    });
    const now = this.cap.at;
    const ownTimers = this.host?.ownTimers();
    const timers = [...engine.timers.timers.values()].filter((t) => !ownTimers?.has(t.id)).sort((a, b) => a.due - b.due || a.seq - b.seq);
    for (const t of timers) {
      const at = `<timer ${t.id}>`;
      const args = t.args.map((a, i) => this.value(a, `${at}.<arg ${i}>`));
      this.tail.push(`${P}arm(${t.id}, ${this.value(t.callback, at)}, [${args.join(', ')}], ${Math.max(0, t.due - now)}, ${t.repeat ? t.interval : null});`);
    }
    this.tail.push(`${P}nextId = ${engine.timers.nextId};`);
    let hostLinks = '';
    if (this.host) {
      for (const root of this.host.roots()) this.value(root, '<host root>');
      hostLinks = this.host.links((v, path) => this.value(v, path), P);
    }
    for (let i = 0, j = 0; ; ) {
      for (; i < this.fillQueue.length || j < this.envQueue.length; ) {
        if (i < this.fillQueue.length) this.fill(this.fillQueue[i++]!);
        else this.envQueue[j++]!();
      }
      if (!this.privateStates()) break;
    }
    const tops = [...this.topFactories.values()].map((f) => `var ${P}F${f.id} = ${this.renderFactory(f, true)};`);
    const label = `${P}L`;
    return [
      `(function () {`,
      prelude(P),
      this.host ? browserPrelude(P) : '',
      `var ${P}B = [${this.builtins.join(', ')}];`,
      `var ${P}Bn = [${this.builtinNames.map(lit).join(', ')}];`,
      `for (var ${P}i = 0; ${P}i < ${P}B.length; ${P}i++) if (${P}B[${P}i] === void 0) ${P}fail("it uses the built-in " + ${P}Bn[${P}i] + ", which this ${this.host ? 'browser' : 'Node'} lacks");`,
      this.host ? this.host.begin(P) : '',
      `try {`,
      `${P}call(function () {`,
      lexicals.length ? `let ${lexicals.join(', ')};` : '',
      `${label}: {`,
      ...tops,
      `// 1. objects and scopes`,
      ...this.creates,
      ...(this.stamps.length ? [`// private elements`, ...this.stamps] : []),
      `// 2. contents`,
      ...this.fills,
      `// 3. integrity`,
      ...this.finals,
      `// 4. promise states, queued jobs, timers`,
      ...this.settles,
      hostLinks,
      lexicalScript,
      ...this.tail,
      `break ${label};`,
      tdzLexicals.length ? `let ${tdzLexicals.join(', ')};` : '',
      `}`,
      `}, this);`,
      `} catch (e) {`,
      `${P}fail("rebuilding the state failed: " + (e && e.message));`,
      `}`,
      `}).call(globalThis);`,
    ]
      .filter((l) => l !== '')
      .join('\n');
  }
}

/** The helpers the portable section uses, taken from Node's built-ins before any guest value exists. */
function prelude(P: string): string {
  return `var ${P}global = globalThis, ${P}Object = Object, ${P}S = Symbol, ${P}dp = Object.defineProperty, ${P}gd = Object.getOwnPropertyDescriptor, ${P}setp = Object.setPrototypeOf, ${P}cr = Object.create;
var ${P}freeze = Object.freeze, ${P}seal = Object.seal, ${P}pe = Object.preventExtensions, ${P}del = Reflect.deleteProperty, ${P}apply = Reflect.apply, ${P}bind = Function.prototype.bind;
var ${P}Promise = Promise, ${P}then = Promise.prototype.then, ${P}queue = queueMicrotask, ${P}Map = Map, ${P}Set = Set, ${P}mapSet = Map.prototype.set, ${P}setAdd = Set.prototype.add;
var ${P}WeakMap = WeakMap, ${P}WeakSet = WeakSet, ${P}wmSet = WeakMap.prototype.set, ${P}wsAdd = WeakSet.prototype.add, ${P}WeakRef = WeakRef, ${P}Date = Date, ${P}RegExp = RegExp, ${P}Error = Error, ${P}Proxy = Proxy;
var ${P}ArrayBuffer = ArrayBuffer, ${P}SAB = typeof SharedArrayBuffer !== "undefined" ? SharedArrayBuffer : void 0, ${P}U8 = Uint8Array, ${P}resize = ArrayBuffer.prototype.resize, ${P}clone = structuredClone, ${P}from = typeof Buffer !== "undefined" ? Buffer.from : void 0;
var ${P}AggregateError = AggregateError, ${P}sh = [], ${P}Math = Math, ${P}perf = performance;
function ${P}now() { return ${P}perf.now(); }
var ${P}setTimeout = setTimeout, ${P}clearTimeout = clearTimeout, ${P}console = console, ${P}process = typeof process !== "undefined" ? process : void 0;
var ${P}o = [], ${P}e = [], ${P}eh = [], ${P}h = [], ${P}rs = new Map(), ${P}rv = new Map(), ${P}timers = new Map(), ${P}nextId = 1;
function ${P}ca() { throw new TypeError("Assignment to constant variable."); }
function ${P}fail(why) { ${P}console.error("snapvm: this snapshot cannot run in plain Node: " + why + "; restore it with \\"snapvm restore " + ${P}process.argv[1] + "\\""); ${P}process.exit(2); }
function ${P}call(f, t) { return ${P}apply(f, t, [].slice.call(arguments, 2)); }
function ${P}own(o, k, part) { var d = o == null ? void 0 : ${P}gd(o, k); if (!d) return void 0; if (part) return d[part]; if ("value" in d) return d.value; try { return d.get ? ${P}apply(d.get, o, []) : void 0; } catch (e) { return void 0; } }
function ${P}proto(o) { return o == null ? void 0 : ${P}Object.getPrototypeOf(o); }
var ${P}T = null, ${P}keys = Reflect.ownKeys, ${P}src = new WeakMap(), ${P}fts = Function.prototype.toString;
function ${P}srcInstall() {
  // (a toString the program replaced stays as it is)
  var FP = ${P}Object.getPrototypeOf(${P}noop), own = FP.toString;
  if (own !== ${P}fts) return;
  var p = new ${P}Proxy(own, { apply: function (t, self, args) { return ${P}src.has(self) ? ${P}src.get(self) : ${P}apply(t, self, args); } });
  ${P}src.set(p, ${P}apply(own, own, []));
  ${P}dp(FP, "toString", { value: p, writable: true, enumerable: false, configurable: true });
}
function ${P}H() { if (${P}T !== null) return ${P}T; }
function ${P}stamp(K, o) {
  var before = ${P}keys(o);
  ${P}T = o;
  try { new K(); } finally { ${P}T = null; }
  var after = ${P}keys(o);
  for (var i = 0; i < after.length; i++) if (before.indexOf(after[i]) < 0) ${P}del(o, after[i]);
  return o;
}
function ${P}noop() {}
function ${P}props(o, a) { for (var i = 0; i < a.length; i += 2) ${P}dp(o, a[i], { value: a[i + 1], writable: true, enumerable: true, configurable: true }); }
function ${P}elems(o, a) { for (var i = 0; i < a.length; i++) if (i in a) ${P}dp(o, i, { value: a[i], writable: true, enumerable: true, configurable: true }); }
function ${P}entries(o, add, a, n) { for (var i = 0; i < a.length; i += n) ${P}apply(add, o, a.slice(i, i + n)); }
function ${P}method(id, lit, part) { ${P}h[id] = lit; return ${P}gd(lit, ${JSON.stringify(`${P}m`)})[part]; }
function ${P}args() { return arguments; }
function ${P}err() { var e = new ${P}Error(); delete e.stack; return e; }
function ${P}doneGen() { var g = (function* () {})(); g.next(); return g; }
var ${P}itMake = { array: { keys: [].keys, values: [].values, entries: [].entries }, map: { keys: Map.prototype.keys, values: Map.prototype.values, entries: Map.prototype.entries }, set: { values: Set.prototype.values, entries: Set.prototype.entries }, string: { values: String.prototype[Symbol.iterator] } };
var ${P}itNext = { array: [].values().next, map: new Map().keys().next, set: new Set().values().next, string: ""[Symbol.iterator]().next };
var ${P}reExec = RegExp.prototype.exec, ${P}reMatchAll = RegExp.prototype[Symbol.matchAll], ${P}reNext = Object.getPrototypeOf(/a/[Symbol.matchAll]("")).next;
function ${P}matchAll${matchAllOverText(`${P}reMatchAll`, `${P}apply`, `${P}S.species`)}
function ${P}matchAllDone() {
  var never = new ${P}RegExp("(?!)");
  ${P}dp(never, "exec", { value: ${P}reExec, writable: true, enumerable: false, configurable: true });
  var it = ${P}matchAll(never, "", 0, "");
  ${P}apply(${P}reNext, it, []);
  return it;
}
function ${P}step(kind, it, n) { for (var i = 0; i < n; i++) ${P}apply(${P}itNext[kind], it, []); }
function ${P}iter(kind, mode, src, done, units) {
  var it = ${P}apply(${P}itMake[kind][mode], done ? (kind === "map" ? new ${P}Map() : kind === "set" ? new ${P}Set() : kind === "string" ? "" : []) : src, []);
  if (done) ${P}step(kind, it, 1);
  for (var u = 0; u < units; ) u += ${P}apply(${P}itNext.string, it, []).value.length;
  return it;
}
function ${P}buf(b64, max) { var b = ${P}from(b64, "base64"); var a = max === void 0 ? new ${P}ArrayBuffer(b.length) : new ${P}ArrayBuffer(max, { maxByteLength: max }); new ${P}U8(a).set(b); return a; }
function ${P}sab(b64, max) { var b = ${P}from(b64, "base64"); var a = max === void 0 ? new ${P}SAB(b.length) : new ${P}SAB(b.length, { maxByteLength: max }); new ${P}U8(a).set(b); return a; }
function ${P}detach(b) { ${P}clone(b, { transfer: [b] }); }
function ${P}revocable(t, h) { var r = ${P}Proxy.revocable(t, h); ${P}rv.set(r.proxy, r.revoke); return r.proxy; }
function ${P}revoked(callable) { var r = ${P}Proxy.revocable(callable ? function () {} : {}, {}); r.revoke(); return r.proxy; }
function ${P}np() { var r, j; var p = new ${P}Promise(function (a, b) { r = a; j = b; }); ${P}rs.set(p, [r, j]); return p; }
function ${P}spent() { return function () {}; }
function ${P}run(h, x, ok, d) { var rj = ${P}rs.get(d), v; if (typeof h !== "function") { rj[ok ? 0 : 1](x); return; } try { v = h(x); } catch (e) { rj[1](e); return; } rj[0](v); }
function ${P}react(p, f, r, d) { ${P}call(${P}then, p, function (v) { ${P}run(f, v, true, d); }, function (e) { ${P}run(r, e, false, d); }); }
function ${P}job(h, x, ok, d) { ${P}queue(function () { ${P}run(h, x, ok, d); }); }
function ${P}thenableJob(p, thenable, then) { ${P}queue(function () { var rj = ${P}rs.get(p); try { ${P}call(then, thenable, rj[0], rj[1]); } catch (e) { rj[1](e); } }); }
function ${P}fin(f, isThen) { return isThen ? function (v) { return ${P}call(${P}then, ${P}Promise.resolve(f()), function () { return v; }); } : function (e) { return ${P}call(${P}then, ${P}Promise.resolve(f()), function () { throw e; }); }; }
function ${P}push(list, a) { for (var i = 0; i < a.length; i++) list[i] = a[i]; }
function ${P}elem(kind, list, count, called, index, settle) {
  return function (x) {
    if (called.v) return;
    called.v = true;
    list[index] = kind === 1 ? { status: "fulfilled", value: x } : kind === 2 ? { status: "rejected", reason: x } : x;
    if (--count.v !== 0) return;
    if (kind !== 3) return settle(list.slice());
    var e = new ${P}AggregateError([], "All promises were rejected");
    ${P}dp(e, "errors", { value: list.slice(), writable: true, enumerable: false, configurable: true });
    settle(e);
  };
}
function ${P}thunk(v) { return function () { return v; }; }
var ${P}nsc = new WeakMap(), ${P}rget = Reflect.get, ${P}rhas = Reflect.has, ${P}rdefine = Reflect.defineProperty, ${P}is = Object.is;
function ${P}ns(names) {
  var cells = ${P}cr(null), t = ${P}cr(null);
  for (var i = 0; i < names.length; i++) ${P}dp(t, names[i], { value: void 0, writable: true, enumerable: true, configurable: false });
  ${P}dp(t, ${P}S.toStringTag, { value: "Module", writable: false, enumerable: false, configurable: false });
  ${P}pe(t);
  var p = new ${P}Proxy(t, {
    get: function (t, k) { return typeof k === "symbol" ? ${P}rget(t, k) : k in cells ? cells[k]() : void 0; },
    getOwnPropertyDescriptor: function (t, k) { if (typeof k === "symbol") return ${P}gd(t, k); if (!(k in cells)) return void 0; return { value: cells[k](), writable: true, enumerable: true, configurable: false }; },
    defineProperty: function (t, k, d) {
      if (typeof k === "symbol") return ${P}rdefine(t, k, d);
      if (!(k in cells)) return false;
      var v = cells[k]();
      if (d.configurable === true || d.enumerable === false || d.get || d.set || d.writable === false) return false;
      return !("value" in d) || ${P}is(d.value, v);
    },
    has: function (t, k) { return typeof k === "symbol" ? ${P}rhas(t, k) : k in cells; },
    set: function () { return false; },
    deleteProperty: function (t, k) { return typeof k === "symbol" ? ${P}del(t, k) : !(k in cells); },
    getPrototypeOf: function () { return null; },
    setPrototypeOf: function (t, p) { return p === null; },
    isExtensible: function () { return false; },
    preventExtensions: function () { return true; }
  });
  ${P}nsc.set(p, cells);
  return p;
}
function ${P}nsFill(p, a) { var cells = ${P}nsc.get(p); for (var i = 0; i < a.length; i += 2) cells[a[i]] = a[i + 1]; }
function ${P}thrower(e) { return function () { throw e; }; }
function ${P}arm(id, cb, args, delay, period) {
  var t = { h: null };
  ${P}timers.set(id, t);
  var fire = function () {
    if (period === null) ${P}timers.delete(id);
    var start = ${P}now();
    ${P}apply(cb, void 0, args);
    // an interval is due again a period after its callback began, as Node's own
    if (period !== null && ${P}timers.get(id) === t) t.h = ${P}setTimeout(fire, ${P}Math.max(1, period - (${P}now() - start)));
  };
  t.h = ${P}setTimeout(fire, delay);
}
function ${P}delay(ms) { ms *= 1; return ms >= 1 && ms <= 2147483647 ? ms : 1; }
function ${P}timer(repeat) {
  return function (callback, ms) {
    if (typeof callback !== "function") throw new TypeError("The \\"callback\\" argument must be of type function");
    var d = ${P}delay(ms), id = ${P}nextId++;
    ${P}arm(id, callback, [].slice.call(arguments, 2), d, repeat ? d : null);
    return id;
  };
}
function ${P}clear(id) { var t = ${P}timers.get(id); if (t) { ${P}clearTimeout(t.h); ${P}timers.delete(id); } }
${P}dp(${P}global, "setTimeout", { value: ${P}dp(${P}timer(false), "name", { value: "setTimeout" }), writable: true, enumerable: true, configurable: true });
${P}dp(${P}global, "setInterval", { value: ${P}dp(${P}timer(true), "name", { value: "setInterval" }), writable: true, enumerable: true, configurable: true });
${P}dp(${P}global, "clearTimeout", { value: function clearTimeout(id) { ${P}clear(id); }, writable: true, enumerable: true, configurable: true });
${P}dp(${P}global, "clearInterval", { value: function clearInterval(id) { ${P}clear(id); }, writable: true, enumerable: true, configurable: true });`;
}

/** A browser's replacements for the Node helpers (base64, failing): assigned after the prelude. */
function browserPrelude(P: string): string {
  return `var ${P}lx = [], ${P}failed = null, ${P}doc = document;
${P}from = function (b64) { var s = atob(b64), a = new ${P}U8(s.length); for (var i = 0; i < s.length; i++) a[i] = s.charCodeAt(i); return a; };
${P}fail = function (why) { if (${P}failed) throw ${P}failed; ${P}failed = new ${P}Error("snapvm: this page snapshot cannot run in this browser: " + why); ${P}console.error(${P}failed.message); throw ${P}failed; };
function ${P}script(text) { var s = ${P}doc.createElement("script"); s.textContent = text; ${P}global[${lit(`${P}lx`)}] = ${P}lx; (${P}doc.head || ${P}doc.documentElement).appendChild(s); s.remove(); delete ${P}global[${lit(`${P}lx`)}]; }`;
}

export interface PortableResult {
  /** The section's text (an expression statement), or null when the state cannot be written portably. */
  text: string | null;
  /** Why not. */
  reason: string | null;
  ms: number;
}

/** Write the portable section for the state `cap` is capturing (after its own walk). */
export function writePortable(cap: Capture, engine: Engine, frames: { at: string }[], host?: PortableHost): PortableResult {
  const t0 = performance.now();
  if (frames.length) return { text: null, reason: `this snapshot has suspended frames (at ${frames[0]!.at})`, ms: performance.now() - t0 };
  for (let n = 0; ; n++) {
    try {
      const text = new PortableWriter(cap, engine, `$sv${n ? n : ''}_`, host).write();
      // compiled here (not run): a binding name Node rejects must not surface as a SyntaxError in `node SNAP`
      new Script(text, { filename: 'portable section' });
      return { text, reason: null, ms: performance.now() - t0 };
    } catch (e) {
      if (e instanceof PrefixTaken) continue;
      if (e instanceof NotPortable) return { text: null, reason: e.message, ms: performance.now() - t0 };
      if (e instanceof SyntaxError) return { text: null, reason: `its portable section does not compile in Node (${e.message})`, ms: performance.now() - t0 };
      // a fault of this writer must not cost the snapshot itself: the engine section stands alone
      return { text: null, reason: `the portable writer failed (${e instanceof Error ? e.message : String(e)})`, ms: performance.now() - t0 };
    }
  }
}
