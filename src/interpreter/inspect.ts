// Console formatting of guest values, as Node's util.format / util.inspect print them, without ever
// running guest code (DESIGN.md, principle 3). Node's own formatter reads properties with [[Get]]
// (getters, Symbol.toStringTag, error name/message), stringifies values (`%s`, error names) and
// runs proxy traps; called from host code, any guest function it reaches would run with host frames
// below it (a Proxy apply trap would even receive a host-realm argument array). This port of
// lib/internal/util/inspect.js (Node 20) reads guest objects only through
// Reflect.getOwnPropertyDescriptor (data values; accessors print as [Getter]/[Setter]),
// Object.getPrototypeOf and Reflect.ownKeys, formats a proxy's recorded target instead of the proxy,
// and reads the internal state of built-ins (Map entries, Date value, RegExp source, boxed values,
// typed array contents) with the original built-in functions of a private, pristine realm: brand
// checks work across realms, and guest code cannot have replaced those functions.
import * as nodeVm from 'node:vm';
import { types } from 'node:util';
import type { VM } from './vm';
import { isObject, type Realm } from './realm';
import { CodeFlag, nativeSource } from './code';
import { getPromiseRecord } from './promise';

export interface InspectOptions {
  /** How deep objects are expanded (Node's default 2; null or Infinity: no limit). */
  depth?: number | null;
  /** Non-enumerable properties too (`%o`). */
  showHidden?: boolean;
  /** Print proxies as `Proxy [ target, handler ]` (`%o`). */
  showProxy?: boolean;
  breakLength?: number;
  compact?: number;
  maxArrayLength?: number;
  maxStringLength?: number;
}

// ---- the pristine built-ins ----

/** Original built-in functions of a private realm, applied to guest objects (brand checks work across realms). */
interface Pristine {
  apply: (f: Function, thisArg: unknown, args: ArrayLike<unknown>) => unknown;
  mapEntries: Function;
  mapSize: Function;
  mapIteratorNext: Function;
  setValues: Function;
  setSize: Function;
  setIteratorNext: Function;
  dateGetTime: Function;
  dateToISOString: Function;
  dateToString: Function;
  regExpSource: Function;
  /** [flag letter, getter] in the order of RegExp.prototype.flags. */
  regExpFlags: [string, Function][];
  numberValueOf: Function;
  stringValueOf: Function;
  booleanValueOf: Function;
  bigIntValueOf: Function;
  symbolValueOf: Function;
  functionToString: Function;
  typedArrayLength: Function;
  typedArrayByteLength: Function;
  typedArrayByteOffset: Function;
  typedArrayBuffer: Function;
  typedArrayTag: Function;
  arrayBufferByteLength: Function;
  sharedArrayBufferByteLength: Function | undefined;
  dataViewByteLength: Function;
  dataViewByteOffset: Function;
  dataViewBuffer: Function;
  /** Names of the realm's global built-ins (Node's builtInObjects). */
  globalNames: string[];
}

const PRISTINE_SOURCE = `(() => {
  'use strict';
  const getter = (o, k) => Object.getOwnPropertyDescriptor(o, k).get;
  const method = (o, k) => Object.getOwnPropertyDescriptor(o, k).value;
  const TA = Object.getPrototypeOf(Uint8Array.prototype);
  const flags = [['hasIndices', 'd'], ['global', 'g'], ['ignoreCase', 'i'], ['multiline', 'm'], ['dotAll', 's'], ['unicode', 'u'], ['unicodeSets', 'v'], ['sticky', 'y']]
    .filter(([k]) => Object.getOwnPropertyDescriptor(RegExp.prototype, k) !== undefined)
    .map(([k, c]) => [c, getter(RegExp.prototype, k)]);
  return {
    apply: Reflect.apply,
    mapEntries: method(Map.prototype, 'entries'),
    mapSize: getter(Map.prototype, 'size'),
    mapIteratorNext: method(Object.getPrototypeOf(new Map().entries()), 'next'),
    setValues: method(Set.prototype, 'values'),
    setSize: getter(Set.prototype, 'size'),
    setIteratorNext: method(Object.getPrototypeOf(new Set().values()), 'next'),
    dateGetTime: method(Date.prototype, 'getTime'),
    dateToISOString: method(Date.prototype, 'toISOString'),
    dateToString: method(Date.prototype, 'toString'),
    regExpSource: getter(RegExp.prototype, 'source'),
    regExpFlags: flags,
    numberValueOf: method(Number.prototype, 'valueOf'),
    stringValueOf: method(String.prototype, 'valueOf'),
    booleanValueOf: method(Boolean.prototype, 'valueOf'),
    bigIntValueOf: method(BigInt.prototype, 'valueOf'),
    symbolValueOf: method(Symbol.prototype, 'valueOf'),
    functionToString: method(Function.prototype, 'toString'),
    typedArrayLength: getter(TA, 'length'),
    typedArrayByteLength: getter(TA, 'byteLength'),
    typedArrayByteOffset: getter(TA, 'byteOffset'),
    typedArrayBuffer: getter(TA, 'buffer'),
    typedArrayTag: getter(TA, Symbol.toStringTag),
    arrayBufferByteLength: getter(ArrayBuffer.prototype, 'byteLength'),
    sharedArrayBufferByteLength: typeof SharedArrayBuffer === 'function' ? getter(SharedArrayBuffer.prototype, 'byteLength') : undefined,
    dataViewByteLength: getter(DataView.prototype, 'byteLength'),
    dataViewByteOffset: getter(DataView.prototype, 'byteOffset'),
    dataViewBuffer: getter(DataView.prototype, 'buffer'),
    globalNames: Object.getOwnPropertyNames(globalThis),
  };
})()`;

function makePristine(): Pristine {
  const context = nodeVm.createContext(Object.create(null), { codeGeneration: { strings: false, wasm: false } });
  const made = nodeVm.runInContext(PRISTINE_SOURCE, context) as Pristine;
  // copy into a host record (and host arrays) so that nothing below touches the private realm's objects by [[Get]]
  return { ...made, regExpFlags: Array.from(made.regExpFlags, (e) => [e[0], e[1]] as [string, Function]), globalNames: Array.from(made.globalNames) };
}

// ---- per-engine environment ----

const REVOKED = Symbol('revoked proxy');
const OPAQUE = Symbol('proxy without a record');
type Resolved = object | typeof REVOKED | typeof OPAQUE;

/** What the formatter knows of one engine: its VM (proxy and closure records), realm and built-ins. */
class Env {
  readonly P: Pristine = makePristine();
  readonly wellKnown: Map<object, string>;
  readonly builtInObjects: Set<string>;
  readonly errorPrototype: object | undefined;

  constructor(
    readonly vm: VM,
    readonly realm: Realm,
  ) {
    const I = realm.intrinsics;
    this.wellKnown = new Map<object, string>([
      [I.ObjectPrototype, 'Object'],
      [I.FunctionPrototype, 'Function'],
    ]);
    this.builtInObjects = new Set(this.P.globalNames.filter((e) => /^[A-Z][a-zA-Z0-9]+$/.test(e)));
    const d = Reflect.getOwnPropertyDescriptor(I.Error, 'prototype');
    this.errorPrototype = d && isObject(d.value) ? d.value : undefined;
  }

  call(f: Function, thisArg: unknown, ...args: unknown[]): unknown {
    return this.P.apply(f, thisArg, args);
  }

  /** The object behind proxies (their recorded targets), without running any trap. */
  resolve(v: object): Resolved {
    for (let i = 0; i < 100_000; i++) {
      const rec = this.vm.proxies.get(v);
      if (rec) {
        if (rec.revoked) return REVOKED;
        v = rec.target;
        continue;
      }
      // a proxy the engine did not record (an engine-made one, e.g. a module namespace)
      if (types.isProxy(v)) return OPAQUE;
      return v;
    }
    return OPAQUE;
  }

  ownDesc(o: object, key: PropertyKey): PropertyDescriptor | undefined {
    const r = this.resolve(o);
    if (typeof r === 'symbol') return undefined;
    try {
      return Reflect.getOwnPropertyDescriptor(r, key);
    } catch {
      return undefined;
    }
  }

  hasOwn(o: object, key: PropertyKey): boolean {
    return this.ownDesc(o, key) !== undefined;
  }

  isOwnEnumerable(o: object, key: PropertyKey): boolean {
    return this.ownDesc(o, key)?.enumerable === true;
  }

  protoOf(o: object): object | null {
    const r = this.resolve(o);
    if (typeof r === 'symbol') return null;
    try {
      return Object.getPrototypeOf(r) as object | null;
    } catch {
      return null;
    }
  }

  ownKeys(o: object): PropertyKey[] {
    const r = this.resolve(o);
    if (typeof r === 'symbol') return [];
    try {
      return Reflect.ownKeys(r);
    } catch {
      return [];
    }
  }

  /** The descriptor [[Get]] would use: the first one on the prototype chain. */
  lookup(o: object, key: PropertyKey): PropertyDescriptor | undefined {
    let cur: object | null = o;
    for (let i = 0; cur !== null && i < 10_000; i++) {
      const d = this.ownDesc(cur, key);
      if (d) return d;
      cur = this.protoOf(cur);
    }
    return undefined;
  }

  /** [[Get]] for data properties only: an accessor (or nothing) gives undefined. */
  dataGet(o: object, key: PropertyKey): unknown {
    const d = this.lookup(o, key);
    return d && 'value' in d ? d.value : undefined;
  }

  /**
   * A function's `name` as [[Get]] reads it, from data properties only; for a getter, the name the
   * engine compiled or created the function with. Undefined when only guest code could tell (or an object).
   */
  functionName(fn: object): string | undefined {
    const d = this.lookup(fn, 'name');
    if (d === undefined) return 'undefined';
    if ('value' in d) return isObject(d.value) ? undefined : primitiveString(d.value);
    const r = this.resolve(fn);
    if (typeof r === 'symbol') return undefined;
    const closure = this.vm.closureOf(r);
    if (closure) return closure.code.name;
    return this.realm.natives.get(r)?.name;
  }

  has(o: object, key: PropertyKey): boolean {
    return this.lookup(o, key) !== undefined;
  }

  inChain(o: object, proto: object): boolean {
    let cur = this.protoOf(o);
    for (let i = 0; cur !== null && i < 10_000; i++) {
      if (cur === proto) return true;
      cur = this.protoOf(cur);
    }
    return false;
  }

  isArray(v: unknown): boolean {
    if (!isObject(v)) return false;
    const r = this.resolve(v);
    return typeof r !== 'symbol' && Array.isArray(r);
  }

  /** OrdinaryHasInstance(C, o), read without [[Get]] (no Symbol.hasInstance, no getters). */
  isInstance(o: object, C: unknown): boolean {
    let F = C;
    for (let i = 0; i < 10_000 && isObject(F); i++) {
      const bound = this.vm.boundFunctions.get(F);
      if (!bound) break;
      F = bound.target;
    }
    if (!isObject(F)) return false;
    const proto = this.ownDesc(F, 'prototype');
    if (!proto || !isObject(proto.value)) return false;
    return this.inChain(o, proto.value);
  }

  isError(v: object): boolean {
    return types.isNativeError(v) || (this.errorPrototype !== undefined && this.inChain(v, this.errorPrototype));
  }

  /** V8's class name of an object (its GetConstructorName), approximated by brand. */
  internalName(v: object): string {
    if (typeof v === 'function') return 'Function';
    if (Array.isArray(v)) return 'Array';
    if (types.isMap(v)) return 'Map';
    if (types.isSet(v)) return 'Set';
    if (types.isWeakMap(v)) return 'WeakMap';
    if (types.isWeakSet(v)) return 'WeakSet';
    if (types.isDate(v)) return 'Date';
    if (types.isRegExp(v)) return 'RegExp';
    if (types.isNativeError(v)) return 'Error';
    if (types.isTypedArray(v)) return this.typedArrayName(v);
    if (types.isArrayBuffer(v)) return 'ArrayBuffer';
    if (types.isSharedArrayBuffer(v)) return 'SharedArrayBuffer';
    if (types.isDataView(v)) return 'DataView';
    if (types.isNumberObject(v)) return 'Number';
    if (types.isStringObject(v)) return 'String';
    if (types.isBooleanObject(v)) return 'Boolean';
    if (types.isBigIntObject(v)) return 'BigInt';
    if (types.isSymbolObject(v)) return 'Symbol';
    if (getPromiseRecord(v)) return 'Promise';
    return 'Object';
  }

  typedArrayName(v: object): string {
    try {
      const tag = this.call(this.P.typedArrayTag, v);
      return typeof tag === 'string' ? tag : 'TypedArray';
    } catch {
      return 'TypedArray';
    }
  }

  typedArrayLength(v: object): number {
    try {
      return this.call(this.P.typedArrayLength, v) as number;
    } catch {
      return 0;
    }
  }
}

const envs = new WeakMap<VM, Env>();
function envFor(vm: VM, realm: Realm): Env {
  let env = envs.get(vm);
  if (!env || env.realm !== realm) {
    env = new Env(vm, realm);
    envs.set(vm, env);
  }
  return env;
}

/** String of a primitive (host conversion of a primitive runs no guest code); undefined for objects. */
function primitiveString(v: unknown): string | undefined {
  if (isObject(v)) return undefined;
  return typeof v === 'symbol' ? v.toString() : String(v);
}

// ---- the formatter (a port of Node 20's lib/internal/util/inspect.js, without colors) ----

interface Ctx {
  env: Env;
  budget: Record<number, number>;
  indentationLvl: number;
  seen: object[];
  currentDepth: number;
  circular: Map<object, number> | undefined;
  showHidden: boolean;
  depth: number;
  showProxy: boolean;
  maxArrayLength: number;
  maxStringLength: number;
  breakLength: number;
  compact: number;
}

function makeCtx(env: Env, opts: InspectOptions = {}): Ctx {
  return {
    env,
    budget: {},
    indentationLvl: 0,
    seen: [],
    currentDepth: 0,
    circular: undefined,
    showHidden: opts.showHidden ?? false,
    depth: opts.depth === null ? Infinity : (opts.depth ?? 2),
    showProxy: opts.showProxy ?? false,
    maxArrayLength: opts.maxArrayLength ?? 100,
    maxStringLength: opts.maxStringLength ?? 10000,
    breakLength: opts.breakLength ?? 80,
    compact: opts.compact ?? 3,
  };
}

const kObjectType = 0;
const kArrayType = 1;
const kArrayExtrasType = 2;

/* eslint-disable no-control-regex */
const strEscapeSequencesRegExp = /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const strEscapeSequencesReplacer = /[\x00-\x1f\x27\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const strEscapeSequencesRegExpSingle = /[\x00-\x1f\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const strEscapeSequencesReplacerSingle = /[\x00-\x1f\x5c\x7f-\x9f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/* eslint-enable no-control-regex */
const keyStrRegExp = /^[a-zA-Z_][a-zA-Z_0-9]*$/;
const numberRegExp = /^(0|[1-9][0-9]*)$/;
const kMinLineLength = 16;

// Escaped control characters (plus the single quote and the backslash).
const meta = [
  '\\x00',
  '\\x01',
  '\\x02',
  '\\x03',
  '\\x04',
  '\\x05',
  '\\x06',
  '\\x07',
  '\\b',
  '\\t',
  '\\n',
  '\\x0B',
  '\\f',
  '\\r',
  '\\x0E',
  '\\x0F',
  '\\x10',
  '\\x11',
  '\\x12',
  '\\x13',
  '\\x14',
  '\\x15',
  '\\x16',
  '\\x17',
  '\\x18',
  '\\x19',
  '\\x1A',
  '\\x1B',
  '\\x1C',
  '\\x1D',
  '\\x1E',
  '\\x1F',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  "\\'",
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '\\\\',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '',
  '\\x7F',
  '\\x80',
  '\\x81',
  '\\x82',
  '\\x83',
  '\\x84',
  '\\x85',
  '\\x86',
  '\\x87',
  '\\x88',
  '\\x89',
  '\\x8A',
  '\\x8B',
  '\\x8C',
  '\\x8D',
  '\\x8E',
  '\\x8F',
  '\\x90',
  '\\x91',
  '\\x92',
  '\\x93',
  '\\x94',
  '\\x95',
  '\\x96',
  '\\x97',
  '\\x98',
  '\\x99',
  '\\x9A',
  '\\x9B',
  '\\x9C',
  '\\x9D',
  '\\x9E',
  '\\x9F',
];

function addQuotes(str: string, quotes: number): string {
  if (quotes === -1) return `"${str}"`;
  if (quotes === -2) return `\`${str}\``;
  return `'${str}'`;
}

function escapeFn(str: string): string {
  const charCode = str.charCodeAt(0);
  return meta.length > charCode ? meta[charCode]! : `\\u${charCode.toString(16)}`;
}

/** Quote a string as Node does: single quotes unless it contains them; control characters escaped. */
export function strEscape(str: string): string {
  let escapeTest = strEscapeSequencesRegExp;
  let escapeReplace = strEscapeSequencesReplacer;
  let singleQuote = 39;
  if (str.includes("'")) {
    if (!str.includes('"')) singleQuote = -1;
    else if (!str.includes('`') && !str.includes('${')) singleQuote = -2;
    if (singleQuote !== 39) {
      escapeTest = strEscapeSequencesRegExpSingle;
      escapeReplace = strEscapeSequencesReplacerSingle;
    }
  }
  if (str.length < 5000 && escapeTest.exec(str) === null) return addQuotes(str, singleQuote);
  if (str.length > 100) return addQuotes(str.replace(escapeReplace, escapeFn), singleQuote);
  let result = '';
  let last = 0;
  for (let i = 0; i < str.length; i++) {
    const point = str.charCodeAt(i);
    if (point === singleQuote || point === 92 || point < 32 || (point > 126 && point < 160)) {
      result += last === i ? meta[point] : `${str.slice(last, i)}${meta[point]}`;
      last = i + 1;
    } else if (point >= 0xd800 && point <= 0xdfff) {
      if (point <= 0xdbff && i + 1 < str.length) {
        const next = str.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          i++;
          continue;
        }
      }
      result += `${str.slice(last, i)}\\u${point.toString(16)}`;
      last = i + 1;
    }
  }
  if (last !== str.length) result += str.slice(last);
  return addQuotes(result, singleQuote);
}

function formatNumber(n: number): string {
  return Object.is(n, -0) ? '-0' : `${n}`;
}

function formatBigInt(n: bigint): string {
  return `${n}n`;
}

function formatPrimitive(value: unknown, ctx: Ctx): string {
  if (typeof value === 'string') {
    let trailer = '';
    if (value.length > ctx.maxStringLength) {
      const remaining = value.length - ctx.maxStringLength;
      value = value.slice(0, ctx.maxStringLength);
      trailer = `... ${remaining} more character${remaining > 1 ? 's' : ''}`;
    }
    const s = value as string;
    if (s.length > kMinLineLength && s.length > ctx.breakLength - ctx.indentationLvl - 4) {
      return (
        s
          .split(/(?<=\n)/)
          .map((line) => strEscape(line))
          .join(` +\n${' '.repeat(ctx.indentationLvl + 2)}`) + trailer
      );
    }
    return strEscape(s) + trailer;
  }
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'bigint') return formatBigInt(value);
  if (typeof value === 'boolean') return `${value}`;
  if (typeof value === 'undefined') return 'undefined';
  if (value === null) return 'null';
  return (value as symbol).toString();
}

function formatValue(ctx: Ctx, value: unknown, recurseTimes: number, typedArray = false): string {
  if (!isObject(value)) return formatPrimitive(value, ctx);
  const env = ctx.env;
  let obj: object = value;
  // Proxies: never run a trap; format the recorded target (Node does the same with showProxy false).
  const rec = env.vm.proxies.get(obj);
  if (rec) {
    if (rec.revoked) return '<Revoked Proxy>';
    if (ctx.showProxy) return formatProxy(ctx, rec, recurseTimes);
    const r = env.resolve(obj);
    if (r === REVOKED) return '<Revoked Proxy>';
    if (r === OPAQUE) return '<Proxy>';
    obj = r;
  } else if (types.isProxy(obj)) {
    return '<Proxy>';
  }
  if (ctx.seen.includes(obj)) {
    let index = 1;
    if (ctx.circular === undefined) {
      ctx.circular = new Map([[obj, index]]);
    } else {
      const known = ctx.circular.get(obj);
      if (known === undefined) {
        index = ctx.circular.size + 1;
        ctx.circular.set(obj, index);
      } else index = known;
    }
    return `[Circular *${index}]`;
  }
  return formatRaw(ctx, obj, recurseTimes, typedArray);
}

function formatProxy(ctx: Ctx, rec: { target: object; handler: object }, recurseTimes: number): string {
  if (recurseTimes > ctx.depth) return 'Proxy [Array]';
  recurseTimes += 1;
  ctx.indentationLvl += 2;
  const res = [formatValue(ctx, rec.target, recurseTimes), formatValue(ctx, rec.handler, recurseTimes)];
  ctx.indentationLvl -= 2;
  return reduceToSingleString(ctx, res, '', ['Proxy [', ']'], kArrayExtrasType, recurseTimes);
}

type Formatter = (ctx: Ctx, value: object, recurseTimes: number) => string[];
const emptyFormatter: Formatter = () => [];

function formatRaw(ctx: Ctx, value: object, recurseTimes: number, typedArray: boolean): string {
  const env = ctx.env;
  let keys: PropertyKey[] = [];
  let protoProps: string[] | undefined;
  if (ctx.showHidden && recurseTimes <= ctx.depth) protoProps = [];
  const constructor = getConstructorName(ctx, value, recurseTimes, protoProps);
  if (protoProps !== undefined && protoProps.length === 0) protoProps = undefined;

  // the tag is read as a data property only: a getter is not called (Node would call it)
  let tag: unknown = env.dataGet(value, Symbol.toStringTag);
  if (typeof tag !== 'string' || (tag !== '' && (ctx.showHidden ? env.hasOwn(value, Symbol.toStringTag) : env.isOwnEnumerable(value, Symbol.toStringTag)))) {
    tag = '';
  }
  const tagStr = tag as string;
  let base = '';
  let formatter: Formatter = emptyFormatter;
  let braces: [string, string] = ['{', '}'];
  let noIterator = true;
  let extrasType = kObjectType;
  /** Keys whose value comes from an internal slot (Node reads them with [[Get]] through prototype getters). */
  const virtual = new Map<PropertyKey, unknown>();

  if (env.has(value, Symbol.iterator) || constructor === null) {
    noIterator = false;
    if (Array.isArray(value)) {
      const length = arrayLength(env, value);
      const prefix = constructor !== 'Array' || tagStr !== '' ? getPrefix(constructor, tagStr, 'Array', `(${length})`) : '';
      keys = nonIndexKeys(env, value, ctx.showHidden);
      braces = [`${prefix}[`, ']'];
      if (length === 0 && keys.length === 0 && protoProps === undefined) return `${braces[0]}]`;
      extrasType = kArrayExtrasType;
      formatter = formatArray;
    } else if (types.isSet(value)) {
      const size = env.call(env.P.setSize, value) as number;
      const prefix = getPrefix(constructor, tagStr, 'Set', `(${size})`);
      keys = getKeys(env, value, ctx.showHidden);
      formatter = (c, v, r) => formatSet(c, v, r, size);
      if (size === 0 && keys.length === 0 && protoProps === undefined) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
    } else if (types.isMap(value)) {
      const size = env.call(env.P.mapSize, value) as number;
      const prefix = getPrefix(constructor, tagStr, 'Map', `(${size})`);
      keys = getKeys(env, value, ctx.showHidden);
      formatter = (c, v, r) => formatMap(c, v, r, size);
      if (size === 0 && keys.length === 0 && protoProps === undefined) return `${prefix}{}`;
      braces = [`${prefix}{`, '}'];
    } else if (types.isTypedArray(value)) {
      keys = nonIndexKeys(env, value, ctx.showHidden);
      const fallback = constructor === null ? env.typedArrayName(value) : '';
      const size = env.typedArrayLength(value);
      const prefix = getPrefix(constructor, tagStr, fallback, `(${size})`);
      braces = [`${prefix}[`, ']'];
      if (size === 0 && keys.length === 0 && !ctx.showHidden) return `${braces[0]}]`;
      formatter = (c, v, r) => formatTypedArray(c, v, r, size);
      extrasType = kArrayExtrasType;
    } else {
      // Map and Set iterators: Node previews their entries with a V8 internal; here they print as objects
      noIterator = true;
    }
  }
  if (noIterator) {
    keys = getKeys(env, value, ctx.showHidden);
    braces = ['{', '}'];
    if (typeof value === 'function') {
      base = getFunctionBase(env, value, constructor, tagStr);
      if (keys.length === 0 && protoProps === undefined) return base;
    } else if (constructor === 'Object') {
      if (types.isArgumentsObject(value)) braces[0] = '[Arguments] {';
      else if (tagStr !== '') braces[0] = `${getPrefix(constructor, tagStr, 'Object')}{`;
      if (keys.length === 0 && protoProps === undefined) return `${braces[0]}}`;
    } else if (types.isRegExp(value)) {
      base = regExpToString(env, value);
      const prefix = getPrefix(constructor, tagStr, 'RegExp');
      if (prefix !== 'RegExp ') base = `${prefix}${base}`;
      if ((keys.length === 0 && protoProps === undefined) || recurseTimes > ctx.depth) return base;
    } else if (types.isDate(value)) {
      base = dateToString(env, value);
      const prefix = getPrefix(constructor, tagStr, 'Date');
      if (prefix !== 'Date ') base = `${prefix}${base}`;
      if (keys.length === 0 && protoProps === undefined) return base;
    } else if (env.isError(value)) {
      base = formatError(ctx, value, constructor, tagStr, keys);
      if (keys.length === 0 && protoProps === undefined) return base;
    } else if (types.isAnyArrayBuffer(value)) {
      const shared = !types.isArrayBuffer(value);
      const arrayType = shared ? 'SharedArrayBuffer' : 'ArrayBuffer';
      const prefix = getPrefix(constructor, tagStr, arrayType);
      const byteLength = arrayBufferByteLength(env, value, shared);
      if (!typedArray) formatter = formatArrayBuffer;
      else if (keys.length === 0 && protoProps === undefined) return `${prefix}{ byteLength: ${formatNumber(byteLength)} }`;
      braces[0] = `${prefix}{`;
      keys.unshift('byteLength');
      virtual.set('byteLength', byteLength);
    } else if (types.isDataView(value)) {
      braces[0] = `${getPrefix(constructor, tagStr, 'DataView')}{`;
      keys.unshift('byteLength', 'byteOffset', 'buffer');
      virtual.set('byteLength', tryCall(env, env.P.dataViewByteLength, value));
      virtual.set('byteOffset', tryCall(env, env.P.dataViewByteOffset, value));
      virtual.set('buffer', tryCall(env, env.P.dataViewBuffer, value));
    } else if (getPromiseRecord(value)) {
      braces[0] = `${getPrefix(constructor, tagStr, 'Promise')}{`;
      formatter = formatPromise;
    } else if (types.isWeakSet(value)) {
      braces[0] = `${getPrefix(constructor, tagStr, 'WeakSet')}{`;
      formatter = formatWeakCollection;
    } else if (types.isWeakMap(value)) {
      braces[0] = `${getPrefix(constructor, tagStr, 'WeakMap')}{`;
      formatter = formatWeakCollection;
    } else if (types.isBoxedPrimitive(value)) {
      base = getBoxedBase(ctx, value, keys, constructor, tagStr);
      if (keys.length === 0 && protoProps === undefined) return base;
    } else {
      if (keys.length === 0 && protoProps === undefined) return `${getCtxStyle(env, value, constructor, tagStr)}{}`;
      braces[0] = `${getCtxStyle(env, value, constructor, tagStr)}{`;
    }
  }

  if (recurseTimes > ctx.depth) {
    let constructorName = getCtxStyle(env, value, constructor, tagStr).slice(0, -1);
    if (constructor !== null) constructorName = `[${constructorName}]`;
    return constructorName;
  }
  recurseTimes += 1;
  ctx.seen.push(value);
  ctx.currentDepth = recurseTimes;
  let output: string[];
  const indentationLvl = ctx.indentationLvl;
  try {
    output = formatter(ctx, value, recurseTimes);
    for (const key of keys) {
      const desc = virtual.has(key) && !env.hasOwn(value, key) ? { value: virtual.get(key), enumerable: true } : undefined;
      output.push(formatProperty(ctx, value, recurseTimes, key, extrasType, desc));
    }
    if (protoProps !== undefined) output.push(...protoProps);
  } catch (err) {
    if (!isStackOverflowError(err)) throw err;
    ctx.seen.pop();
    ctx.indentationLvl = indentationLvl;
    const constructorName = getCtxStyle(env, value, constructor, tagStr).slice(0, -1);
    return `[${constructorName}: Inspection interrupted prematurely. Maximum call stack size exceeded.]`;
  }
  if (ctx.circular !== undefined) {
    const index = ctx.circular.get(value);
    if (index !== undefined) {
      const reference = `<ref *${index}>`;
      base = base === '' ? reference : `${reference} ${base}`;
    }
  }
  ctx.seen.pop();
  const res = reduceToSingleString(ctx, output, base, braces, extrasType, recurseTimes, value);
  const budget = ctx.budget[ctx.indentationLvl] || 0;
  const newLength = budget + res.length;
  ctx.budget[ctx.indentationLvl] = newLength;
  // Node limits huge outputs the same way
  if (newLength > 2 ** 27) ctx.depth = -1;
  return res;
}

function isStackOverflowError(err: unknown): boolean {
  return err instanceof RangeError && /Maximum call stack size exceeded/.test(err.message);
}

function tryCall(env: Env, f: Function, thisArg: unknown): unknown {
  try {
    return env.call(f, thisArg);
  } catch {
    return undefined;
  }
}

function arrayLength(env: Env, a: object): number {
  const v = env.ownDesc(a, 'length')?.value;
  return typeof v === 'number' ? v : 0;
}

function isIndexKey(key: PropertyKey): boolean {
  if (typeof key !== 'string' || !numberRegExp.test(key)) return false;
  return Number(key) < 2 ** 32 - 1;
}

/** Own keys that are not array indices (Node's getOwnNonIndexProperties), enumerable unless showHidden. */
function nonIndexKeys(env: Env, value: object, showHidden: boolean): PropertyKey[] {
  const out: PropertyKey[] = [];
  for (const key of env.ownKeys(value)) {
    if (isIndexKey(key)) continue;
    if (!showHidden && !env.isOwnEnumerable(value, key)) continue;
    out.push(key);
  }
  return out;
}

/** Own keys: enumerable strings then enumerable symbols (Object.keys order), or all of them with showHidden. */
function getKeys(env: Env, value: object, showHidden: boolean): PropertyKey[] {
  const all = env.ownKeys(value);
  const strings: PropertyKey[] = [];
  const symbols: PropertyKey[] = [];
  for (const key of all) {
    if (!showHidden && !env.isOwnEnumerable(value, key)) continue;
    (typeof key === 'symbol' ? symbols : strings).push(key);
  }
  return strings.concat(symbols);
}

function getConstructorName(ctx: Ctx, obj: object, recurseTimes: number, protoProps: string[] | undefined): string | null {
  const env = ctx.env;
  let firstProto: object | null | undefined;
  const tmp = obj;
  let cur: object | null = obj;
  for (let guard = 0; cur !== null && guard < 10_000; guard++) {
    const wellKnown = env.wellKnown.get(cur);
    if (wellKnown !== undefined && (cur === tmp || env.inChain(tmp, cur))) {
      if (protoProps !== undefined && firstProto !== cur) addPrototypeProperties(ctx, tmp, firstProto || tmp, recurseTimes, protoProps);
      return wellKnown;
    }
    const descriptor = env.ownDesc(cur, 'constructor');
    if (descriptor !== undefined && typeof descriptor.value === 'function') {
      const name = env.functionName(descriptor.value);
      if (name !== undefined && name !== '' && env.isInstance(tmp, descriptor.value)) {
        const nameStr = primitiveString(name)!;
        if (protoProps !== undefined && (firstProto !== cur || !env.builtInObjects.has(nameStr))) {
          addPrototypeProperties(ctx, tmp, firstProto || tmp, recurseTimes, protoProps);
        }
        return nameStr;
      }
    }
    cur = env.protoOf(cur);
    if (firstProto === undefined) firstProto = cur;
  }
  if (firstProto === null || firstProto === undefined) return null;
  const res = env.internalName(tmp);
  if (recurseTimes > ctx.depth) return `${res} <Complex prototype>`;
  const protoConstr = getConstructorName(ctx, firstProto, recurseTimes + 1, protoProps);
  if (protoConstr === null) {
    const inner = makeCtx(env, {
      showHidden: ctx.showHidden,
      showProxy: ctx.showProxy,
      depth: -1,
      breakLength: ctx.breakLength,
      compact: ctx.compact,
      maxArrayLength: ctx.maxArrayLength,
      maxStringLength: ctx.maxStringLength,
    });
    return `${res} <${formatValue(inner, firstProto, 0)}>`;
  }
  return `${res} <${protoConstr}>`;
}

/** User-defined prototype properties, shown with showHidden (Node's addPrototypeProperties). */
function addPrototypeProperties(ctx: Ctx, main: object, obj: object, recurseTimes: number, output: string[]): void {
  const env = ctx.env;
  let depth = 0;
  let keys: PropertyKey[] = [];
  let keySet: Set<PropertyKey> = new Set();
  let cur: object | null = obj;
  do {
    if (depth !== 0 || main === cur) {
      cur = env.protoOf(cur!);
      if (cur === null) return;
      const descriptor = env.ownDesc(cur, 'constructor');
      if (descriptor !== undefined && typeof descriptor.value === 'function') {
        const name = env.functionName(descriptor.value);
        if (name !== undefined && env.builtInObjects.has(name)) return;
      }
    }
    if (depth === 0) keySet = new Set();
    else for (const key of keys) keySet.add(key);
    keys = env.ownKeys(cur!);
    ctx.seen.push(main);
    for (const key of keys) {
      if (key === 'constructor' || env.hasOwn(main, key) || (depth !== 0 && keySet.has(key))) continue;
      const desc = env.ownDesc(cur!, key);
      if (!desc || typeof desc.value === 'function') continue;
      output.push(formatProperty(ctx, cur!, recurseTimes, key, kObjectType, desc));
    }
    ctx.seen.pop();
  } while (++depth !== 3);
}

function getPrefix(constructor: string | null, tag: string, fallback: string, size = ''): string {
  if (constructor === null) {
    if (tag !== '' && fallback !== tag) return `[${fallback}${size}: null prototype] [${tag}] `;
    return `[${fallback}${size}: null prototype] `;
  }
  if (tag !== '' && constructor !== tag) return `${constructor}${size} [${tag}] `;
  return `${constructor}${size} `;
}

function getCtxStyle(env: Env, value: object, constructor: string | null, tag: string): string {
  let fallback = '';
  if (constructor === null) {
    fallback = env.internalName(value);
    if (fallback === tag) fallback = 'Object';
  }
  return getPrefix(constructor, tag, fallback);
}

function getFunctionBase(env: Env, value: Function, constructor: string | null, tag: string): string {
  const closure = env.vm.closureOf(value);
  const flags = closure ? closure.code.flags : 0;
  if (flags & CodeFlag.ClassConstructor) return getClassBase(env, value, constructor, tag);
  let type = 'Function';
  if (closure ? flags & CodeFlag.Generator : types.isGeneratorFunction(value)) type = `Generator${type}`;
  if (closure ? flags & CodeFlag.Async : types.isAsyncFunction(value)) type = `Async${type}`;
  let base = `[${type}`;
  if (constructor === null) base += ' (null prototype)';
  const name = env.functionName(value);
  if (name === '' || name === undefined) base += ' (anonymous)';
  else base += `: ${name}`;
  base += ']';
  if (constructor !== type && constructor !== null) base += ` ${constructor}`;
  if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
  return base;
}

function getClassBase(env: Env, value: Function, constructor: string | null, tag: string): string {
  const name = (env.hasOwn(value, 'name') && env.functionName(value)) || '(anonymous)';
  let base = `class ${name}`;
  if (constructor !== 'Function' && constructor !== null) base += ` [${constructor}]`;
  if (tag !== '' && constructor !== tag) base += ` [${tag}]`;
  if (constructor !== null) {
    const superClass = env.protoOf(value);
    const superName = superClass !== null ? env.functionName(superClass) : undefined;
    if (superName && superName !== 'undefined') base += ` extends ${superName}`;
  } else {
    base += ' extends [null prototype]';
  }
  return `[${base}]`;
}

function regExpToString(env: Env, value: object): string {
  try {
    const source = env.call(env.P.regExpSource, value) as string;
    let flags = '';
    for (const [letter, getter] of env.P.regExpFlags) if (env.call(getter, value)) flags += letter;
    return `/${source}/${flags}`;
  } catch {
    return '/(?:)/';
  }
}

function dateToString(env: Env, value: object): string {
  try {
    const time = env.call(env.P.dateGetTime, value) as number;
    return (Number.isNaN(time) ? env.call(env.P.dateToString, value) : env.call(env.P.dateToISOString, value)) as string;
  } catch {
    return 'Invalid Date';
  }
}

function arrayBufferByteLength(env: Env, value: object, shared: boolean): number {
  const getter = shared ? env.P.sharedArrayBufferByteLength : env.P.arrayBufferByteLength;
  if (!getter) return 0;
  const n = tryCall(env, getter, value);
  return typeof n === 'number' ? n : 0;
}

function getBoxedBase(ctx: Ctx, value: object, keys: PropertyKey[], constructor: string | null, tag: string): string {
  const env = ctx.env;
  let fn: Function;
  let type: string;
  if (types.isNumberObject(value)) {
    fn = env.P.numberValueOf;
    type = 'Number';
  } else if (types.isStringObject(value)) {
    fn = env.P.stringValueOf;
    type = 'String';
    // the index keys of a String object only repeat its value
    keys.splice(0, arrayLength(env, value));
  } else if (types.isBooleanObject(value)) {
    fn = env.P.booleanValueOf;
    type = 'Boolean';
  } else if (types.isBigIntObject(value)) {
    fn = env.P.bigIntValueOf;
    type = 'BigInt';
  } else {
    fn = env.P.symbolValueOf;
    type = 'Symbol';
  }
  let base = `[${type}`;
  if (type !== constructor) base += constructor === null ? ' (null prototype)' : ` (${constructor})`;
  let primitive: string;
  try {
    primitive = formatPrimitive(env.call(fn, value), ctx);
  } catch {
    primitive = '?';
  }
  base += `: ${primitive}]`;
  if (tag !== '' && tag !== constructor) base += ` [${tag}]`;
  return base;
}

// ---- errors ----

/** Error.prototype.toString read without [[Get]] or ToString on objects. */
function errorToString(env: Env, err: object): string {
  const n = env.dataGet(err, 'name');
  const m = env.dataGet(err, 'message');
  const name = n === undefined ? 'Error' : (primitiveString(n) ?? '');
  const msg = m === undefined ? '' : (primitiveString(m) ?? '');
  if (name === '') return msg;
  if (msg === '') return name;
  return `${name}: ${msg}`;
}

function getStackString(env: Env, err: object): string {
  const stack = env.dataGet(err, 'stack');
  if (stack && !isObject(stack)) return primitiveString(stack)!;
  return errorToString(env, err);
}

function identicalSequenceRange(a: string[], b: string[]): { len: number; offset: number } {
  for (let i = 0; i < a.length - 3; i++) {
    const pos = b.indexOf(a[i]!);
    if (pos !== -1) {
      const rest = b.length - pos;
      if (rest > 3) {
        let len = 1;
        const maxLen = Math.min(a.length - i, rest);
        while (maxLen > len && a[i + len] === b[pos + len]) len++;
        if (len > 3) return { len, offset: i };
      }
    }
  }
  return { len: 0, offset: 0 };
}

function getStackFrames(ctx: Ctx, err: object, stack: string): string[] {
  const env = ctx.env;
  const frames = stack.split('\n');
  const cause = env.dataGet(err, 'cause');
  // frames identical to the cause's are left out
  if (isObject(cause) && env.isError(cause)) {
    const causeStack = getStackString(env, cause);
    const causeStackStart = causeStack.indexOf('\n    at');
    if (causeStackStart !== -1) {
      const causeFrames = causeStack.slice(causeStackStart + 1).split('\n');
      const { len, offset } = identicalSequenceRange(frames, causeFrames);
      if (len > 0) {
        const skipped = len - 2;
        frames.splice(offset + 1, skipped, `    ... ${skipped} lines matching cause stack trace ...`);
      }
    }
  }
  return frames;
}

function improveStack(stack: string, constructor: string | null, name: string, tag: string): string {
  let len = name.length;
  if (constructor === null || (name.endsWith('Error') && stack.startsWith(name) && (stack.length === len || stack[len] === ':' || stack[len] === '\n'))) {
    let fallback = 'Error';
    if (constructor === null) {
      const start = /^([A-Z][a-z_ A-Z0-9[\]()-]+)(?::|\n {4}at)/.exec(stack) || /^([a-z_A-Z0-9-]*Error)$/.exec(stack);
      fallback = (start && start[1]) || '';
      len = fallback.length;
      fallback = fallback || 'Error';
    }
    const prefix = getPrefix(constructor, tag, fallback).slice(0, -1);
    if (name !== prefix) {
      if (prefix.includes(name)) {
        stack = len === 0 ? `${prefix}: ${stack}` : `${prefix}${stack.slice(len)}`;
      } else {
        stack = `${prefix} [${name}]${stack.slice(len)}`;
      }
    }
  }
  return stack;
}

function removeDuplicateErrorKeys(ctx: Ctx, keys: PropertyKey[], err: object, stack: string): void {
  if (ctx.showHidden || keys.length === 0) return;
  for (const name of ['name', 'message', 'stack']) {
    const index = keys.indexOf(name);
    if (index === -1) continue;
    const d = ctx.env.ownDesc(err, name);
    const v = d && 'value' in d ? d.value : undefined;
    // only a primitive can be compared without running guest code
    if (d && 'value' in d && !isObject(v) && stack.includes(primitiveString(v)!)) keys.splice(index, 1);
  }
}

function formatError(ctx: Ctx, err: object, constructor: string | null, tag: string, keys: PropertyKey[]): string {
  const env = ctx.env;
  const n = env.dataGet(err, 'name');
  const name = n != null ? (primitiveString(n) ?? '') : 'Error';
  let stack = getStackString(env, err);
  removeDuplicateErrorKeys(ctx, keys, err, stack);
  if (env.has(err, 'cause') && (keys.length === 0 || !keys.includes('cause'))) keys.push('cause');
  if (env.isArray(env.dataGet(err, 'errors')) && (keys.length === 0 || !keys.includes('errors'))) keys.push('errors');
  stack = improveStack(stack, constructor, name, tag);

  // the message is left out of the search for the frames when the stack contains it
  const m = env.dataGet(err, 'message');
  const message = m && !isObject(m) ? primitiveString(m)! : '';
  let pos = (message && stack.indexOf(message)) || -1;
  if (pos !== -1) pos += typeof m === 'string' ? m.length : NaN;
  const stackStart = stack.indexOf('\n    at', pos);
  if (stackStart === -1) {
    stack = `[${stack}]`;
  } else {
    const lines = getStackFrames(ctx, err, stack.slice(stackStart + 1));
    stack = `${stack.slice(0, stackStart)}\n${lines.join('\n')}`;
  }
  if (ctx.indentationLvl !== 0) stack = stack.replaceAll('\n', `\n${' '.repeat(ctx.indentationLvl)}`);
  return stack;
}

// ---- collections ----

const remainingText = (remaining: number) => `... ${remaining} more item${remaining > 1 ? 's' : ''}`;

function formatArray(ctx: Ctx, value: object, recurseTimes: number): string[] {
  const env = ctx.env;
  const valLen = arrayLength(env, value);
  const len = Math.min(Math.max(0, ctx.maxArrayLength), valLen);
  const remaining = valLen - len;
  const output: string[] = [];
  for (let i = 0; i < len; i++) {
    if (!env.hasOwn(value, String(i))) return formatSpecialArray(ctx, value, recurseTimes, len, output, i);
    output.push(formatProperty(ctx, value, recurseTimes, String(i), kArrayType));
  }
  if (remaining > 0) output.push(remainingText(remaining));
  return output;
}

/** A sparse array, or one with extra keys. */
function formatSpecialArray(ctx: Ctx, value: object, recurseTimes: number, maxLength: number, output: string[], i: number): string[] {
  const env = ctx.env;
  const keys = getKeys(env, value, false).filter((k): k is string => typeof k === 'string');
  let index = i;
  for (; i < keys.length && output.length < maxLength; i++) {
    const key = keys[i]!;
    const tmp = +key;
    if (tmp > 2 ** 32 - 2) break;
    if (`${index}` !== key) {
      if (numberRegExp.exec(key) === null) break;
      const emptyItems = tmp - index;
      output.push(`<${emptyItems} empty item${emptyItems > 1 ? 's' : ''}>`);
      index = tmp;
      if (output.length === maxLength) break;
    }
    output.push(formatProperty(ctx, value, recurseTimes, key, kArrayType));
    index++;
  }
  const remaining = arrayLength(env, value) - index;
  if (output.length !== maxLength) {
    if (remaining > 0) output.push(`<${remaining} empty item${remaining > 1 ? 's' : ''}>`);
  } else if (remaining > 0) {
    output.push(remainingText(remaining));
  }
  return output;
}

function formatArrayBuffer(ctx: Ctx, value: object): string[] {
  let buffer: Uint8Array;
  try {
    // a host view over the guest's buffer: reads internal slots only
    buffer = new Uint8Array(value as ArrayBuffer);
  } catch {
    return ['(detached)'];
  }
  const shown = Math.min(ctx.maxArrayLength, buffer.length);
  const hex: string[] = [];
  for (let i = 0; i < shown; i++) hex.push(buffer[i]!.toString(16).padStart(2, '0'));
  let str = hex.join(' ');
  const remaining = buffer.length - ctx.maxArrayLength;
  if (remaining > 0) str += ` ... ${remaining} more byte${remaining > 1 ? 's' : ''}`;
  return [`[Uint8Contents]: <${str}>`];
}

function formatTypedArray(ctx: Ctx, value: object, recurseTimes: number, length: number): string[] {
  const env = ctx.env;
  const maxLength = Math.min(Math.max(0, ctx.maxArrayLength), length);
  const remaining = length - maxLength;
  const output: string[] = [];
  for (let i = 0; i < maxLength; ++i) {
    const v = env.ownDesc(value, String(i))?.value;
    output.push(typeof v === 'bigint' ? formatBigInt(v) : formatNumber(v as number));
  }
  if (remaining > 0) output.push(remainingText(remaining));
  if (ctx.showHidden) {
    ctx.indentationLvl += 2;
    const bytesPerElement = env.dataGet(value, 'BYTES_PER_ELEMENT');
    const hidden: [string, unknown][] = [
      ['BYTES_PER_ELEMENT', bytesPerElement],
      ['length', length],
      ['byteLength', tryCall(env, env.P.typedArrayByteLength, value)],
      ['byteOffset', tryCall(env, env.P.typedArrayByteOffset, value)],
      ['buffer', tryCall(env, env.P.typedArrayBuffer, value)],
    ];
    for (const [key, v] of hidden) output.push(`[${key}]: ${formatValue(ctx, v, recurseTimes, true)}`);
    ctx.indentationLvl -= 2;
  }
  return output;
}

/** Iterate a Map or Set with the pristine iterator functions (no guest `next`, no guest `Symbol.iterator`). */
function forEachEntry(env: Env, iterator: unknown, next: Function, limit: number, each: (value: unknown) => void): void {
  for (let i = 0; i < limit; i++) {
    const result = env.call(next, iterator) as object;
    if (Reflect.getOwnPropertyDescriptor(result, 'done')?.value === true) return;
    each(Reflect.getOwnPropertyDescriptor(result, 'value')?.value);
  }
}

function formatSet(ctx: Ctx, value: object, recurseTimes: number, size: number): string[] {
  const env = ctx.env;
  const maxLength = Math.min(Math.max(0, ctx.maxArrayLength), size);
  const remaining = size - maxLength;
  const output: string[] = [];
  ctx.indentationLvl += 2;
  try {
    const iterator = env.call(env.P.setValues, value);
    forEachEntry(env, iterator, env.P.setIteratorNext, maxLength, (v) => output.push(formatValue(ctx, v, recurseTimes)));
  } finally {
    ctx.indentationLvl -= 2;
  }
  if (remaining > 0) output.push(remainingText(remaining));
  return output;
}

function formatMap(ctx: Ctx, value: object, recurseTimes: number, size: number): string[] {
  const env = ctx.env;
  const maxLength = Math.min(Math.max(0, ctx.maxArrayLength), size);
  const remaining = size - maxLength;
  const output: string[] = [];
  ctx.indentationLvl += 2;
  try {
    const iterator = env.call(env.P.mapEntries, value);
    forEachEntry(env, iterator, env.P.mapIteratorNext, maxLength, (entry) => {
      // the [key, value] pair is an array of the private realm
      const k = Reflect.getOwnPropertyDescriptor(entry as object, 0)?.value;
      const v = Reflect.getOwnPropertyDescriptor(entry as object, 1)?.value;
      output.push(`${formatValue(ctx, k, recurseTimes)} => ${formatValue(ctx, v, recurseTimes)}`);
    });
  } finally {
    ctx.indentationLvl -= 2;
  }
  if (remaining > 0) output.push(remainingText(remaining));
  return output;
}

function formatWeakCollection(): string[] {
  return ['<items unknown>'];
}

function formatPromise(ctx: Ctx, value: object, recurseTimes: number): string[] {
  const record = getPromiseRecord(value)!;
  if (record.state === 'pending') return ['<pending>'];
  ctx.indentationLvl += 2;
  const str = formatValue(ctx, record.result, recurseTimes);
  ctx.indentationLvl -= 2;
  return [record.state === 'rejected' ? `<rejected> ${str}` : str];
}

function formatProperty(ctx: Ctx, value: object, recurseTimes: number, key: PropertyKey, type: number, desc?: PropertyDescriptor): string {
  const env = ctx.env;
  let name: string;
  let str: string;
  if (desc === undefined) {
    desc = env.ownDesc(value, key);
    if (desc === undefined) {
      // Node reads an inherited key (an error's cause) with [[Get]]: here only a data property is read
      const inherited = env.lookup(value, key);
      desc = inherited && !('value' in inherited) ? { get: inherited.get, set: inherited.set, enumerable: true } : { value: inherited?.value, enumerable: true };
    }
  }
  if (desc.value !== undefined) {
    ctx.indentationLvl += 2;
    str = formatValue(ctx, desc.value, recurseTimes);
    ctx.indentationLvl -= 2;
  } else if (desc.get !== undefined) {
    str = desc.set !== undefined ? '[Getter/Setter]' : '[Getter]';
  } else if (desc.set !== undefined) {
    str = '[Setter]';
  } else {
    str = 'undefined';
  }
  if (type === kArrayType) return str;
  if (typeof key === 'symbol') {
    name = `[${key.toString().replace(strEscapeSequencesReplacer, escapeFn)}]`;
  } else if (key === '__proto__') {
    name = "['__proto__']";
  } else if (desc.enumerable === false) {
    name = `[${String(key).replace(strEscapeSequencesReplacer, escapeFn)}]`;
  } else if (keyStrRegExp.exec(String(key)) !== null) {
    name = String(key);
  } else {
    name = strEscape(String(key));
  }
  return `${name}: ${str}`;
}

// ---- line breaking ----

function isZeroWidthCodePoint(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    (code >= 0x300 && code <= 0x36f) ||
    (code >= 0x200b && code <= 0x200f) ||
    (code >= 0x20d0 && code <= 0x20ff) ||
    (code >= 0xfe00 && code <= 0xfe0f) ||
    (code >= 0xfe20 && code <= 0xfe2f) ||
    (code >= 0xe0100 && code <= 0xe01ef)
  );
}

function isFullWidthCodePoint(code: number): boolean {
  return (
    code >= 0x1100 &&
    (code <= 0x115f ||
      code === 0x2329 ||
      code === 0x232a ||
      (code >= 0x2e80 && code <= 0x3247 && code !== 0x303f) ||
      (code >= 0x3250 && code <= 0x4dbf) ||
      (code >= 0x4e00 && code <= 0xa4c6) ||
      (code >= 0xa960 && code <= 0xa97c) ||
      (code >= 0xac00 && code <= 0xd7a3) ||
      (code >= 0xf900 && code <= 0xfaff) ||
      (code >= 0xfe10 && code <= 0xfe19) ||
      (code >= 0xfe30 && code <= 0xfe6b) ||
      (code >= 0xff01 && code <= 0xff60) ||
      (code >= 0xffe0 && code <= 0xffe6) ||
      (code >= 0x1b000 && code <= 0x1b001) ||
      (code >= 0x1f200 && code <= 0x1f251) ||
      (code >= 0x1f300 && code <= 0x1f64f) ||
      (code >= 0x20000 && code <= 0x3fffd))
  );
}

/** Columns a string takes (Node's getStringWidth without ICU). */
function getStringWidth(str: string): number {
  let width = 0;
  for (let i = 0; i < str.length; i++) {
    const code = str.charCodeAt(i);
    if (code >= 127) {
      for (const char of str.slice(i).normalize('NFC')) {
        const cp = char.codePointAt(0)!;
        if (isFullWidthCodePoint(cp)) width += 2;
        else if (!isZeroWidthCodePoint(cp)) width++;
      }
      break;
    }
    width += code >= 32 ? 1 : 0;
  }
  return width;
}

function groupArrayElements(ctx: Ctx, output: string[], value: object | undefined): string[] {
  let totalLength = 0;
  let maxLength = 0;
  let i = 0;
  let outputLength = output.length;
  if (ctx.maxArrayLength < output.length) outputLength--;
  const separatorSpace = 2;
  const dataLen: number[] = new Array(outputLength);
  for (; i < outputLength; i++) {
    const len = getStringWidth(output[i]!);
    dataLen[i] = len;
    totalLength += len + separatorSpace;
    if (maxLength < len) maxLength = len;
  }
  const actualMax = maxLength + separatorSpace;
  if (actualMax * 3 + ctx.indentationLvl < ctx.breakLength && (totalLength / actualMax > 5 || maxLength <= 6)) {
    const approxCharHeights = 2.5;
    const averageBias = Math.sqrt(actualMax - totalLength / output.length);
    const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
    const columns = Math.min(Math.round(Math.sqrt(approxCharHeights * biasedMax * outputLength) / biasedMax), Math.floor((ctx.breakLength - ctx.indentationLvl) / actualMax), ctx.compact * 4, 15);
    if (columns <= 1) return output;
    const tmp: string[] = [];
    const maxLineLength: number[] = [];
    for (let c = 0; c < columns; c++) {
      let lineMaxLength = 0;
      for (let j = c; j < output.length; j += columns) if (dataLen[j]! > lineMaxLength) lineMaxLength = dataLen[j]!;
      maxLineLength.push(lineMaxLength + separatorSpace);
    }
    let padStart = true;
    if (value !== undefined) {
      for (let k = 0; k < output.length; k++) {
        const v = ctx.env.ownDesc(value, String(k))?.value;
        if (typeof v !== 'number' && typeof v !== 'bigint') {
          padStart = false;
          break;
        }
      }
    }
    for (let r = 0; r < outputLength; r += columns) {
      const max = Math.min(r + columns, outputLength);
      let str = '';
      let j = r;
      for (; j < max - 1; j++) {
        const padding = maxLineLength[j - r]! + output[j]!.length - dataLen[j]!;
        str += padStart ? `${output[j]}, `.padStart(padding, ' ') : `${output[j]}, `.padEnd(padding, ' ');
      }
      if (padStart) {
        const padding = maxLineLength[j - r]! + output[j]!.length - dataLen[j]! - separatorSpace;
        str += output[j]!.padStart(padding, ' ');
      } else {
        str += output[j];
      }
      tmp.push(str);
    }
    if (ctx.maxArrayLength < output.length) tmp.push(output[outputLength]!);
    output = tmp;
  }
  return output;
}

function isBelowBreakLength(ctx: Ctx, output: string[], start: number, base: string): boolean {
  let totalLength = output.length + start;
  if (totalLength + output.length > ctx.breakLength) return false;
  for (const entry of output) {
    totalLength += entry.length;
    if (totalLength > ctx.breakLength) return false;
  }
  return base === '' || !base.includes('\n');
}

function reduceToSingleString(ctx: Ctx, output: string[], base: string, braces: [string, string], extrasType: number, recurseTimes: number, value?: object): string {
  if (ctx.compact >= 1) {
    const entries = output.length;
    if (extrasType === kArrayExtrasType && entries > 6) output = groupArrayElements(ctx, output, value);
    if (ctx.currentDepth - recurseTimes < ctx.compact && entries === output.length) {
      const start = output.length + ctx.indentationLvl + braces[0].length + base.length + 10;
      if (isBelowBreakLength(ctx, output, start, base)) {
        const joinedOutput = output.join(', ');
        if (!joinedOutput.includes('\n')) return `${base ? `${base} ` : ''}${braces[0]} ${joinedOutput} ${braces[1]}`;
      }
    }
  }
  const indentation = `\n${' '.repeat(ctx.indentationLvl)}`;
  return `${base ? `${base} ` : ''}${braces[0]}${indentation}  ${output.join(`,${indentation}  `)}${indentation}${braces[1]}`;
}

// ---- util.format ----

/** Number(v) for %d, without ToPrimitive on objects (their valueOf could be guest code): boxed values unwrap, other objects are NaN. */
function toNumberSafe(env: Env, v: unknown): number | bigint {
  const p = unboxSafe(env, v);
  if (typeof p === 'bigint') return p;
  if (typeof p === 'symbol' || isObject(p)) return NaN;
  return Number(p);
}

function unboxSafe(env: Env, v: unknown): unknown {
  if (!isObject(v)) return v;
  const r = env.resolve(v);
  if (typeof r === 'symbol' || !types.isBoxedPrimitive(r)) return v;
  const fn = types.isNumberObject(r)
    ? env.P.numberValueOf
    : types.isStringObject(r)
      ? env.P.stringValueOf
      : types.isBooleanObject(r)
        ? env.P.booleanValueOf
        : types.isBigIntObject(r)
          ? env.P.bigIntValueOf
          : env.P.symbolValueOf;
  try {
    return env.call(fn, r);
  } catch {
    return v;
  }
}

/** String(fn) as the built-in Function.prototype.toString gives it (the function's own toString is not called). */
function functionSourceText(env: Env, fn: Function): string {
  const r = env.resolve(fn);
  if (typeof r !== 'function') return 'function () { [native code] }';
  const closure = env.vm.closureOf(r);
  if (closure) return closure.code.sourceText || nativeSource(closure.code.name);
  const native = env.realm.natives.get(r);
  if (native) return nativeSource(native.name);
  try {
    return env.call(env.P.functionToString, r) as string;
  } catch {
    return 'function () { [native code] }';
  }
}

/** The string parseInt / parseFloat would see, or undefined where only guest code could say (NaN). */
function toStringSafe(env: Env, v: unknown): string | undefined {
  const p = unboxSafe(env, v);
  if (typeof p === 'symbol' || isObject(p)) return undefined;
  return String(p);
}

class CircularJson {}

/**
 * JSON.stringify for `%j`, reading data properties only: getters are skipped, a toJSON method is not
 * called (Dates print their ISO string as Date.prototype.toJSON does), boxed values unwrap.
 */
function jsonSafe(env: Env, root: unknown): string | undefined {
  const stack: object[] = [];
  const ser = (v: unknown): string | undefined => {
    if (isObject(v)) {
      const r = env.resolve(v);
      if (typeof r === 'symbol') return undefined;
      if (typeof r === 'function') return undefined;
      if (types.isDate(r)) {
        const time = tryCall(env, env.P.dateGetTime, r);
        return typeof time === 'number' && Number.isFinite(time) ? JSON.stringify(env.call(env.P.dateToISOString, r)) : 'null';
      }
      if (types.isBoxedPrimitive(r)) v = unboxSafe(env, r);
      else {
        if (stack.includes(r)) throw new CircularJson();
        stack.push(r);
        const parts: string[] = [];
        if (Array.isArray(r)) {
          const len = arrayLength(env, r);
          for (let i = 0; i < len; i++) {
            const d = env.ownDesc(r, String(i));
            parts.push((d && 'value' in d ? ser(d.value) : ser(undefined)) ?? 'null');
          }
          stack.pop();
          return `[${parts.join(',')}]`;
        }
        for (const key of env.ownKeys(r)) {
          if (typeof key !== 'string') continue;
          const d = env.ownDesc(r, key);
          if (!d || !d.enumerable || !('value' in d)) continue;
          const s = ser(d.value);
          if (s !== undefined) parts.push(`${JSON.stringify(key)}:${s}`);
        }
        stack.pop();
        return `{${parts.join(',')}}`;
      }
    }
    if (typeof v === 'bigint') throw env.realm.error('TypeError', 'Do not know how to serialize a BigInt');
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
    if (v === null) return 'null';
    if (typeof v === 'string' || typeof v === 'boolean') return JSON.stringify(v);
    return undefined;
  };
  try {
    return ser(root);
  } catch (e) {
    if (e instanceof CircularJson) return '[Circular]';
    throw e;
  }
}

/** util.inspect of one guest value (Node's format), without running guest code. */
export function inspectValue(vm: VM, realm: Realm, value: unknown, opts?: InspectOptions): string {
  return formatValue(makeCtx(envFor(vm, realm), opts), value, 0);
}

/** console.log's formatting (Node's util.formatWithOptions) of guest values, without running guest code. */
export function formatValues(vm: VM, realm: Realm, args: unknown[]): string {
  const env = envFor(vm, realm);
  const inspect = (v: unknown, opts?: InspectOptions) => formatValue(makeCtx(env, opts), v, 0);
  const first = args[0];
  let a = 0;
  let str = '';
  let join = '';
  if (typeof first === 'string') {
    if (args.length === 1) return first;
    let tempStr = '';
    let lastPos = 0;
    for (let i = 0; i < first.length - 1; i++) {
      if (first.charCodeAt(i) !== 37) continue; // '%'
      const nextChar = first.charCodeAt(++i);
      if (a + 1 !== args.length) {
        switch (nextChar) {
          case 115: {
            // 's': Node calls String() on objects with their own toString; here every object is inspected
            const arg = args[++a];
            if (typeof arg === 'number') tempStr = formatNumber(arg);
            else if (typeof arg === 'bigint') tempStr = formatBigInt(arg);
            else if (!isObject(arg)) tempStr = primitiveString(arg)!;
            else if (typeof arg === 'function') tempStr = functionSourceText(env, arg);
            else tempStr = inspect(arg, { compact: 3, depth: 0 });
            break;
          }
          case 106: // 'j'
            tempStr = jsonSafe(env, args[++a]) ?? 'undefined';
            break;
          case 100: {
            // 'd'
            const n = toNumberSafe(env, args[++a]);
            tempStr = typeof n === 'bigint' ? formatBigInt(n) : formatNumber(n);
            break;
          }
          case 79: // 'O'
            tempStr = inspect(args[++a]);
            break;
          case 111: // 'o'
            tempStr = inspect(args[++a], { showHidden: true, showProxy: true, depth: 4 });
            break;
          case 105: {
            // 'i'
            const arg = args[++a];
            if (typeof arg === 'bigint') tempStr = formatBigInt(arg);
            else {
              const s = typeof arg === 'symbol' ? undefined : toStringSafe(env, arg);
              // biome-ignore lint/correctness/useParseIntRadix: Node's %i parses as parseInt does, '0x1f' as hex
              tempStr = formatNumber(s === undefined ? NaN : Number.parseInt(s));
            }
            break;
          }
          case 102: {
            // 'f'
            const arg = args[++a];
            const s = typeof arg === 'symbol' ? undefined : toStringSafe(env, arg);
            tempStr = formatNumber(s === undefined ? NaN : Number.parseFloat(s));
            break;
          }
          case 99: // 'c'
            a += 1;
            tempStr = '';
            break;
          case 37: // '%'
            str += first.slice(lastPos, i);
            lastPos = i + 1;
            continue;
          default:
            continue;
        }
        if (lastPos !== i - 1) str += first.slice(lastPos, i - 1);
        str += tempStr;
        lastPos = i + 1;
      } else if (nextChar === 37) {
        str += first.slice(lastPos, i);
        lastPos = i + 1;
      }
    }
    if (lastPos !== 0) {
      a++;
      join = ' ';
      if (lastPos < first.length) str += first.slice(lastPos);
    }
  }
  while (a < args.length) {
    const value = args[a];
    str += join;
    str += typeof value !== 'string' ? inspect(value) : value;
    join = ' ';
    a++;
  }
  return str;
}

/**
 * `Name: message` and the stack of a thrown guest value, read without running guest code: data
 * properties only (own or inherited), no ToString on objects (an object name or message prints
 * inspected). Undefined when the value is neither an error nor error-like (an object with a string message).
 */
export function describeThrown(vm: VM, realm: Realm, value: unknown): { summary: string; stack: string } | undefined {
  if (!isObject(value)) return undefined;
  const env = envFor(vm, realm);
  const r = env.resolve(value);
  if (typeof r === 'symbol') return undefined;
  const text = (v: unknown) => (isObject(v) ? inspectValue(vm, realm, v, { depth: 0 }) : primitiveString(v)!);
  const message = env.dataGet(r, 'message');
  let summary: string;
  if (env.isError(r)) {
    const name = env.dataGet(r, 'name');
    const nameText = name === undefined ? 'Error' : text(name);
    const messageText = message === undefined ? '' : text(message);
    summary = messageText ? `${nameText}: ${messageText}` : nameText;
  } else if (typeof message === 'string') {
    // an error-like object (e.g. test262's Test262Error): Name: message
    const ctor = env.dataGet(r, 'constructor');
    const ctorName = isObject(ctor) ? env.dataGet(ctor, 'name') : undefined;
    const name = env.dataGet(r, 'name') ?? (typeof ctorName === 'string' ? ctorName : 'Error');
    summary = `${text(name)}: ${message}`;
  } else {
    return undefined;
  }
  const stack = env.isError(r) ? env.dataGet(r, 'stack') : undefined;
  return { summary, stack: typeof stack === 'string' ? stack : summary };
}
