// What the runner sends to a worker, and what comes back. Plain data: it crosses a process boundary.

import type { Phase } from './frontmatter';

/** How a test's source is run: the strictness variants of INTERPRETING.md, or as a module. */
export type Variant = 'sloppy' | 'strict' | 'module';

export interface Job {
  id: number;
  /** Absolute path of the test file. */
  file: string;
  variant: Variant;
  /** `raw` flag: no harness, no strictness prefix. */
  raw: boolean;
  /** `async` flag: passes when it prints Test262:AsyncTestComplete. */
  async: boolean;
  negative?: { phase: Phase; type: string };
  /** Absolute paths of the harness files to evaluate first, in order. */
  harness: string[];
  /** Snapshot-transparency mode: after every event-loop turn, snapshot and go on in a fresh engine restored from it. */
  snapshot?: boolean;
  /** The test's features name `tail-call-optimization`: the engine runs with proper tail calls (EngineOptions.properTailCalls, off by default). */
  tailCalls?: boolean;
}

export type Status = 'pass' | 'fail' | 'timeout' | 'skip';

export interface JobResult {
  id: number;
  status: Status;
  message: string;
}

export type WorkerMessage = { type: 'ready' } | { type: 'init-error'; message: string } | { type: 'result'; result: JobResult };
