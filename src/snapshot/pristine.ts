// A fresh engine per option set, kept for the process: the twin against which a snapshot tells
// which built-ins a program changed.
import { Engine, type EngineOptions } from '../interpreter/index';

const twins = new Map<string, Engine>();

export function pristineEngine(options: EngineOptions): Engine {
  // one twin per host-hook setting; argv only decides the contents of snapvm.argv, which are diffed
  const key = JSON.stringify({ test262Host: !!options.test262Host });
  let e = twins.get(key);
  if (!e) {
    e = new Engine({ test262Host: options.test262Host, argv: [], onConsole: () => {}, onPrint: () => {} });
    twins.set(key, e);
  }
  return e;
}
