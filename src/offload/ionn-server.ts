// The edge server's side of IONN (issue 7): model partitions arrive in chunks over the upload
// channel, are checked against their SHA-256, loaded into onnxruntime-node sessions and cached under
// that hash (one `PartitionCache` per server, shared by its clients); queries run consecutive cached
// layers on the tensors the client sends and return the last layer's outputs, with the time of each
// layer and the server's load (queries running at once). Partitions are data, not code: they run in
// onnxruntime (in one thread of their own, ionn-ort-worker.ts), not in the engine.
import { createHash, type Hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type { WebSocket, RawData } from 'ws';
import { IONN_VERSION, checkTensors, decodeFrame, encodeFrame, packTensors, tensorData, type IonnErrorCode, type IonnServerMessage } from './ionn-wire';
import type { HostTensor, OrtReply, OrtRequest } from './ionn-ort-worker';
import { workerFile } from './server';
import { isHash } from './protocol';

/** A loaded group: one session over consecutive layers, by the SHA-256 of its layers' bytes. */
interface Group {
  hashes: string[];
  thread: OrtThread;
  loadMs: number;
  inputs: string[];
  /** outputs[k]: the outputs of the group's k-th layer. */
  outputs: string[][];
}

/** One onnxruntime thread (ionn-ort-worker.ts) and the groups it holds. */
interface OrtThread {
  worker: Worker;
  ready: boolean;
  loading: number;
  groups: number;
  /** Runs posted and not answered, and when the last one was posted (performance.now()). */
  running: number;
  lastRun: number;
}

export interface PartitionCacheOptions {
  /** Bytes of partitions kept at most (default 2 GiB); uploads beyond are refused with `full`. */
  maxBytes?: number;
  /** Threads per onnxruntime session (default 1: a server holds many small sessions, and idle thread pools spin). */
  threads?: number;
  /**
   * onnxruntime threads (each holds the sessions it created) at most (default 32: an idle one costs
   * about 11 MB, and a group of its own means no query waits behind another group's load). Beyond,
   * a new group goes to a thread not loading and not running, the least recently run: a query on that
   * thread's groups arriving during the load waits for it.
   */
  maxThreads?: number;
}

export type LoadedGroup = Pick<Group, 'loadMs'> & { layers: number };

const MAX_THREADS = 32;

/** Whether a group of these layer hashes is layers `i`… of a model (`parts`: its layer hashes). */
const startsAt = (hashes: readonly string[], parts: readonly string[], i: number) => i + hashes.length <= parts.length && hashes.every((x, k) => parts[i + k] === x);

const groupKey = (hashes: readonly string[]) => (hashes.length === 1 ? hashes[0]! : createHash('sha256').update(hashes.join(',')).digest('hex'));

/**
 * Uploaded layers' bytes by their SHA-256, the groups of consecutive layers loaded from them (one
 * onnxruntime session each), and the models they were uploaded for. Sessions live in worker threads
 * (ionn-ort-worker.ts), one per group up to `maxThreads`: creating a large group's session blocks
 * neither this thread (chunks acknowledged, requests read) nor the queries running other groups.
 */
export class PartitionCache {
  private readonly stored = new Map<string, Uint8Array>();
  private readonly groups = new Map<string, Group>();
  /** Groups by their first layer's hash (to find the groups a run can start with). */
  private readonly byFirst = new Map<string, Group[]>();
  private readonly loading = new Map<string, Promise<Group>>();
  private readonly waiting = new Map<string, { resolve: (g: Group) => void; reject: (e: Error) => void; hashes: string[]; thread: OrtThread }>();
  private readonly runs = new Map<number, { resolve: (r: { ms: number; tensors: HostTensor[] }) => void; reject: (e: Error) => void; thread: OrtThread }>();
  private readonly models = new Map<string, Set<string>>();
  private readonly threadPool: OrtThread[] = [];
  private spare: OrtThread | null = null;
  private nextRun = 1;
  private bytes = 0;
  private closed = false;
  /** Queries running now, over every session: the load reported to clients. */
  running = 0;

  constructor(private readonly options: PartitionCacheOptions = {}) {}

  private startThread(): OrtThread {
    const t: OrtThread = { worker: new Worker(workerFile('ionn-ort-worker.js')), ready: false, loading: 0, groups: 0, running: 0, lastRun: 0 };
    t.worker.on('message', (m: OrtReply) => this.onReply(t, m));
    const gone = (why: string) => this.threadGone(t, why);
    t.worker.on('error', (e) => gone(`an onnxruntime thread failed: ${e.message}`));
    t.worker.on('exit', () => gone('an onnxruntime thread exited'));
    return t;
  }

  /** A thread for a new group: a fresh one (started ahead, so its start-up is off the load's path) up to the cap, else the idle one least recently run. */
  private threadForLoad(): OrtThread {
    const max = this.options.maxThreads ?? MAX_THREADS;
    let t: OrtThread;
    if (this.threadPool.length < max) {
      t = this.spare ?? this.startThread();
      this.spare = null;
      this.threadPool.push(t);
      if (this.threadPool.length < max) this.spare = this.startThread();
    } else {
      t = [...this.threadPool].sort((a, b) => a.loading - b.loading || a.running - b.running || a.lastRun - b.lastRun || a.groups - b.groups)[0]!;
    }
    return t;
  }

  private threadGone(t: OrtThread, why: string): void {
    if (this.spare === t) this.spare = null;
    const k = this.threadPool.indexOf(t);
    if (k < 0) return;
    this.threadPool.splice(k, 1);
    // Its sessions are gone with it: those groups must be loaded again (the bytes stay).
    for (const [key, g] of this.groups) if (g.thread === t) this.dropGroup(key, g);
    for (const [key, w] of this.waiting) if (w.thread === t) this.waiting.delete(key), this.loading.delete(key), w.reject(new Error(why));
    for (const [id, r] of this.runs) if (r.thread === t) this.runs.delete(id), r.reject(new Error(why));
  }

  private dropGroup(key: string, g: Group): void {
    this.groups.delete(key);
    const list = this.byFirst.get(g.hashes[0]!) ?? [];
    this.byFirst.set(
      g.hashes[0]!,
      list.filter((x) => x !== g),
    );
  }

  private onReply(t: OrtThread, m: OrtReply): void {
    if (m.type === 'ready') {
      t.ready = true;
    } else if (m.type === 'loaded' || m.type === 'load-failed') {
      t.loading--;
      const w = this.waiting.get(m.key);
      this.waiting.delete(m.key);
      this.loading.delete(m.key);
      if (!w) return;
      if (m.type === 'load-failed') return w.reject(new Error(m.message));
      const g: Group = { hashes: w.hashes, thread: t, loadMs: m.loadMs, inputs: m.inputs, outputs: m.outputs };
      t.groups++;
      this.groups.set(m.key, g);
      (this.byFirst.get(g.hashes[0]!) ?? this.byFirst.set(g.hashes[0]!, []).get(g.hashes[0]!)!).push(g);
      w.resolve(g);
    } else {
      const r = this.runs.get(m.id);
      this.runs.delete(m.id);
      t.running--;
      if (m.type === 'result') r?.resolve(m);
      else r?.reject(new Error(m.message));
    }
  }

  /** Start a thread ahead of the first load (a client said hello): its start-up is off the first group's path. */
  warm(): void {
    if (!this.spare && !this.closed && this.threadPool.length < (this.options.maxThreads ?? MAX_THREADS)) this.spare = this.startThread();
  }

  /** Whether `bytes` more would still fit (checked before a layer's chunks are accepted). */
  fits(bytes: number): boolean {
    return this.bytes + bytes <= (this.options.maxBytes ?? 2 ** 31);
  }

  /** Whether a layer's checked bytes are here. */
  has(hash: string): boolean {
    return this.stored.has(hash);
  }

  note(model: string, hash: string): void {
    (this.models.get(model) ?? this.models.set(model, new Set()).get(model)!).add(hash);
  }

  /** Keep a layer's bytes (already checked against `hash`). */
  store(hash: string, bytes: Uint8Array): void {
    if (this.stored.has(hash)) return;
    this.stored.set(hash, bytes);
    this.bytes += bytes.length;
  }

  /** Load consecutive stored layers into one session (once per list of hashes, even when two clients ask at once). */
  load(hashes: string[]): Promise<LoadedGroup> {
    const done = (g: Group): LoadedGroup => ({ loadMs: g.loadMs, layers: g.hashes.length });
    const key = groupKey(hashes);
    const have = this.groups.get(key);
    if (have) return Promise.resolve(done(have));
    const pending = this.loading.get(key);
    if (pending) return pending.then(done);
    const missing = hashes.find((h) => !this.stored.has(h));
    if (missing) return Promise.reject(new Error(`layer ${missing.slice(0, 12)}… was not uploaded`));
    if (this.closed) return Promise.reject(new Error('the server is closing'));
    const thread = this.threadForLoad();
    const promise = new Promise<Group>((resolve, reject) => this.waiting.set(key, { resolve, reject, hashes: [...hashes], thread }));
    this.loading.set(key, promise);
    thread.loading++;
    // Copies: the bytes stay here (other groups, other clients), the thread gets its own.
    const pieces = hashes.map((h) => new Uint8Array(this.stored.get(h)!));
    thread.worker.postMessage(
      { type: 'load', key, pieces, threads: this.options.threads ?? 1 } satisfies OrtRequest,
      pieces.map((p) => p.buffer as ArrayBuffer),
    );
    return promise.then(done);
  }

  /** The loaded groups whose layers are `parts` (a model's layer hashes) from layer `i` on. */
  private groupsAt(parts: readonly string[], i: number): Group[] {
    return (this.byFirst.get(parts[i]!) ?? []).filter((g) => startsAt(g.hashes, parts, i));
  }

  /**
   * Settles when the groups being loaded that start at layer `i` of `parts` have loaded or failed
   * (a client may send a run right behind the group it needs, before that group's session exists).
   */
  private async loadingAt(parts: readonly string[], i: number): Promise<void> {
    const pending: Promise<Group>[] = [];
    for (const [key, w] of this.waiting) {
      if (startsAt(w.hashes, parts, i)) pending.push(this.loading.get(key)!);
    }
    for (const p of pending) {
      try {
        await p;
      } catch (e) {
        throw new Error(`no loaded group starts at layer ${i}: its load failed: ${(e as Error).message.split('\n')[0]}`);
      }
    }
  }

  /** The loaded groups over `parts` (a model's layer hashes) as [first layer, end) ranges. */
  groupsOf(parts: readonly string[]): [number, number][] {
    const out: [number, number][] = [];
    parts.forEach((_, i) => {
      for (const g of this.groupsAt(parts, i)) out.push([i, i + g.hashes.length]);
    });
    return out;
  }

  /**
   * Run layers [from, to) of a model (`parts`: its layer hashes) on the tensors given, group after
   * group: at each layer, the shortest loaded group starting there that covers the rest of the run
   * (stopping at the run's last layer's outputs), else the longest that ends inside it. The outputs
   * of the run's last layer, and each group's time.
   */
  async run(parts: readonly string[], from: number, to: number, tensors: HostTensor[]): Promise<{ ms: number[]; tensors: HostTensor[]; loadWaitMs: number }> {
    const values = new Map(tensors.map((t) => [t.name, t]));
    const ms: number[] = [];
    let last: HostTensor[] = [];
    let loadWaitMs = 0;
    for (let i = from; i < to; ) {
      // No loaded group here covers the rest of the run: wait for those still loading from here (asked
      // for before this run on the same connection: the client planned with them).
      let here = this.groupsAt(parts, i);
      if (!here.some((g) => i + g.hashes.length >= to)) {
        const t = performance.now();
        try {
          await this.loadingAt(parts, i);
        } catch (e) {
          if (!here.length) throw e;
        }
        loadWaitMs += performance.now() - t;
        here = this.groupsAt(parts, i);
      }
      // The shortest group that covers the rest of the run, else the longest that ends inside it (alignToGroups assumes this).
      const cover = here.filter((g) => i + g.hashes.length >= to).sort((a, b) => a.hashes.length - b.hashes.length);
      const within = here.filter((g) => i + g.hashes.length < to).sort((a, b) => b.hashes.length - a.hashes.length);
      const g = cover[0] ?? within[0];
      if (!g) throw new Error(`no loaded group starts at layer ${i}`);
      const stop = Math.min(to, i + g.hashes.length);
      const feeds: HostTensor[] = [];
      for (const name of g.inputs) {
        const v = values.get(name);
        if (!v) throw new Error(`no value for '${name}', the input of layer ${i}`);
        feeds.push(v);
      }
      const id = this.nextRun++;
      const r = await new Promise<{ ms: number; tensors: HostTensor[] }>((resolve, reject) => {
        this.runs.set(id, { resolve, reject, thread: g.thread });
        g.thread.running++;
        g.thread.lastRun = performance.now();
        g.thread.worker.postMessage({ type: 'run', id, key: groupKey(g.hashes), tensors: feeds, fetches: g.outputs[stop - i - 1]! } satisfies OrtRequest);
      });
      ms.push(r.ms);
      for (const t of r.tensors) values.set(t.name, t);
      last = r.tensors;
      i = stop;
    }
    return { ms, tensors: last, loadWaitMs };
  }

  status(): { models: number; parts: number; groups: number; threads: number; spareReady: boolean; bytes: number; running: number } {
    return {
      models: this.models.size,
      parts: this.stored.size,
      groups: this.groups.size,
      threads: this.threadPool.length,
      spareReady: this.spare?.ready ?? false,
      bytes: this.bytes,
      running: this.running,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.threadPool, ...(this.spare ? [this.spare] : [])];
    this.threadPool.length = 0;
    this.spare = null;
    this.groups.clear();
    this.byFirst.clear();
    await Promise.all(all.map((t) => t.worker.terminate()));
  }
}

/** One IONN WebSocket session (either channel: the client decides what it sends on which). */
export class IonnSession {
  private model = '';
  private parts: string[] = [];
  /** Chunks of partitions on their way, by layer. */
  private incoming = new Map<number, { total: number; chunks: Buffer[]; received: number; hash: Hash }>();
  private closed = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly cache: PartitionCache,
    private readonly log: (line: string) => void,
    readonly onClose: () => void,
  ) {
    ws.on('message', (data: RawData, isBinary: boolean) => void this.onMessage(data, isBinary));
    ws.on('close', () => this.close());
    ws.on('error', () => this.close());
  }

  private send(m: IonnServerMessage, payload: Uint8Array[] = []): void {
    if (!this.closed && this.ws.readyState === this.ws.OPEN) this.ws.send(encodeFrame(m, payload));
  }

  private refuse(code: IonnErrorCode, message: string, where: { id?: number; layer?: number; layers?: number[] } = {}): void {
    this.log(`ionn: refused: ${code}: ${message}`);
    this.send({ type: 'error', ...where, code, message });
  }

  private async onMessage(data: RawData, isBinary: boolean): Promise<void> {
    if (!isBinary) return this.refuse('bad-message', 'IONN messages are binary frames (u32 header length, JSON header, payload)');
    const frame = decodeFrame(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer));
    if (typeof frame === 'string') return this.refuse('bad-message', frame);
    const h = frame.header;
    if (h.type === 'hello') return this.hello(h);
    if (!this.model) return this.refuse('bad-message', 'say hello first');
    if (h.type === 'chunk') return this.chunk(h, frame.payload);
    if (h.type === 'group') return this.group(h);
    if (h.type === 'run') return this.run(h, frame.payload);
    return this.refuse('bad-message', `unknown message type '${String(h.type)}'`);
  }

  private hello(h: Record<string, unknown>): void {
    if (h.v !== IONN_VERSION) return this.refuse('bad-version', `this server speaks IONN protocol ${IONN_VERSION}, not ${String(h.v)}`);
    if (!isHash(h.model)) return this.refuse('bad-message', "hello.model must be the model's SHA-256 (64 hex digits)");
    if (!Array.isArray(h.parts) || !h.parts.length || !h.parts.every(isHash)) return this.refuse('bad-message', "hello.parts must list the SHA-256 of every layer's partition");
    this.model = h.model as string;
    this.parts = h.parts as string[];
    for (const p of this.parts) this.cache.note(this.model, p);
    this.cache.warm();
    const groups = this.cache.groupsOf(this.parts);
    const stored = this.parts.flatMap((p, i) => (this.cache.has(p) ? [i] : []));
    this.log(`ionn: model ${this.model.slice(0, 12)}…: ${this.parts.length} layers, ${stored.length} stored, ${groups.length} groups loaded`);
    this.send({ type: 'welcome', v: IONN_VERSION, stored, groups });
  }

  private layerOf(v: unknown): number | string {
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < this.parts.length ? v : `layer ${String(v)} is not one of the model's ${this.parts.length} layers`;
  }

  private async chunk(h: Record<string, unknown>, payload: Buffer): Promise<void> {
    const layer = this.layerOf(h.layer);
    if (typeof layer === 'string') return this.refuse('bad-message', layer);
    const { offset, total } = h;
    if (typeof total !== 'number' || !Number.isInteger(total) || total <= 0) return this.refuse('bad-message', 'chunk.total must be a positive integer', { layer });
    // Hashed as it arrives: one SHA-256 over a 150 MB layer at the end would stall every query for a while.
    if (!this.incoming.has(layer) && !this.cache.fits(total)) return this.refuse('full', `layer ${layer}: ${total} bytes do not fit in the partition cache`, { layer });
    const part = this.incoming.get(layer) ?? { total, chunks: [], received: 0, hash: createHash('sha256') };
    if (offset !== part.received || part.total !== total || part.received + payload.length > total) {
      this.incoming.delete(layer);
      return this.refuse('bad-message', `chunk of layer ${layer} at offset ${String(offset)} does not follow the ${part.received} bytes received (total ${total})`, { layer });
    }
    part.chunks.push(Buffer.from(payload));
    part.hash.update(payload);
    part.received += payload.length;
    this.incoming.set(layer, part);
    this.send({ type: 'ack', layer, received: part.received });
    if (part.received < total) return;
    this.incoming.delete(layer);
    const bytes = Buffer.concat(part.chunks);
    const hash = part.hash.digest('hex');
    if (hash !== this.parts[layer]) return this.refuse('bad-part', `layer ${layer}: the bytes' SHA-256 ${hash.slice(0, 12)}… is not the one announced in hello`, { layer });
    this.cache.store(hash, bytes);
    this.send({ type: 'stored', layer });
  }

  /** Load consecutive stored layers as one session (a partition's run of layers, or a run a plan starts inside one). */
  private async group(h: Record<string, unknown>): Promise<void> {
    const layers = Array.isArray(h.layers) ? h.layers.map((l) => this.layerOf(l)) : ['group.layers must be an array'];
    const bad = layers.find((l) => typeof l === 'string');
    if (bad !== undefined || !layers.length) return this.refuse('bad-message', String(bad ?? 'group.layers is empty'));
    const from = layers[0] as number;
    // a refusal names the group as asked (its layers): the client may have several asked from one layer
    const group = { layer: from, layers: layers as number[] };
    if (!(layers as number[]).every((l, k) => l === from + k)) return this.refuse('bad-message', `group.layers must be consecutive layers, not ${layers.join(', ')}`, group);
    const hashes = (layers as number[]).map((l) => this.parts[l]!);
    const missing = hashes.findIndex((x) => !this.cache.has(x));
    if (missing >= 0) return this.refuse('not-uploaded', `layer ${from + missing} was not uploaded`, group);
    try {
      const loaded = await this.cache.load(hashes);
      this.send({ type: 'loaded', layers: layers as number[], loadMs: loaded.loadMs });
    } catch (e) {
      this.refuse('bad-part', `layers ${from}…${from + layers.length - 1}: ${(e as Error).message.split('\n')[0]}`, group);
    }
  }

  private async run(h: Record<string, unknown>, payload: Buffer): Promise<void> {
    const id = typeof h.id === 'number' && Number.isInteger(h.id) ? h.id : undefined;
    if (id === undefined) return this.refuse('bad-message', 'run.id must be an integer');
    const layers = Array.isArray(h.layers) ? h.layers.map((l) => this.layerOf(l)) : ['run.layers must be an array'];
    const bad = layers.find((l) => typeof l === 'string');
    if (bad !== undefined || !layers.length) return this.refuse('bad-message', String(bad ?? 'run.layers is empty'), { id });
    const tensors = checkTensors(h.tensors, payload.length);
    if (typeof tensors === 'string') return this.refuse('bad-message', tensors, { id });
    const from = layers[0] as number;
    const to = from + layers.length;
    if (!(layers as number[]).every((l, k) => l === from + k)) return this.refuse('bad-message', `run.layers must be consecutive layers, not ${layers.join(', ')}`, { id });
    const load = this.cache.running++;
    const t0 = performance.now();
    let out: { ms: number[]; tensors: HostTensor[]; loadWaitMs: number };
    try {
      out = await this.cache.run(
        this.parts,
        from,
        to,
        tensors.map((t) => ({ name: t.name, type: t.type, dims: t.dims, data: tensorData(t, payload) })),
      );
    } catch (e) {
      const message = (e as Error).message.split('\n')[0]!;
      return this.refuse(/^no loaded group/.test(message) ? 'not-uploaded' : 'run-failed', message, { id });
    } finally {
      this.cache.running--;
    }
    const packed = packTensors(out.tensors);
    this.send({ type: 'result', id, tensors: packed.tensors, ms: out.ms, load, wallMs: performance.now() - t0, loadWaitMs: out.loadWaitMs }, packed.payload);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.incoming.clear();
    this.onClose();
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.terminate();
  }
}
