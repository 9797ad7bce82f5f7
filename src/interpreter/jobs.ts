// The microtask queue (ecma262 §9.5 Jobs, HostEnqueuePromiseJob). Every queued job is a plain record
// of guest values and kind tags, never a closure, so a snapshot can read and rebuild the queue.
// How a kind of job runs is registered once per engine (`setRunner`): that is code, not state.

/** `await`, async generators and `for await` resume a VM frame instead of calling a function. */
export interface AwaitHandler {
  kind: 'await';
  /** The VM's record of the suspended frame; opaque here. */
  continuation: unknown;
  /** Whether this handler is the rejection side (the awaited value threw). */
  rejected: boolean;
}

/** A reaction handler: a guest function, an `await` resumption, or empty (`undefined`). */
export type ReactionHandler = Function | AwaitHandler | undefined;

/**
 * https://tc39.es/ecma262/#sec-promisecapability-records
 * NON-SPEC: `resolve`/`reject` are `undefined` when the capability was made for the intrinsic
 * %Promise% by the engine itself (`then`, `await`, async functions): no guest code can see those
 * functions, so the engine resolves `promise` directly instead of allocating two functions.
 */
export interface PromiseCapability {
  promise: object;
  resolve: Function | undefined;
  reject: Function | undefined;
}

/** https://tc39.es/ecma262/#sec-promisereaction-records */
export interface PromiseReaction {
  capability: PromiseCapability | undefined;
  type: 'fulfill' | 'reject';
  handler: ReactionHandler;
}

/** https://tc39.es/ecma262/#sec-newpromisereactionjob */
export interface PromiseReactionJob {
  kind: 'promiseReaction';
  reaction: PromiseReaction;
  argument: unknown;
}

/** https://tc39.es/ecma262/#sec-newpromiseresolvethenablejob */
export interface PromiseResolveThenableJob {
  kind: 'promiseResolveThenable';
  promiseToResolve: object;
  thenable: object;
  then: Function;
}

/** `queueMicrotask(callback)` (HTML's microtask, Node's queueMicrotask). */
export interface MicrotaskJob {
  kind: 'microtask';
  callback: Function;
}

/** Resume a suspended VM frame with a value, without a promise in between. */
export interface AwaitJob {
  kind: 'await';
  continuation: unknown;
  value: unknown;
  rejected: boolean;
}

export type Job = PromiseReactionJob | PromiseResolveThenableJob | MicrotaskJob | AwaitJob;
export type JobKind = Job['kind'];
export type JobOfKind<K extends JobKind> = Extract<Job, { kind: K }>;
type Runners = { [K in JobKind]?: (job: JobOfKind<K>) => void };

export interface JobQueueOptions {
  /** How a job calls guest code: the guest realm's Reflect.apply (guest code must be called from the realm). */
  apply?: (f: Function, thisArg: unknown, args: unknown[]) => unknown;
  /** HostReportErrors: a job ended with an exception nobody catches. Default: rethrow. */
  onUncaught?: (error: unknown, job?: Job) => void;
}

export class JobQueue {
  // FIFO as an array and a read index; consumed records are dropped in batches (no O(n) shift).
  private list: Job[] = [];
  private head = 0;
  private running = false;
  private readonly runners: Runners = {
    microtask: (job) => {
      this.apply(job.callback, undefined, []);
    },
  };
  onUncaught: (error: unknown, job?: Job) => void;
  private readonly apply: (f: Function, thisArg: unknown, args: unknown[]) => unknown;

  constructor(options: JobQueueOptions = {}) {
    this.apply = options.apply ?? Reflect.apply;
    this.onUncaught =
      options.onUncaught ??
      ((error) => {
        throw error;
      });
  }

  /** Say how jobs of one kind run (promise.ts registers the promise jobs and `await`). */
  setRunner<K extends JobKind>(kind: K, run: (job: JobOfKind<K>) => void): void {
    (this.runners as Record<K, (job: JobOfKind<K>) => void>)[kind] = run;
  }

  enqueue(job: Job): void {
    this.list.push(job);
  }

  /** Whether runJobs is draining the queue now. */
  get draining(): boolean {
    return this.running;
  }

  get size(): number {
    return this.list.length - this.head;
  }

  /** The pending jobs, oldest first. A snapshot reads this; a restore may push onto it. */
  get jobs(): Job[] {
    this.compact(true);
    return this.list;
  }

  /** Run the oldest job, if any; false when the queue was empty. */
  runOne(): boolean {
    if (this.head >= this.list.length) return false;
    const job = this.list[this.head]!;
    this.list[this.head++] = undefined as unknown as Job;
    this.compact(false);
    const run = this.runners[job.kind] as ((job: Job) => void) | undefined;
    try {
      if (!run) throw new Error(`snapvm: no runner registered for jobs of kind '${job.kind}'`);
      run(job);
    } catch (error) {
      this.onUncaught(error, job);
    }
    return true;
  }

  /** Drain the queue in FIFO order, jobs queued meanwhile included. Not reentrant: a nested call returns. */
  runJobs(): void {
    if (this.running) return;
    this.running = true;
    try {
      while (this.runOne());
    } finally {
      this.running = false;
    }
  }

  private compact(always: boolean): void {
    if (this.head === 0) return;
    if (this.head === this.list.length) {
      this.list.length = 0;
      this.head = 0;
    } else if (always || (this.head > 1024 && this.head * 2 > this.list.length)) {
      this.list.splice(0, this.head);
      this.head = 0;
    }
  }
}
