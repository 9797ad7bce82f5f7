// snapvm's public API: the engine with snapshot and restore.
import { Engine as InterpreterEngine } from './interpreter/engine';
import type { EngineOptions } from './interpreter/api';
import { capture, restore, type Snapshot } from './snapshot';

export class Engine extends InterpreterEngine {
  /** Write the whole program state out as a JavaScript program (between event-loop turns). */
  snapshot(): Snapshot {
    return capture(this);
  }

  /** A fresh engine running the program a snapshot describes, ready to continue its event loop. */
  static restore(code: string, options: EngineOptions = {}): Engine {
    return restore(code, options, Engine);
  }
}

export { GuestError } from './interpreter/api';
export type { EngineOptions, ConsoleLevel } from './interpreter/api';
export { SnapshotError, prepareCapture, type Snapshot, type SnapshotStats } from './snapshot';
