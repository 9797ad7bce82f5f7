// Pipelined restore: a whole snapshot applied chunk by chunk while the rest is still on the wire. The
// canonical text is one statement per line and runs top to bottom, so each chunk's whole lines of the
// engine section (format.ts) are read as they arrive (reader.ts, on one table and one set of restore
// operations), with the prelude's helper names (`var $S = …`) given again to each chunk. The engine is handed out only once the last chunk,
// with the snapshot's trailer, has been read; a stream cut short or damaged leaves nothing behind.
import type { Engine, EngineOptions } from '../interpreter/index';
import { ENGINE_CLOSE, ENGINE_OPEN, MAGIC, SnapshotError, TRAILER, readFormatLine, type SnapshotHeader } from './format';
import type { HostRestore } from './host';
import { readCanonical } from './reader';
import { Restorer, engineOptions, type RestoreTable } from './restore';
import { stateAfterRestore, type DeltaState } from './delta';

const ENGINE_CLOSE_LINE = ENGINE_CLOSE.split('\n')[1]!; // `} else {`

/** Split a snapshot's text into chunks of whole lines of about `size` characters. */
export function chunkLines(text: string, size: number): string[] {
  const out: string[] = [];
  for (let at = 0; at < text.length; ) {
    let end = text.indexOf('\n', Math.min(at + size, text.length) - 1);
    end = end < 0 ? text.length : end + 1;
    out.push(text.slice(at, end));
    at = end;
  }
  return out;
}

export class StreamingRestore<E extends Engine = Engine> {
  private engine: E | null = null;
  private ops: Record<string, unknown> | null = null;
  private readonly table: RestoreTable = { units: [], recs: [], objs: [] };
  private readonly prelude: string[] = [];
  private preludeDone = false;
  private rest = '';
  private readonly parts: string[] = [];
  private done = false;
  /** Where the lines read so far end: the envelope's head, the engine section, what follows it. */
  private section: 'head' | 'engine' | 'rest' = 'head';

  constructor(
    private readonly options: EngineOptions,
    private readonly EngineClass: new (o: EngineOptions) => E,
    /**
     * An engine made ahead for exactly these options (the header's, under the caller's), never used
     * before; or null, and one is made when the first chunk arrives (an edge makes it while the client
     * still runs: engine construction is then off the first trip's critical path).
     */
    private readonly madeAhead: ((options: EngineOptions) => E | null) | null = null,
    /**
     * An embedder's program (a page: dom/stream.ts): its engine and restore side, made from the header
     * when the first chunk arrives (instead of `madeAhead` or a new EngineClass).
     */
    private readonly hosted: ((header: SnapshotHeader) => { engine: E; host: HostRestore }) | null = null,
  ) {}

  /** Read the whole lines of `chunk` (the part of a line it ends in waits for the next chunk). */
  feed(chunk: string): void {
    if (chunk === '') return; // (a stream streamed while captured ends in an empty chunk carrying its hash)
    if (this.done) throw new SnapshotError('damaged snapshot: text after its last line');
    this.parts.push(chunk);
    this.read(chunk);
  }

  /** Read the lines `chunk` completes; the text received (`parts`) is kept apart, exactly as sent. */
  private read(chunk: string): void {
    const text = this.rest + chunk;
    const cut = text.lastIndexOf('\n') + 1;
    this.rest = text.slice(cut);
    if (cut === 0) return;
    let lines = text.slice(0, cut);
    if (!this.engine) {
      if (!lines.startsWith(MAGIC + '\n')) throw new SnapshotError('not a snapvm snapshot (the first line is not "// snapvm snapshot")');
      // the envelope's first lines (the trailer is checked when the last chunk arrives)
      const header = readFormatLine(lines);
      let host: HostRestore | null = null;
      if (this.hosted) ({ engine: this.engine, host } = this.hosted(header));
      else {
        const options = engineOptions(this.options, header);
        this.engine = this.madeAhead?.(options) ?? new this.EngineClass(options);
      }
      this.ops = new Restorer(this.engine, host, this.table).operations();
    }
    // only the engine section is read (format.ts): the lines between its opening and `} else {`
    const engineLines: string[] = [];
    for (const line of lines.slice(0, -1).split('\n')) {
      if (this.section === 'head') {
        if (line + '\n' === ENGINE_OPEN) this.section = 'engine';
      } else if (this.section === 'engine') {
        if (line === ENGINE_CLOSE_LINE) this.section = 'rest';
        else engineLines.push(line);
      } else if (line === TRAILER) this.done = true;
      else if (this.done) throw new SnapshotError('damaged snapshot: text after its last line');
    }
    if (!engineLines.length) return;
    // the helper names of the chunks before (a chunk may end inside the prelude)
    lines = [...this.prelude, ...engineLines, ''].join('\n');
    for (const l of engineLines) {
      if (this.preludeDone) break;
      if (l.startsWith('var ') && !l.startsWith('var $o ')) this.prelude.push(l);
      else if (!l.startsWith('$.format(') && !l.startsWith('var $o ')) this.preludeDone = true;
    }
    if (!readCanonical(lines, this.engine, this.ops!, this.table.objs)) throw new SnapshotError('damaged snapshot: a streamed snapshot must be in the form capture writes');
  }

  /** The restored engine and the state a delta continues from, once the last line was read. */
  finish(): { engine: E; state: DeltaState; text: string } {
    if (this.rest) this.read('\n'); // the last line, read without changing the text received
    if (!this.done || !this.engine) throw new SnapshotError('damaged snapshot: it is cut short (its last line is missing)');
    const text = this.parts.join('');
    return { engine: this.engine, state: stateAfterRestore(this.table, text), text };
  }
}
