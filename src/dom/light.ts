// The DOM room's light door: what `snapvm run` and `snapvm restore` ask before they know whether they
// have a page — without loading happy-dom's controller, the page machinery or the browser form
// (index.ts, the full door, loads them; the CLI requires it only for a page).
import * as fs from 'node:fs';
import * as path from 'node:path';
export { isPageSnapshot, pageSnapshotInfo } from './snapshot';

/** What `snapvm run` accepts as a page: an .html/.htm file, or a folder with an index.html. */
export function resolvePage(file: string): string | null {
  const abs = path.resolve(file);
  try {
    if (fs.statSync(abs).isDirectory()) {
      const index = path.join(abs, 'index.html');
      return fs.existsSync(index) ? index : null;
    }
  } catch {
    return null;
  }
  return /\.html?$/i.test(abs) ? abs : null;
}

/**
 * The DOM room's full door (index.ts: happy-dom's bundle, pages, page snapshots and deltas), loaded on
 * first use: what the CLI, the edge's worker and its warm-up call once they know they have a page.
 */
export const fullDoor = (): typeof import('./index') => require('./index') as typeof import('./index');
