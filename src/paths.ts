// Which of the app's own files a room may open (src/dom: a page's scripts and fetches; src/ml: model
// files): a file is read only when its path lies in the app's folder and its real path (symbolic links
// resolved) lies in that folder or one of the link roots (the engine's installed packages).
import * as path from 'node:path';

/** Whether `file` is `dir` or inside it (paths as given: resolve them first). */
export function inside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Whether a real path lies in one of the roots' real paths (null: a root that is not there). */
export function withinRoots(real: string, realRoots: (string | null)[]): boolean {
  return realRoots.some((r) => r !== null && inside(r, real));
}
