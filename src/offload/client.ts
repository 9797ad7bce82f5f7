// The client side: a link to an edge server (EdgeLink) and the event-loop driver that moves a running
// program there and back at turn boundaries (runWithEdge).
//
// Faults, nothing lost: the client keeps its own engine, untouched, while the program runs on the
// edge (taking a snapshot runs no guest code). Console output made on the edge is held until the
// state comes back and only then printed, so if the server dies, the link drops or the reply is
// damaged, the client drops that output and continues from the state it kept: every effect happens
// exactly once, locally or remotely, never both.
import WebSocket from 'ws';
import { createHash, type Hash } from 'node:crypto';
import {
  DeltaRefused,
  Engine,
  GuestError,
  SafepointStop,
  SnapshotError,
  applyDelta,
  captureDelta,
  captureStreamed,
  chunkLines,
  isDelta,
  type DeltaCapture,
  type DeltaState,
  type EngineOptions,
  type Snapshot,
  type StreamedCapture,
} from '../index';
import { autoAllowed, completeMove, disableEdge, pendingMove, placeOf } from './hints';
import { OffloadPolicy, calibrate, handlerKey, type Decision } from './decide';
import { blobsOf, compact, expand } from './blobs';
import { compactUnits, expandUnits, type UnitSource } from './units';
import { PROTOCOL_VERSION, UNCAUGHT, defaultChunkChars, parseServerMessage, sha256, type Limits, type OffloadStats, type ServerMessage } from './protocol';

export interface ConsoleLine {
  level: string;
  text: string;
}

export type OffloadOutcome =
  /**
   * `streamed`: a whole snapshot that came in chunks: how many, and (restored as they arrived:
   * EdgeLink.restoreWholeWith) the restore, its time in all and after the last chunk arrived (ms).
   */
  | { kind: 'state'; snapshot: string; stats: OffloadStats; output: ConsoleLine[]; wire: { up: number; down: number }; streamed?: StreamedBack }
  | { kind: 'guest-error'; summary: string; stack: string; errorKind: GuestError['kind']; stats: OffloadStats; output: ConsoleLine[] }
  | { kind: 'fault'; reason: string };

export interface LinkOptions {
  /** Give up connecting after this long (default 5000 ms). */
  connectMs?: number;
  /** Ping the server this often (default 1000 ms); no pong for 5 periods means the link is dead. */
  pingMs?: number;
  /**
   * Stream a whole snapshot larger than two chunks of about this many characters (default 65 536; 0:
   * never): the server restores each chunk while the next is on the wire (pipelined transfer).
   */
  chunkChars?: number;
  /**
   * Stream a whole snapshot WHILE it is captured (snapshot/capture-stream.ts): each chunk leaves as the
   * walk makes it, and the edge restores it before the capture has ended (default true, or
   * $SNAPVM_EDGE_PIPELINE=0 for off: then it is captured whole, then streamed; for experiments).
   */
  pipeline?: boolean;
  /** The program's argv, told in hello: the server makes the engine for its first snapshot ahead. */
  argv?: string[];
  /**
   * The program's compile units, named in hello by hash: the server asks for the sources it lacks, which
   * go at once and are parsed on the edge while the program runs here; snapshots then name them (units.ts).
   */
  units?: UnitSource[];
}

/** Whether whole snapshots stream while they are captured: yes, unless $SNAPVM_EDGE_PIPELINE is 0. */
function defaultPipeline(): boolean {
  return process.env.SNAPVM_EDGE_PIPELINE !== '0';
}

/** What a capture streamed while it ran (for reports). */
export interface EarlyChunks {
  /** Chunks and characters written to the socket during the walk, and the snapshot's characters. */
  chunks: number;
  chars: number;
  total: number;
  /** Bytes the socket still held when the capture ended (0: the chunks had reached the kernel during it). */
  buffered: number;
}

/** A whole snapshot that came back in chunks (OffloadOutcome.streamed). */
export interface StreamedBack {
  chunks: number;
  restored?: { engine: Engine; state: DeltaState | null };
  restoreMs: number;
  afterLastMs: number;
}

/** A whole snapshot restored chunk by chunk as it arrives (a page's: dom/stream.ts PageStreamingRestore). */
export interface WholeRestore {
  /** Restore the whole lines of `chunk` (throws: the restore failed). */
  feed(chunk: string): void;
  /** After the last chunk: the engine, the state a delta continues from, the whole text fed, and the restore's own time in all (ms, feeds and finish). */
  finish(): { engine: Engine; state: DeltaState | null; text: string; restoreMs: number };
}

/** How often the connect deadline is counted (EdgeLink.connect). */
const CONNECT_TICK_MS = 50;

/** One WebSocket session with an edge server. `offload` never rejects: a failure is a `fault` outcome. */
export class EdgeLink {
  private nextId = 1;
  private pending: { id: number; output: ConsoleLine[]; seq: number; settle: (o: OffloadOutcome) => void; timer: NodeJS.Timeout; whole?: IncomingWhole } | null = null;
  /** Makes the restore of a whole snapshot that comes back in chunks (`restoreWholeWith`). */
  private wholeRestore: (() => WholeRestore) | null = null;

  /**
   * Restore a whole snapshot that comes back in chunks (a page's, when no delta could carry its change) as
   * they arrive, with a restore `make` makes: the outcome then carries it. It is used only once the whole
   * arrived and matched its hash; a failed restore is dropped and the outcome carries the text only.
   */
  restoreWholeWith(make: (() => WholeRestore) | null): void {
    this.wholeRestore = make;
  }
  private dead: string | null = null;
  private lastPong = performance.now();
  private readonly pinger: NodeJS.Timeout;

  private constructor(
    private readonly ws: WebSocket,
    readonly url: string,
    readonly session: number,
    readonly limits: Limits,
    /** The server's time for the calibration program (decide.ts), if it told. */
    readonly calibrationMs: number | undefined,
    pingMs: number,
    private readonly chunkChars: number,
    /** Stream whole snapshots while they are captured (LinkOptions.pipeline). */
    private readonly pipeline: boolean,
    /** The hello this link said (said again after the server gave the session's worker back: `idle`). */
    private readonly hello: string,
    /** The program's units: the server holds their sources (it had them, or this link sent them). */
    private readonly unitList: UnitSource[],
    /** Settles when the sources the server asked for are written to the socket. */
    readonly unitsSent: Promise<void>,
  ) {
    this.units = new Map(unitList.map((u) => [u.sha256, u.text]));
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => this.onMessage(isBinary ? null : data.toString()));
    ws.on('close', (code: number) => this.die(`the connection closed (code ${code})`));
    ws.on('error', (e: Error) => this.die(e.message));
    ws.on('pong', () => (this.lastPong = performance.now()));
    let lastTick = performance.now();
    this.pinger = setInterval(() => {
      const now = performance.now();
      // a late tick means this process was busy (a long turn of the program): pongs could not be
      // read meanwhile, which says nothing about the link, so the silence counts from now
      if (now - lastTick > 2 * pingMs) this.lastPong = now;
      lastTick = now;
      if (now - this.lastPong > 5 * pingMs) {
        this.die(`no answer to pings for ${((performance.now() - this.lastPong) / 1000).toFixed(1)} s`);
        ws.terminate();
      } else if (ws.readyState === WebSocket.OPEN) ws.ping();
    }, pingMs);
    this.pinger.unref();
  }

  /** Open a session (hello → welcome). Rejects with an Error that says why. */
  static connect(url: string, options: LinkOptions = {}): Promise<EdgeLink> {
    return new Promise((resolve, reject) => {
      let ws: WebSocket;
      try {
        // (no handshake timeout of ws's own: the deadline below covers the handshake too)
        ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 1024 * 1024 * 1024 });
      } catch (e) {
        return reject(new Error(`bad edge address '${url}': ${(e as Error).message}`));
      }
      // the deadline counts only time in which this process could read the answer: while the program runs
      // synchronously (a page's load on a slow client can take longer than the deadline) the answer waits
      // unread, and a timer would fire before the read it waits for; so a late tick counts one period only
      const deadlineMs = options.connectMs ?? 5000;
      let waited = 0;
      let lastTick = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        waited += Math.min(now - lastTick, 2 * CONNECT_TICK_MS);
        lastTick = now;
        if (waited >= deadlineMs) fail('no welcome in time');
      }, CONNECT_TICK_MS);
      const fail = (why: string) => {
        clearInterval(timer);
        ws.removeAllListeners();
        ws.on('error', () => {});
        ws.terminate();
        reject(new Error(why));
      };
      ws.on('error', (e: Error & { code?: string }) => fail(e.code ?? e.message));
      ws.on('close', (code: number) => fail(`closed (code ${code})`));
      const units = options.units ?? [];
      const hello = JSON.stringify({ type: 'hello', v: PROTOCOL_VERSION, argv: options.argv, ...(units.length ? { units: units.map(({ sha256, file, kind }) => ({ sha256, file, kind })) } : {}) });
      ws.on('open', () => ws.send(hello));
      ws.once('message', (data: WebSocket.RawData) => {
        const m = parseServerMessage(data.toString());
        if (typeof m === 'string' || m.type !== 'welcome') return fail(typeof m === 'string' ? `a damaged welcome (${m})` : m.type === 'error' ? `${m.code}: ${m.message}` : `unexpected ${m.type}`);
        clearInterval(timer);
        ws.removeAllListeners();
        const calibrationMs = typeof m.calibrationMs === 'number' && m.calibrationMs > 0 ? m.calibrationMs : undefined;
        // the sources the server lacks, at once (it parses them while the program runs here)
        const sent = sendUnits(ws, units, m.want);
        resolve(
          new EdgeLink(ws, url, m.session, m.limits, calibrationMs, options.pingMs ?? 1000, options.chunkChars ?? defaultChunkChars(), options.pipeline ?? defaultPipeline(), hello, units, sent),
        );
      });
    });
  }

  /**
   * Send a snapshot; resolves when the state comes back, the program fails there, or the offload cannot
   * finish. With `turns`, the server sends the state back after that many turns even if the app does not ask;
   * with `until`, before a turn whose timer is due later than that many ms of the program's clock after the
   * snapshot's instant (an input's span: EdgeInput).
   */
  async offload(snapshot: string, turns?: number, until?: number): Promise<OffloadOutcome> {
    if (this.dead) return { kind: 'fault', reason: this.dead };
    if (this.pending || this.asking || this.rehello) return { kind: 'fault', reason: 'an offload is already running on this link' };
    if (this.released) {
      // the server gave back the worker this session's hello took: hello again (the sources it lost too)
      this.released = false;
      const want = await new Promise<string[] | null>((resolve) => {
        this.rehello = resolve;
        this.ws.send(this.hello, this.sendFailed);
      });
      if (want === null) return { kind: 'fault', reason: this.dead ?? 'the link closed' };
      void sendUnits(this.ws, this.unitList, want);
    }
    if (!(await this.provideBlobs(snapshot))) return { kind: 'fault', reason: this.dead ?? 'the link closed' };
    return this.send(this.wire(snapshot), sha256(snapshot), turns, until);
  }

  /** Big buffers (a model's bytes) go once per server: ask which of `text`'s it holds, send the others. False: the link died meanwhile. */
  private async provideBlobs(text: string): Promise<boolean> {
    const blobs = blobsOf(text);
    for (const [h, b] of blobs) this.mine.set(h, b);
    const unknown = [...blobs.keys()].filter((h) => !this.serverHas.has(h));
    if (!unknown.length) return true;
    const have = await new Promise<string[] | null>((resolve) => {
      this.asking = resolve;
      this.ws.send(JSON.stringify({ type: 'blobs?', hashes: unknown }), this.sendFailed);
    });
    if (have === null) return false;
    for (const h of unknown) {
      if (!have.includes(h)) {
        const data = blobs.get(h)!;
        this.wireUp += data.length;
        this.ws.send(JSON.stringify({ type: 'blob', sha256: h, data }), this.sendFailed);
      }
      this.serverHas.add(h);
    }
    return true;
  }

  /** A snapshot's text (or a chunk of whole lines) as it travels: buffers and sources the server holds by hash; counted. */
  private wire(text: string): string {
    const out = compactUnits(
      compact(text, (h) => this.serverHas.has(h)),
      this.units,
    );
    this.wireUp += Buffer.byteLength(out);
    return out;
  }

  /** Whether the next whole snapshot can stream while it is captured (`offloadCapturing`). */
  get pipelined(): boolean {
    return this.pipeline && this.chunkChars > 0 && !this.dead && !this.pending && !this.asking && !this.rehello && !this.released;
  }

  /**
   * Capture a whole snapshot with `run` (captureStreamed) and send each chunk as the walk hands it out
   * (pipelined transfer): the first as the offload (no sha256 yet; only once more than two chunks' worth
   * was handed out: a smaller snapshot goes whole, as `send` would send it), the next as `more`; the SHA-256 of
   * the whole, hashed as it went, follows in an empty last chunk. From the first chunk that holds a big
   * buffer the server may lack, the rest waits for the capture's end and goes as `offload` sends (the
   * server is asked, then sent what it lacks). A snapshot smaller than a chunk goes as `offload` does.
   * A capture that fails (it throws) after chunks left tells the server to drop what it restored
   * (`abort`) and rethrows; the link stays usable. Runs synchronously: the chunks are written to the
   * socket inside the walk (ws writes at once while the socket takes them), and nothing runs guest code.
   * `headFirst` (a page's: its head is handed out alone, and the edge makes the page from it): the first
   * chunk leaves at once, however small the snapshot turns out.
   * `turns` and `until` bound the edge's run as `offload`'s do (they go with the first chunk).
   */
  offloadCapturing(
    run: (onChunk: (chunk: string, duringWalk: boolean) => void, chunkChars: number) => StreamedCapture,
    turns?: number,
    headFirst = false,
    until?: number,
  ): { captured: StreamedCapture; outcome: Promise<OffloadOutcome>; early: EarlyChunks } {
    let id = 0; // taken with the first chunk sent (a snapshot sent whole takes its own in `send`)
    const hash = createHash('sha256');
    let sent = 0;
    /** Sent while the walk ran: chunks, characters. */
    let early = 0;
    let earlyChars = 0;
    let walking = true;
    let held: string[] | null = null;
    let outcome: Promise<OffloadOutcome> | null = null;
    const live = () => !this.dead && this.pending?.id === id;
    const put = (chunk: string) => {
      const data = this.wire(chunk);
      if (walking) early++, (earlyChars += chunk.length);
      if (sent++ === 0) {
        id = this.nextId++;
        outcome = this.expect(id);
        this.ws.send(JSON.stringify({ type: 'offload', id, snapshot: data, ...(turns ? { turns } : {}), ...(until !== undefined ? { until } : {}), more: true }), this.sendFailed);
      } else this.ws.send(JSON.stringify({ type: 'more', id, data, last: false }), this.sendFailed);
    };
    // as `send` streams only a snapshot over two chunks, the first chunks wait until there is more than that
    let waiting: string[] = [];
    let waitingChars = 0;
    const onChunk = (chunk: string, duringWalk: boolean) => {
      walking = duringWalk;
      hash.update(chunk);
      if (this.dead) return; // the outcome says so
      if (held) return void held.push(chunk);
      if (sent > 0 && !live()) return; // the link died or the server refused: the outcome says so
      const blobs = blobsOf(chunk);
      for (const [h, b] of blobs) this.mine.set(h, b);
      if ([...blobs.keys()].some((h) => !this.serverHas.has(h))) held = [...waiting, chunk];
      else if (sent === 0 && !headFirst && (waitingChars += chunk.length) <= 2 * this.chunkChars) waiting.push(chunk);
      else {
        for (const c of waiting) put(c);
        waiting = [];
        put(chunk);
      }
    };
    let captured: StreamedCapture;
    try {
      captured = run(onChunk, this.chunkChars);
    } catch (err) {
      if (sent > 0 && live()) {
        this.ws.send(JSON.stringify({ type: 'abort', id, reason: (err as Error).message }), this.sendFailed);
        const p = this.pending!;
        this.pending = null;
        clearTimeout(p.timer);
      }
      this.wireUp = 0;
      throw err;
    }
    const sentEarly = { chunks: early, chars: earlyChars, total: captured.capture.text.length, buffered: this.ws.bufferedAmount };
    // nothing left during the capture (a small snapshot, or a big buffer in its first chunk): sent as a whole
    if (sent === 0) return { captured, outcome: this.offload(captured.capture.text, turns, until), early: sentEarly };
    const rest = held as string[] | null;
    const finish = async (): Promise<void> => {
      if (rest && (await this.provideBlobs(rest.join(''))) && live()) for (const chunk of rest) put(chunk);
      if (live()) this.ws.send(JSON.stringify({ type: 'more', id, data: '', last: true, sha256: hash.digest('hex') }), this.sendFailed);
    };
    void finish();
    return { captured, outcome: outcome!, early: sentEarly };
  }

  /** Snapshot bytes this offload put on the wire (blobs included): for reports. */
  private wireUp = 0;

  /** Blobs the server holds (it said so, or this link sent them), and those of this client (for the states coming back). */
  private readonly serverHas = new Set<string>();
  private readonly mine = new Map<string, string>();
  /** Waiting for the server's `blobs` answer. */
  private asking: ((have: string[] | null) => void) | null = null;
  /** The program's sources by hash (units.ts). */
  private readonly units: ReadonlyMap<string, string>;
  /** The server gave back the worker this session's hello took (`idle`): hello again before the next offload. */
  private released = false;
  /** Waiting for the welcome to that second hello: the sources the server wants. */
  private rehello: ((want: string[] | null) => void) | null = null;

  /** Offload `id` is on its way: the outcome, settled by the reply, a fault, or the deadline. */
  private expect(id: number): Promise<OffloadOutcome> {
    // the server's own budget, and some slack for the transfers: past that, a server that still
    // answers pings but never replies is as good as gone
    const waitMs = this.limits.offloadMs + 10_000;
    return new Promise((settle) => {
      const timer = setTimeout(() => this.die(`no reply within ${waitMs} ms`), waitMs);
      this.pending = { id, output: [], seq: 0, settle, timer };
    });
  }

  private send(snapshot: string, hash: string, turns: number | undefined, until?: number): Promise<OffloadOutcome> {
    const id = this.nextId++;
    const outcome = this.expect(id);
    const chunks = this.chunkChars > 0 && !isDelta(snapshot) && snapshot.length > 2 * this.chunkChars ? chunkLines(snapshot, this.chunkChars) : [snapshot];
    this.ws.send(
      JSON.stringify({ type: 'offload', id, snapshot: chunks[0], sha256: hash, ...(turns ? { turns } : {}), ...(until !== undefined ? { until } : {}), ...(chunks.length > 1 ? { more: true } : {}) }),
      this.sendFailed,
    );
    for (let i = 1; i < chunks.length; i++) this.ws.send(JSON.stringify({ type: 'more', id, data: chunks[i], last: i === chunks.length - 1 }), this.sendFailed);
    return outcome;
  }

  private settle(o: OffloadOutcome): void {
    const p = this.pending;
    this.pending = null;
    if (p) clearTimeout(p.timer);
    p?.settle(o);
  }

  /** A socket write's callback: a write that failed kills the link. */
  private readonly sendFailed = (e?: Error): void => {
    if (e) this.die(`cannot send: ${e.message}`);
  };

  private die(reason: string): void {
    if (this.dead) return;
    this.dead = reason;
    clearInterval(this.pinger);
    this.asking?.(null);
    this.asking = null;
    this.rehello?.(null);
    this.rehello = null;
    this.settle({ kind: 'fault', reason });
  }

  private damaged(why: string): void {
    this.die(`a damaged reply (${why})`);
    this.ws.terminate();
  }

  private onMessage(text: string | null): void {
    if (text === null) return this.damaged('a binary message');
    const m: ServerMessage | string = parseServerMessage(text);
    if (typeof m === 'string') return this.damaged(m);
    const p = this.pending;
    if (m.type === 'welcome') {
      if (!this.rehello) return this.damaged('a second welcome');
      const answer = this.rehello;
      this.rehello = null;
      return answer(m.want ?? []);
    }
    if (m.type === 'idle') return void (this.released = true);
    if (m.type === 'error' && m.id === undefined) return this.die(`the server said ${m.code}: ${m.message}`);
    if (m.type === 'blobs') {
      if (!this.asking) return this.damaged('an unasked blobs answer');
      const answer = this.asking;
      this.asking = null;
      return answer(m.have);
    }
    if (!p || m.id !== p.id) return; // a late message for an offload already given up
    switch (m.type) {
      case 'console':
        if (m.seq !== p.seq++) return this.damaged(`console line ${m.seq} out of order`);
        p.output.push({ level: m.level, text: m.text });
        return;
      case 'state': {
        if (p.whole) return this.damaged('a second state');
        const back = this.expanded(m.snapshot);
        if (back === null) return;
        if (m.more) {
          // the first chunk of a whole snapshot: restored now if a restore is given, the rest as it comes
          p.whole = { parts: [back], hash: createHash('sha256').update(back), wire: Buffer.byteLength(m.snapshot), sha256: m.sha256, stats: m.stats, restore: null };
          if (this.wholeRestore) p.whole.restore = this.wholeRestore();
          return this.feedWhole(p.whole, back);
        }
        if (sha256(back) !== m.sha256) return this.damaged('the snapshot does not match its sha256');
        return this.settleState(p.output, back, m.stats, Buffer.byteLength(m.snapshot));
      }
      case 'state-more': {
        const w = p.whole;
        if (!w) return this.damaged('a chunk of no state');
        const chunk = this.expanded(m.data);
        if (chunk === null) return;
        const arrived = performance.now();
        w.parts.push(chunk);
        w.hash.update(chunk);
        w.wire += Buffer.byteLength(m.data);
        this.feedWhole(w, chunk);
        if (!m.last) return;
        if (w.hash.digest('hex') !== w.sha256) return this.damaged('the snapshot does not match its sha256');
        // (the restore, when it held to the end, has the whole text and its own time; else the chunks are joined here)
        let restored: ReturnType<WholeRestore['finish']> | undefined;
        try {
          restored = w.restore?.finish();
        } catch {
          restored = undefined; // (the text is restored again where the outcome is used, and fails there with its reason)
        }
        const text = restored?.text ?? w.parts.join('');
        const afterLastMs = performance.now() - arrived;
        const streamed = { chunks: w.parts.length, ...(restored ? { restored: { engine: restored.engine, state: restored.state } } : {}), restoreMs: restored?.restoreMs ?? 0, afterLastMs };
        return this.settleState(p.output, text, w.stats, w.wire, streamed);
      }
      case 'guest-error':
        return this.settle({ kind: 'guest-error', summary: m.summary, stack: m.stack, errorKind: m.kind, stats: m.stats, output: p.output });
      case 'error':
        return this.settle({ kind: 'fault', reason: `the server said ${m.code}: ${m.message}` });
    }
  }

  /** A reply's snapshot text (or a chunk of it) with its blobs and sources put back; null: damaged (the link is then dead). */
  private expanded(text: string): string | null {
    const b = expand(text, (h) => this.mine.get(h));
    const back = typeof b === 'string' ? b : expandUnits(b.text, (h) => this.units.get(h));
    if (typeof back === 'string') {
      this.damaged(back);
      return null;
    }
    return back.text;
  }

  /** Restore a chunk of a whole snapshot coming back; a restore that fails is dropped (the outcome then carries the text only). */
  private feedWhole(w: IncomingWhole, chunk: string): void {
    try {
      w.restore?.feed(chunk);
    } catch {
      w.restore = null;
    }
  }

  private settleState(output: ConsoleLine[], text: string, stats: OffloadStats, down: number, streamed?: StreamedBack): void {
    const wire = { up: this.wireUp, down };
    this.wireUp = 0;
    this.settle({ kind: 'state', snapshot: text, stats, output, wire, ...(streamed ? { streamed } : {}) });
  }

  close(): void {
    clearInterval(this.pinger);
    this.dead ??= 'closed';
    this.ws.removeAllListeners();
    this.ws.on('error', () => {});
    this.ws.close();
  }
}

/**
 * A whole snapshot coming back in chunks: the chunks so far (the text, should its restore fail), its bytes
 * on the wire, its hash and stats (from its first chunk), and its restore as it comes (which times itself).
 */
interface IncomingWhole {
  parts: string[];
  /** The SHA-256 of the chunks so far (checked against `sha256` before the restore finishes). */
  hash: Hash;
  wire: number;
  sha256: string;
  stats: OffloadStats;
  restore: WholeRestore | null;
}

/** One round trip to the edge, measured on the client. */
export interface MigrationReport {
  /** 1, 2, … in this run. */
  n: number;
  /** Event-loop turn after which the program left. */
  turn: number;
  /** Client: capturing the snapshot, and restoring the one that came back. */
  captureMs: number;
  restoreMs: number;
  bytesUp: number;
  bytesDown: number;
  /** What crossed the link (big buffers the other side holds travel as references: blobs.ts). */
  wireUp: number;
  wireDown: number;
  /** Sizes of the whole snapshots of the same states (what a trip without deltas sends). */
  fullUp: number;
  fullDown: number;
  /** Whether each direction carried a delta. */
  deltaUp: boolean;
  deltaDown: boolean;
  /** Why the trip up was a whole snapshot where a delta could have gone (DeltaCapture.fallback, or the embedder's reason). */
  fallback?: string;
  /** Why the trip down was (the edge's OffloadStats.fallbackOut). */
  fallbackDown?: string;
  /** A whole snapshot that came back in chunks, restored as they arrived: how many, and the restore's time after the last arrived (ms; `restoreMs` is its time in all). */
  chunksDown?: number;
  restoreAfterLastMs?: number;
  /** From sending the snapshot to having the reply. */
  roundTripMs: number;
  /** Whole migration: capture start → program running on the client again. */
  totalMs: number;
  /** What the server measured (restore, run, capture, turns). */
  server: OffloadStats;
  /** Migration overhead: totalMs less the time the program ran on the server. */
  overheadMs: number;
  /** From the decision (capture start) until the edge had restored the state (the server's clock: same machine only). */
  edgeRestoredMs?: number;
  /** A whole snapshot streamed while it was captured: what left during the capture. */
  early?: EarlyChunks;
  /** An automatic offload of one handler: what the policy predicted. */
  auto?: Decision;
  /** The handler that decision moved (decide.ts `handlerKey`, or an input's task: `input click #id`). */
  handler?: string;
  /** An automatic offload from inside a turn (midTurnHook): after how long the turn had run here, and the threshold it passed. */
  midTurn?: { afterMs: number; thresholdMs: number };
}

/** A turn stopped at a safe point to move: its snapshot (a delta against the agreed state, if any), and when and why it was taken. */
interface MidTurn {
  snap: DeltaCapture;
  key: string;
  afterMs: number;
  thresholdMs: number;
  captureMs: number;
}

/**
 * The mid-turn decision (ski rental): a timer handler's turn that has run here longer than the
 * policy's threshold (the predicted migration cost) with no decision made before it — its first run,
 * or a run longer than predicted — moves at the next safe point: a snapshot of the computation stopped
 * there (a delta against the agreed state, if any) is taken and the computation stopped (SafepointStop,
 * which no guest handler sees). The engine's heap is then the state sent, less the stopped frames, which
 * the delta coming back drops: it applies in place as after a turn; only a fault restores the snapshot
 * to continue here. `policyNow` is the policy while a move is possible (auto moves allowed), `keyNow`
 * the running turn's handler. The clock is read every 1024 safe points.
 */
function midTurnHook(e: Engine, policyNow: () => OffloadPolicy | null, keyNow: () => string | null, agreed: DeltaState | null): { taken: MidTurn | null; turnEnded: () => void } {
  const watch = { taken: null as MidTurn | null, turnEnded: () => void (began = NaN) };
  let began = NaN;
  let hits = 0;
  e.setSafepointHook((frame) => {
    if ((++hits & 1023) !== 0 || !e.mainTurnDone) return;
    const now = performance.now();
    if (Number.isNaN(began)) return void (began = now);
    const policy = policyNow();
    const key = keyNow();
    const thresholdMs = policy?.midTurnMs() ?? Infinity;
    if (key === null || now - began < thresholdMs) return;
    let snap: DeltaCapture;
    try {
      snap = captureDelta(e, agreed, { portable: false }, frame);
    } catch (err) {
      if (!(err instanceof SnapshotError)) throw err;
      began = Infinity; // (a state this turn cannot write here: it stays)
      return;
    }
    watch.taken = { snap, key, afterMs: now - began, thresholdMs, captureMs: performance.now() - now };
    throw e.safepointStop('moving to the edge mid-turn');
  });
  return watch;
}

export interface EdgeRunOptions {
  /** ws://host:port of the edge server; null runs every hint locally. */
  edge: string | null;
  /** Options for the engines restored from states that come back (argv…; their console goes to stdout/stderr below). */
  engineOptions: EngineOptions;
  /** Where console output (forwarded and of restored engines) and the fault line go. */
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  link?: LinkOptions;
  /** A session the caller opened before the program started (`openEdgeAhead`), used instead of opening one. */
  linkAhead?: Promise<EdgeLink>;
  /** Called after each completed round trip. */
  onMigration?: (report: MigrationReport) => void;
  /** In auto mode, once the link is open: the decision model and the calibration times it was made from (ms; the edge's undefined when it told none). */
  onPolicy?: (p: PolicyStart) => void;
  /**
   * Decide on its own too (EUC'15): offload a timer handler when its predicted local time exceeds its
   * predicted remote time plus the migration cost. Handlers are timed (wall clock) as they run.
   */
  auto?: boolean;
  /** The decision model to use in auto mode (default: calibrated against the server's figure). */
  policy?: OffloadPolicy;
  /**
   * An embedder whose objects are part of the program's state (a page's DOM: `runPageWithEdge` in
   * cli/main.ts). Its snapshots travel whole both ways unless it gives `deltas` (a page's do: dom/delta.ts),
   * are sent in one message unless it gives `deltas.captureStreamed` (then they stream as a script's do:
   * the edge restores a page as its chunks arrive), and a move happens between turns only (no mid-turn move).
   */
  host?: EdgeHost;
  /** An uncaught error in a page's listener or timer on the edge was printed (the page went on there). */
  onUncaught?: () => void;
  /**
   * Input from outside the program (a page's steps: dom/steps.ts `StepInput`): the loop runs in spans the
   * input gives, and asks it for the next span when one has no turn left, instead of ending.
   */
  input?: EdgeInput;
}

/**
 * Input that drives a program from outside (EdgeRunOptions.input). It queues its events as tasks of the
 * program (timers its state holds, so a snapshot carries them and the edge runs them as turns) and bounds
 * each span of the loop: no timer due after `horizon` runs (here or on the edge, told as an offload's `until`).
 */
export interface EdgeInput {
  /** The end of the current span on `engine`'s timer clock. */
  horizon(engine: Engine): number;
  /** The span ran every turn it had (the state is here): begin the next one (true), or end the run (false). */
  more(engine: Engine): Promise<boolean>;
  /** The handler a timer of `engine` runs when it is one of the input's tasks (the policy's key for its turn), else null. */
  keyOf(engine: Engine, timer: { callback: unknown; args: unknown[] }): string | null;
}

/** The embedder's side of `runWithEdge` (EdgeRunOptions.host). */
export interface EdgeHost {
  /** Why its trips are whole snapshots, not deltas (MigrationReport.fallback). */
  readonly wholeBecause: string;
  /** A whole snapshot of the program `engine` runs, between turns (a SnapshotError: it cannot move). */
  capture(engine: Engine): Snapshot;
  /** The program again from a whole snapshot (one the edge sent back); throws if it cannot be restored. */
  restore(code: string): Engine;
  /**
   * Its state moves by deltas too (a page: dom/delta.ts): after the first whole trip both sides keep the
   * program and each trip carries what changed since the state agreed (DeltaState.host holds the embedder's side).
   */
  deltas?: {
    /** A whole snapshot (`agreed` null) or a delta against `agreed`, of the program `engine` runs. */
    capture(engine: Engine, agreed: DeltaState | null): DeltaCapture;
    /** A delta from the edge applied in place on the program kept (a DeltaRefused says whether it had begun changing it). */
    apply(engine: Engine, agreed: DeltaState, text: string): DeltaState;
    /** The program from a whole snapshot, with the state a delta continues from. */
    restore(code: string): { engine: Engine; state: DeltaState | null };
    /**
     * `capture(engine, null)` handed to `onChunk` while it is captured (captureStreamed with the
     * embedder's objects: a page's, dom/stream.ts). Given, its whole snapshots may stream (the edge
     * restores them as they come): its link is not HOST_LINK's.
     */
    captureStreamed?(engine: Engine, chunkChars: number, onChunk: (chunk: string, duringWalk: boolean) => void): StreamedCapture;
    /** A restore fed a whole snapshot coming back in chunks as they arrive (`restore` chunk by chunk; a page's: dom/stream.ts). */
    restoreStreaming?(): WholeRestore;
  };
}

/**
 * Run `engine`'s event loop to the end, moving the program to the edge whenever it asks
 * (`snapvm.migrate`/`snapvm.offload`) and back. Resolves with the engine the program ended in;
 * throws GuestError like `runEventLoop` (also for an error on the edge, with its guest stack).
 */
export async function runWithEdge(engine: Engine, options: EdgeRunOptions): Promise<Engine> {
  const host = options.host ?? null;
  let link: Promise<EdgeLink | string> | null = null;
  let ready: EdgeLink | null = null; // the link once connected (automatic decisions wait for it)
  let policy: OffloadPolicy | null = null;
  // the client's own calibration (tens of ms, once, only in auto mode), before turns are measured
  const clientCalibrationMs = options.auto && options.edge !== null && !options.policy ? calibrate() : 0;
  const connect = () =>
    (link ??=
      options.edge === null
        ? Promise.resolve('no edge')
        : (
            options.linkAhead ??
            EdgeLink.connect(options.edge, {
              ...options.link,
              ...(host && !host.deltas?.captureStreamed ? HOST_LINK : {}),
              ...(options.engineOptions.argv ? { argv: options.engineOptions.argv } : {}),
            })
          ).then(
            (l) => {
              ready = l;
              l.restoreWholeWith(host?.deltas?.restoreStreaming ?? null);
              if (options.auto) {
                policy = options.policy ?? new OffloadPolicy(l.calibrationMs ? clientCalibrationMs / l.calibrationMs : 1);
                options.onPolicy?.({ policy, ...(options.policy ? {} : { clientMs: clientCalibrationMs, edgeMs: l.calibrationMs }) });
              }
              return l;
            },
            (e: Error) => e.message,
          ));
  // overlap the handshake with the program's start; automatic decisions need the link from the first
  // handler on (the host's own event loop only turns between the program's turns), so they wait for it
  if (options.edge !== null) {
    const connecting = connect();
    if (options.auto) await connecting;
  }
  let edgeDown = options.edge === null;
  const input = options.input ?? null;
  /** The next turn's timer is due after the input's horizon: it waits for the input's next span. */
  const waits = (e: Engine): boolean => input !== null && e.timers.waitsPast(input.horizon(e));
  /** The app is on the edge though its state is here (an input's span ended there): see `stays` below. */
  let stays = input !== null && pendingMove(engine) === null && placeOf(engine) === 'edge';
  let n = 0;
  let current = engine;
  /** The state the edge holds too (after the first trip): later trips up send a delta against it. */
  let agreed: DeltaState | null = null;
  const giveUp = (e: Engine, line: string | null) => {
    if (line) options.stderr(line + '\n');
    edgeDown = true;
    stays = false;
    agreed = null;
    disableEdge(e);
    completeMove(e, 'client');
  };
  try {
    for (;;) {
      const e = current;
      // (a state kept from a safe point continues its computation before any microtask: runEventLoop does)
      if (!e.pendingFrame) e.runJobs();
      let move = pendingMove(e);
      // (the app is on the edge, brought back only by the end of an input's span: what the next span runs goes there)
      if (move === null && stays && e.timers.size > 0 && !waits(e)) move = 'edge';
      let auto: { key: string; decision: Decision } | null = null;
      let midTurn: MidTurn | null = null;
      if (move === null) {
        // measure each turn and name the handler that runs next (an input's task by what it dispatches), for
        // the automatic decision: a turn starts when its timer is due (or at once, if it already is), so the
        // wait before it is not counted; on a virtual clock — a page's — no time passes in a turn and none is
        // waited for: the wall clock times it
        let nextKey: string | null = null;
        let start = 0;
        const clock = () => (e.timers.realTime ? e.timers.now() : performance.now());
        const peek = () => {
          const next = e.timers.next();
          nextKey = next ? (input?.keyOf(e, next) ?? handlerKey(e, next.callback)) : null;
          start = Math.max(clock(), next && e.timers.realTime ? next.due : 0);
        };
        const decideNext = (): boolean => {
          if (!policy || !ready || edgeDown || nextKey === null || !autoAllowed(e) || waits(e)) return false;
          const decision = policy.decide(nextKey);
          if (decision?.offload) auto = { key: nextKey, decision };
          return auto !== null;
        };
        if (!options.auto) {
          // only the app's hints move it: no timer to name or time
          if (!waits(e)) await e.runEventLoop(() => pendingMove(e) !== null || waits(e));
        } else {
          peek();
          // also before the first turn here (the turn right after a state came back)
          if ((!decideNext() || e.mainTurnDone === false || e.pendingFrame) && !waits(e)) {
            auto = null;
            // a turn that runs longer than a migration costs moves at a safe point (midTurnHook; no hook
            // slows the guest's safe points where no move can come of it)
            const p = policy as OffloadPolicy | null;
            const watch =
              !host && ready && !edgeDown && p && p.midTurnMs() < Infinity
                ? midTurnHook(
                    e,
                    () => (nextKey !== null && autoAllowed(e) ? p : null),
                    () => nextKey,
                    agreed,
                  )
                : null;
            try {
              await e.runEventLoop((turn) => {
                watch?.turnEnded();
                if (policy && nextKey !== null && turn > 1) policy.observeLocal(nextKey, clock() - start);
                if (pendingMove(e) !== null) return true;
                peek();
                return waits(e) || decideNext();
              });
            } catch (err) {
              if (!(err instanceof SafepointStop) || !watch?.taken) throw err;
            } finally {
              if (watch) e.setSafepointHook(null);
            }
            midTurn = watch?.taken ?? null;
          }
        }
        move = pendingMove(e);
      }
      if (move === null && auto === null && midTurn === null) {
        // nothing left to run (before the input's horizon: its next span, if any)
        if (input && (await input.more(e))) continue;
        return e;
      }
      if (move === 'client' || (move !== null && edgeDown)) {
        completeMove(e, 'client');
        continue;
      }
      const l = await connect();
      if (typeof l === 'string') {
        giveUp(e, `snapvm: edge ${options.edge} unreachable (${l}); running locally`);
        continue;
      }
      const turn = e.loop.turn + 1;
      // (an input's span bounds the edge's run too: it comes back before a timer due after the horizon)
      const until = input ? Math.max(0, input.horizon(e) - e.timers.now()) : undefined;
      let t0 = performance.now();
      const autoTurn = auto as { key: string; decision: Decision } | null; // assigned in the callback above
      const stopped = midTurn as MidTurn | null; // assigned in the catch above
      let restored: Engine | undefined;
      const onConsole = (level: string, values: unknown[]) => restored && flush([{ level, text: restored.format(values) }], options);
      let snap: DeltaCapture;
      let sending: Promise<OffloadOutcome> | null = null;
      let early: EarlyChunks | null = null;
      if (stopped) {
        // taken at a safe point inside the turn (midTurnHook); the engine was left mid-computation
        t0 -= stopped.captureMs;
        snap = stopped.snap;
      } else if (agreed === null && l.pipelined && (!host || host.deltas?.captureStreamed)) {
        // the first trip: the whole snapshot leaves chunk by chunk while it is captured, and the edge
        // restores it as it comes (a capture that fails half-way has the edge drop what it restored); a
        // page's head leaves alone at once, and the edge makes the page from it (dom/stream.ts)
        const streamed = host?.deltas?.captureStreamed;
        try {
          const r = l.offloadCapturing(
            (onChunk, size) => (streamed ? streamed(e, size, onChunk) : captureStreamed(e, size, onChunk, { portable: false })),
            autoTurn ? 1 : undefined,
            !!streamed,
            until,
          );
          snap = r.captured.capture;
          sending = r.outcome;
          early = r.early;
        } catch (err) {
          if (!(err instanceof SnapshotError)) throw err;
          giveUp(e, `snapvm: cannot offload after turn ${turn}: ${err.message}; running locally`);
          continue;
        }
      } else {
        try {
          // a delta against the state the edge holds (whole the first time); only snapvm restores what
          // goes over the link
          snap = host ? (host.deltas ? host.deltas.capture(e, agreed) : hostCapture(host, e)) : captureDelta(e, agreed, { portable: false });
        } catch (err) {
          if (!(err instanceof SnapshotError)) throw err;
          giveUp(e, `snapvm: cannot offload after turn ${turn}: ${err.message}; running locally`);
          continue;
        }
      }
      // where the program continues if the edge fails: the engine kept, or (stopped mid-computation) a
      // restore of the snapshot taken there
      const restoreTaken = (): Engine => (host ? host.restore(snap.full.code) : (restored = Engine.restore(snap.full.code, { ...options.engineOptions, onConsole })));
      const kept = (): Engine => (stopped ? restoreTaken() : e);
      const where = stopped ? `in turn ${turn}, at a safe point` : `after turn ${turn}`;
      const t1 = performance.now();
      sending ??= l.offload(snap.text, autoTurn || stopped ? 1 : undefined, until);
      // a whole snapshot's agreed state (its owners' hashes: captureDelta takes them when first read) is
      // made while the snapshot is on its way and the edge restores it, not before it leaves
      if (snap.kind === 'full' && (!host || host.deltas)) {
        await new Promise((resolve) => setImmediate(resolve));
        void snap.state;
      }
      const outcome = await sending;
      const t2 = performance.now();
      if (outcome.kind === 'fault') {
        current = kept();
        giveUp(current, `snapvm: edge ${options.edge} failed mid-offload (${outcome.reason}); continuing locally from the state kept ${where}`);
        continue;
      }
      if (outcome.kind === 'guest-error') {
        flush(outcome.output, options);
        throw new GuestError(undefined, outcome.summary, outcome.stack, outcome.errorKind);
      }
      let back: Engine;
      try {
        if (host?.deltas) {
          // a delta in place on the program kept, or a whole snapshot restored as the embedder restores it
          if (isDelta(outcome.snapshot)) {
            agreed = host.deltas.apply(e, snap.state, outcome.snapshot);
            back = e;
          } else {
            // (one that came in chunks was restored as they came)
            const r = outcome.streamed?.restored ?? host.deltas.restore(outcome.snapshot);
            back = r.engine;
            agreed = r.state;
          }
        } else if (host) {
          // an embedder's program comes back whole, restored as the embedder restores it
          if (isDelta(outcome.snapshot)) throw new SnapshotError('the edge sent a delta for a state that travels whole');
          back = host.restore(outcome.snapshot);
          agreed = null;
        } else if (isDelta(outcome.snapshot)) {
          // in place, on the engine kept while the program was away
          agreed = applyDelta(e, snap.state, outcome.snapshot);
          back = e;
        } else {
          const r = Engine.restoreForDeltas(outcome.snapshot, { ...options.engineOptions, onConsole });
          back = restored = r.engine;
          agreed = r.state;
        }
      } catch (err) {
        // a delta refused before it touched the engine leaves it as kept; one that failed halfway
        // did not: the state kept is then the whole snapshot taken before the trip (an embedder's
        // restore makes a fresh engine: the one kept is untouched)
        const untouched = host ? !(host.deltas && err instanceof DeltaRefused && err.touched) : err instanceof DeltaRefused && !err.touched;
        current = untouched ? kept() : restoreTaken();
        giveUp(current, `snapvm: edge ${options.edge} failed mid-offload (the state it sent back cannot be restored: ${(err as Error).message}); continuing locally from the state kept ${where}`);
        continue;
      }
      const t3 = performance.now();
      // committed: the edge's output happened, and the program continues from the edge's state
      flush(outcome.output, options);
      // the app asked to be on the edge, and came back only because its input's span ended: it stays there
      stays = input !== null && pendingMove(back) === null && placeOf(back) === 'edge';
      if (!stays && (pendingMove(back) !== null || placeOf(back) === 'edge')) completeMove(back, 'client');
      current = back;
      const report: MigrationReport = {
        n: ++n,
        turn,
        captureMs: t1 - t0,
        // (a whole snapshot restored as its chunks came: that restore's time, most of it before t2)
        restoreMs: outcome.streamed?.restored ? outcome.streamed.restoreMs + (t3 - t2) : t3 - t2,
        bytesUp: Buffer.byteLength(snap.text),
        bytesDown: Buffer.byteLength(outcome.snapshot),
        wireUp: outcome.wire.up,
        wireDown: outcome.wire.down,
        fullUp: snap.full.stats.bytes,
        fullDown: outcome.stats.fullBytesOut ?? Buffer.byteLength(outcome.snapshot),
        deltaUp: snap.kind === 'delta',
        deltaDown: isDelta(outcome.snapshot),
        ...(snap.fallback ? { fallback: snap.fallback } : {}),
        ...(typeof outcome.stats.fallbackOut === 'string' ? { fallbackDown: outcome.stats.fallbackOut } : {}),
        ...(outcome.streamed?.restored ? { chunksDown: outcome.streamed.chunks, restoreAfterLastMs: outcome.streamed.afterLastMs + (t3 - t2) } : {}),
        roundTripMs: t2 - t1,
        totalMs: t3 - t0,
        server: outcome.stats,
        overheadMs: t3 - t0 - outcome.stats.runMs,
        ...(outcome.stats.restoredAt ? { edgeRestoredMs: outcome.stats.restoredAt - (performance.timeOrigin + t0) } : {}),
        ...(early ? { early } : {}),
        ...(autoTurn ? { auto: autoTurn.decision, handler: autoTurn.key } : {}),
        ...(stopped ? { midTurn: { afterMs: stopped.afterMs, thresholdMs: stopped.thresholdMs } } : {}),
      };
      const handler = autoTurn?.key ?? stopped?.key;
      if (handler) (policy as OffloadPolicy | null)?.observeRemote(handler, outcome.stats.runMs, report.overheadMs);
      options.onMigration?.(report);
    }
  } finally {
    const open = link as Promise<EdgeLink | string> | null; // assigned inside connect()
    if (open) void open.then((l) => typeof l !== 'string' && l.close());
  }
}

/** An embedder's state goes in one message unless it streams its captures (EdgeHost.deltas.captureStreamed). */
export const HOST_LINK: LinkOptions = { chunkChars: 0, pipeline: false };

/**
 * An embedder's whole snapshot as a trip's capture. It has no agreed state: the next trip is whole
 * again, and a delta cannot come back onto it (runWithEdge refuses one).
 */
function hostCapture(host: EdgeHost, e: Engine): DeltaCapture {
  const full = host.capture(e);
  return {
    kind: 'full',
    text: full.code,
    full,
    get state(): DeltaState {
      throw new SnapshotError(`no delta applies to this state (${host.wholeBecause})`);
    },
    fallback: host.wholeBecause,
    owners: { added: 0, changed: 0, dropped: 0 },
  };
}

/** Send the sources of `units` that the server named in `want`; settles when they are written to the socket. */
function sendUnits(ws: WebSocket, units: UnitSource[], want: string[] | undefined): Promise<void> {
  const sent = units.filter((u) => want?.includes(u.sha256)).map((u) => new Promise<void>((done) => ws.send(JSON.stringify({ type: 'unit', ...u }), () => done())));
  return Promise.all(sent).then(() => {});
}

/** How long `openEdgeAhead` holds the program's start at most: the handshake and the sources' upload on a slow link. */
export const EDGE_AHEAD_MS = 300;

/**
 * Open the session before the program starts, naming its units, so that the edge holds and parses their
 * sources while the program runs (a program's first turn runs synchronously: the link could not speak
 * before it ends). Waits until the sources are written to the socket, the link fails, or `waitMs` passed;
 * the session (or its failure, which `runWithEdge` reports) is the result, for `EdgeRunOptions.linkAhead`.
 */
export async function openEdgeAhead(url: string, options: LinkOptions, waitMs = EDGE_AHEAD_MS): Promise<{ linkAhead: Promise<EdgeLink> }> {
  const linkAhead = EdgeLink.connect(url, options);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([linkAhead.then((l) => l.unitsSent), new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]).catch(() => {});
  clearTimeout(timer);
  return { linkAhead };
}

function flush(lines: ConsoleLine[], options: EdgeRunOptions): void {
  for (const { level, text } of lines) {
    if (level === UNCAUGHT) options.onUncaught?.();
    (level === 'warn' || level === 'error' || level === UNCAUGHT ? options.stderr : options.stdout)(text + '\n');
  }
}

/** What the automatic decisions start from: the model, and the calibration times it was made from (ms; none for a model given). */
export interface PolicyStart {
  policy: OffloadPolicy;
  clientMs?: number;
  /** The edge's, if it told one (else the ratio is 1). */
  edgeMs?: number;
}

/** One line for `--edge-report` under `--edge-auto`: what the automatic decisions start from. */
export function describePolicy({ policy, clientMs, edgeMs }: PolicyStart): string {
  const times =
    clientMs === undefined
      ? 'a model given by the embedder'
      : edgeMs === undefined
        ? `the edge told no calibration time (${clientMs.toFixed(1)} ms here)`
        : `the calibration program ran ${clientMs.toFixed(1)} ms here, ${edgeMs.toFixed(1)} ms on the edge`;
  return `snapvm: automatic decisions: ${times}: the edge predicted ${policy.speedRatio.toFixed(2)}× as fast, a migration ${policy.migrationMs.toFixed(0)} ms until measured`;
}

/** One line for `--edge-report`. */
export function describeMigration(r: MigrationReport): string {
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
  const ms = (t: number) => `${t.toFixed(0)} ms`;
  // (a handler named on one line, an input's task, is named; a timer's, its function's source, is not)
  const why = r.auto
    ? ` (automatic${r.handler && !r.handler.includes('\n') ? `, ${r.handler}` : ''}: predicted ${ms(r.auto.localMs)} here > ${ms(r.auto.remoteMs)} there + ${ms(r.auto.migrationMs)} migration)`
    : r.midTurn
      ? ` (automatic, mid-turn: at a safe point after ${ms(r.midTurn.afterMs)} here ≥ ${ms(r.midTurn.thresholdMs)} predicted migration)`
      : '';
  // (the reason a trip went whole comes last: what parses the sizes reads them as before)
  const size = (b: number, full: number, delta: boolean, wire: number, fallback?: string) =>
    `${delta ? `${kb(b)} delta of ${kb(full)}` : kb(b)}${wire < b ? ` [${kb(wire)} sent: buffers and sources the other side holds]` : ''}${fallback ? `, whole: ${fallback}` : ''}`;
  const streamed = r.server.chunksIn
    ? ` streamed in ${r.server.chunksIn} chunks${r.server.engineAhead ? ' into an engine made ahead' : ''}, ${ms(r.server.restoreAfterLastMs ?? 0)} after the last`
    : '';
  const early = r.early?.chunks
    ? `; streamed while captured: ${r.early.chunks} chunks, ${kb(r.early.chars)} of ${kb(r.early.total)} left during the capture${r.early.buffered ? ` (${kb(r.early.buffered)} still in the socket's buffer at its end)` : ''}`
    : '';
  const restored = r.edgeRestoredMs !== undefined ? `; edge restored ${ms(r.edgeRestoredMs)} after the decision` : '';
  return `snapvm: offload ${r.n} after turn ${r.turn}${why}: up ${size(r.bytesUp, r.fullUp, r.deltaUp, r.wireUp, r.fallback)} (capture ${ms(r.captureMs)}), edge ran ${ms(r.server.runMs)} in ${r.server.turns} turns (${r.deltaUp ? 'apply' : 'restore'} ${ms(r.server.restoreMs)}${streamed}, capture ${ms(r.server.captureMs)}), down ${size(r.bytesDown, r.fullDown, r.deltaDown, r.wireDown, r.fallbackDown)} (${r.deltaDown ? 'apply' : 'restore'} ${ms(r.restoreMs)}${r.chunksDown ? ` streamed in ${r.chunksDown} chunks, ${ms(r.restoreAfterLastMs ?? 0)} after the last` : ''}); round trip ${ms(r.roundTripMs)}, migration overhead ${ms(r.overheadMs)}, total ${ms(r.totalMs)}${restored}${early}`;
}
