// snapvm's public API: the engine with snapshot and restore.
import { Engine as InterpreterEngine } from './interpreter/index';
import type { EngineOptions } from './interpreter/index';
import { capture, restore, restoreWithTable, stateAfterRestore, type DeltaState, type Snapshot, type CaptureOptions } from './snapshot';
import { SafepointStop, type Frame } from './interpreter/state';

export class Engine extends InterpreterEngine {
  // (the interpreter's second parameter, a private warm-up engine's role, is not the package's)
  constructor(options: EngineOptions = {}) {
    super(options);
  }

  /**
   * Write the whole program state out as a JavaScript program (between event-loop turns). The text
   * also runs in plain Node (`node SNAP`) when the state has no suspended frames, unless
   * `{ portable: false }` leaves that section out.
   */
  snapshot(options: CaptureOptions = {}): Snapshot {
    return capture(this, null, options);
  }

  /**
   * Call `hook` at every safe point (a loop back-edge) with the running frame, or stop (null). The hook
   * may take a snapshot there (`captureAt`) and throw `safepointStop()` to abandon the program.
   */
  setSafepointHook(hook: ((frame: Frame) => void) | null): void {
    this.vm.safepoint = hook;
  }

  /** A snapshot at a safe point, from inside the safe-point hook (`frame`: the running frame). */
  captureAt(frame: unknown): string {
    return capture(this, frame as Frame).code;
  }

  /** The exception a safe-point hook throws to abandon the running program (no guest handler sees it). */
  safepointStop(reason: string): SafepointStop {
    return new SafepointStop(reason);
  }

  /** A fresh engine running the program a snapshot describes, ready to continue its event loop. */
  static restore(code: string, options: EngineOptions = {}): Engine {
    return restore(code, options, Engine);
  }

  /** `restore`, with the agreed state a delta (snapshot/delta.ts) continues from, when the text is canonical. */
  static restoreForDeltas(code: string, options: EngineOptions = {}): { engine: Engine; state: DeltaState | null } {
    const { engine, table } = restoreWithTable(code, options, Engine);
    return { engine, state: table ? stateAfterRestore(table, code) : null };
  }
}

export { GuestError } from './interpreter/api';
export { prepareUnit, unitCache, MemoryBudget } from './interpreter/index';
export type { EngineOptions, ConsoleLevel } from './interpreter/api';
export { SnapshotError, prepareCapture, capture, type Snapshot, type SnapshotStats, type CaptureOptions } from './snapshot';
export {
  captureDelta,
  applyDelta,
  stateAfterRestore,
  isDelta,
  DeltaRefused,
  StreamingRestore,
  chunkLines,
  captureStreamed,
  type StreamedCapture,
  type DeltaState,
  type DeltaCapture,
} from './snapshot';
export { SafepointStop, type Frame } from './interpreter/state';
