// The program's source goes to the edge before its first migration (issue 6: "a 200 KB-source app to
// the server and back in under a second"). A client names its compile units (SHA-256 of the source,
// file, kind) in hello; the server answers which sources it lacks and the client sends them at once,
// while its program runs; the session's worker parses and analyses each one then (the engine's cache of
// prepared units, `prepareUnit`), so the restore of the first snapshot finds them parsed. The server keeps
// sources for all sessions, by hash, like blobs (blobs.ts, with the same residual risk: a session that can
// name a source's hash may have its program read it), so a returning app sends only hashes.
//
// A snapshot writes a unit's source as a string literal (`$.unit(…, "…source…");`). On the wire each
// literal of a source the other side holds travels as a marker naming the source's SHA-256, and the
// receiver puts the literal back before it checks the snapshot's hash; a raw NUL never occurs in a
// snapshot's text otherwise (capture writes strings as JSON), so a marker cannot be forged by the program.
import { sha256, type UnitRef } from './protocol';

/** Sources shorter than this travel in the snapshot as they are (a marker would save little). */
export const UNIT_MIN = 4096;

const MARKER = /"\0snapvm-unit:([0-9a-f]{64})\0"/g;
const marker = (hash: string) => `"\0snapvm-unit:${hash}\0"`;

/** A compile unit with its source. */
export interface UnitSource extends UnitRef {
  text: string;
}

/** The SHA-256 (hex) of a source's UTF-8 text (the protocol's `sha256`). */
export const unitHash = sha256;

/** A compile unit of `text` under `file` (a script unless said). */
export function unitSource(text: string, file: string, kind: UnitRef['kind'] = 'script'): UnitSource {
  return { sha256: unitHash(text), file, kind, text };
}

/** A source a client sent under `hash`: null, or why it is refused. */
export function checkUnit(hash: string, text: string): string | null {
  return unitHash(text) === hash ? null : 'a unit whose source does not match its sha256';
}

/** `text` with each literal of a big source in `known` (hash → source) replaced by its marker. */
export function compactUnits(text: string, known: ReadonlyMap<string, string>): string {
  for (const [hash, source] of known) {
    if (source.length < UNIT_MIN || text.length < source.length) continue;
    const literal = JSON.stringify(source);
    if (text.includes(literal)) text = text.split(literal).join(marker(hash));
  }
  return text;
}

/** `text` with its unit markers replaced by the sources' literals `lookup` gives; a string says which one is missing. */
export function expandUnits(text: string, lookup: (hash: string) => string | undefined): { text: string } | string {
  if (!text.includes('\0snapvm-unit:')) return { text };
  let missing: string | null = null;
  const out = text.replace(MARKER, (all, h: string) => {
    const source = lookup(h);
    if (source === undefined) missing ??= h;
    return source === undefined ? all : JSON.stringify(source);
  });
  return missing === null ? { text: out } : `it refers to a compile unit ${(missing as string).slice(0, 12)}… this side does not hold`;
}
