// A whole snapshot handed out in chunks WHILE it is being captured (pipelined transfer, issue 6): the
// edge restores each chunk (stream.ts) while the client still walks its heap.
//
// Order. The reader (reader.ts) evaluates lines top to bottom on one table, so a line may only use ids
// made by lines before it. capture.ts's phases exist for that: (1) creations, each needing only what its
// creation needs; (2) engine records, whose references to each other are `$.ref` tokens resolved by one
// `$.link()` once every record exists; (3) contents — properties, prototypes, environment slots, entries,
// promise and generator states — which may name any object, one the walk reaches later included;
// (4) integrity levels after the properties, then jobs, timers, rejections, the turn. What can leave
// before the walk ends:
//   - the envelope's head, the format line, `var $o`, the prelude (helpers named by built-in paths of the
//     fresh twin: known before the walk);
//   - each compile unit's `$.unit` and each phase-1 creation, in the order the walk makes them. A
//     creation names only its dependencies (a closure its environment and unit, an environment its
//     parent and unit, a bound function its target, a typed array its buffer…), and capture pushes those
//     first (`create` recurses before it pushes; `unitInfo` pushes `$.unit` before any environment or
//     closure of the unit uses it), so every line released names only ids of lines released before it.
// An embedder's program (a page, `host`): its state (the document) is restored before any object and is
// known only after the walk, so the head (envelope, format line naming the page, prelude) leaves before
// the walk, alone and at once: the receiver makes the page from it (dom/stream.ts); the units leave as
// the walk meets them (they stand before the embedder's state, as in capture()); the embedder's state
// and the creations follow the walk. (A creation could leave before the state only up to the first that
// names one of the embedder's objects; on a page that is one of the first few: the window, a node.)
// What waits for the end of the walk: phases 2–4 (a record or a fill may name what the walk has not met
// yet; `$.link()` needs every record; integrity levels follow the properties; jobs and timers come last),
// the module namespaces (made after linking), the stats and the portable section.
//
// The text differs from `capture()`'s in two ways only: the `$.unit` lines stand among the creations
// (capture() writes them all first), and the stats line stands before the trailer (format.ts,
// STATS_AT_END). Per owner the statements are the same and in the same order, and `$.unit` lines name no
// owner, so the owners' hashes a receiver reads from the text (delta.ts) are the capture's.
//
// Capture is synchronous and runs no guest code; `onChunk` is called synchronously from inside the walk,
// so it must not touch the engine (the offload client writes the chunk to its socket and returns).
import type { Engine } from '../interpreter/index';
import type { Frame } from '../interpreter/state';
import { Capture, checkSettled, sizeStats, type CaptureOptions, type CaptureSink, type SnapshotStats } from './capture';
import { wholeCapture, type DeltaCapture } from './delta';
import { streamedHead, streamedTail } from './format';
import { chunkLines } from './stream';

export interface StreamedCapture {
  /** The whole snapshot (its text is every chunk handed out, joined) and the state a delta continues from. */
  capture: DeltaCapture;
  /** Characters handed out while the walk ran (the rest left after it). */
  earlyChars: number;
  /** Chunks handed out while the walk ran, and in all. */
  earlyChunks: number;
  chunks: number;
}

/**
 * Capture `engine` whole, handing `onChunk` chunks of whole lines of about `chunkChars` characters
 * (at least 1) as the walk makes them (`duringWalk`), then the rest; the chunks joined are the snapshot's text. Throws what `capture`
 * throws (a value that cannot be written names its path), possibly after some chunks were handed out.
 */
export function captureStreamed(
  engine: Engine,
  chunkChars: number,
  onChunk: (chunk: string, duringWalk: boolean) => void,
  options: Omit<CaptureOptions, 'base' | 'sink'> = {},
  running: Frame | null = null,
): StreamedCapture {
  checkSettled(engine);
  const size = Math.max(1, chunkChars);
  const all: string[] = [];
  let pending: string[] = [];
  let pendingChars = 0;
  let walking = true;
  let earlyChars = 0;
  let earlyChunks = 0;
  const release = (chunk: string) => {
    all.push(chunk);
    if (walking) (earlyChars += chunk.length), earlyChunks++;
    onChunk(chunk, walking);
  };
  const flush = () => {
    const chunk = pending.join('\n') + '\n';
    pending = [];
    pendingChars = 0;
    release(chunk);
  };
  const add = (s: string) => {
    pending.push(s);
    pendingChars += s.length + 1;
    if (pendingChars >= size) flush();
  };
  let head = '';
  const sink: CaptureSink = {
    begin(formatOptions, lines) {
      head = streamedHead(formatOptions);
      pending.push(head.slice(0, -1)); // (its last newline is the join's)
      pendingChars = head.length;
      for (const l of lines) add(l);
      // an embedder's program (a page): the head leaves at once, alone (the receiver makes the page from
      // it while the walk runs); its units as the walk meets them, the rest after the walk (capture.ts)
      if (options.host && pending.length) flush();
    },
    line: add,
    end(rest: string, stats: SnapshotStats, portableSection: string) {
      walking = false;
      const released = all.join('');
      const held = pending.length ? pending.join('\n') + '\n' : '';
      // the stats line holds the whole text's size
      sizeStats(stats, Buffer.byteLength(released) + Buffer.byteLength(held) + Buffer.byteLength(rest) + Buffer.byteLength(streamedTail('', portableSection)));
      const late = held + rest + streamedTail(JSON.stringify(stats), portableSection);
      pending = [];
      for (const chunk of chunkLines(late, size)) release(chunk); // (chunkLines' chunks joined are `late`)
      return released + late;
    },
  };
  const cap = new Capture(engine, running, { ...options, sink });
  const full = cap.run();
  return { capture: wholeCapture(cap, full), earlyChars, earlyChunks, chunks: all.length };
}
