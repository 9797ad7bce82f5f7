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

interface CachedPart {
  bytes: number;
  loadMs: number;
}

export interface PartitionCacheOptions {
  /** Bytes of partitions kept at most (default 2 GiB); uploads beyond are refused with `full`. */
  maxBytes?: number;
  /** Threads per onnxruntime session (default 1: a server holds many small sessions, and idle thread pools spin). */
  threads?: number;
}

/**
 * Loaded partitions by the SHA-256 of their bytes, and the models they were uploaded for. The
 * sessions live in one worker thread (ionn-ort-worker.ts): loading a large partition there does not
 * stop this thread from acknowledging chunks and reading requests.
 */
export class PartitionCache {
  private readonly parts = new Map<string, CachedPart>();
  private readonly loading = new Map<string, { promise: Promise<CachedPart>; resolve: (p: CachedPart) => void; reject: (e: Error) => void; bytes: number }>();
  private readonly runs = new Map<number, { resolve: (r: { ms: number[]; tensors: HostTensor[] }) => void; reject: (e: Error) => void }>();
  private readonly models = new Map<string, Set<string>>();
  private worker: Worker | null = null;
  private nextRun = 1;
  private bytes = 0;
  /** Queries running now, over every session: the load reported to clients. */
  running = 0;

  constructor(private readonly options: PartitionCacheOptions = {}) {}

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(workerFile('ionn-ort-worker.js'));
    w.on('message', (m: OrtReply) => this.onReply(m));
    const gone = (why: string) => {
      if (this.worker !== w) return;
      this.worker = null;
      // Its sessions are gone with it: every partition must come again.
      for (const l of this.loading.values()) l.reject(new Error(why));
      for (const r of this.runs.values()) r.reject(new Error(why));
      this.loading.clear();
      this.runs.clear();
      this.parts.clear();
      this.bytes = 0;
    };
    w.on('error', (e) => gone(`the onnxruntime thread failed: ${e.message}`));
    w.on('exit', () => gone('the onnxruntime thread exited'));
    return (this.worker = w);
  }

  private onReply(m: OrtReply): void {
    if (m.type === 'loaded' || m.type === 'load-failed') {
      const l = this.loading.get(m.hash);
      this.loading.delete(m.hash);
      if (!l) return;
      if (m.type === 'load-failed') {
        this.bytes -= l.bytes;
        return l.reject(new Error(m.message));
      }
      const part = { bytes: l.bytes, loadMs: m.loadMs };
      this.parts.set(m.hash, part);
      l.resolve(part);
    } else {
      const r = this.runs.get(m.id);
      this.runs.delete(m.id);
      if (m.type === 'result') r?.resolve(m);
      else r?.reject(new Error(m.message));
    }
  }

  /** Whether `bytes` more would still fit (checked before a partition's chunks are accepted). */
  fits(bytes: number): boolean {
    return this.bytes + bytes <= (this.options.maxBytes ?? 2 ** 31);
  }

  has(hash: string): boolean {
    return this.parts.has(hash);
  }

  note(model: string, hash: string): void {
    (this.models.get(model) ?? this.models.set(model, new Set()).get(model)!).add(hash);
  }

  /** Load checked bytes into a session (once per hash, even when two clients upload it at once). */
  load(hash: string, bytes: Uint8Array): Promise<CachedPart> {
    const have = this.parts.get(hash);
    if (have) return Promise.resolve(have);
    const pending = this.loading.get(hash);
    if (pending) return pending.promise;
    if (!this.fits(bytes.length)) return Promise.reject(Object.assign(new Error(`the partition cache is full (${this.options.maxBytes ?? 2 ** 31} bytes)`), { code: 'full' }));
    this.bytes += bytes.length;
    let resolve!: (p: CachedPart) => void, reject!: (e: Error) => void;
    const promise = new Promise<CachedPart>((res, rej) => ((resolve = res), (reject = rej)));
    this.loading.set(hash, { promise, resolve, reject, bytes: bytes.length });
    const copy = new Uint8Array(bytes);
    this.thread().postMessage({ type: 'load', hash, bytes: copy, threads: this.options.threads ?? 1 } satisfies OrtRequest, [copy.buffer]);
    return promise;
  }

  /** Run these cached partitions in sequence on the tensors given: the last one's outputs and each one's time. */
  run(hashes: string[], tensors: HostTensor[]): Promise<{ ms: number[]; tensors: HostTensor[] }> {
    const missing = hashes.find((h) => !this.parts.has(h));
    if (missing) return Promise.reject(new Error(`partition ${missing.slice(0, 12)}… is not loaded`));
    const id = this.nextRun++;
    return new Promise((resolve, reject) => {
      this.runs.set(id, { resolve, reject });
      this.thread().postMessage({ type: 'run', id, hashes, tensors } satisfies OrtRequest);
    });
  }

  status(): { models: number; parts: number; bytes: number; running: number } {
    return { models: this.models.size, parts: this.parts.size, bytes: this.bytes, running: this.running };
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    this.parts.clear();
    await w?.terminate();
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

  private refuse(code: IonnErrorCode, message: string, where: { id?: number; layer?: number } = {}): void {
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
    if (h.type === 'run') return this.run(h, frame.payload);
    return this.refuse('bad-message', `unknown message type '${String(h.type)}'`);
  }

  private hello(h: Record<string, unknown>): void {
    if (h.v !== IONN_VERSION) return this.refuse('bad-version', `this server speaks IONN protocol ${IONN_VERSION}, not ${String(h.v)}`);
    const hex = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);
    if (!hex(h.model)) return this.refuse('bad-message', 'hello.model must be the model\'s SHA-256 (64 hex digits)');
    if (!Array.isArray(h.parts) || !h.parts.length || !h.parts.every(hex)) return this.refuse('bad-message', 'hello.parts must list the SHA-256 of every layer\'s partition');
    this.model = h.model as string;
    this.parts = h.parts as string[];
    for (const p of this.parts) this.cache.note(this.model, p);
    const have = this.parts.flatMap((p, i) => (this.cache.has(p) ? [i] : []));
    this.log(`ionn: model ${this.model.slice(0, 12)}…: ${this.parts.length} layers, ${have.length} cached`);
    this.send({ type: 'welcome', v: IONN_VERSION, have });
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
    try {
      const loaded = await this.cache.load(hash, bytes);
      this.send({ type: 'loaded', layer, loadMs: loaded.loadMs });
    } catch (e) {
      const code = (e as { code?: string }).code === 'full' ? 'full' : 'bad-part';
      this.refuse(code, `layer ${layer}: ${(e as Error).message.split('\n')[0]}`, { layer });
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
    const hashes = (layers as number[]).map((l) => this.parts[l]!);
    const missing = hashes.findIndex((h) => !this.cache.has(h));
    if (missing >= 0) return this.refuse('not-uploaded', `layer ${String(layers[missing])} is not on this server`, { id });
    const load = this.cache.running++;
    let out: { ms: number[]; tensors: HostTensor[] };
    try {
      out = await this.cache.run(hashes, tensors.map((t) => ({ name: t.name, type: t.type, dims: t.dims, data: tensorData(t, payload) })));
    } catch (e) {
      return this.refuse('run-failed', (e as Error).message.split('\n')[0]!, { id });
    } finally {
      this.cache.running--;
    }
    const packed = packTensors(out.tensors);
    this.send({ type: 'result', id, tensors: packed.tensors, ms: out.ms, load }, packed.payload);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.incoming.clear();
    this.onClose();
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.terminate();
  }
}
