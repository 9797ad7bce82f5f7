// A page's whole snapshot streamed while it is captured (pipelined transfer, issue 6), and restored as
// it arrives: the page's side of snapshot/capture-stream.ts and snapshot/stream.ts.
//
// Order. A page restore makes the page first (its realm: happy-dom's bundle evaluated, the window and
// document born as they were before any script: the birth record every path names), then the engine
// section top to bottom: the DOM's state (`$.hostState`: the document, in id mode, canvases, storage)
// before any object, because `$.host({n: id})` creations name its nodes; then the objects. The DOM's
// state is written after the heap walk (the walk meets detached trees, and canvases' pixels are read
// then), so what can leave while the walk runs is the head: the envelope and the format line naming the
// page's file and URL, and the prelude. It leaves at once, alone, and the receiver makes the page from
// it (the biggest step of a page restore) while the client still walks, encodes its canvases and sends
// the rest; the scripts' sources (`$.unit`, before the DOM's state) leave as the walk meets them; the
// rest is restored chunk by chunk as it arrives (whole lines), so the DOM's rebuild and the objects'
// restore overlap the rest of the transfer. The text is `capturePage(page, null)`'s but for where
// the stats line stands (format.ts STATS_AT_END), so the agreed state both sides keep is the same.
import { captureStreamed, StreamingRestore, type DeltaState, type StreamedCapture } from '../snapshot/index';
import { Engine } from '../index';
import { Page, type PageOptions } from './page';
import { PageDeltaCapture, PageDeltaRestore, restoredState, withDom } from './delta';
import { pageOfHeader } from './snapshot';

/**
 * `capturePage(page, null)` (a whole snapshot in id mode, for a page that moves by deltas) handed to
 * `onChunk` in chunks of whole lines of about `chunkChars` characters: the head at once, then the
 * scripts' sources as the walk meets them (`duringWalk` true), the rest after the walk. Throws what
 * capturePage throws, possibly after the head was handed out.
 */
export function capturePageStreamed(page: Page, chunkChars: number, onChunk: (chunk: string, duringWalk: boolean) => void): StreamedCapture {
  const host = new PageDeltaCapture(page, null);
  // (no portable section: only snapvm restores what goes over the link)
  const r = captureStreamed(page.engine, chunkChars, onChunk, { host, portable: false });
  return { ...r, capture: withDom(r.capture, host) };
}

/** A page's whole snapshot restored chunk by chunk (`feed`), the page made from its first chunk. */
export class PageStreamingRestore {
  private made: { page: Page; host: PageDeltaRestore; bornMs: number } | null = null;
  private readonly restore: StreamingRestore<Engine>;
  /** Time spent restoring (ms): in `feed` and `finish`, not waiting for chunks. */
  private busyMs = 0;

  constructor(options: PageOptions) {
    // (the page's engine options are the page's own, as in Page.restoreHosted: the header's are not read)
    this.restore = new StreamingRestore<Engine>({}, Engine, null, (header) => {
      this.made = Page.bornFor(pageOfHeader(header), options, (p) => new PageDeltaRestore(p, null));
      return { engine: this.made.page.engine, host: this.made.host };
    });
  }

  /** The page, once the first chunk made it (for its console output). */
  get page(): Page | null {
    return this.made?.page ?? null;
  }

  /** Restore the whole lines of `chunk` (a SnapshotError: damaged, or not a page's). */
  feed(chunk: string): void {
    const t = performance.now();
    try {
      this.restore.feed(chunk);
    } finally {
      this.busyMs += performance.now() - t;
    }
  }

  /**
   * The page and the state a delta continues from (null: not written for deltas), once the last line was
   * read; `text` the whole, `restoreMs` the restore's time in all (feeds and finish, not the waits between).
   */
  finish(): { page: Page; engine: Engine; state: DeltaState | null; text: string; restoreMs: number } {
    const t = performance.now();
    const r = this.restore.finish();
    const { page, host, bornMs } = this.made!;
    const restoreMs = this.busyMs + performance.now() - t;
    page.timings.restore = { total: restoreMs, page: bornMs, document: host.documentMs };
    return { page, engine: page.engine, state: restoredState(host, () => r.state), text: r.text, restoreMs };
  }
}
