// Shared by the snapshot tables: a setup, then a check, in one engine or across snapshot → restore.
import { Engine } from '../src/index';

/** What `check` logs (through `log(...)`) after `setup`, in the engine that ran it or (`snapshot`) in one restored from its snapshot. */
export async function outputs(setup: string, check: string, snapshot: boolean): Promise<string[]> {
  const lines: string[] = [];
  let listening = false;
  const first: Engine = new Engine({ onConsole: (_l, args) => void (listening && lines.push(first.format(args))) });
  first.evaluateScript('var log = (...a) => console.log(...a);', 'log.js');
  first.evaluateScript(setup, 'setup.js');
  first.runJobs();
  let engine = first;
  if (snapshot) {
    const restored: Engine = Engine.restore(first.snapshot().code, { onConsole: (_l, args) => void lines.push(restored.format(args)) });
    engine = restored;
  }
  listening = true;
  engine.evaluateScript(check, 'check.js');
  await engine.runEventLoop();
  return lines;
}
