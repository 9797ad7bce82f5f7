// A bound on the memory a guest allocates outside the V8 heap: the bytes of array buffers (ArrayBuffer,
// SharedArrayBuffer, typed arrays, WebAssembly.Memory). A worker's resourceLimits bound only its heap, and
// an edge server runs strangers' code (test/safety-redteam.test.ts). The guest's constructors are V8's, so
// each one that allocates is put behind a proxy whose construct trap counts the bytes first, and each
// method that allocates (resize, grow, transfer, the copying typed-array methods) is wrapped likewise;
// the prototypes' `constructor` names the proxy, so species creation (slice, map, filter) comes through
// it too, and what V8's own constructor made for it (a species of undefined) is counted once made. Only an engine made with a budget has them (EngineOptions.memoryBudget): others run V8's own.
import { types } from 'node:util';
import type { Engine } from './engine';
import { DONE, Ops } from './builtins/common';
import { TYPED_ARRAYS } from '../typed-arrays';

const MB = 1024 * 1024;
const WASM_PAGE = 65536;

/**
 * The bytes counted against a budget. The count is of allocations; freed buffers give theirs back when
 * an allocation would not fit: `measure` (the embedder's: a collection, then what is live outside the
 * heap) replaces the count, and the allocation is refused only if it still does not fit. Bytes the
 * measure does not see stay counted apart (`unseen`): a shared buffer's, and a resizable buffer's growth
 * (V8's external memory counts it at its construction length).
 */
export class MemoryBudget {
  private counted = 0;
  private unseen = 0;
  /** Whether an allocation was refused since `takeRefused` last asked (the embedder then reports the stop as this budget's). */
  private refused = false;
  /** How many allocations were refused (a restore tells the budget's RangeError from V8's by it). */
  private refusedCount = 0;

  constructor(
    readonly limitBytes: number,
    private readonly measure?: () => number,
  ) {}

  /** Count `bytes` about to be allocated (`unseen`: bytes the measure does not see); false (nothing counted) where they do not fit. */
  charge(bytes: number, unseen = false): boolean {
    if (bytes <= 0) return true;
    if (this.counted + this.unseen + bytes > this.limitBytes && this.measure) this.counted = this.measure();
    if (this.counted + this.unseen + bytes > this.limitBytes) {
      this.refused = true;
      this.refusedCount++;
      return false;
    }
    if (unseen) this.unseen += bytes;
    else this.counted += bytes;
    return true;
  }

  /**
   * After an allocation that could not be counted first (a WebAssembly module's own memories): where there is
   * a measure, it replaces the count, and the live bytes are refused (false) if they pass the budget.
   */
  settle(): boolean {
    if (!this.measure) return true;
    this.counted = this.measure();
    if (this.counted + this.unseen <= this.limitBytes) return true;
    this.refused = true;
    this.refusedCount++;
    return false;
  }

  /** Whether the count has a measure. */
  get measured(): boolean {
    return this.measure !== undefined;
  }

  /** The bytes counted now. */
  get used(): number {
    return this.counted + this.unseen;
  }

  /** Give back bytes charged for an allocation that then failed, or that were freed. */
  refund(bytes: number, unseen = false): void {
    if (unseen) this.unseen = Math.max(0, this.unseen - bytes);
    else this.counted = Math.max(0, this.counted - bytes);
  }

  /** How many allocations were refused in all. */
  get refusals(): number {
    return this.refusedCount;
  }

  /** Whether an allocation was refused since the last call (and forget it). */
  takeRefused(): boolean {
    const r = this.refused;
    this.refused = false;
    return r;
  }

  /** The budget in words, for errors. */
  describe(): string {
    return `${Math.round(this.limitBytes / MB)} MB`;
  }
}

/** Put the realm's allocating constructors and methods behind `budget` (see the head of this file). */
export function installMemoryBudget(engine: Engine, budget: MemoryBudget): void {
  const ops = new Ops(engine);
  const { realm, vm } = engine;
  const R = realm.R;
  const g = realm.global as any;
  const refuse = (what: string, bytes: number): never => vm.throwError('RangeError', `${what}: ${bytes} bytes would pass this program's memory budget of ${budget.describe()} for array buffers`);
  /** Charge, run `allocate`, refund if it throws. */
  const counted = <T>(what: string, requested: number, shared: boolean, allocate: () => T): T => {
    // (a length the built-in refuses is its RangeError to throw)
    const bytes = Number.isFinite(requested) && requested > 0 ? requested : 0;
    if (!budget.charge(bytes, shared)) refuse(what, bytes);
    try {
      return allocate();
    } catch (e) {
      budget.refund(bytes, shared);
      throw e;
    }
  };
  /** https://tc39.es/ecma262/#sec-toindex, once: the built-in gets the number (converting it again runs nothing). */
  const toIndex = (v: unknown): number => (v === undefined ? 0 : ops.toIntegerOrInfinity(v));
  const getter = (o: object, key: PropertyKey) => Object.getOwnPropertyDescriptor(o, key)!.get!;

  /** A resizable buffer's growth (unseen by the measure), given back when it shrinks or is collected. */
  const growth = new WeakMap<object, { bytes: number }>();
  const collected = new FinalizationRegistry<{ bytes: number }>((g) => budget.refund(g.bytes, true));
  /** What the guarded constructors made (counted by their traps): a species-made result not among them was made by V8's own constructor. */
  const counts = new WeakSet<object>();
  /**
   * Wrap method `name` of `proto`, whose result species creation makes: where the species constructor is
   * undefined (`a.constructor = undefined`), V8 uses its own intrinsic, the proxy's target, and no trap runs;
   * such a result is counted once made (`byteLength` its getter).
   */
  const speciesMade = (proto: object, name: string, what: string, byteLength: Function, shared: boolean) =>
    wrap(proto, name, (original, self, args) => {
      const r = R.apply(original, self, args) as object;
      if (!counts.has(r)) {
        const bytes = R.apply(byteLength, r, []) as number;
        if (!budget.charge(bytes, shared)) refuse(what, bytes);
        counts.add(r);
      }
      return r;
    });
  /** `ctor` behind a proxy whose construct trap runs `construct` (the target, the arguments, new.target). */
  const guard = (name: string, construct: (target: Function, args: unknown[], newTarget: Function) => object) => {
    const target = g[name] as Function | undefined;
    if (typeof target !== 'function') return;
    // (V8 calls the trap, not the VM: a host error it might throw becomes a guest one here)
    const proxy = new Proxy(target, {
      construct: (t, args, nt) =>
        ops.guard(() => {
          const made = construct(t, args, nt);
          counts.add(made);
          return made;
        }),
    });
    Object.defineProperty(g, name, { ...Object.getOwnPropertyDescriptor(g, name), value: proxy });
    Object.defineProperty(target.prototype, 'constructor', { ...Object.getOwnPropertyDescriptor(target.prototype, 'constructor'), value: proxy });
  };
  /** Replace method `name` of `proto` by a native of the same name and length running `impl` (the original, this, arguments). */
  const wrap = (proto: object, name: string, impl: (original: Function, self: unknown, args: ArrayLike<unknown>) => unknown) => {
    const original = Object.getOwnPropertyDescriptor(proto, name)?.value as Function | undefined;
    if (typeof original !== 'function') return;
    realm.defineNative(proto, name, original.length, (self, args) => impl(original, self, args));
  };

  // ArrayBuffer and SharedArrayBuffer: (length, options); resize/grow (newLength); slice through species
  for (const [name, shared] of [
    ['ArrayBuffer', false],
    ['SharedArrayBuffer', true],
  ] as const) {
    const ctor = g[name] as Function | undefined;
    if (typeof ctor !== 'function') continue;
    const byteLength = getter(ctor.prototype, 'byteLength');
    guard(name, (target, args, nt) => {
      const n = toIndex(args[0]);
      const list = [n, ...Array.prototype.slice.call(args, 1)];
      return counted(name, n, shared, () => R.construct(target, list, nt) as object);
    });
    wrap(ctor.prototype, shared ? 'grow' : 'resize', (original, self, args) => {
      const before = R.apply(byteLength, self, []) as number; // (RequireInternalSlot first, as the spec orders it)
      const n = toIndex(args[0]);
      // growth is unseen by the measure: counted apart, per buffer, until the buffer shrinks or is collected
      const r = counted(`${name}.prototype.${shared ? 'grow' : 'resize'}`, n - before, true, () => R.apply(original, self, [n]));
      if (!shared && n !== before) {
        let g = growth.get(self as object);
        if (g === undefined && n > before) {
          g = { bytes: 0 };
          growth.set(self as object, g);
          collected.register(self as object, g);
        }
        if (n > before) g!.bytes += n - before;
        else {
          // a shrunk buffer's pages are given back (V8 decommits them): its growth first
          const back = Math.min(g?.bytes ?? 0, before - n);
          if (g) g.bytes -= back;
          budget.refund(back, true);
          budget.refund(before - n - back, false);
        }
      }
      return r;
    });
    speciesMade(ctor.prototype, 'slice', `${name}.prototype.slice`, byteLength, shared);
    if (!shared)
      for (const m of ['transfer', 'transferToFixedLength'])
        wrap(ctor.prototype, m, (original, self, args) => {
          const before = R.apply(byteLength, self, []) as number;
          const n = args[0] === undefined ? before : toIndex(args[0]);
          return counted(`ArrayBuffer.prototype.${m}`, n, false, () => R.apply(original, self, [n]));
        });
  }

  // typed arrays: (length) allocates length × size, (typed array) and (array) copy, (buffer, …) shares;
  // slice, map, filter come through species, toReversed, toSorted, with make their own
  const TypedArray = Object.getPrototypeOf(g.Uint8Array) as Function;
  const taLength = getter(TypedArray.prototype, 'length');
  const taByteLength = getter(TypedArray.prototype, 'byteLength');
  for (const name of TYPED_ARRAYS) {
    const ctor = g[name] as ({ BYTES_PER_ELEMENT: number } & Function) | undefined;
    if (typeof ctor !== 'function') continue;
    const size = ctor.BYTES_PER_ELEMENT;
    guard(name, (target, args, nt) => {
      const first = args[0];
      if (first === null || (typeof first !== 'object' && typeof first !== 'function')) {
        const n = toIndex(first);
        return counted(name, n * size, false, () => R.construct(target, [n], nt) as object);
      }
      if (types.isAnyArrayBuffer(first)) return R.construct(target, args, nt) as object;
      // a copy: its length is known before the copy is written where the source is a typed array or an
      // array (a data property: no guest code runs to read it)
      const known = types.isTypedArray(first) ? (R.apply(taLength, first, []) as number) : !types.isProxy(first) && Array.isArray(first) ? first.length : undefined;
      if (known !== undefined) return counted(name, known * size, false, () => R.construct(target, args, nt) as object);
      // an iterable's values are listed in the heap first (bounded by it), as the spec lists them, then
      // counted; an array-like is counted once its length is read (NON-SPEC (budget): before its elements
      // are made, and all its elements are read before the first is converted to a number), and its values listed. The built-in makes the array from the list (a host array: no guest
      // iterator runs again).
      const method = ops.getMethod(first, Symbol.iterator);
      if (method !== undefined) {
        const list: unknown[] = [];
        const rec = ops.getIteratorFromMethod(first, method);
        for (let v = ops.iteratorStepValue(rec); v !== DONE; v = ops.iteratorStepValue(rec)) list.push(v);
        return counted(name, list.length * size, false, () => R.construct(target, [list], nt) as object);
      }
      const length = ops.toLength(ops.guard(() => realm.ops.get(first, 'length')));
      return counted(name, length * size, false, () => {
        const list: unknown[] = [];
        for (let k = 0; k < length; k++) list.push(ops.guard(() => realm.ops.get(first, k)));
        return R.construct(target, [list], nt) as object;
      });
    });
  }
  for (const m of ['slice', 'map', 'filter']) speciesMade(TypedArray.prototype, m, `%TypedArray%.prototype.${m}`, taByteLength, false);
  for (const m of ['toReversed', 'toSorted', 'with'])
    wrap(TypedArray.prototype, m, (original, self, args) => {
      const bytes = R.apply(taByteLength, self, []) as number;
      return counted(`%TypedArray%.prototype.${m}`, bytes, false, () => R.apply(original, self, args));
    });

  // WebAssembly.Memory({ initial, maximum }): counted once made (its pages are not written yet, and are
  // dropped if refused); grow(delta) before
  const Memory = g.WebAssembly?.Memory as Function | undefined;
  if (typeof Memory === 'function') {
    const buffer = getter(Memory.prototype, 'buffer');
    const abLength = getter(g.ArrayBuffer.prototype, 'byteLength');
    const sabLength = typeof g.SharedArrayBuffer === 'function' ? getter(g.SharedArrayBuffer.prototype, 'byteLength') : abLength;
    // (the built-ins' own byteLength getters, found before any guest code ran: no guest getter answers)
    const isShared = (m: unknown) => types.isSharedArrayBuffer(R.apply(buffer, m, []));
    const bytesOf = (m: unknown) => {
      const b = R.apply(buffer, m, []) as object;
      return R.apply(types.isSharedArrayBuffer(b) ? sabLength : abLength, b, []) as number;
    };
    const proxy = new Proxy(Memory, {
      construct: (t, args, nt) =>
        ops.guard(() => {
          const made = R.construct(t, args, nt) as object;
          const bytes = bytesOf(made);
          // (a shared memory's bytes are a SharedArrayBuffer's: the measure does not see them)
          if (!budget.charge(bytes, isShared(made))) refuse('WebAssembly.Memory', bytes);
          counts.add(made);
          return made;
        }),
    });
    Object.defineProperty(g.WebAssembly, 'Memory', { ...Object.getOwnPropertyDescriptor(g.WebAssembly, 'Memory'), value: proxy });
    Object.defineProperty(Memory.prototype, 'constructor', { ...Object.getOwnPropertyDescriptor(Memory.prototype, 'constructor'), value: proxy });
    // WebAssembly.Instance: the module's own memories (defined, not imported) are made by V8: with a measure
    // the live bytes are measured once it is made; without one, its exported memories are counted
    const Instance = g.WebAssembly.Instance as Function | undefined;
    if (typeof Instance === 'function') {
      const exportsOf = getter(Instance.prototype, 'exports');
      const isMemory = (v: unknown) => {
        try {
          R.apply(buffer, v, []);
          return true;
        } catch {
          return false;
        }
      };
      const instanceProxy = new Proxy(Instance, {
        construct: (t, args, nt) =>
          ops.guard(() => {
            const made = R.construct(t, args, nt) as object;
            if (budget.measured) {
              if (!budget.settle()) refuse('WebAssembly.Instance', budget.used);
              return made;
            }
            const exported = R.apply(exportsOf, made, []) as Record<string, unknown>;
            for (const key of Object.keys(exported)) {
              const m = Object.getOwnPropertyDescriptor(exported, key)?.value;
              if (!isMemory(m) || counts.has(m as object)) continue;
              const bytes = bytesOf(m);
              if (!budget.charge(bytes, isShared(m))) refuse('WebAssembly.Instance', bytes);
              counts.add(m as object);
            }
            return made;
          }),
      });
      Object.defineProperty(g.WebAssembly, 'Instance', { ...Object.getOwnPropertyDescriptor(g.WebAssembly, 'Instance'), value: instanceProxy });
      Object.defineProperty(Instance.prototype, 'constructor', { ...Object.getOwnPropertyDescriptor(Instance.prototype, 'constructor'), value: instanceProxy });
    }
    wrap(Memory.prototype, 'grow', (original, self, args) => {
      const shared = isShared(self); // (a TypeError for anything but a memory, before the argument is read)
      const delta = ops.toNumber(args[0]);
      return counted('WebAssembly.Memory.prototype.grow', Number.isFinite(delta) && delta > 0 ? Math.trunc(delta) * WASM_PAGE : 0, shared, () => R.apply(original, self, [delta]));
    });
  }
}
