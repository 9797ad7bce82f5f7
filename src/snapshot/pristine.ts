// What a fresh engine's built-ins look like, against which a snapshot tells which built-ins a program
// changed. Either a fresh twin engine per option set (and service list), kept for the process, or — cheaper,
// for an engine seen before its program ran (`recordBaseline`) — copies of that engine's own built-ins'
// properties taken then (no second engine to build: a slow client's start-up is shorter by that much).
import { Engine, MemoryBudget, type EngineOptions, type HostService } from '../interpreter/index';

// Twins outlive the engines they serve, and that is safe: a twin runs no guest code (it is made with no
// program, no argv, and its console discarded), and nothing writes to it — capture reads its built-ins'
// descriptors and the values at their paths (`pristineOf`), a delta's `$.pristine` copies them onto the
// receiving engine mapped to that engine's own built-ins (no twin object is ever handed to an engine). So a
// twin stays what a fresh engine with those options is, for every engine that shares it, and no engine's
// state reaches another through it. What it could do is keep alive the host services it was made with: a
// twin whose services are all keyed (the installed ML APIs) is kept for the process, one per key list;
// one that has a service without a key is held weakly by that service, and goes when the service does.
const twins = new Map<string, Engine>();
const twinsByService = new WeakMap<HostService, Map<string, Engine>>();
/** Host services without a key, by identity: an engine with services is compared with a twin that has the same ones. */
const serviceIds = new WeakMap<HostService, number>();
let nextServiceId = 0;

export function pristineEngine(options: EngineOptions): Engine {
  // one twin per host-hook setting and service list; argv only decides the contents of snapvm.argv, which are diffed
  const list = options.services ?? [];
  const services = list.map((s) => {
    if (s.key !== undefined) return s.key;
    let id = serviceIds.get(s);
    if (id === undefined) serviceIds.set(s, (id = nextServiceId++));
    return id;
  });
  // (a memory budget puts the allocating built-ins behind wrappers: a twin has them too, with no bound)
  const key = JSON.stringify({ test262Host: !!options.test262Host, services, memoryBudget: !!options.memoryBudget });
  const unkeyed = list.find((s) => s.key === undefined);
  let table = twins;
  if (unkeyed) {
    let byService = twinsByService.get(unkeyed);
    if (!byService) twinsByService.set(unkeyed, (byService = new Map()));
    table = byService;
  }
  let e = table.get(key);
  if (!e) {
    const memoryBudget = options.memoryBudget ? new MemoryBudget(Infinity) : undefined;
    e = new Engine({ test262Host: options.test262Host, services: options.services, ...(memoryBudget ? { memoryBudget } : {}), argv: [], onConsole: () => {}, onPrint: () => {} });
    table.set(key, e);
  }
  return e;
}

/** A fresh engine's built-ins: by path, what each looked like (its own properties and prototype), and their paths. */
export interface Pristine {
  /** path → an object with the built-in's fresh own properties and prototype */
  byPath: ReadonlyMap<string, object>;
  /** the objects the fresh properties name → their paths */
  builtins: Map<object, string>;
  /** The fresh built-in at a dotted path from the global (`Object.create`). */
  lookup(dotted: string): unknown;
}

const baselines = new WeakMap<Engine, Pristine>();

/** Copy `engine`'s built-ins now, before its program runs: its captures then diff against the copies. */
export function recordBaseline(engine: Engine): void {
  const byPath = new Map<string, object>();
  for (const [o, p] of engine.builtins) {
    // host reflection on the realm's own built-ins: descriptors only, no getter runs
    const copy = Object.create(Object.getPrototypeOf(o), Object.getOwnPropertyDescriptors(o)) as object;
    if (!Object.isExtensible(o)) Object.preventExtensions(copy);
    byPath.set(p, copy);
  }
  const builtins = engine.builtins;
  baselines.set(engine, {
    byPath,
    builtins,
    lookup(dotted) {
      let v: unknown = engine.realm.global;
      for (const k of dotted.split('.')) {
        const copy = byPath.get(builtins.get(v as object) ?? '');
        v = copy ? Reflect.getOwnPropertyDescriptor(copy, k)?.value : undefined;
      }
      return v;
    },
  });
}

/** The fresh built-ins `engine`'s captures diff against: its baseline if recorded, else a twin engine's. */
export function pristineOf(engine: Engine): Pristine {
  const b = baselines.get(engine);
  if (b) return b;
  const twin = pristineEngine(engine.options);
  return {
    byPath: twin.builtinsByPath,
    builtins: twin.builtins,
    lookup(dotted) {
      let v: any = twin.realm.global;
      for (const k of dotted.split('.')) v = v[k];
      return v;
    },
  };
}
