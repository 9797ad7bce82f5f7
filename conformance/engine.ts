// The slice of the embedding API (src/interpreter/index.ts) the runner uses, and the loader that
// picks the engine under test. The runner is written against this interface only, so the stand-in
// native engine and snapvm are interchangeable.

import * as path from 'node:path';
import type { EngineOptions, GuestError } from '../src';

export interface EngineUnderTest {
  evaluateScript(source: string, filename?: string): unknown;
  evaluateModule(path: string): void;
  /** `afterTurn` returning true stops the loop after that turn (snapshot-transparency mode). */
  runEventLoop(afterTurn?: (turn: number) => boolean | void): Promise<void>;
  /** The program state as a snapshot's text (engines that can). */
  snapshot?(): { code: string };
  /** Call `hook` at each safe point with the running frame, or stop (null). */
  setSafepointHook?(hook: ((frame: unknown) => void) | null): void;
  /** A snapshot at a safe point: `frame` is the running frame the engine's safe-point hook received. */
  captureAt?(frame: unknown): string;
  /** The exception that abandons a running program after a safe-point snapshot. */
  safepointStop?(reason: string): unknown;
}

export interface EngineFactory {
  (options: EngineOptions): EngineUnderTest;
  /** A fresh engine from a snapshot's text (engines that can). */
  restore?: (code: string, options: EngineOptions) => EngineUnderTest;
}

export type EngineName = 'snapvm' | 'native';

/** Node flags the worker process needs for each engine (the stand-in uses vm.SourceTextModule). */
export const workerExecArgv: Record<EngineName, string[]> = {
  snapvm: ['--expose-gc'],
  native: ['--experimental-vm-modules', '--expose-gc', '--no-warnings'],
};

/**
 * Loads the engine by path at run time, so the runner compiles and runs (against the native
 * stand-in) while src/interpreter/index.ts does not exist yet.
 */
export function loadEngine(name: EngineName): EngineFactory {
  if (name === 'native') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { NativeEngine } = require('./native-engine') as typeof import('./native-engine');
    return (options) => new NativeEngine(options);
  }
  const entry = path.join(__dirname, '..', 'src');
  let mod: { Engine?: (new (options: EngineOptions) => EngineUnderTest) & { restore?: (code: string, options: EngineOptions) => EngineUnderTest } };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(entry) as typeof mod;
  } catch (e) {
    throw new Error(`cannot load the snapvm engine from ${entry}: ${(e as Error).message}`);
  }
  const Engine = mod.Engine;
  if (typeof Engine !== 'function') throw new Error(`${entry} does not export a class Engine`);
  const factory: EngineFactory = (options) => new Engine(options);
  if (typeof Engine.restore === 'function') factory.restore = (code, options) => Engine.restore!(code, options);
  return factory;
}

/** Duck-typed, so a GuestError from any copy of api.ts (dist or tsx) is recognised. */
export function isGuestError(e: unknown): e is GuestError {
  return e instanceof Error && e.name === 'GuestError' && typeof (e as Partial<GuestError>).summary === 'string' && typeof (e as Partial<GuestError>).kind === 'string';
}
