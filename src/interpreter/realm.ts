// The guest realm: a node:vm context whose V8 built-ins serve guest code, an ordinary global object
// (the context's own global sits behind slow interceptors, DESIGN.md), and the means to make
// functions that live in that realm while their behaviour is the host's (natives) or the VM's (closures).
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/** How a native behaves: receives the raw `this`, the guest arguments and `new.target`. */
export type NativeImpl = (thisArg: unknown, args: ArrayLike<unknown>, newTarget: unknown) => unknown;

/** Whether a value is an object (functions included): the one definition, for every room (through state.ts). */
export const isObject = (v: unknown): v is object => (typeof v === 'object' && v !== null) || typeof v === 'function';

export type ErrorType = 'Error' | 'TypeError' | 'RangeError' | 'ReferenceError' | 'SyntaxError' | 'EvalError' | 'URIError';

/** Built-ins taken from the context before guest code can change them. */
export interface Intrinsics {
  Object: ObjectConstructor;
  Function: FunctionConstructor;
  Array: ArrayConstructor;
  ObjectPrototype: object;
  FunctionPrototype: object;
  ArrayPrototype: object;
  IteratorPrototype: object;
  AsyncIteratorPrototype: object;
  ArrayIteratorPrototype: object;
  Error: ErrorConstructor;
  TypeError: ErrorConstructor;
  RangeError: ErrorConstructor;
  ReferenceError: ErrorConstructor;
  SyntaxError: ErrorConstructor;
  EvalError: ErrorConstructor;
  URIError: ErrorConstructor;
  AggregateError: AggregateErrorConstructor;
  Symbol: SymbolConstructor;
  RegExp: RegExpConstructor;
  /** Array.prototype[Symbol.iterator] as the realm has it (for fast array spread / destructuring). */
  ArrayValues: Function;
  ArrayIteratorNext: Function;
  /** Functions made in the realm that the VM uses to build guest values without host objects. */
  newObject: () => object;
  newArray: () => unknown[];
  /** The realm's own `Array.of` bound to its `Array`: a guest array of the arguments, defined (no setter runs). */
  arrayOf: (...items: unknown[]) => unknown[];
  objectCreate: (proto: object | null) => object;
}

/** Stamps a hidden record on a realm object. Private fields are invisible to guest reflection and proxies. */
class Stamp<T> {
  static make<T>(): { set(o: object, v: T): void; get(o: unknown): T | undefined } {
    class Base {
      constructor(o: object) {
        // biome-ignore lint/correctness/noConstructorReturn: the return override stamps a private field on `o`
        return o;
      }
    }
    class Stamped extends Base {
      #v: T;
      constructor(o: object, v: T) {
        super(o);
        this.#v = v;
      }
      static get(o: unknown): T | undefined {
        return (typeof o === 'function' || (typeof o === 'object' && o !== null)) && #v in (o as object) ? (o as Stamped).#v : undefined;
      }
    }
    return { set: (o, v) => void new Stamped(o, v), get: Stamped.get };
  }
  private constructor(readonly v: T) {}
}
export const makeStamp = Stamp.make;

/**
 * Operations on guest values that can run guest code (getters, proxy traps, valueOf, …) must run in
 * the guest realm: V8 creates objects such as a Proxy `apply` trap's argument array in the realm of
 * the code that triggers the call, and one made in the host realm leads to the host's Function.
 * So the VM performs them through these functions, compiled inside the realm.
 */
export interface RealmOps {
  get(o: unknown, k: unknown): unknown;
  set(o: unknown, k: unknown, v: unknown): void;
  setSloppy(o: unknown, k: unknown, v: unknown): void;
  has(k: unknown, o: unknown): boolean;
  instanceOf(v: unknown, c: unknown): boolean;
  deleteStrict(o: unknown, k: unknown): boolean;
  deleteSloppy(o: unknown, k: unknown): boolean;
  add(a: unknown, b: unknown): unknown;
  sub(a: unknown, b: unknown): unknown;
  mul(a: unknown, b: unknown): unknown;
  div(a: unknown, b: unknown): unknown;
  mod(a: unknown, b: unknown): unknown;
  exp(a: unknown, b: unknown): unknown;
  band(a: unknown, b: unknown): unknown;
  bor(a: unknown, b: unknown): unknown;
  bxor(a: unknown, b: unknown): unknown;
  shl(a: unknown, b: unknown): unknown;
  shr(a: unknown, b: unknown): unknown;
  ushr(a: unknown, b: unknown): unknown;
  eq(a: unknown, b: unknown): boolean;
  lt(a: unknown, b: unknown): boolean;
  le(a: unknown, b: unknown): boolean;
  gt(a: unknown, b: unknown): boolean;
  ge(a: unknown, b: unknown): boolean;
  neg(a: unknown): unknown;
  plus(a: unknown): number;
  bnot(a: unknown): unknown;
  toStr(a: unknown): string;
  toKey(a: unknown): PropertyKey;
  toNumeric(a: unknown): number | bigint;
  /** Array.prototype.slice of the realm (reads elements in the realm). */
  slice: Function;
}

const REALM_OPS = `(function () {
  'use strict';
  const ownKeys = Reflect.ownKeys;
  function toPrimitiveNumber(v) {
    const t = v[Symbol.toPrimitive];
    if (t !== undefined && t !== null) {
      const r = Reflect.apply(t, v, ['number']);
      if (r === null || (typeof r !== 'object' && typeof r !== 'function')) return r;
      throw new TypeError('Cannot convert object to primitive value');
    }
    for (const m of ['valueOf', 'toString']) {
      const f = v[m];
      if (typeof f === 'function') {
        const r = Reflect.apply(f, v, []);
        if (r === null || (typeof r !== 'object' && typeof r !== 'function')) return r;
      }
    }
    throw new TypeError('Cannot convert object to primitive value');
  }
  return {
    get: (o, k) => o[k],
    set: (o, k, v) => { o[k] = v; },
    has: (k, o) => k in o,
    instanceOf: (v, c) => v instanceof c,
    deleteStrict: (o, k) => delete o[k],
    add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b, mod: (a, b) => a % b,
    exp: (a, b) => a ** b, band: (a, b) => a & b, bor: (a, b) => a | b, bxor: (a, b) => a ^ b,
    shl: (a, b) => a << b, shr: (a, b) => a >> b, ushr: (a, b) => a >>> b,
    eq: (a, b) => a == b, lt: (a, b) => a < b, le: (a, b) => a <= b, gt: (a, b) => a > b, ge: (a, b) => a >= b,
    neg: (a) => -a, plus: (a) => +a, bnot: (a) => ~a,
    toStr: (a) => \`\${a}\`,
    toKey: (a) => ownKeys({ [a]: 0 })[0],
    toNumeric: (a) => {
      const p = a !== null && (typeof a === 'object' || typeof a === 'function') ? toPrimitiveNumber(a) : a;
      return typeof p === 'bigint' ? p : +p;
    },
    slice: Array.prototype.slice,
  };
})()`;

const REALM_SLOPPY_OPS = `({ setSloppy: function (o, k, v) { o[k] = v; }, deleteSloppy: function (o, k) { return delete o[k]; } })`;

/**
 * The globals a guest realm takes from its node:vm context: ECMAScript's, Intl, WebAssembly, and those
 * newer V8s have (the engine's builtins/ add the ones Node 20 lacks). Anything else on a context's global
 * is the process's (V8 flags: `--expose-gc`'s `gc`, `--expose-gc-as`'s name, `--expose-externalize-string`…)
 * and never reaches a guest; `console` and `globalThis` are the engine's own.
 */
const STANDARD_GLOBALS: ReadonlySet<string> = new Set([
  'Object',
  'Function',
  'Array',
  'Number',
  'parseFloat',
  'parseInt',
  'Infinity',
  'NaN',
  'undefined',
  'Boolean',
  'String',
  'Symbol',
  'Date',
  'Promise',
  'RegExp',
  'Error',
  'AggregateError',
  'EvalError',
  'RangeError',
  'ReferenceError',
  'SyntaxError',
  'TypeError',
  'URIError',
  'JSON',
  'Math',
  'Intl',
  'ArrayBuffer',
  'Uint8Array',
  'Int8Array',
  'Uint16Array',
  'Int16Array',
  'Uint32Array',
  'Int32Array',
  'Float32Array',
  'Float64Array',
  'Uint8ClampedArray',
  'BigUint64Array',
  'BigInt64Array',
  'DataView',
  'Map',
  'BigInt',
  'Set',
  'WeakMap',
  'WeakSet',
  'Proxy',
  'Reflect',
  'FinalizationRegistry',
  'WeakRef',
  'decodeURI',
  'decodeURIComponent',
  'encodeURI',
  'encodeURIComponent',
  'escape',
  'unescape',
  'eval',
  'isFinite',
  'isNaN',
  'SharedArrayBuffer',
  'Atomics',
  'WebAssembly',
  'Iterator',
  'Float16Array',
  'SuppressedError',
  'DisposableStack',
  'AsyncDisposableStack',
]);

/**
 * The guest realm's context. JSON.parse source text access (JSON.rawJSON, JSON.isRawJSON, the reviver's
 * context argument: https://tc39.es/proposal-json-parse-with-source/) is V8's own behind
 * --harmony-json-parse-with-source in Node 20 (on by default from V8 11.4): V8 installs it when it makes a
 * context and JSON.parse reads the flag when it runs, so where a fresh context lacks it the flag is set for
 * the process and the context made again. The flag is process-wide: host contexts made later get it, the
 * host's JSON.parse with a reviver pays its cost too (bench/json-parse-flag.js), and V8's code cache is keyed
 * by the flags, so the CLI sets it before it compiles anything (cli/v8-flags.ts `realmV8Flags`); this is the
 * fallback for an embedder that did not.
 */
function createGuestContext(): vm.Context {
  const make = () => vm.createContext(Object.create(null), { codeGeneration: { strings: false, wasm: true } });
  const context = make();
  if (vm.runInContext('typeof JSON.rawJSON', context) === 'function') return context;
  v8.setFlagsFromString('--harmony-json-parse-with-source');
  return make();
}

export class Realm {
  readonly context: vm.Context;
  /** The guest's global object: an ordinary object of the realm holding the built-ins (or, after adoptGlobal, an embedder's object such as a DOM window). */
  global: Record<PropertyKey, unknown>;
  readonly intrinsics: Intrinsics;
  /** Records of native functions, so that the snapshot room can name them. */
  readonly natives = makeStamp<{ name: string; impl: NativeImpl }>();
  private readonly nativeFactories = new Map<string, (impl: NativeImpl) => Function>();
  /** The realm's own Reflect (its functions run in the realm; see RealmOps). */
  readonly R: typeof Reflect;
  readonly ops: RealmOps;
  private readonly evalInRealm: (src: string) => any;
  /** The realm's JSON.isRawJSON as made (the snapshot room asks it; it runs no guest code), if V8 has it. */
  readonly isRawJSON: ((o: unknown) => boolean) | undefined;

  constructor() {
    this.context = createGuestContext();
    const run = (src: string) => vm.runInContext(src, this.context);
    this.evalInRealm = run;
    const ctxGlobal = run('globalThis');
    this.isRawJSON = ctxGlobal.JSON.isRawJSON;
    const ArrayValues = run('Array.prototype[Symbol.iterator]');
    this.intrinsics = {
      Object: ctxGlobal.Object,
      Function: ctxGlobal.Function,
      Array: ctxGlobal.Array,
      ObjectPrototype: ctxGlobal.Object.prototype,
      FunctionPrototype: ctxGlobal.Function.prototype,
      ArrayPrototype: ctxGlobal.Array.prototype,
      IteratorPrototype: run('Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()))'),
      AsyncIteratorPrototype: run('Object.getPrototypeOf(Object.getPrototypeOf(Object.getPrototypeOf((async function*(){})())))'),
      ArrayIteratorPrototype: run('Object.getPrototypeOf([][Symbol.iterator]())'),
      Error: ctxGlobal.Error,
      TypeError: ctxGlobal.TypeError,
      RangeError: ctxGlobal.RangeError,
      ReferenceError: ctxGlobal.ReferenceError,
      SyntaxError: ctxGlobal.SyntaxError,
      EvalError: ctxGlobal.EvalError,
      URIError: ctxGlobal.URIError,
      AggregateError: ctxGlobal.AggregateError,
      Symbol: ctxGlobal.Symbol,
      RegExp: ctxGlobal.RegExp,
      ArrayValues,
      ArrayIteratorNext: run('Object.getPrototypeOf([][Symbol.iterator]()).next'),
      newObject: run('(function newObject() { return {}; })'),
      newArray: run('(function newArray() { return []; })'),
      arrayOf: run('Array.of'), // (called with an undefined this, it makes a plain array: no constructor runs)
      objectCreate: run('Object.create'),
    };
    // The guest global: an ordinary object with every standard built-in of the context, same attributes
    // (not what V8's flags add to every context, such as --expose-gc's `gc`)
    const global = run('({})') as Record<PropertyKey, unknown>;
    for (const key of Reflect.ownKeys(ctxGlobal)) {
      if (typeof key !== 'string' || !STANDARD_GLOBALS.has(key)) continue;
      Object.defineProperty(global, key, Object.getOwnPropertyDescriptor(ctxGlobal, key)!);
    }
    Object.defineProperty(global, 'globalThis', { value: global, writable: true, enumerable: false, configurable: true });
    this.global = global;
    // (a host-side copy of the realm's Reflect functions: guest code may delete or replace Reflect.apply…
    // on the global one, which the engine calls for every host→guest step)
    // (an ordinary object: a null-prototype one is in V8's slow dictionary mode, and this is read on every step)
    this.R = Object.freeze(Object.fromEntries(Object.getOwnPropertyNames(ctxGlobal.Reflect).map((k) => [k, ctxGlobal.Reflect[k]]))) as typeof Reflect;
    this.ops = Object.assign(run(REALM_OPS), run(REALM_SLOPPY_OPS)) as RealmOps;
    this.harden();
  }

  /**
   * Make `target` (an object made in this realm, e.g. a DOM window) the guest's global object: every
   * property of the current global (built-ins and the engine's intrinsics) is redefined on it, winning
   * over what `target` had, and `globalThis` names it. The caller makes the VM use it too (Engine.adoptGlobal).
   */
  adoptGlobal(target: object): void {
    const from = this.global;
    for (const key of Reflect.ownKeys(from)) {
      if (key === 'globalThis') continue;
      Object.defineProperty(target, key, Object.getOwnPropertyDescriptor(from, key)!);
    }
    Object.defineProperty(target, 'globalThis', { value: target, writable: true, enumerable: false, configurable: true });
    this.global = target as Record<PropertyKey, unknown>;
  }

  /** Remove built-ins through which host objects leak into a context (DESIGN.md, principle 3). */
  private harden(): void {
    const g = this.global as any;
    const wasm = g.WebAssembly;
    if (wasm) {
      delete wasm.compileStreaming;
      delete wasm.instantiateStreaming;
    }
    // V8 consults Error.prepareStackTrace / captureStackTrace hand structured frames (host functions) out.
    // The context's own Error keeps the two V8 and Node read fixed at undefined (no stack is captured, no
    // hook called), in case guest code ever reaches that constructor (test/safety-redteam.test.ts).
    this.evalInRealm(`delete Error.captureStackTrace;
      for (const k of ['prepareStackTrace', 'stackTraceLimit']) Object.defineProperty(Error, k, { value: undefined, writable: false, enumerable: false, configurable: false });`);
  }

  /** Run realm-side source (engine-written only, never guest text). */
  realmEval<T = unknown>(src: string): T {
    return this.evalInRealm(src) as T;
  }

  /**
   * A function of the realm whose behaviour is `impl`. `length` parameters, `name` as given; a
   * constructor (`construct: true`) is made with `function`, anything else as a method (no
   * `prototype`, not constructible), as built-ins are.
   */
  native(name: string, length: number, impl: NativeImpl, construct = false): Function {
    const key = `${construct ? 'c' : 'm'}${length}`;
    let factory = this.nativeFactories.get(key);
    if (!factory) {
      const params = Array.from({ length }, (_, i) => `a${i}`).join(', ');
      factory = this.evalInRealm(
        construct
          ? `(function (impl) { 'use strict'; return function native(${params}) { return impl(this, arguments, new.target); }; })`
          : `(function (impl) { 'use strict'; return { native(${params}) { return impl(this, arguments, undefined); } }.native; })`,
      ) as (impl: NativeImpl) => Function;
      this.nativeFactories.set(key, factory);
    }
    const fn = factory(impl);
    Object.defineProperty(fn, 'name', { value: name, configurable: true });
    this.natives.set(fn, { name, impl });
    return fn;
  }

  /**
   * CreateArrayFromList (ecma262 §7.3.17): a realm array of `list`'s values, defined, not set (a guest
   * setter on Array.prototype never runs). Array.of takes short lists as arguments; a long one (past
   * what a call can take) is stored into an array whose prototype is null meanwhile.
   */
  arrayFromList(list: readonly unknown[]): unknown[] {
    const I = this.intrinsics;
    if (list.length <= 8192) return this.R.apply(I.arrayOf, undefined, list as unknown[]) as unknown[];
    const a = I.newArray();
    Object.setPrototypeOf(a, null);
    for (let i = 0; i < list.length; i++) a[i] = list[i];
    return Object.setPrototypeOf(a, I.ArrayPrototype);
  }

  /** Define a native method on `target` (non-enumerable, like built-ins). */
  defineNative(target: object, name: string, length: number, impl: NativeImpl, key: PropertyKey = name): Function {
    const fn = this.native(name, length, impl);
    Object.defineProperty(target, key, { value: fn, writable: true, enumerable: false, configurable: true });
    return fn;
  }

  /** A guest-realm error object of the given type. */
  error(type: ErrorType, message: string): Error {
    return new this.intrinsics[type](message);
  }

  /** Throw a guest-realm error. */
  throw(type: ErrorType, message: string): never {
    throw this.error(type, message);
  }
}
