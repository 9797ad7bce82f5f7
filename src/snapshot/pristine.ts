// A fresh engine per option set, kept for the process: the twin against which a snapshot tells
// which built-ins a program changed.
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
