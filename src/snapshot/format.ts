// The snapshot text's envelope: a first line that names the format and a version the restore checks.

/**
 * Bumped whenever the meaning of the `$` calls a snapshot makes changes, or the code the compiler
 * makes from the same source (a frame's pc names an instruction of it). 2: do-while loops end in a
 * plain back-edge `Jump`; mapped arguments, iteration and FinalizationRegistry records.
 */
export const FORMAT_VERSION = 2;

export const MAGIC = '// snapvm snapshot';
/** The last line: a snapshot cut short (a truncated upload, a full disk) lacks it. */
export const TRAILER = '// end of snapvm snapshot';

/** A snapshot that cannot be taken, or a text that cannot be restored: the message says what and where. */
export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

export interface SnapshotHeader {
  version: number;
  options: { test262Host: boolean; frameLimit: number | null; argv: string[] | null };
}

/** Read the envelope without running anything; a damaged or foreign text gets a clear error. */
export function readHeader(code: string): SnapshotHeader {
  if (!code.startsWith(MAGIC + '\n')) throw new SnapshotError('not a snapvm snapshot (the first line is not "// snapvm snapshot")');
  const m = /^\$\.format\((\d+), ("(?:[^"\\\n]|\\.)*")\);$/m.exec(code.slice(MAGIC.length + 1, MAGIC.length + 400));
  if (!m) throw new SnapshotError('damaged snapshot: its format line is missing');
  if (!code.endsWith(TRAILER + '\n') && !code.endsWith(TRAILER)) throw new SnapshotError('damaged snapshot: it is cut short (its last line is missing)');
  const version = Number(m[1]);
  if (version !== FORMAT_VERSION) throw new SnapshotError(`snapshot format ${version} is not supported (this snapvm reads format ${FORMAT_VERSION})`);
  let options: SnapshotHeader['options'];
  try {
    options = JSON.parse(JSON.parse(m[2]!));
  } catch {
    throw new SnapshotError('damaged snapshot: its format line does not parse');
  }
  return { version, options };
}
