// A worker process: runs one job at a time in a fresh engine (a new realm per test, as
// INTERPRETING.md requires) and reports pass or fail. The runner kills it on a timeout.

import * as fs from 'node:fs';
import { type EngineFactory, type EngineName, type EngineUnderTest, isGuestError, loadEngine } from './engine';
import type { EngineOptions } from '../src';
import type { Job, JobResult, WorkerMessage } from './job';

const ASYNC_COMPLETE = 'Test262:AsyncTestComplete';
const ASYNC_FAILURE = 'Test262:AsyncTestFailure:';
/** How many unhandled-rejection reports one test may produce before the runner stops draining. */
const MAX_IGNORED_REJECTIONS = 1000;

class Worker {
  private readonly harnessCache = new Map<string, string>();
  /** A host-level exception that escaped the engine while the current job ran. */
  hostError: unknown = undefined;

  /** Why a snapshot or restore failed in snapshot-transparency mode. */
  snapshotError: string | undefined = undefined;

  constructor(private readonly createEngine: EngineFactory) {}

  /**
   * Snapshot-transparency mode inside running code: at the test script's first safe point (a loop
   * back-edge) where a snapshot can be taken, take it, abandon this engine and go on in one restored
   * from it (the restored engine finishes the computation when its event loop starts).
   */
  private evaluateWithSafepoint(engine: EngineUnderTest, options: EngineOptions, source: string, file: string): EngineUnderTest {
    const restore = this.createEngine.restore;
    if (!restore || !engine.captureAt || !engine.setSafepointHook) {
      engine.evaluateScript(source, file);
      return engine;
    }
    let attempts = 0;
    let next: EngineUnderTest | null = null;
    const stop = new Error('safepoint snapshot taken');
    const hook = (on: ((frame: unknown) => void) | null) => engine.setSafepointHook!(on);
    hook((frame) => {
      if (++attempts > 3) {
        hook(null); // native frames stay on the stack here: the turn snapshots still run
        return;
      }
      let code: string;
      try {
        code = engine.captureAt!(frame);
      } catch {
        return; // not a safe point after all (a native frame is on the stack): try the next
      }
      hook(null);
      try {
        next = restore(code, options);
      } catch (e) {
        this.snapshotError = `restore at a safe point: ${(e as Error).message}`;
        return;
      }
      throw engine.safepointStop!(stop.message);
    });
    try {
      engine.evaluateScript(source, file);
    } catch (e) {
      if (next === null) throw e;
      return next;
    } finally {
      hook(null);
    }
    return engine;
  }

  /**
   * Snapshot-transparency mode: after every turn, write the state out, restore it in a fresh
   * engine, and go on there; the test must end as it does without the interruptions.
   */
  private async transparentLoop(first: EngineUnderTest, options: EngineOptions, isModule: boolean): Promise<void> {
    this.snapshotError = undefined;
    const restore = this.createEngine.restore;
    if (!restore || !first.snapshot) throw new Error('this engine cannot snapshot');
    let engine = first;
    for (;;) {
      let next: EngineUnderTest | null = null;
      await drainEventLoop(
        () =>
          engine.runEventLoop(() => {
            try {
              next = restore(engine.snapshot!().code, options);
            } catch (e) {
              this.snapshotError = (e as Error).message;
            }
            return true;
          }),
        isModule,
      );
      if (this.snapshotError !== undefined || next === null) return;
      engine = next;
    }
  }

  private harnessSource(file: string): string {
    let source = this.harnessCache.get(file);
    if (source === undefined) {
      source = fs.readFileSync(file, 'utf8');
      this.harnessCache.set(file, source);
    }
    return source;
  }

  async run(job: Job): Promise<JobResult> {
    const fail = (message: string): JobResult => ({ id: job.id, status: 'fail', message });
    const prints: string[] = [];
    this.hostError = undefined;
    this.snapshotError = undefined;
    let engine: EngineUnderTest;
    const options = { test262Host: true, properTailCalls: job.tailCalls === true, onPrint: (text: string) => void prints.push(text), onConsole: () => undefined };
    try {
      engine = this.createEngine(options);
    } catch (e) {
      return fail(`engine construction failed: ${describeHostError(e)}`);
    }

    if (!job.raw) {
      for (const file of job.harness) {
        try {
          engine.evaluateScript(this.harnessSource(file), file);
        } catch (e) {
          return fail(`harness ${file.replace(/^.*[\\/]harness[\\/]/, '')}: ${describe(e)}`);
        }
      }
    }

    let thrown: { error: unknown } | undefined;
    try {
      if (job.variant === 'module') {
        engine.evaluateModule(job.file);
      } else {
        const source = fs.readFileSync(job.file, 'utf8');
        const text = job.variant === 'strict' && !job.raw ? `"use strict";\n${source}` : source;
        if (job.snapshot) engine = this.evaluateWithSafepoint(engine, options, text, job.file);
        else engine.evaluateScript(text, job.file);
      }
      if (job.snapshot) await this.transparentLoop(engine, options, job.variant === 'module');
      else await drainEventLoop(engine.runEventLoop.bind(engine), job.variant === 'module');
    } catch (e) {
      thrown = { error: e };
    }
    if (this.snapshotError !== undefined) return fail(`snapshot: ${this.snapshotError}`);
    if (this.hostError !== undefined) return fail(`host exception escaped the engine: ${describeHostError(this.hostError)}`);

    if (job.negative) {
      const { phase, type } = job.negative;
      if (!thrown) return fail(`expected ${phase}-phase ${type}, but nothing was thrown`);
      const got = errorName(thrown.error);
      if (got !== type) return fail(`expected ${phase}-phase ${type}, got ${describe(thrown.error)}`);
      if (phase === 'parse' && isGuestError(thrown.error) && thrown.error.kind !== 'syntax') {
        return fail(`expected a parse-phase ${type}, but it was thrown at run time: ${describe(thrown.error)}`);
      }
      if (phase !== 'parse' && isGuestError(thrown.error) && thrown.error.kind === 'syntax' && job.variant !== 'module') {
        return fail(`expected a ${phase}-phase ${type}, but it was reported at parse time: ${describe(thrown.error)}`);
      }
      return { id: job.id, status: 'pass', message: '' };
    }
    if (thrown) return fail(describe(thrown.error));
    if (job.async) {
      const failure = prints.find((p) => p.startsWith(ASYNC_FAILURE));
      if (failure !== undefined) return fail(failure.slice(ASYNC_FAILURE.length));
      if (!prints.includes(ASYNC_COMPLETE)) return fail(`async test did not print ${ASYNC_COMPLETE} ($DONE never called)`);
    }
    return { id: job.id, status: 'pass', message: '' };
  }
}

/**
 * Runs the event loop to idle. test262 does not treat an unhandled rejection as a failure (many
 * tests reject promises on purpose), so for scripts those reports are ignored and draining goes
 * on. A module's own evaluation failure after top-level await may arrive as one, so for modules
 * every report counts.
 */
async function drainEventLoop(runEventLoop: () => Promise<void>, isModule: boolean): Promise<void> {
  for (let ignored = 0; ; ignored++) {
    try {
      await runEventLoop();
      return;
    } catch (e) {
      if (isModule || !isGuestError(e) || e.kind !== 'unhandled-rejection') throw e;
      if (ignored >= MAX_IGNORED_REJECTIONS) return;
    }
  }
}

/** The constructor name of a thrown guest value (negative tests compare it to `type`). */
function errorName(error: unknown): string {
  const value = isGuestError(error) ? error.value : error;
  try {
    const ctor = (value as { constructor?: { name?: unknown } } | null | undefined)?.constructor;
    if (ctor && typeof ctor.name === 'string' && ctor.name !== '') return ctor.name;
  } catch {
    // A proxy or getter threw: fall back to the summary.
  }
  if (isGuestError(error)) {
    const colon = error.summary.indexOf(':');
    return colon < 0 ? error.summary : error.summary.slice(0, colon);
  }
  return '';
}

/** One line, so reports and grouped messages stay readable (summaries may span lines). */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

function describe(error: unknown): string {
  if (isGuestError(error)) return oneLine(error.kind === 'uncaught' ? error.summary : `${error.summary} (${error.kind})`);
  return `engine error (not a GuestError): ${describeHostError(error)}`;
}

function describeHostError(error: unknown): string {
  if (error instanceof Error) {
    const frames = (error.stack ?? '')
      .split('\n')
      .slice(1, 4)
      .map((l) => l.trim());
    return [`${error.name}: ${error.message}`, ...frames].join(' | ');
  }
  return String(error);
}

function main(): void {
  const engineName = (process.argv[2] ?? 'snapvm') as EngineName;
  const send = (m: WorkerMessage): void => void process.send?.(m);
  let worker: Worker;
  try {
    worker = new Worker(loadEngine(engineName));
  } catch (e) {
    send({ type: 'init-error', message: describeHostError(e) });
    process.exit(2);
  }
  // Test code is allowed to leave rejections unhandled; an engine bug that throws from a host
  // callback is reported against the job that is running.
  process.on('unhandledRejection', () => undefined);
  process.on('uncaughtException', (e) => {
    worker.hostError = e;
  });
  process.on('message', (job: Job) => {
    worker.run(job).then(
      (result) => send({ type: 'result', result }),
      (e: unknown) => send({ type: 'result', result: { id: job.id, status: 'fail', message: `runner error: ${describeHostError(e)}` } }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
}

main();
