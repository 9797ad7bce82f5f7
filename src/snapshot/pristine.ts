// What a fresh engine's built-ins look like, against which a snapshot tells which built-ins a program
// changed. Either a fresh twin engine per option set (and service list), kept for the process, or — cheaper,
// for an engine seen before its program ran (`recordBaseline`) — copies of that engine's own built-ins'
// properties taken then (no second engine to build: a slow client's start-up is shorter by that much).
import { Engine, type EngineOptions, type HostService } from '../interpreter/index';

const twins = new Map<string, Engine>();
/** Host services without a key, by identity: an engine with services is compared with a twin that has the same ones. */
const serviceIds = new WeakMap<HostService, number>();
let nextServiceId = 0;

export function pristineEngine(options: EngineOptions): Engine {
  // one twin per host-hook setting and service list; argv only decides the contents of snapvm.argv, which are diffed
  const services = (options.services ?? []).map((s) => {
    if (s.key !== undefined) return s.key;
    let id = serviceIds.get(s);
    if (id === undefined) serviceIds.set(s, (id = nextServiceId++));
    return id;
  });
  const key = JSON.stringify({ test262Host: !!options.test262Host, services });
  let e = twins.get(key);
  if (!e) {
    e = new Engine({ test262Host: options.test262Host, services: options.services, argv: [], onConsole: () => {}, onPrint: () => {} });
    twins.set(key, e);
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
