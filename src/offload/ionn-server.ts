// The edge server's side of IONN (issue 7): model partitions arrive in chunks over the upload
// channel, are checked against their SHA-256, loaded into onnxruntime-node sessions and cached under
// that hash (one `PartitionCache` per server, shared by its clients); queries run consecutive cached
// layers on the tensors the client sends and return the last layer's outputs, with the time of each
// layer and the server's load (queries running at once). Partitions are data, not code: they run in
// onnxruntime, not in the engine, so they need no session worker.
import { createHash, type Hash } from 'node:crypto';
import type { WebSocket, RawData } from 'ws';
import { ort } from '../ml/index';
import { IONN_VERSION, checkTensors, decodeFrame, encodeFrame, packTensors, tensorData, type IonnErrorCode, type IonnServerMessage } from './ionn-wire';

interface CachedPart {
  session: ort.InferenceSession;
  bytes: number;
  loadMs: number;
}

export interface PartitionCacheOptions {
  /** Bytes of partitions kept at most (default 2 GiB); uploads beyond are refused with `full`. */
  maxBytes?: number;
  /** Threads per onnxruntime session (default 1: a server holds many small sessions, and idle thread pools spin). */
  threads?: number;
}

/** Loaded partitions by the SHA-256 of their bytes, and the models they were uploaded for. */
export class PartitionCache {
  private readonly parts = new Map<string, CachedPart>();
  private readonly loading = new Map<string, Promise<CachedPart>>();
  private readonly models = new Map<string, Set<string>>();
  private bytes = 0;
  /** Queries running now, over every session: the load reported to clients. */
  running = 0;

  constructor(private readonly options: PartitionCacheOptions = {}) {}

  /** Whether `bytes` more would still fit (checked before a partition's chunks are accepted). */
  fits(bytes: number): boolean {
    return this.bytes + bytes <= (this.options.maxBytes ?? 2 ** 31);
  }

  has(hash: string): boolean {
    return this.parts.has(hash);
  }

  get(hash: string): CachedPart | undefined {
    return this.parts.get(hash);
  }

  note(model: string, hash: string): void {
    (this.models.get(model) ?? this.models.set(model, new Set()).get(model)!).add(hash);
  }

  /** Load checked bytes into a session (once per hash, even when two clients upload it at once). */
  load(hash: string, bytes: Uint8Array): Promise<CachedPart> {
    const have = this.parts.get(hash) ?? undefined;
    if (have) return Promise.resolve(have);
    const pending = this.loading.get(hash);
    if (pending) return pending;
    const max = this.options.maxBytes ?? 2 ** 31;
    if (this.bytes + bytes.length > max) return Promise.reject(Object.assign(new Error(`the partition cache is full (${max} bytes)`), { code: 'full' }));
    this.bytes += bytes.length;
    const t0 = performance.now();
    const threads = { intraOpNumThreads: this.options.threads ?? 1, interOpNumThreads: 1 };
    const p = ort.InferenceSession.create(bytes, { executionProviders: ['cpu'], ...threads }).then(
      (session) => {
        const part = { session, bytes: bytes.length, loadMs: performance.now() - t0 };
        this.parts.set(hash, part);
        this.loading.delete(hash);
        return part;
      },
      (e: Error) => {
        this.bytes -= bytes.length;
        this.loading.delete(hash);
        throw e;
      },
    );
    this.loading.set(hash, p);
    return p;
  }

  status(): { models: number; parts: number; bytes: number; running: number } {
    return { models: this.models.size, parts: this.parts.size, bytes: this.bytes, running: this.running };
  }

  async close(): Promise<void> {
    for (const p of this.parts.values()) await p.session.release().catch(() => {});
    this.parts.clear();
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
    const sessions = (layers as number[]).map((l) => this.cache.get(this.parts[l]!));
    const missing = sessions.findIndex((s) => !s);
    if (missing >= 0) return this.refuse('not-uploaded', `layer ${String(layers[missing])} is not on this server`, { id });
    const values = new Map<string, ort.Tensor>();
    for (const t of tensors) values.set(t.name, new ort.Tensor(t.type, tensorData(t, payload) as Float32Array, t.dims));
    const load = this.cache.running++;
    const ms: number[] = [];
    let last: ort.InferenceSession.ReturnType = {};
    try {
      for (const part of sessions) {
        const s = part!.session;
        const feeds: Record<string, ort.Tensor> = {};
        for (const n of s.inputNames) {
          const v = values.get(n);
          if (!v) throw new Error(`no value for input '${n}'`);
          feeds[n] = v;
        }
        const t0 = performance.now();
        last = await s.run(feeds);
        ms.push(performance.now() - t0);
        for (const [n, v] of Object.entries(last)) values.set(n, v);
      }
    } catch (e) {
      return this.refuse('run-failed', (e as Error).message.split('\n')[0]!, { id });
    } finally {
      this.cache.running--;
    }
    const out = packTensors(Object.entries(last).map(([name, t]) => ({ name, type: t.type, dims: t.dims, data: t.data as ArrayBufferView })));
    this.send({ type: 'result', id, tensors: out.tensors, ms, load }, out.payload);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.incoming.clear();
    this.onClose();
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.terminate();
  }
}
