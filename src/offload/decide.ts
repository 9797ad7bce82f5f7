// The automatic decision (EUC'15): measure each event handler's local time as it runs, and migrate
// at the turn boundary before a handler whose predicted local time exceeds its predicted remote time
// plus the migration cost. Handlers are timer callbacks, named by their function's source (the same
// name in every engine the program passes through).
import { Engine } from '../index';

/**
 * Time a fixed guest program in a fresh engine (best of 4 after a warm-up, about 10 ms each on an idle core here):
 * client and server each run it, and the ratio predicts how much faster a handler runs on the server
 * before it has run there. The best run is the least disturbed by other load.
 */
export function calibrate(): number {
  const e = new Engine({ onConsole: () => {} });
  const source = `(function () {
    let s = 0; const o = { a: 1, b: [1, 2, 3] };
    function f(x) { return (x * 31 + o.a) % 1009; }
    for (let i = 0; i < 20000; i++) { s = (s + f(i) + o.b[i % 3]) % 1000003; o.a = s & 7; }
    return s;
  })()`;
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    e.evaluateScript(source, 'calibration.js');
    if (i > 0) best = Math.min(best, performance.now() - t);
  }
  return best;
}

/** A handler's name across engines: its function's file and source text, or null for other callbacks. */
export function handlerKey(engine: Engine, callback: unknown): string | null {
  const closure = engine.vm.closureOf(callback);
  return closure ? `${closure.code.file}\n${closure.code.sourceText}` : null;
}

const ALPHA = 0.5; // weight of the newest measurement in the moving averages

export interface Decision {
  offload: boolean;
  localMs: number;
  remoteMs: number;
  migrationMs: number;
}

export class OffloadPolicy {
  private readonly local = new Map<string, number>();
  private readonly remote = new Map<string, number>();
  /** Round-trip migration cost: a guess until the first migration, then measured. */
  migrationMs: number;

  constructor(
    /** Client time ÷ server time for the same work (calibrate() on both sides). */
    readonly speedRatio: number,
    initialMigrationMs = 500,
  ) {
    this.migrationMs = initialMigrationMs;
  }

  private static mix(old: number | undefined, x: number): number {
    return old === undefined ? x : ALPHA * x + (1 - ALPHA) * old;
  }

  observeLocal(key: string, ms: number): void {
    this.local.set(key, OffloadPolicy.mix(this.local.get(key), ms));
  }

  observeRemote(key: string, ms: number, migrationMs: number): void {
    this.remote.set(key, OffloadPolicy.mix(this.remote.get(key), ms));
    this.migrationMs = OffloadPolicy.mix(this.migrationMs, migrationMs);
  }

  /**
   * How long a turn may run here before it moves at a safe point (client.ts, midTurnHook): the predicted
   * migration cost (ski rental: renting until the rent paid equals the price of buying costs at most twice
   * the better choice), or never when the edge is not faster than this client.
   */
  midTurnMs(): number {
    return this.speedRatio > 1 ? this.migrationMs : Infinity;
  }

  /** Offload the handler `key` now? Only once it has been measured (locally or remotely). */
  decide(key: string): Decision | null {
    const remoteKnown = this.remote.get(key);
    const localKnown = this.local.get(key);
    if (localKnown === undefined && remoteKnown === undefined) return null;
    const localMs = localKnown ?? remoteKnown! * this.speedRatio;
    const remoteMs = remoteKnown ?? localKnown! / this.speedRatio;
    return { offload: localMs > remoteMs + this.migrationMs, localMs, remoteMs, migrationMs: this.migrationMs };
  }
}
