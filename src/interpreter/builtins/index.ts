// Built-ins newer than Node 20's V8, added in the guest realm (the engine runs ES2025+ programs on Node 20).
import type { Engine } from '../engine';

export function installModernBuiltins(engine: Engine): void {
  void engine;
}
