// The snapshot text's envelope: a first line that names the format, a format line with the version
// the restore checks, the stats line, then two sections in one JavaScript program:
//
//   // snapvm snapshot
//   // format 2 {options}
//   // stats {…}
//   if (typeof $ !== "undefined") {      ← the engine section: snapvm's restore gives it `$`
//   $.format(2, "…");
//   …
//   } else {                              ← the portable section: what plain Node runs (`node SNAP`)
//   …
//   }
//   // end of snapvm snapshot

/**
 * Bumped whenever the meaning of the `$` calls a snapshot makes changes, the envelope does, or the
 * code the compiler makes from the same source (a frame's pc names an instruction of it). 2: the
 * engine and portable sections; do-while loops end in a plain back-edge `Jump`; mapped arguments,
 * iteration and FinalizationRegistry records. 3: the compiler fuses `Int n; Add…` into `AddInt n…` and
 * `GetReg2 o k; GetElem` into `GetRegElem o k` (and more, compiler.ts's peepholes); member references check
 * their base before the key (`RefKey`); direct eval's operand carries flags; `eval(...args)` is a direct eval.
 * 4: a strict store to a global no scope declares resolves first (`ResolveGlobalRef`), as strict destructuring
 * targets do; a `for await` exit awaits `return()`'s result (`AsyncIterClose t`, `AsyncIterCloseResult`); a
 * module's body starts after its hoisted functions, made at link time; a growable SharedArrayBuffer carries its
 * maximum.
 */
export const FORMAT_VERSION = 4;

export const MAGIC = '// snapvm snapshot';
/** The last line: a snapshot cut short (a truncated upload, a full disk) lacks it. */
export const TRAILER = '// end of snapvm snapshot';

/** Whether a value is an object (functions included): the engine's (the snapshot room's modules import it from here). */
export { isObject } from '../interpreter/state';

/** A snapshot that cannot be taken, or a text that cannot be restored: the message says what and where. */
export class SnapshotError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SnapshotError';
  }
}

/** The line that opens the engine section, and the one that closes it (and opens the portable section). */
export const ENGINE_OPEN = 'if (typeof $ !== "undefined") {\n';
export const ENGINE_CLOSE = '\n} else {\n// portable section: plain Node runs this (`node SNAP`)\n';

/** The whole text: the engine section (`$` operations) and the portable section (plain JavaScript). */
export function envelope(options: string, stats: string, engineSection: string, portableSection: string): string {
  return `${MAGIC}\n// format ${FORMAT_VERSION} ${options}\n// stats ${stats}\n${ENGINE_OPEN}${engineSection}${ENGINE_CLOSE}${portableSection}\n}\n${TRAILER}\n`;
}

/**
 * A streamed capture (capture-stream.ts) sends its first lines before its stats are known: its third line
 * says so, and the stats line stands after the portable section, before the trailer. Every reader of
 * format 2 reads such a text as it is (they read the first two lines, the sections and the trailer).
 */
export const STATS_AT_END = '// stats at the end';

/** A streamed text's envelope up to its engine section's first line. */
export function streamedHead(options: string): string {
  return `${MAGIC}\n// format ${FORMAT_VERSION} ${options}\n${STATS_AT_END}\n${ENGINE_OPEN}`;
}

/** A streamed text's envelope after its engine section (which ends in a newline). */
export function streamedTail(stats: string, portableSection: string): string {
  return `${ENGINE_CLOSE}${portableSection}\n}\n// stats ${stats}\n${TRAILER}\n`;
}

/** The engine section of a snapshot text (what `$` runs); a text without one is damaged. */
export function engineSection(code: string): string {
  const start = code.indexOf('\n' + ENGINE_OPEN);
  const end = start < 0 ? -1 : code.indexOf(ENGINE_CLOSE, start);
  if (start < 0 || end < 0) throw new SnapshotError('damaged snapshot: its engine section is missing');
  return code.slice(start + 1 + ENGINE_OPEN.length, end + 1);
}

/** The portable section of a snapshot text (plain JavaScript, or the browser form's script). */
export function portableSection(code: string): string {
  const start = code.indexOf(ENGINE_CLOSE);
  const last = code.lastIndexOf(`\n}\n${TRAILER}`);
  const end = last >= 0 ? last : code.lastIndexOf('\n}\n// stats '); // (a streamed text's stats line)
  if (start < 0 || end < start) throw new SnapshotError('damaged snapshot: its portable section is missing');
  return code.slice(start + ENGINE_CLOSE.length, end);
}

export interface SnapshotHeader {
  version: number;
  options: { test262Host: boolean; frameLimit: number | null; argv: string[] | null };
}

/** Read the envelope without running anything; a damaged or foreign text gets a clear error. */
export function readHeader(code: string): SnapshotHeader {
  const header = readFormatLine(code);
  if (!code.endsWith(TRAILER + '\n') && !code.endsWith(TRAILER)) throw new SnapshotError('damaged snapshot: it is cut short (its last line is missing)');
  return header;
}

/** The envelope's first two lines (a stream's first chunk has them before its trailer arrives). */
export function readFormatLine(code: string): SnapshotHeader {
  if (!code.startsWith(MAGIC + '\n')) throw new SnapshotError('not a snapvm snapshot (the first line is not "// snapvm snapshot")');
  const line = code.slice(MAGIC.length + 1, code.indexOf('\n', MAGIC.length + 1));
  // format 1 wrote `$.format(1, "…");` here
  const m = /^\/\/ format (\d+) (.*)$/.exec(line) ?? /^\$\.format\((\d+), /.exec(line);
  if (!m) throw new SnapshotError('damaged snapshot: its format line is missing');
  const version = Number(m[1]);
  if (version !== FORMAT_VERSION) throw new SnapshotError(`snapshot format ${version} is not supported (this snapvm reads format ${FORMAT_VERSION})`);
  let options: SnapshotHeader['options'];
  try {
    options = JSON.parse(m[2]!);
  } catch {
    throw new SnapshotError('damaged snapshot: its format line does not parse');
  }
  return { version, options };
}
