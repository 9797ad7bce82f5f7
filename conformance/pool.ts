// Worker processes, reused across tests and killed on a timeout. Child processes rather than
// worker_threads: a test stuck in an infinite loop inside host code can only be stopped by a kill.

import { type ChildProcess, fork } from 'node:child_process';
import * as path from 'node:path';
import { type EngineName, workerExecArgv } from './engine';
import type { Job, JobResult, WorkerMessage } from './job';

export interface PoolOptions {
  size: number;
  engine: EngineName;
  timeoutMs: number;
  /** Replace a worker after this many jobs, so leaks in one realm do not pile up. */
  recycleAfter: number;
}

/** A failure to start the engine at all (not a test result): the run stops. */
export class WorkerStartError extends Error {}

class Slot {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  private jobsRun = 0;
  /** Settles the job in flight when the child exits or sends its result. */
  private settle: ((r: JobResult | 'exited') => void) | undefined;

  constructor(private readonly options: PoolOptions) {}

  private start(): Promise<void> {
    const script = path.join(__dirname, `worker${path.extname(__filename)}`);
    const child = fork(script, [this.options.engine], {
      execArgv: [...process.execArgv, ...workerExecArgv[this.options.engine], '--max-old-space-size=2048'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.child = child;
    this.jobsRun = 0;
    this.ready = new Promise<void>((resolve, reject) => {
      child.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'init-error') reject(new WorkerStartError(`the ${this.options.engine} engine did not start: ${m.message}`));
        else if (this.child === child) this.settle?.(m.result);
      });
      child.on('exit', (code, signal) => {
        reject(new WorkerStartError(`worker exited before it was ready (code ${code}, signal ${signal})`));
        // A worker that was stopped or killed earlier is no longer this slot's concern.
        if (this.child !== child) return;
        this.settle?.('exited');
      });
    });
    return this.ready;
  }

  async exec(job: Job): Promise<JobResult> {
    if (!this.child || !this.ready || this.jobsRun >= this.options.recycleAfter) {
      this.stop();
      await this.start();
    } else {
      await this.ready;
    }
    const child = this.child!;
    this.jobsRun++;
    const outcome = await new Promise<JobResult | 'exited' | 'timeout'>((resolve) => {
      const timer = setTimeout(() => resolve('timeout'), this.options.timeoutMs);
      this.settle = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      child.send(job);
    });
    this.settle = undefined;
    if (outcome === 'timeout') {
      this.kill();
      return { id: job.id, status: 'timeout', message: `no result within ${this.options.timeoutMs} ms` };
    }
    if (outcome === 'exited') {
      this.child = undefined;
      this.ready = undefined;
      const code = child.exitCode ?? child.signalCode;
      return { id: job.id, status: 'fail', message: `worker process died (${code}): crash or out of memory` };
    }
    return outcome;
  }

  private kill(): void {
    const child = this.child;
    this.child = undefined;
    this.ready = undefined;
    if (child && child.exitCode === null) child.kill('SIGKILL');
  }

  /** Lets an idle worker exit on its own (it exits when the IPC channel closes). */
  stop(): void {
    const child = this.child;
    this.child = undefined;
    this.ready = undefined;
    if (child && child.connected) child.disconnect();
  }
}

export async function runJobs(jobs: Job[], options: PoolOptions, onResult: (job: Job, r: JobResult) => void): Promise<void> {
  const slots = Array.from({ length: Math.max(1, Math.min(options.size, jobs.length)) }, () => new Slot(options));
  let next = 0;
  try {
    await Promise.all(
      slots.map(async (slot) => {
        while (next < jobs.length) {
          const job = jobs[next++]!;
          onResult(job, await slot.exec(job));
        }
      }),
    );
  } finally {
    for (const slot of slots) slot.stop();
  }
}
