// Files: which of the app's own files a room may open (src/dom: a page's scripts and fetches; src/ml:
// model files): a file is read only when its path lies in the app's folder and its real path (symbolic
// links resolved) lies in that folder or one of the link roots (the engine's installed packages). And
// the one atomic write (snapshots, browser forms, the happy-dom bundle's code cache).
import * as fs from 'node:fs';
import * as path from 'node:path';

let tmpCount = 0;
/** Write a file whole or not at all: a reader (or a parallel writer) never sees half of one. */
export function atomicWrite(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.${++tmpCount}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Whether `file` is `dir` or inside it (paths as given: resolve them first). */
export function inside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** Whether a real path lies in one of the roots' real paths (null: a root that is not there). */
export function withinRoots(real: string, realRoots: (string | null)[]): boolean {
  return realRoots.some((r) => r !== null && inside(r, real));
}

/** The real paths of folders (null for one that is not there), for `withinRoots`. */
export function realPaths(dirs: readonly string[]): (string | null)[] {
  return dirs.map((d) => {
    try {
      return fs.realpathSync(d);
    } catch {
      return null;
    }
  });
}
