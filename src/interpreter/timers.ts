// Timers and the event loop. Timers are plain records (JS-Interpreter's habit) so that a snapshot can
// write them out; the loop runs one timer callback per turn and drains the microtask queue after it,
// as Node does since v11, and counts turns so that a snapshot can be taken "after turn N".
import type { Realm } from './realm';
import type { JobQueue } from './jobs';
import { toGuestError } from './promise';

export interface TimerRecord {
  /** The number setTimeout/setInterval returned. */
  id: number;
  callback: Function;
  args: unknown[];
  /** Clock time (ms, Timers.now()) at which it is due. */
  due: number;
  /** The delay after clamping (Node: 1 ≤ delay ≤ 2^31-1, else 1). */
  interval: number;
  repeat: boolean;
  /** Insertion order; breaks ties between equal `due` (Node runs equal delays in insertion order). */
  seq: number;
}

const TIMEOUT_MAX = 2 ** 31 - 1;
/** addFirst's tasks take their seq this far below the timers' (which stay below it: one per timer added or rescheduled). */
const FIRST_SEQ_OFFSET = 2 ** 50;

export class Timers {
  /** Live timers by id. */
  readonly timers = new Map<number, TimerRecord>();
  nextId = 1;
  nextSeq = 1;
  /** Real time (performance.now()) or a virtual clock that the event loop jumps forward. */
  realTime = true;
  virtualTime = 0;

  now(): number {
    return this.realTime ? performance.now() : this.virtualTime;
  }

  /** Node's clamp: a delay that is not a number in [1, 2^31-1] becomes 1 (so setTimeout(f, 0) waits 1 ms). */
  static clampDelay(delay: number): number {
    return delay >= 1 && delay <= TIMEOUT_MAX ? Math.trunc(delay) : 1;
  }

  add(callback: Function, args: unknown[], delay: number, repeat: boolean): number {
    const id = this.nextId++;
    const interval = Timers.clampDelay(delay);
    this.timers.set(id, { id, callback, args, due: this.now() + interval, interval, repeat, seq: this.nextSeq++ });
    return id;
  }

  /**
   * A task due now that runs before every timer waiting (an input step queued by the embedder: Page.queueInput).
   * A timer's delay is at least 1 ms: this one is due now, or with the earliest overdue timer and before it.
   */
  addFirst(callback: Function, args: unknown[]): number {
    const first = this.next();
    const id = this.add(callback, args, 0, false);
    const task = this.timers.get(id)!;
    task.due = Math.min(this.now(), first?.due ?? Infinity);
    // Among equal due times: before every timer (their seqs are positive), after the tasks queued so
    // earlier (seqs still in the order given); a snapshot writes the seq as it is.
    task.seq -= FIRST_SEQ_OFFSET;
    return id;
  }

  clear(id: number): void {
    this.timers.delete(id);
  }

  get size(): number {
    return this.timers.size;
  }

  /** The timer to run next if it is due by `horizon` (ms of this clock); undefined when none is. */
  dueBy(horizon: number): TimerRecord | undefined {
    const next = this.next();
    return next && next.due <= horizon ? next : undefined;
  }

  /**
   * Whether the next turn waits past `horizon` (ms of this clock): the next timer is due after it. A bounded
   * span stops on it: the edge at an offload's `until`, the client at an input's span, a page's `wait`.
   */
  waitsPast(horizon: number): boolean {
    return this.size > 0 && !this.dueBy(horizon);
  }

  /** The timer to run next: earliest due, then earliest inserted. */
  next(): TimerRecord | undefined {
    let best: TimerRecord | undefined;
    for (const t of this.timers.values()) {
      if (!best || t.due < best.due || (t.due === best.due && t.seq < best.seq)) best = t;
    }
    return best;
  }

  /**
   * Take `timer` out for running: a timeout is removed, an interval is rescheduled from now (Node
   * reschedules from the start of the callback) and goes behind the timers already waiting.
   */
  take(timer: TimerRecord): void {
    if (timer.repeat) {
      timer.due = this.now() + timer.interval;
      timer.seq = this.nextSeq++;
    } else {
      this.timers.delete(timer.id);
    }
  }
}

/** Define setTimeout, setInterval, clearTimeout, clearInterval and queueMicrotask on the realm's global. */
export function installTimers(realm: Realm, timers: Timers, queue: JobQueue): void {
  const g = realm.global;
  const schedule = (name: string, repeat: boolean) =>
    realm.defineNative(g, name, 1, (_this, args) => {
      const callback = args[0];
      if (typeof callback !== 'function') {
        realm.throw('TypeError', `The "callback" argument must be of type function. Received ${describeArg(callback)}`);
      }
      // ToNumber may run a guest valueOf: that is the guest's own code, as in Node.
      let delay = 0;
      try {
        if (args.length > 1) delay = Number(args[1]);
      } catch (e) {
        throw toGuestError(realm, e);
      }
      const rest: unknown[] = [];
      for (let i = 2; i < args.length; i++) rest.push(args[i]);
      return timers.add(callback, rest, delay, repeat);
    });
  schedule('setTimeout', false);
  schedule('setInterval', true);
  const clear = (_this: unknown, args: ArrayLike<unknown>) => {
    const id = args[0];
    // Like Node: a number or a numeric string names a timer; anything else is ignored.
    if (typeof id === 'number' || typeof id === 'string') timers.clear(Number(id));
    return undefined;
  };
  realm.defineNative(g, 'clearTimeout', 1, clear);
  realm.defineNative(g, 'clearInterval', 1, clear);
  realm.defineNative(g, 'queueMicrotask', 1, (_this, args) => {
    const callback = args[0];
    if (typeof callback !== 'function') {
      realm.throw('TypeError', `The "callback" argument must be of type function. Received ${describeArg(callback)}`);
    }
    queue.enqueue({ kind: 'microtask', callback });
    return undefined;
  });
}

/** Node's ERR_INVALID_ARG_TYPE wording for the received value, without running guest code. */
function describeArg(v: unknown): string {
  if (v === undefined || v === null) return String(v);
  if (typeof v === 'string') return `type string ('${v.length > 25 ? v.slice(0, 25) + '...' : v}')`;
  if (typeof v === 'object') return 'an instance of Object';
  if (typeof v === 'symbol') return `type symbol (${v.toString()})`;
  return `type ${typeof v} (${String(v)})`;
}

export interface EventLoopOptions {
  /** Wait real time between timers (default), or jump a virtual clock to the next due time. */
  realTime?: boolean;
  /** How to call guest callbacks: the guest realm's Reflect.apply. */
  apply?: (f: Function, thisArg: unknown, args: unknown[]) => unknown;
  /** A timer callback threw; default: the queue's onUncaught. */
  onUncaught?: (error: unknown) => void;
}

export class EventLoop {
  /** Turns completed: a turn is one timer callback and the microtasks it led to. */
  turn = 0;
  /** The timer callback running now (a safe-point snapshot may catch it mid-way). */
  runningCallback: Function | null = null;
  private readonly onUncaught: (error: unknown) => void;
  private readonly apply: (f: Function, thisArg: unknown, args: unknown[]) => unknown;

  constructor(
    readonly queue: JobQueue,
    readonly timers: Timers,
    opts: EventLoopOptions = {},
  ) {
    this.apply = opts.apply ?? Reflect.apply;
    timers.realTime = opts.realTime ?? true;
    this.onUncaught = opts.onUncaught ?? ((error) => queue.onUncaught(error));
  }

  /** Drain the microtask queue. */
  runJobs(): void {
    this.queue.runJobs();
  }

  /** Whether anything is left to run. */
  get idle(): boolean {
    return this.queue.size === 0 && this.timers.size === 0 && this.pending === 0;
  }

  /** Host operations in flight (an inference on onnxruntime): the loop waits for them. */
  private pending = 0;
  /** How many host operations are in flight (a snapshot cannot carry them). */
  get hostPending(): number {
    return this.pending;
  }
  private wake: (() => void) | null = null;

  /** Keep the loop running until `work` settles; its settlement wakes a waiting loop. */
  track(work: Promise<unknown>): void {
    this.pending++;
    const done = () => {
      this.pending--;
      const wake = this.wake;
      this.wake = null;
      wake?.();
    };
    work.then(done, done);
  }

  /**
   * Wait for tracked host work (or `ms`); the jobs its settlement queued (a guest promise's
   * reactions) run at once as a turn of their own, as an I/O callback's do in Node.
   */
  private async hostTurn(ms: number | undefined, onTurn?: (turn: number) => void): Promise<void> {
    await this.waitForHost(ms);
    if (this.queue.size === 0) return;
    this.runJobs();
    this.turn++;
    onTurn?.(this.turn);
  }

  /** Wait until a tracked operation settles or `ms` passes (no limit when undefined). */
  private waitForHost(ms: number | undefined): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer =
        ms === undefined
          ? undefined
          : setTimeout(() => {
              this.wake = null;
              resolve();
            }, ms);
      this.wake = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });
  }

  /**
   * Run the next turn now, without waiting (the virtual clock jumps to the timer's due time).
   * False when no timer is left.
   */
  runTurn(): boolean {
    this.runJobs();
    const timer = this.timers.next();
    if (!timer) return false;
    if (!this.timers.realTime && this.timers.virtualTime < timer.due) this.timers.virtualTime = timer.due;
    this.timers.take(timer);
    try {
      this.runningCallback = timer.callback;
      this.apply(timer.callback, undefined, timer.args);
    } catch (error) {
      this.onUncaught(error);
    } finally {
      this.runningCallback = null;
    }
    this.runJobs();
    this.turn++;
    return true;
  }

  /** Run turns until no timers and no jobs remain, waiting real time between timers when realTime (`resumed`: see below). */
  async run(onTurn?: (turn: number) => boolean | void, resumed = false): Promise<void> {
    // the jobs of the turn that ran before (a script's, say); a run `resumed` after the caller left it
    // between turns has none of its own: jobs queued meanwhile (a host settlement) are a turn below
    if (!resumed) this.runJobs();
    for (;;) {
      if (this.queue.size !== 0) {
        // jobs a host settlement queued while the loop was not waiting for it: a turn of their own too
        this.runJobs();
        this.turn++;
        if (onTurn?.(this.turn)) return;
        continue;
      }
      const timer = this.timers.next();
      if (!timer) {
        if (this.pending) await this.hostTurn(undefined, onTurn);
        else return;
        continue;
      }
      if (this.timers.realTime) {
        const wait = timer.due - this.timers.now();
        if (wait > 0) {
          if (this.pending) await this.hostTurn(Math.ceil(wait), onTurn);
          else await new Promise<void>((resolve) => setTimeout(resolve, Math.ceil(wait)));
          // Something may have changed while waiting (host services); pick again.
          continue;
        }
      }
      this.runTurn();
      if (onTurn?.(this.turn)) return;
    }
  }
}
