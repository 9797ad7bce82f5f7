// The edge server: HTTP (a status page) and WebSocket sessions on one port. Each session gets its own
// worker thread (worker.ts) with a V8 heap budget; each offload gets a wall-time budget, past which
// the worker is terminated and the client told. A session's worker is never shared, so one client's
// program cannot see another's; the guest runs in the engine's realm inside that worker, so it cannot
// reach the host either. Whatever a client sends, the answer is an error message, never a crash.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { AddressInfo } from 'node:net';
import { Worker, isMainThread } from 'node:worker_threads';
import { WebSocketServer, type WebSocket, type RawData } from 'ws';
import { createHash, type Hash } from 'node:crypto';
import { PROTOCOL_VERSION, parseClientMessage, sha256, type ErrorCode, type Limits, type RunBounds, type ServerMessage, type UnitRef } from './protocol';
import type { WorkerReply, WorkerRequest } from './worker';
import type { IonnSession, PartitionCache } from './ionn-server';
import { IONN_PATH } from './ionn-wire';
import { BlobCache, compact, expand } from './blobs';
import { checkUnit, compactUnits, expandUnits } from './units';

export interface ServeOptions {
  /** Default 127.0.0.1; use 0.0.0.0 to serve other machines. */
  host?: string;
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Sessions at once (default 8); more are refused with `busy`. */
  maxSessions?: number;
  /** Wall time one offload may take (default 60 000 ms). */
  offloadMs?: number;
  /** Each session worker's V8 old-generation heap (default 512 MB). */
  memoryMb?: number;
  /** Largest message accepted (default 64 MiB). */
  maxBytes?: number;
  /** Big buffers (models) kept for all sessions, by content hash (default 512 MiB of base64). */
  blobBytes?: number;
  /** Compile units' sources kept for all sessions, by content hash (default 64 MiB of characters). */
  unitBytes?: number;
  /**
   * How long the worker a hello takes waits for the session's first offload before it is given back
   * (default 60 000 ms; 0: held until the client leaves). The client is told (`idle`) and says hello again
   * before it offloads.
   */
  helloIdleMs?: number;
  /** Steps one offload may run (loop back-edges and function entries; default 4 000 000 000). */
  steps?: number;
  /** One line per session event; default: stderr. */
  log?: (line: string) => void;
}

/** A compiled worker of this room: always from dist/, so the server starts it without a TypeScript loader. */
export function workerFile(name = 'worker.js'): string {
  const own = path.join(__dirname, name);
  if (__filename.endsWith('.js') && fs.existsSync(own)) return own;
  for (let dir = __dirname; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'dist', 'src', 'offload', name);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`snapvm serve: dist/src/offload/${name} not found (run npm run build)`);
}

/** A worker thread, started and warmed up (ready) or on its way. */
class SessionWorker {
  readonly thread: Worker;
  readonly ready: Promise<boolean>;
  onReply: (r: WorkerReply) => void = () => {};
  onGone: (why: { code: ErrorCode; message: string }) => void = () => {};
  gone = false;

  /** `spare`: warmed up while the server is idle (warm.ts's full program), not while a client waits (a small one). */
  constructor(file: string, limits: Limits, onCalibration: (ms: number) => void, spare = false) {
    const memoryMb = limits.memoryMb;
    this.thread = new Worker(file, { workerData: { steps: limits.steps, memoryMb, spare }, resourceLimits: { maxOldGenerationSizeMb: memoryMb, maxYoungGenerationSizeMb: 32, stackSizeMb: 4 } });
    this.ready = new Promise((resolve) => {
      this.thread.on('message', (r: WorkerReply) => {
        if (r.type !== 'ready') return this.onReply(r);
        onCalibration(r.calibrationMs);
        resolve(true);
      });
      this.thread.on('error', (e: Error & { code?: string }) => {
        this.gone = true;
        resolve(false);
        const oom = e.code === 'ERR_WORKER_OUT_OF_MEMORY';
        this.onGone({ code: oom ? 'memory' : 'internal', message: oom ? `the program ran out of its ${memoryMb} MB memory budget` : `the session worker failed: ${e.message}` });
      });
      this.thread.on('exit', () => {
        resolve(false); // (also after terminate(): an offload still waiting for this worker to be ready stops waiting)
        if (this.gone) return;
        this.gone = true;
        this.onGone({ code: 'internal', message: 'the session worker exited' });
      });
    });
  }

  terminate(): void {
    this.gone = true;
    this.onGone = () => {};
    void this.thread.terminate();
  }
}

class Session {
  private worker: SessionWorker | null = null;
  private helloDone = false;
  /** The offload running now: its id, the next console seq, its budget timer. */
  private current: { id: number; seq: number; timer: NodeJS.Timeout | null; started: number } | null = null;
  private closed = false;
  /** A whole snapshot arriving in chunks: its hash so far; chunks wait here until the worker is ready. */
  private stream: { id: number; hash: Hash; sha256: string | null } | null = null;
  private queued: WorkerRequest[] | null = null;
  /** The worker a hello took, given back if no offload comes in time (`helloIdleMs`). */
  private idleTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly id: number,
    private readonly ws: WebSocket,
    private readonly server: EdgeServer,
  ) {
    ws.on('message', (data: RawData, isBinary: boolean) => this.onMessage(data, isBinary));
    ws.on('close', () => this.close());
    ws.on('error', (e) => {
      server.log(`session ${id}: ${e.message}`);
      this.close();
    });
  }

  private send(m: ServerMessage): void {
    if (!this.closed && this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(m));
  }

  private refuse(code: ErrorCode, message: string, id?: number): void {
    this.server.log(`session ${this.id}: refused${id === undefined ? '' : ` offload ${id}`}: ${code}: ${message}`);
    this.send({ type: 'error', ...(id === undefined ? {} : { id }), code, message });
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (isBinary) return this.refuse('bad-message', 'binary messages are not part of the protocol');
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const m = parseClientMessage(text);
    if (typeof m === 'string') return this.refuse('bad-message', m);
    if (m.type === 'hello') {
      if (m.v !== PROTOCOL_VERSION) return this.refuse('bad-version', `this server speaks protocol ${PROTOCOL_VERSION}, not ${m.v}`);
      this.helloDone = true;
      for (const u of m.units ?? []) {
        this.clientUnits.set(u.sha256, u);
        const text = this.server.units.get(u.sha256);
        if (text !== undefined) this.sources.set(u.sha256, text);
      }
      const want = [...this.clientUnits.keys()].filter((h) => !this.sources.has(h));
      // the engine a first whole snapshot will be restored into, and the program's units parsed (those
      // held now; the others when they arrive), made while the client runs its program
      if ((m.argv || m.units?.length) && !this.worker) {
        this.worker = this.attach(this.server.takeWorker());
        const units = [...this.clientUnits.values()].flatMap((u) => {
          const text = this.sources.get(u.sha256);
          return text === undefined ? [] : [{ file: u.file, kind: u.kind, text }];
        });
        this.worker.thread.postMessage({ type: 'prepare', ...(m.argv ? { argv: m.argv } : {}), units } satisfies WorkerRequest);
        this.server.log(`session ${this.id}: hello: a worker taken, ${units.length} of ${this.clientUnits.size} units to parse now`);
        this.idleAfterHello();
      }
      return this.send({ type: 'welcome', v: PROTOCOL_VERSION, session: this.id, limits: this.server.limits, calibrationMs: this.server.calibrationMs, ...(want.length ? { want } : {}) });
    }
    if (!this.helloDone) return this.refuse('bad-message', 'say hello first', 'id' in m ? m.id : undefined);
    if (m.type === 'blobs?') {
      // the client holds what it asks about: the state coming back may refer to it
      for (const h of m.hashes) this.clientHas.add(h);
      return this.send({ type: 'blobs', have: m.hashes.filter((h) => this.server.blobs.has(h)) });
    }
    if (m.type === 'unit') {
      const named = this.clientUnits.get(m.sha256);
      if (!named || named.file !== m.file || named.kind !== m.kind)
        return this.refuse('bad-message', `a unit ${m.sha256.slice(0, 12)}… (${m.file.slice(0, 80)}) that this session's hello did not name`);
      if (this.sources.has(m.sha256)) return; // sent twice (a second hello): the session holds it
      let chars = m.text.length;
      for (const s of this.sources.values()) chars += s.length;
      if (chars > this.server.unitBytes) return this.refuse('bad-message', `a unit past the ${this.server.unitBytes} characters of source a session may hold`);
      const why = this.server.units.put(m.sha256, m.text);
      if (why) return this.refuse('bad-message', why);
      this.sources.set(m.sha256, m.text);
      this.server.log(`session ${this.id}: unit ${m.sha256.slice(0, 12)}… kept (${m.text.length} chars of ${m.file.slice(0, 80)})`);
      // parsed by the session's worker now (an offload sent meanwhile waits behind it in the worker's queue)
      return this.worker?.thread.postMessage({ type: 'prepare', units: [{ file: m.file, kind: m.kind, text: m.text }] } satisfies WorkerRequest);
    }
    if (m.type === 'blob') {
      const why = this.server.blobs.put(m.sha256, m.data);
      if (why) return this.refuse('bad-message', why);
      this.clientHas.add(m.sha256);
      return this.server.log(`session ${this.id}: blob ${m.sha256.slice(0, 12)}… kept (${m.data.length} chars)`);
    }
    if (m.type === 'abort') return this.abort(m.id, m.reason);
    const first = this.expanded(m.type === 'more' ? m.data : m.snapshot, m.id);
    if (first === null) {
      // (refused: a chunk of the snapshot being streamed ends its stream, which cannot be whole now)
      if (m.type === 'more' && this.stream?.id === m.id) this.dropStream();
      return;
    }
    if (m.type === 'more') return this.more(m.id, first, m.last, m.sha256);
    if (this.current) return this.refuse('busy', `offload ${this.current.id} is still running in this session`, m.id);
    this.lastOffloadId = m.id;
    if (m.more) this.stream = { id: m.id, hash: createHash('sha256').update(first), sha256: m.sha256 ?? null };
    else if (sha256(first) !== m.sha256) return this.refuse('bad-snapshot', 'the snapshot does not match its sha256 (damaged on the way?)', m.id);
    void this.offload(m.id, first, { turns: m.turns, until: m.until }, m.more === true, m.snapshot.length);
  }

  /** Hashes of the blobs this session's client holds (sent, or asked about): the state going back refers to them. */
  private readonly clientHas = new Set<string>();
  /** The compile units this session's client named in hello (it holds their sources). */
  private readonly clientUnits = new Map<string, UnitRef>();
  /** Their sources, once the server held them or the client sent them (kept for the session, whatever the server's cache drops): markers in either direction may name them. */
  private readonly sources = new Map<string, string>();

  /** A snapshot's text (or a chunk) with its blobs and units' sources put back (blobs.ts, units.ts), or null when one is missing (refused). */
  private expanded(text: string, id: number): string | null {
    const b = expand(text, (h) => this.server.blobs.get(h));
    const r = typeof b === 'string' ? b : expandUnits(b.text, (h) => this.sources.get(h));
    if (typeof r === 'string') {
      this.refuse('bad-snapshot', r, id);
      return null;
    }
    return r.text;
  }

  /** The state going back as it travels: big buffers and sources the client holds by hash. */
  private compacted(text: string): string {
    return compactUnits(
      compact(text, (h) => this.clientHas.has(h)),
      this.sources,
    );
  }

  /** A further chunk of a streamed snapshot: on to the worker (which restores it now); the last one is checked against the hash. */
  private more(id: number, data: string, last: boolean, hash: string | undefined): void {
    const st = this.stream;
    if (!st || st.id !== id || this.current?.id !== id) return this.refuse('bad-message', `a chunk for offload ${id}, which is not being streamed`, id);
    st.hash.update(data);
    // the hash came with the offload, or (streamed while captured) comes with the last chunk: one of them
    const expected = st.sha256 ?? hash;
    const verified = last ? expected !== undefined && (st.sha256 === null || hash === undefined) && st.hash.digest('hex') === expected : undefined;
    if (last) this.stream = null;
    this.toWorker({ type: 'more', id, data, last, ...(last ? { verified } : {}) });
    if (verified === false)
      this.finish(id, {
        type: 'error',
        id,
        code: 'bad-snapshot',
        message: expected === undefined ? 'a streamed snapshot without its sha256 (neither its offload nor its last chunk gave one)' : 'the snapshot does not match its sha256 (damaged on the way?)',
      });
  }

  /**
   * The client's capture of the snapshot it was streaming failed half-way: the worker holding the part
   * restored is dropped (a fresh one takes the next offload), and nothing is sent back.
   */
  private abort(id: number, reason: string): void {
    if (this.current?.id !== id || this.stream?.id !== id) {
      // a late abort of the last offload (refused or ended meanwhile) is no fault; one of an offload never started is
      if (id !== this.lastOffloadId) this.refuse('bad-message', `an abort of offload ${id}, which this session never started`, id);
      return;
    }
    this.server.log(`session ${this.id}: offload ${id} aborted by the client mid-stream (${reason.slice(0, 200)}): its partial restore dropped`);
    this.dropStream();
  }

  /** The offload being streamed ends without a reply of its own (aborted, or a chunk was refused): the worker holding its part restored is dropped. */
  private dropStream(): void {
    if (this.current?.timer) clearTimeout(this.current.timer);
    this.endCurrent();
    this.dropWorker();
  }

  /** The id of the last offload this session started (a late abort names it). */
  private lastOffloadId: number | null = null;

  /** A worker taken at hello that no offload used: given back after `helloIdleMs`, the client told. */
  private idleAfterHello(): void {
    const ms = this.server.helloIdleMs;
    if (ms <= 0) return;
    const worker = this.worker;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.current || this.worker !== worker) return;
      this.dropWorker();
      this.server.log(`session ${this.id}: worker given back (no offload ${ms} ms after hello)`);
      this.send({ type: 'idle', message: `the worker taken at hello was given back after ${ms} ms without an offload; say hello again before offloading` });
    }, ms);
  }

  private clearIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private toWorker(r: WorkerRequest): void {
    if (this.queued) this.queued.push(r);
    else this.worker?.thread.postMessage(r);
  }

  private async offload(id: number, snapshot: string, bounds: RunBounds, more: boolean, wireChars: number): Promise<void> {
    this.queued = [];
    this.clearIdle(); // the session's worker holds its program from now on
    const current = { id, seq: 0, timer: null as NodeJS.Timeout | null, started: performance.now() };
    this.current = current;
    this.server.offloadStarted();
    this.server.log(`session ${this.id}: offload ${id} received (${snapshot.length} chars${wireChars < snapshot.length ? `, ${wireChars} on the wire` : ''})`);
    if (!this.worker || this.worker.gone) this.worker = this.attach(this.server.takeWorker());
    const worker = this.worker;
    if (!(await worker.ready) || this.closed || this.current !== current) return;
    const { offloadMs } = this.server.limits;
    current.timer = setTimeout(() => {
      // the program may be in a loop that never yields: only terminating the thread stops it
      this.finish(id, { type: 'error', id, code: 'budget', message: `the offload ran past its ${offloadMs} ms wall-time budget` });
      this.dropWorker();
    }, offloadMs);
    this.server.log(`session ${this.id}: offload ${id} running`);
    worker.thread.postMessage({ type: 'offload', id, snapshot, ...bounds, ...(more ? { more } : {}) } satisfies WorkerRequest);
    for (const r of this.queued ?? []) worker.thread.postMessage(r);
    this.queued = null;
  }

  private attach(worker: SessionWorker): SessionWorker {
    worker.onReply = (r) => this.onReply(r);
    worker.onGone = (why) => {
      if (this.current) this.finish(this.current.id, { type: 'error', id: this.current.id, code: why.code, message: why.message });
      if (this.worker === worker) this.worker = null;
    };
    return worker;
  }

  private dropWorker(): void {
    this.worker?.terminate();
    this.worker = null;
  }

  private onReply(r: WorkerReply): void {
    const current = this.current;
    if (r.type === 'ready' || !current || r.id !== current.id) return;
    switch (r.type) {
      case 'console':
        return this.send({ type: 'console', id: r.id, seq: current.seq++, level: r.level, text: r.text });
      case 'state': {
        const parts = r.parts;
        if (parts.length === 1) return this.finish(r.id, { type: 'state', id: r.id, snapshot: this.compacted(parts[0]!), sha256: sha256(parts[0]!), stats: r.stats });
        // (a page's whole snapshot, in chunks of whole lines: the client restores each as it arrives)
        const hash = createHash('sha256');
        for (const part of parts) hash.update(part);
        const chars = parts.reduce((n, part) => n + part.length, 0);
        this.finish(r.id, { type: 'state', id: r.id, snapshot: this.compacted(parts[0]!), sha256: hash.digest('hex'), stats: r.stats, more: true }, chars);
        for (let i = 1; i < parts.length; i++) this.send({ type: 'state-more', id: r.id, data: this.compacted(parts[i]!), last: i === parts.length - 1 });
        return;
      }
      case 'guest-error':
        return this.finish(r.id, { type: 'guest-error', id: r.id, summary: r.summary, stack: r.stack, kind: r.kind, stats: r.stats });
      case 'error':
        return this.finish(r.id, { type: 'error', id: r.id, code: r.code, message: r.message });
    }
  }

  /** The offload's reply (`chars`: of the whole snapshot, when the reply is its first chunk). */
  private finish(id: number, reply: ServerMessage, chars?: number): void {
    if (this.current?.timer) clearTimeout(this.current.timer);
    const ms = this.current ? performance.now() - this.current.started : 0;
    this.endCurrent();
    const what =
      reply.type === 'error'
        ? `failed: ${reply.code}: ${reply.message}`
        : reply.type === 'state'
          ? `done: ${reply.stats.turns} turns, ${reply.stats.runMs.toFixed(0)} ms run, ${chars ?? reply.snapshot.length} chars back${reply.more ? ' in chunks' : ''}`
          : `ended with ${reply.type === 'guest-error' ? reply.summary : reply.type}`;
    this.server.log(`session ${this.id}: offload ${id} ${what} (${ms.toFixed(0)} ms)`);
    this.send(reply);
  }

  private endCurrent(): void {
    if (this.current) this.server.offloadEnded();
    this.current = null;
    this.stream = null;
    this.queued = null;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearIdle();
    if (this.current?.timer) clearTimeout(this.current.timer);
    this.endCurrent();
    this.dropWorker();
    this.server.sessionClosed(this);
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.terminate();
  }
}

/**
 * A session worker's page collects the canvases it dropped with V8's `gc` (dom/canvas.ts), which a worker has
 * only when `--expose-gc` was on as it started; it never sets a flag itself (V8 does not support that while
 * other isolates run). `snapvm serve` has the flag from its start (cli/v8-flags.ts); an embedder's server
 * turns it on here, in the main thread, before its first worker, and leaves it on (a guest never sees `gc`).
 */
function exposeGcToWorkers(): void {
  if (typeof (globalThis as { gc?: unknown }).gc === 'function' || vm.runInNewContext('typeof gc') === 'function') return;
  // (a server made in a worker thread: other isolates run, so no flag; its sessions collect nothing)
  if (!isMainThread) return;
  v8.setFlagsFromString('--expose-gc');
}

export class EdgeServer {
  readonly limits: Limits;
  readonly log: (line: string) => void;
  readonly helloIdleMs: number;
  /** The characters of source the server keeps for all sessions, and one session may hold. */
  readonly unitBytes: number;
  private readonly http: http.Server;
  private readonly wss: WebSocketServer;
  private readonly sessions = new Set<Session>();
  private readonly maxSessions: number;
  private readonly workerPath: string;
  private spare: SessionWorker | null = null;
  private closing = false;
  /** The time of the calibration program (decide.ts) in session workers (the best seen), told to clients for their decisions. */
  calibrationMs: number | undefined;
  private readonly calibrated = (ms: number) => {
    if (this.calibrationMs === undefined || ms < this.calibrationMs) this.calibrationMs = ms;
  };
  /** Names sessions in logs and replies. */
  private nextSession = 1;
  /** IONN (issue 7): model partitions uploaded by clients, by content hash, and their sessions on `/ionn` (onnxruntime loads after listening). */
  private partitions: PartitionCache | null = null;
  private readonly ionnSessions = new Set<IonnSession>();
  /** Big buffers clients sent (models), by the SHA-256 of their bytes, for every session (blobs.ts). */
  readonly blobs: BlobCache;
  /** Compile units' sources clients sent, by the SHA-256 of their text, for every session (units.ts). */
  readonly units: BlobCache;

  constructor(private readonly options: ServeOptions = {}) {
    exposeGcToWorkers();
    this.limits = { offloadMs: options.offloadMs ?? 60_000, memoryMb: options.memoryMb ?? 512, maxBytes: options.maxBytes ?? 64 * 1024 * 1024, steps: options.steps ?? 4_000_000_000 };
    this.maxSessions = options.maxSessions ?? 8;
    this.helloIdleMs = options.helloIdleMs ?? 60_000;
    this.blobs = new BlobCache(options.blobBytes ?? 512 * 1024 * 1024);
    this.unitBytes = options.unitBytes ?? 64 * 1024 * 1024;
    this.units = new BlobCache(this.unitBytes, checkUnit, 'a unit');
    this.log = options.log ?? ((line) => void process.stderr.write(`snapvm serve: ${line}\n`));
    this.workerPath = workerFile();
    this.http = http.createServer((req, res) => this.onHttp(req, res));
    this.http.on('clientError', (_e, socket) => socket.destroy());
    this.wss = new WebSocketServer({ server: this.http, maxPayload: this.limits.maxBytes, perMessageDeflate: false });
    this.wss.on('connection', (ws, req) => (req.url?.split('?')[0] === IONN_PATH ? this.onIonn(ws) : this.onConnection(ws)));
    this.wss.on('error', (e) => this.log(`websocket server: ${e.message}`));
  }

  /** Listen; resolves with the address (the port when 0 was asked). */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.options.port ?? 8787, this.options.host ?? '127.0.0.1', () => {
        this.http.off('error', reject);
        this.warmSpare();
        resolve(this.http.address() as AddressInfo);
      });
    });
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** A warmed-up worker for a new session (the spare, if any); the next spare warms up when the server is idle. */
  takeWorker(): SessionWorker {
    const w = this.spare && !this.spare.gone ? this.spare : new SessionWorker(this.workerPath, this.limits, this.calibrated);
    this.spare = null;
    return w;
  }

  /** Offloads running now: the spare worker warms up only when there are none, not to slow them down. */
  private running = 0;

  offloadStarted(): void {
    this.running++;
  }

  offloadEnded(): void {
    if (--this.running === 0) this.warmSpare();
  }

  private warmSpare(): void {
    if (this.closing || this.spare || this.running > 0) return;
    const w = new SessionWorker(this.workerPath, this.limits, this.calibrated, true);
    w.onGone = () => {
      if (this.spare === w) this.spare = null;
    };
    this.spare = w;
  }

  sessionClosed(s: Session): void {
    if (this.sessions.delete(s)) this.log(`session ${s.id}: closed`);
  }

  private onConnection(ws: WebSocket): void {
    if (this.closing || this.sessions.size >= this.maxSessions) {
      ws.send(JSON.stringify({ type: 'error', code: 'busy', message: `the server is full (${this.maxSessions} sessions)` } satisfies ServerMessage));
      ws.close(1013, 'server full');
      return;
    }
    const s = new Session(this.nextSession++, ws, this);
    this.sessions.add(s);
    this.log(`session ${s.id}: opened`);
  }

  private onIonn(ws: WebSocket): void {
    if (this.closing) return void ws.close(1013, 'server closing');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ionn = require('./ionn-server') as typeof import('./ionn-server');
    this.partitions ??= new ionn.PartitionCache();
    const s: IonnSession = new ionn.IonnSession(ws, this.partitions, this.log, () => this.ionnSessions.delete(s));
    this.ionnSessions.add(s);
  }

  private onHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? '/';
    if (req.method === 'GET' && (url === '/' || url === '/status')) {
      const body = JSON.stringify({
        server: 'snapvm edge',
        protocol: PROTOCOL_VERSION,
        sessions: this.sessions.size,
        maxSessions: this.maxSessions,
        limits: this.limits,
        blobs: this.blobs.status(),
        ionn: this.partitions?.status() ?? { models: 0, parts: 0, bytes: 0, running: 0 },
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body + '\n');
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('snapvm edge: not found (GET / for status; sessions are WebSocket upgrades)\n');
  }

  /** Close every session and the listener. */
  async close(): Promise<void> {
    this.closing = true;
    for (const s of [...this.sessions]) s.close();
    for (const s of [...this.ionnSessions]) s.close();
    await this.partitions?.close();
    this.spare?.terminate();
    this.spare = null;
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }
}
