// Pipelined restore: a whole snapshot applied chunk by chunk while the rest is still on the wire. The
// canonical text is one statement per line and runs top to bottom, so each chunk of whole lines is read
// as it arrives (reader.ts, on one table and one set of restore operations), with the prelude's helper
// names (`var $S = …`) given again to each chunk. The engine is handed out only once the last chunk,
// with the snapshot's trailer, has been read; a stream cut short or damaged leaves nothing behind.
import type { Engine, EngineOptions } from '../interpreter/index';
import { MAGIC, SnapshotError, TRAILER, readHeader } from './format';
import { readCanonical } from './reader';
import { Restorer, type RestoreTable } from './restore';
import { stateAfterRestore, type DeltaState } from './delta';

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
  private prelude = '';
  private rest = '';
  private readonly parts: string[] = [];
  private done = false;

  constructor(
    private readonly options: EngineOptions,
    private readonly EngineClass: new (o: EngineOptions) => E,
  ) {}

  /** Read the whole lines of `chunk` (the part of a line it ends in waits for the next chunk). */
  feed(chunk: string): void {
    if (this.done) throw new SnapshotError('damaged snapshot: text after its last line');
    this.parts.push(chunk);
    const text = this.rest + chunk;
    const cut = text.lastIndexOf('\n') + 1;
    this.rest = text.slice(cut);
    if (cut === 0) return;
    let lines = text.slice(0, cut);
    if (!this.engine) {
      if (!lines.startsWith(MAGIC + '\n')) throw new SnapshotError('not a snapvm snapshot (the first line is not "// snapvm snapshot")');
      // the envelope's first lines, checked as readHeader checks a whole text
      const header = readHeader(lines.slice(0, 4000) + TRAILER);
      this.engine = new this.EngineClass({
        ...this.options,
        test262Host: this.options.test262Host ?? header.options.test262Host,
        frameLimit: this.options.frameLimit ?? header.options.frameLimit ?? undefined,
        argv: this.options.argv ?? header.options.argv ?? undefined,
      });
      this.ops = new Restorer(this.engine, this.table).operations();
      this.prelude = lines
        .split('\n')
        .filter((l) => l.startsWith('var ') && !l.startsWith('var $o '))
        .join('\n');
    } else lines = `${this.prelude}\n${lines}`;
    if (lines.includes(`\n${TRAILER}\n`) || lines.endsWith(`${TRAILER}\n`)) this.done = true;
    if (!readCanonical(lines, this.engine, this.ops!, this.table.objs)) throw new SnapshotError('damaged snapshot: a streamed snapshot must be in the form capture writes');
  }

  /** The restored engine and the state a delta continues from, once the last line was read. */
  finish(): { engine: E; state: DeltaState; text: string } {
    if (this.rest) this.feed('\n');
    if (!this.done || !this.engine) throw new SnapshotError('damaged snapshot: it is cut short (its last line is missing)');
    const text = this.parts.join('');
    return { engine: this.engine, state: stateAfterRestore(this.table, text), text };
  }
}
