// V8's own iterators over Maps, Sets, strings, typed arrays and arguments objects hide their position.
// A `for-of` over one of them keeps such an iterator in its iterator record; when the VM made that
// record it also notes which collection and which built-in made the iterator (`source`, `method`), so a
// snapshot can recover the position: it drains the iterator (these built-ins run no guest code), counts
// what was left, and puts an equivalent fresh iterator in its place; restore makes a fresh iterator and
// steps it to the same position. A Map/Set iterator's position is the number of live entries before its
// cursor (entries deleted meanwhile no longer count), which is what a fresh iterator stepped that many
// times reproduces, later insertions and deletions included.
import type { Realm } from './realm';
import { types } from 'node:util';

export type IterationKind = 'map' | 'set' | 'string' | 'typed array' | 'array';

interface Method {
  kind: IterationKind;
  /** The `next` of the iterators it makes (the prototype's original). */
  next: Function;
}

/** The built-ins whose iterators' positions can be recovered, found by identity in one realm. */
export class IterationMethods {
  private readonly methods = new Map<Function, Method>();
  /** Map.prototype.size and Set.prototype.size getters, and %TypedArray%.prototype.length. */
  private readonly mapSize: Function;
  private readonly setSize: Function;
  private readonly typedLength: Function;

  constructor(realm: Realm) {
    const run = <T>(src: string): T => realm.realmEval(src) as T;
    const add = (kind: IterationKind, fns: string, next: string) => {
      const n = run<Function>(next);
      for (const f of run<Function[]>(fns)) this.methods.set(f, { kind, next: n });
    };
    add('map', '[Map.prototype.entries, Map.prototype.keys, Map.prototype.values]', 'Object.getPrototypeOf(new Map().entries()).next');
    add('set', '[Set.prototype.values, Set.prototype.entries]', 'Object.getPrototypeOf(new Set().values()).next');
    add('string', '[String.prototype[Symbol.iterator]]', 'Object.getPrototypeOf(""[Symbol.iterator]()).next');
    const TA = 'Object.getPrototypeOf(Int8Array.prototype)';
    add('typed array', `[${TA}.values, ${TA}.keys, ${TA}.entries]`, 'Object.getPrototypeOf([].values()).next');
    add('array', '[Array.prototype.values, Array.prototype.keys, Array.prototype.entries]', 'Object.getPrototypeOf([].values()).next');
    const getter = (src: string) => run<Function>(`Object.getOwnPropertyDescriptor(${src}).get`);
    this.mapSize = getter('Map.prototype, "size"');
    this.setSize = getter('Set.prototype, "size"');
    this.typedLength = getter(`${TA}, "length"`);
  }

  /** Iterators made by a guest call of one of the methods (`map.keys()`): which collection and method. */
  readonly made = new WeakMap<object, { source: unknown; method: Function }>();

  isMethod(f: unknown): boolean {
    return this.methods.has(f as Function);
  }

  /** Note where an iterator a guest call made comes from (the VM calls this for calls of the methods). */
  note(result: unknown, source: unknown, method: Function): void {
    if (typeof result === 'object' && result !== null && this.recoverable(method, source)) this.made.set(result, { source, method });
  }

  /** Whether iterators made by `method` on `source` can have their position recovered. */
  recoverable(method: unknown, source: unknown): boolean {
    const m = this.methods.get(method as Function);
    if (!m) return false;
    switch (m.kind) {
      case 'map':
        return types.isMap(source);
      case 'set':
        return types.isSet(source);
      case 'string':
        return typeof source === 'string';
      case 'typed array':
        return types.isTypedArray(source);
      case 'array':
        return types.isArgumentsObject(source) || Array.isArray(source);
    }
  }

  /** The original `next` of iterators made by `method` (the record's `next` must be this one). */
  nextOf(method: unknown): Function | undefined {
    return this.methods.get(method as Function)?.next;
  }

  /**
   * The position of `iterator` (made by `method` on `source`): how many steps a fresh iterator takes to
   * stand where it stands. Drains it; `replace` receives a fresh iterator at that position. Null when
   * draining could run guest code (an array whose elements are accessors) or cannot be done.
   */
  position(source: unknown, method: Function, iterator: object, replace: (fresh: object) => void): number | null {
    const m = this.methods.get(method)!;
    if (m.kind === 'array' && !plainElements(source as ArrayLike<unknown>)) return null;
    let left = 0;
    let units = 0;
    try {
      for (;;) {
        const r = Reflect.apply(m.next, iterator, []) as IteratorResult<unknown>;
        if (r.done) break;
        left++;
        if (m.kind === 'string') units += (r.value as string).length;
      }
    } catch {
      return null; // a detached or out-of-bounds typed array: its next step throws, and so would ours
    }
    let pos: number;
    switch (m.kind) {
      case 'map':
        pos = (Reflect.apply(this.mapSize, source, []) as number) - left;
        break;
      case 'set':
        pos = (Reflect.apply(this.setSize, source, []) as number) - left;
        break;
      case 'string':
        pos = (source as string).length - units;
        break;
      case 'typed array':
        pos = (Reflect.apply(this.typedLength, source, []) as number) - left;
        break;
      case 'array':
        pos = Math.max(0, (source as ArrayLike<unknown>).length - left);
        break;
    }
    replace(this.fresh(source, method, pos));
    return pos;
  }

  /** A fresh iterator made by `method` on `source`, stepped to `pos` (code units for strings). */
  fresh(source: unknown, method: Function, pos: number): object {
    const m = this.methods.get(method)!;
    const it = Reflect.apply(method, source, []) as object;
    if (m.kind === 'string') {
      for (let units = 0; units < pos; ) {
        const r = Reflect.apply(m.next, it, []) as IteratorResult<string>;
        if (r.done) break;
        units += r.value.length;
      }
    } else {
      for (let i = 0; i < pos; i++) if ((Reflect.apply(m.next, it, []) as IteratorResult<unknown>).done) break;
    }
    return it;
  }
}

/** Every index below the length is an own data property (reading them runs no getter). */
function plainElements(a: ArrayLike<unknown>): boolean {
  const len = Reflect.getOwnPropertyDescriptor(a, 'length');
  if (!len || !('value' in len) || typeof len.value !== 'number') return false;
  for (let i = 0; i < len.value; i++) {
    const d = Reflect.getOwnPropertyDescriptor(a, i);
    if (!d || !('value' in d)) return false;
  }
  return true;
}
