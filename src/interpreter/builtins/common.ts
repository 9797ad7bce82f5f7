// Abstract operations the modern built-ins share (ecma262 §7), done on guest values from host code.
// Guest exceptions cross these host frames as the raw guest value; host conversions that may throw
// (ToNumber, ToPropertyKey) turn host errors into guest errors before they reach guest code.
import type { Engine } from '../engine';
import type { VM } from '../vm';
import type { Realm, NativeImpl } from '../realm';
import { isObject } from '../realm';

/** https://tc39.es/ecma262/#sec-iterator-records (the engine's field names). */
export interface IteratorRecord {
  iterator: any;
  next: any;
  done: boolean;
}

/** IteratorStepValue's DONE. */
export const DONE: unique symbol = Symbol('DONE');

export { isObject };

/** The shared abstract operations, bound to one engine (no module-level state, STYLE.md habit 6). */
export class Ops {
  readonly vm: VM;
  readonly realm: Realm;
  /** The realm's Reflect: guest code a built-in triggers must be triggered from the realm (realm.ts, RealmOps). */
  readonly R: typeof Reflect;

  constructor(readonly engine: Engine) {
    this.vm = engine.vm;
    this.realm = engine.realm;
    this.R = engine.realm.R;
  }

  throwType(message: string): never {
    this.vm.throwError('TypeError', message);
  }

  /** Run a host conversion: a host-realm error it throws becomes a guest error. */
  guard<T>(f: () => T): T {
    try {
      return f();
    } catch (e) {
      throw this.vm.toGuest(e);
    }
  }

  /** https://tc39.es/ecma262/#sec-tonumber */
  toNumber(v: unknown): number {
    if (typeof v === 'number') return v;
    return this.guard(() => this.realm.ops.plus(v));
  }

  /** https://tc39.es/ecma262/#sec-tointegerorinfinity */
  toIntegerOrInfinity(v: unknown): number {
    const n = this.toNumber(v);
    if (Number.isNaN(n) || n === 0) return 0;
    if (!Number.isFinite(n)) return n;
    return Math.trunc(n) + 0;
  }

  /** https://tc39.es/ecma262/#sec-tolength */
  toLength(v: unknown): number {
    const len = this.toIntegerOrInfinity(v);
    return len <= 0 ? 0 : Math.min(len, Number.MAX_SAFE_INTEGER);
  }

  /** https://tc39.es/ecma262/#sec-isconstructor, unobservably: a proxy's construct trap runs only if its target is a constructor. */
  isConstructor(f: unknown): boolean {
    if (typeof f !== 'function') return false;
    try {
      this.R.construct(new Proxy(f, this.constructProbe), []);
      return true;
    } catch {
      return false;
    }
  }
  private readonly constructProbe: ProxyHandler<Function> = { construct: () => ({}) };

  /** https://tc39.es/ecma262/#sec-topropertykey */
  toPropertyKey(v: unknown): string | symbol {
    if (typeof v === 'symbol') return v;
    if (!isObject(v)) return String(v);
    // the host's ToPropertyKey on a guest object runs the guest's own @@toPrimitive / toString / valueOf
    return this.guard(() => this.realm.ops.toKey(v) as string | symbol);
  }

  /** https://tc39.es/ecma262/#sec-tostring */
  toString(v: unknown): string {
    if (typeof v === 'string') return v;
    if (typeof v === 'symbol') this.throwType('Cannot convert a Symbol value to a string');
    return this.guard(() => this.realm.ops.toStr(v));
  }

  /** https://tc39.es/ecma262/#sec-getmethod */
  getMethod(v: unknown, key: PropertyKey): Function | undefined {
    const f = this.vm.getV(v, key);
    if (f === undefined || f === null) return undefined;
    if (typeof f !== 'function') this.throwType(`${String(key === Symbol.iterator ? 'Symbol.iterator' : key.toString())} is not a function`);
    return f;
  }

  call(f: unknown, thisArg: unknown, args: unknown[]): unknown {
    if (typeof f !== 'function') this.throwType(`${describe(f)} is not a function`);
    return this.R.apply(f, thisArg, args);
  }

  /** https://tc39.es/ecma262/#sec-getiteratordirect */
  getIteratorDirect(obj: object): IteratorRecord {
    // 1. Let nextMethod be ? Get(obj, "next").
    const next = this.realm.ops.get(obj, 'next');
    // 2-3.
    return { iterator: obj, next, done: false };
  }

  /** https://tc39.es/ecma262/#sec-getiteratorfrommethod */
  getIteratorFromMethod(obj: unknown, method: unknown): IteratorRecord {
    const iterator = this.call(method, obj, []);
    if (!isObject(iterator)) this.throwType('Result of the Symbol.iterator method is not an object');
    return this.getIteratorDirect(iterator);
  }

  /** https://tc39.es/ecma262/#sec-getiterator (sync) */
  getIterator(obj: unknown): IteratorRecord {
    const method = this.getMethod(obj, Symbol.iterator);
    if (method === undefined) this.throwType(`${describe(obj)} is not iterable`);
    return this.getIteratorFromMethod(obj, method);
  }

  /** https://tc39.es/ecma262/#sec-iteratornext */
  iteratorNext(rec: IteratorRecord, value?: { value: unknown }): object {
    let result: unknown;
    try {
      // 1-2. Call(next, iterator[, « value »])
      if (typeof rec.next !== 'function') this.throwType(`${describe(rec.next)} is not a function`);
      result = this.R.apply(rec.next, rec.iterator, value ? [value.value] : []);
      // 5. If result is not an Object, throw a TypeError.
      if (!isObject(result)) this.throwType(`Iterator result ${describe(result)} is not an object`);
    } catch (e) {
      // 3. IfAbruptRejectPromise / set [[Done]] to true
      rec.done = true;
      throw e;
    }
    return result as object;
  }

  /** https://tc39.es/ecma262/#sec-iteratorstep: the result object, or DONE. */
  iteratorStep(rec: IteratorRecord): object | typeof DONE {
    const result = this.iteratorNext(rec);
    let done: boolean;
    try {
      done = !!this.realm.ops.get(result, 'done');
    } catch (e) {
      rec.done = true;
      throw e;
    }
    if (done) {
      rec.done = true;
      return DONE;
    }
    return result;
  }

  /** https://tc39.es/ecma262/#sec-iteratorstepvalue */
  iteratorStepValue(rec: IteratorRecord): unknown {
    const result = this.iteratorStep(rec);
    if (result === DONE) return DONE;
    try {
      return this.realm.ops.get(result, 'value');
    } catch (e) {
      rec.done = true;
      throw e;
    }
  }

  /**
   * https://tc39.es/ecma262/#sec-iteratorclose with a normal or return completion: calls `return`,
   * checks its result. For a throw completion use iteratorCloseThrow.
   */
  iteratorClose(rec: IteratorRecord): void {
    // 3. Let innerResult be Completion(GetMethod(iterator, "return")).
    const ret = this.getMethod(rec.iterator, 'return');
    // 4.b. If return is undefined, return ? completion.
    if (ret === undefined) return;
    // 4.c, 6. Call(return, iterator)
    const inner = this.R.apply(ret, rec.iterator, []);
    // 7. If innerResult.[[Value]] is not an Object, throw a TypeError exception.
    if (!isObject(inner)) this.throwType('iterator.return() did not return an object');
  }

  /** IteratorClose with a throw completion: the original exception wins (step 5). */
  iteratorCloseThrow(rec: IteratorRecord, error: unknown): never {
    try {
      const ret = this.getMethod(rec.iterator, 'return');
      if (ret !== undefined) this.R.apply(ret, rec.iterator, []);
    } catch {
      /* 5. If completion is a throw completion, return ? completion. */
    }
    throw error;
  }

  /** `f()` with IfAbruptCloseIterator(completion, rec). */
  closeOnThrow<T>(rec: IteratorRecord, f: () => T): T {
    try {
      return f();
    } catch (e) {
      return this.iteratorCloseThrow(rec, e);
    }
  }

  /** Define a getter/setter pair with built-in names (`get name`, `set name`). */
  defineAccessor(target: object, key: PropertyKey, getter: NativeImpl | undefined, setter: NativeImpl | undefined, enumerable = false): void {
    const base = typeof key === 'symbol' ? `[${key.description}]` : key;
    Object.defineProperty(target, key, {
      get: getter && (this.realm.native(`get ${base}`, 0, getter) as () => unknown),
      set: setter && (this.realm.native(`set ${base}`, 1, setter) as (v: unknown) => void),
      enumerable,
      configurable: true,
    });
  }

  /** A data property with the attributes the spec gives built-in values (writable, not enumerable, configurable). */
  defineValue(target: object, key: PropertyKey, value: unknown, writable = true, configurable = true): void {
    Object.defineProperty(target, key, { value, writable, enumerable: false, configurable });
  }

  /** https://tc39.es/ecma262/#sec-createarrayfromlist */
  arrayFromList(list: readonly unknown[]): unknown[] {
    return this.realm.arrayFromList(list);
  }
}

/** Short description of a value for messages, without running guest code. */
export function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'symbol') return v.toString();
  if (typeof v === 'function') return 'function';
  if (isObject(v)) return Array.isArray(v) ? 'array' : '#<Object>';
  return String(v);
}
