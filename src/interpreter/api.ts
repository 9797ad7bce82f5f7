// The embedding API's types. The Engine class (engine.ts) implements them; the CLI, the conformance
// runner, and the later snapshot / page / offload rooms use only these and index.ts.

export type ConsoleLevel = 'log' | 'info' | 'debug' | 'warn' | 'error';

export interface EngineOptions {
  /** Maximum depth of guest frames before a guest RangeError (default 100 000). */
  frameLimit?: number;
  /** Proper tail calls in strict code (ES2015): tail recursion in constant space, but tail-calling frames vanish from stack traces. Default false. */
  properTailCalls?: boolean;
  /** Receives each console call: the level and the guest arguments (guest-realm values). */
  onConsole?: (level: ConsoleLevel, args: unknown[]) => void;
  /** `process.argv`-like list the CLI hands to the guest as `snapvm.argv` (not `process`). */
  argv?: string[];
  /** Define test262's host hooks: `print`, `$262` (global, evalScript, detachArrayBuffer, gc, createRealm). */
  test262Host?: boolean;
  /** Where `print` writes (test262 host); defaults to onConsole('log', …). */
  onPrint?: (text: string) => void;
}

/** A guest exception that reached the host: uncaught, unhandled rejection, or a syntax error. */
export class GuestError extends Error {
  constructor(
    /** The thrown guest value. */
    readonly value: unknown,
    /** `Name: message` of the guest error (or the thrown value's string form). */
    readonly summary: string,
    /** The guest stack: summary line then `    at fn (file:line:col)` lines. */
    readonly guestStack: string,
    readonly kind: 'uncaught' | 'unhandled-rejection' | 'syntax',
  ) {
    super(summary);
    this.name = 'GuestError';
  }
}
