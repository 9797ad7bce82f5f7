// The client's side of IONN (issue 7): while the model's partitions upload in the background (in the
// planner's order), queries run layer by layer, each layer on the client (a local onnxruntime
// session per chain layer) or on the edge server (consecutive layers in one request) according to
// the best plan over the layers already loaded there. Both channels share one WebSocket (one
// handshake; a request sent right behind a group's last chunk and its `group` message finds that
// group loading on the server and waits there, so the first query's input crosses the link while the
// group loads instead of after the client heard it had).
//
// Live estimates: bandwidth from the upload's chunk acknowledgements, RTT from WebSocket pings, the
// server's speed and load from the layer times it reports; when they move by more than a quarter, the
// rest of the upload order is recomputed. When the server disappears mid-query the query finishes
// locally from the last tensor it holds (one stderr line), and so do the queries after it.
//
// Client speed emulation (for benches on a fast machine): with `emulate`, each run of consecutive
// client layers is padded (by waiting, not spinning; once per run, not per layer: one timer instead
// of 111 for MobileNet) to the sum of those layers' times in the given device model, e.g. the
// ODROID-XU4 profile; a run slower here than there is not padded and is counted in `overrunMs`.
import WebSocket from 'ws';
import {
  alignToGroups,
  contentHash,
  decodeModel,
  encodeModel,
  exactPlanFrom,
  layerChain,
  layerRuns,
  NO_EXTERNAL_DATA,
  ort,
  planBreakdown,
  subModel,
  type ExecutionPlan,
  type PlanBreakdown,
  type LayerChain,
  type Model,
  type PlanCosts,
  type Planner,
} from '../ml/index';
import { IONN_PATH, IONN_VERSION, decodeFrame, encodeFrame, packTensors, tensorData, type IonnServerMessage, type WireTensor } from './ionn-wire';

export interface IonnOptions {
  /** ws://host:port of a `snapvm serve` (the `/ionn` path is added when missing). */
  url: string;
  /** Per-chain-layer costs (client device times, server times, bytes, server load times). */
  costs: PlanCosts;
  planner: Planner;
  /** Re-plan the rest of a query when a layer arrives mid-query, and wait for one about to arrive (IONN, greedy, exact). */
  replan?: boolean;
  /** First estimates, until measured: bytes per second client → server, and the round trip. */
  bandwidth: number;
  rttMs: number;
  /** Pad client layers to these times (ms per chain layer): the emulated client device. */
  emulate?: number[];
  /** Threads of each local layer session (default 1). */
  threads?: number;
  /** Each upload chunk carries this many ms of bytes at the estimated bandwidth (default 20): a query's request waits behind at most two. */
  chunkMs?: number;
  /** Stop waiting for a server request after its predicted time × 3 plus this (default 3000 ms): that query finishes locally. */
  replyGraceMs?: number;
  /**
   * Re-plan the upload order when an estimate has moved by this fraction (default 0.25) of the value
   * the order was made with (the RTT also by at least `replanRttMs`, default 5 ms: 1 → 3 ms is no
   * news) at every check for `replanHoldMs` (default 300 ms), and the new order differs.
   */
  replanThreshold?: number;
  replanRttMs?: number;
  replanHoldMs?: number;
  /** One line per event: connection, re-plan. Default: none. */
  log?: (line: string) => void;
  /** The one line a fall-back to local execution writes. Default: stderr. */
  warn?: (line: string) => void;
  onEvent?: (e: IonnEvent) => void;
}

export type IonnEvent =
  /** A group of consecutive layers became one session on the server (`wanted`: asked for by a query plan, not by the upload). */
  | { kind: 'loaded'; at: number; layers: number[]; loadMs: number }
  | { kind: 'group-wanted'; at: number; from: number; to: number }
  /** The upload sent a group's last layer and asked for its session (in upload order). */
  | { kind: 'group-sent'; at: number; from: number; to: number }
  /** A layer's bytes arrived whole on the server (it is not loaded before its group is). */
  | { kind: 'stored'; at: number; layer: number }
  | { kind: 'replan'; at: number; bandwidth: number; rttMs: number; serverLoad: number; order: number[][] }
  | { kind: 'remote'; at: number; from: number; to: number }
  | { kind: 'fallback'; at: number; layer: number; why: string }
  | { kind: 'upload-done'; at: number };

export interface QueryResult {
  outputs: Record<string, ort.Tensor>;
  /** Where each chain layer ran. */
  onServer: boolean[];
  /** From the call to the answer (ms), and when the call was made (ms since connect). */
  latencyMs: number;
  startMs: number;
  /** Time spent waiting for a layer about to arrive before starting. */
  waitedMs: number;
  /** ms by which local layers exceeded the emulated device's times (0 when the emulation held). */
  overrunMs: number;
  /** The server failed during this query and the rest ran locally. */
  fellBack: boolean;
  /** What the planner predicted for the plan this query started with (its server layers as loaded), and for running every layer here. */
  predicted: PlanBreakdown & { allHereMs: number };
  /** Where the time went: each local layer's wall time (padding included; undefined for server layers), */
  localMs: (number | undefined)[];
  /**
   * and each request to the server: its layers, the round trip from sending to the answer, the
   * server's onnxruntime time for them, its wall time from reading the request to sending the answer
   * (of which `loadWaitMs` waiting for a group still loading), the bytes sent.
   */
  remote: { from: number; to: number; ms: number; serverMs: number; serverWallMs: number; loadWaitMs: number; upBytes: number }[];
}

/**
 * A model cut into its chain layers (or, `fromChain`, any chain of pieces such as the segments of a
 * DAG placement, `segmentChain`): the bytes uploaded per layer, their hashes, one local session per layer.
 */
export class IonnModel {
  readonly hash: string;
  readonly parts: Uint8Array[];
  readonly partHashes: string[];
  /** The model's outputs (the answer of a query), by name. */
  readonly outputNames: string[];
  private constructor(
    readonly chain: LayerChain,
    readonly sessions: ort.InferenceSession[],
    bytes: Uint8Array,
    parts: Uint8Array[],
  ) {
    this.hash = contentHash(bytes);
    this.parts = parts;
    this.partHashes = this.parts.map(contentHash);
    this.outputNames = (chain.model.graph!.output ?? []).map((v) => v.name!);
  }

  static async load(model: Model | Uint8Array, threads = 1): Promise<IonnModel> {
    const bytes = model instanceof Uint8Array ? model : encodeModel(model);
    return IonnModel.fromChain(layerChain(model instanceof Uint8Array ? decodeModel(model) : model), threads, bytes);
  }

  /** Pieces of a model as a chain (each piece reads tensors of the pieces before it or the graph inputs). */
  static async fromChain(chain: LayerChain, threads = 1, bytes = encodeModel(chain.model)): Promise<IonnModel> {
    // each piece's sub-model, encoded once: its session here and its upload to the server
    const parts = chain.layers.map((l) => encodeModel(subModel(chain, l.index, l.index + 1)));
    const sessions: ort.InferenceSession[] = [];
    for (const part of parts) sessions.push(await ort.InferenceSession.create(part, { executionProviders: ['cpu'], intraOpNumThreads: threads, extra: NO_EXTERNAL_DATA }));
    return new IonnModel(chain, sessions, bytes, parts);
  }

  get n(): number {
    return this.chain.layers.length;
  }

  /** Run chain layer i here on the tensors in `values` (by name), adding its outputs. */
  async runLayer(i: number, values: Map<string, ort.Tensor>): Promise<void> {
    const s = this.sessions[i]!;
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of s.inputNames) {
      const v = values.get(name);
      if (!v) throw new Error(`IONN: no value for '${name}', the input of layer ${i} (${this.chain.layers[i]!.name})`);
      feeds[name] = v;
    }
    const out = await s.run(feeds);
    for (const [k, v] of Object.entries(out)) values.set(k, v);
  }

  /** The whole model here, layer by layer (also warms every session up). */
  async runLocally(feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
    const values = new Map(Object.entries(feeds));
    for (let i = 0; i < this.n; i++) await this.runLayer(i, values);
    return Object.fromEntries(this.outputNames.map((o) => [o, values.get(o)!]));
  }

  async release(): Promise<void> {
    for (const s of this.sessions) await s.release().catch(() => {});
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

/** Wait until `performance.now()` reaches `t` (timers may fire early by a fraction of a ms). */
async function until(t: number): Promise<void> {
  for (let d = t - performance.now(); d > 0.5; d = t - performance.now()) await sleep(d);
}

/** One WebSocket channel with frame decoding and a close signal. */
class Channel {
  readonly ws: WebSocket;
  readonly open: Promise<void>;
  closed = false;
  closeWhy = '';
  onMessage: (m: IonnServerMessage, payload: Buffer) => void = () => {};
  private closeWaiters: ((why: string) => void)[] = [];

  constructor(url: string) {
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.open = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', (e) => reject(new Error(`IONN: cannot reach ${url}: ${e.message}`)));
    });
    this.ws.on('message', (data: Buffer) => {
      const f = decodeFrame(data);
      if (typeof f !== 'string') this.onMessage(f.header as unknown as IonnServerMessage, f.payload);
    });
    const gone = (why: string) => {
      if (this.closed) return;
      this.closed = true;
      this.closeWhy = why;
      for (const w of this.closeWaiters.splice(0)) w(why);
    };
    this.ws.on('close', (code) => gone(`connection closed (${code})`));
    this.ws.on('error', (e) => gone(e.message));
  }

  send(header: object, payload: Uint8Array[] = []): void {
    if (!this.closed) this.ws.send(encodeFrame(header, payload));
  }

  whenClosed(f: (why: string) => void): void {
    if (this.closed) f(this.closeWhy);
    else this.closeWaiters.push(f);
  }

  close(): void {
    this.closed = true;
    this.ws.terminate();
  }
}

/** A failure of one request that leaves the server usable: a late reply, a group that did not load. This query's rest runs here. */
class RequestFailed extends Error {}

/** An exponentially weighted moving average. */
const ewma = (old: number, sample: number, a = 0.3) => old + a * (sample - old);

export class IonnClient {
  /** Layers loaded on the server (in some group). */
  readonly uploaded = new Set<number>();
  /** Layers whose bytes the server holds (loaded or not). */
  readonly stored = new Set<number>();
  /** The server's sessions over this model: groups of consecutive layers, [first, end). */
  readonly groups: [number, number][] = [];
  /** Groups asked for by query plans (a run starting inside a loaded group), by first layer. */
  private groupsAsked = new Set<number>();
  bandwidth: number;
  rttMs: number;
  /** Measured server time ÷ the cost model's server time (1: as profiled, idle). */
  serverLoad = 1;
  /** ms since connect when the whole model was on the server (undefined while uploading). */
  uploadEndMs: number | undefined;
  /** Partition bytes sent so far (0 when the server had the model cached). */
  bytesSent = 0;
  /** Bytes of query requests sent while the upload was still sending (they shared the uplink with it). */
  queryUpBytes = 0;
  /** The upload has sent its last chunk. */
  private uploadSent = false;
  /** ms since connect when the welcome came (the upload and the first query start), and when the last upload chunk was acknowledged. */
  connectedMs = 0;
  lastAckMs = 0;
  /** The server went away: everything runs locally from now on. */
  serverGone = false;
  readonly t0 = performance.now();
  /** The one WebSocket of both channels (upload and queries). */
  private ch!: Channel;
  /** Groups asked for (by the upload or a query plan) and not loaded or refused yet, [first, end). */
  private pendingGroups: [number, number][] = [];
  /** Queries waiting for layers to be sent: after a group's last chunk, the upload lets them send their request first. */
  private queriesWaiting = 0;
  private nextId = 1;
  private replies = new Map<number, { resolve: (r: { m: IonnServerMessage; payload: Buffer }) => void; reject: (e: Error) => void }>();
  /** Upload bookkeeping: bytes sent and not acknowledged, waiters for acks, loads and idle queries. */
  private unacked: { layer: number; end: number; bytes: number; sentAt: number }[] = [];
  private lastAckAt = 0;
  private wake: (() => void)[] = [];
  private queriesInFlight = 0;
  /** The upload sends no new chunk before this (performance.now()): a query's request is on the wire. */
  private yieldUntil = 0;
  private order: number[][] = [];
  /** The partition being sent now (its layers arrive before the rest of `order`). */
  private sending: number[] = [];
  /** Layers sent (or being sent) and not loaded yet: they arrive first. */
  private inTransit = new Set<number>();
  private planned = { bandwidth: 0, rttMs: 0, serverLoad: 1 };
  private pinger: NodeJS.Timeout | undefined;
  private stopped = false;
  private uploading: Promise<void> = Promise.resolve();
  readonly costs: PlanCosts;

  private constructor(
    readonly model: IonnModel,
    readonly options: IonnOptions,
  ) {
    this.costs = { ...options.costs, serverMs: [...options.costs.serverMs] };
    this.bandwidth = options.bandwidth;
    this.rttMs = options.rttMs;
    if (options.costs.n !== model.n) throw new Error(`IONN: the costs describe ${options.costs.n} layers, the model has ${model.n}`);
    if (options.emulate && options.emulate.length !== model.n) throw new Error(`IONN: emulate gives ${options.emulate.length} layer times for ${model.n} layers`);
  }

  /** Connect, learn what the server already holds and start the background upload. */
  static async connect(model: IonnModel, options: IonnOptions): Promise<IonnClient> {
    const c = new IonnClient(model, options);
    await c.start();
    return c;
  }

  get now(): number {
    return performance.now() - this.t0;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  private emit(e: IonnEvent): void {
    this.options.onEvent?.(e);
  }

  private link(uploaded: ReadonlySet<number> = this.uploaded) {
    return { bandwidth: this.bandwidth, rttMs: this.rttMs, uploaded, serverLoad: this.serverLoad };
  }

  private async start(): Promise<void> {
    const url = /\/ionn(\?|$)/.test(this.options.url) ? this.options.url : this.options.url.replace(/\/?$/, IONN_PATH);
    const ch = (this.ch = new Channel(url));
    await ch.open;
    const hello = { type: 'hello', v: IONN_VERSION, model: this.model.hash, parts: this.model.partHashes };
    type Welcome = Extract<IonnServerMessage, { type: 'welcome' }>;
    const w = await new Promise<Welcome>((resolve, reject) => {
      ch.onMessage = (m) => (m.type === 'welcome' ? resolve(m) : m.type === 'error' ? reject(new Error(`IONN server: ${m.code}: ${m.message}`)) : undefined);
      ch.whenClosed((why) => reject(new Error(`IONN server: ${why} before welcome`)));
      ch.send(hello);
    });
    this.connectedMs = this.now;
    for (const i of w.stored) this.stored.add(i);
    for (const g of w.groups) this.addGroup(g[0], g[1]);
    // A reply to a query carries its id; everything else is the upload's.
    ch.onMessage = (m, payload) => ((m.type === 'result' || m.type === 'error') && m.id !== undefined ? this.onQueryMessage(m, payload) : this.onUploadMessage(m));
    ch.whenClosed((why) => this.lose(why));
    ch.ws.on('pong', (data: Buffer) => {
      const sent = Number(data.toString());
      if (Number.isFinite(sent)) this.measuredRtt(performance.now() - sent);
    });
    this.pinger = setInterval(() => ch.closed || ch.ws.ping(String(performance.now())), 500);
    this.pinger.unref();
    this.log(`ionn: connected to ${url}: ${this.uploaded.size}/${this.model.n} layers already loaded, ${this.stored.size} stored`);
    this.uploading = this.runUpload();
  }

  private rttSamples: number[] = [];
  private measuredRtt(ms: number): void {
    // The smallest of the last few pings: a ping queued behind upload chunks measures the queue, not the path.
    this.rttSamples = [...this.rttSamples.slice(-4), ms];
    this.rttMs = Math.min(...this.rttSamples);
  }

  /** The server is gone or failed: say so once (one stderr line), fail what waits for it, run locally from now on. */
  private lose(why: string, duringQuery = this.queriesInFlight > 0): void {
    if (this.serverGone || this.stopped) return;
    this.serverGone = true;
    const during = duringQuery ? ' during a query: finishing it' : ':';
    (this.options.warn ?? ((l: string) => void process.stderr.write(l + '\n')))(`snapvm ionn: lost the edge server (${why})${during} and the next queries locally`);
    for (const [, r] of this.replies) r.reject(new Error(why));
    this.replies.clear();
    this.wakeAll();
  }

  private wakeAll(): void {
    for (const w of this.wake.splice(0)) w();
  }

  private waitWake(): Promise<void> {
    return new Promise((r) => this.wake.push(r));
  }

  private onUploadMessage(m: IonnServerMessage): void {
    const now = performance.now();
    if (m.type === 'ack') {
      const k = this.unacked.findIndex((u) => u.layer === m.layer && u.end === m.received);
      if (k >= 0) {
        for (const u of this.unacked.splice(0, k + 1)) this.acks.push({ at: now, bytes: u.bytes, busy: u.sentAt < this.lastAckAt });
        this.acks = this.acks.slice(-16);
        this.measureBandwidth();
      }
      this.lastAckAt = now;
      this.lastAckMs = now - this.t0;
    } else if (m.type === 'stored') {
      this.stored.add(m.layer);
      this.emit({ kind: 'stored', at: this.now, layer: m.layer });
    } else if (m.type === 'loaded') {
      const [from, to] = [m.layers[0]!, m.layers[0]! + m.layers.length];
      this.settleGroup(from, to);
      this.addGroup(from, to);
      for (const l of m.layers) this.inTransit.delete(l);
      this.emit({ kind: 'loaded', at: this.now, layers: m.layers, loadMs: m.loadMs });
    } else if (m.type === 'error') {
      this.log(`ionn: upload of layer ${m.layer ?? '?'} refused: ${m.code}: ${m.message}`);
      // A refused group names its layers as asked (another refusal, a chunk's, names a layer only).
      const group = m.layers?.length ? ([m.layers[0]!, m.layers[0]! + m.layers.length] as const) : null;
      if (group) this.settleGroup(...group);
      // A refused group the upload sent: its layers never arrive (one a query asked for only costs that query's wish).
      const run = group && this.sentGroups.find((g) => g[0] === group[0] && g[1] === group[1]);
      if (group && !run) return this.wakeAll();
      for (const l of run ? range(run[0], run[1]) : [m.layer ?? -1]) {
        if (this.uploaded.has(l)) continue;
        this.refused.add(l);
        this.inTransit.delete(l);
      }
    }
    this.wakeAll();
  }

  private refused = new Set<number>();
  private sentGroups: [number, number][] = [];

  private addGroup(from: number, to: number): void {
    if (!this.groups.some((g) => g[0] === from && g[1] === to)) this.groups.push([from, to]);
    for (let l = from; l < to; l++) this.uploaded.add(l), this.stored.add(l);
  }

  /** Ask the server for one session over stored layers [from, to). */
  private askGroup(from: number, to: number): void {
    this.pendingGroups.push([from, to]);
    this.ch.send({ type: 'group', layers: range(from, to) });
  }

  /** The server answered (loaded or refused) the group [from, to) asked for. */
  private settleGroup(from: number, to: number): void {
    const k = this.pendingGroups.findIndex((g) => g[0] === from && g[1] === to);
    if (k >= 0) this.pendingGroups.splice(k, 1);
  }
  private acks: { at: number; bytes: number; busy: boolean }[] = [];

  /**
   * Bandwidth from upload progress: the bytes of the latest run of back-to-back acknowledgements
   * (each chunk sent before the previous one was acknowledged, so the wire never idled; the last 16
   * at most) over the time between the first and the last of them.
   */
  private measureBandwidth(): void {
    let k = this.acks.length - 1;
    while (k > 0 && this.acks[k]!.busy) k--;
    const run = this.acks.slice(k);
    const ms = run[run.length - 1]!.at - run[0]!.at;
    // At least 100 ms of acks: a process paused for a moment (here or on the link) receives a burst of
    // them at once, and a few bunched acks would read as a very fast link.
    if (run.length < 4 || ms < 100) return;
    const bytes = run.slice(1).reduce((s, a) => s + a.bytes, 0);
    this.bandwidth = ewma(this.bandwidth, (bytes / ms) * 1000, 0.5);
  }

  private onQueryMessage(m: IonnServerMessage, payload: Buffer): void {
    if ((m.type === 'result' || m.type === 'error') && m.id !== undefined) {
      const r = this.replies.get(m.id);
      this.replies.delete(m.id);
      r?.resolve({ m, payload });
    }
  }

  /**
   * The background upload: partitions in the planner's order. After each layer, when an estimate
   * (bandwidth, RTT, server speed) has stayed outside its band around the value the order was made
   * with (hysteresis: `replanThreshold`, `replanRttMs`, `replanHoldMs`), the order of what is not
   * sent yet is recomputed from the layers already there; when it is the same order, the band is
   * only re-centred (no partition is split).
   */
  private async runUpload(): Promise<void> {
    const { planner } = this.options;
    const threshold = this.options.replanThreshold ?? 0.25;
    const rttFloor = this.options.replanRttMs ?? 5;
    const hold = this.options.replanHoldMs ?? 300;
    const sent = new Set<number>();
    const orderNow = () => {
      const done = new Set([...this.uploaded, ...sent]);
      return planner
        .uploadOrder(this.costs, this.link(done))
        .map((p) => p.filter((i) => !done.has(i)))
        .filter((p) => p.length);
    };
    const recentre = () => void (this.planned = { bandwidth: this.bandwidth, rttMs: this.rttMs, serverLoad: this.serverLoad });
    const replanOrder = () => {
      recentre();
      this.order = orderNow();
    };
    replanOrder();
    const out = (a: number, b: number, floor = 0) => Math.abs(a - b) > Math.max(threshold * Math.max(a, b), floor);
    let outsideSince: number | undefined;
    const key = (order: number[][]) => order.map((p) => [...p].sort((a, b) => a - b).join(',')).join('|');
    const moved = (): boolean => {
      const p = this.planned;
      if (!(out(p.bandwidth, this.bandwidth) || out(p.rttMs, this.rttMs, rttFloor) || out(p.serverLoad, this.serverLoad))) {
        outsideSince = undefined;
        return false;
      }
      outsideSince ??= performance.now();
      if (performance.now() - outsideSince < hold) return false;
      outsideSince = undefined;
      const current = [this.sending.filter((l) => !sent.has(l)), ...this.order].filter((x) => x.length);
      if (key(orderNow()) !== key(current)) return true;
      recentre();
      return false;
    };
    while (!this.stopped && !this.serverGone) {
      const part = this.order.shift();
      if (!part) break;
      this.sending = part;
      // Each maximal run of consecutive layers of the partition becomes one session on the server;
      // the estimates are checked after each layer, and when they moved, the layers of the run sent
      // so far become a group and the rest of the order is re-planned.
      let replanned = false;
      for (const [from, to] of layerRuns(part)) {
        if (this.stopped || this.serverGone || replanned) break;
        const run = range(from, to).filter((l) => !this.uploaded.has(l));
        for (const l of run) this.inTransit.add(l);
        const done: number[] = [];
        for (const l of run) {
          if (!this.stored.has(l)) await this.sendLayer(l);
          if (this.stopped || this.serverGone) break;
          done.push(l);
          sent.add(l);
          if (done.length < run.length && moved()) {
            replanned = true;
            break;
          }
        }
        // Runs split by layers already loaded become one group per piece.
        for (const [a, b] of layerRuns(done)) {
          this.sentGroups.push([a, b]);
          this.askGroup(a, b);
          this.emit({ kind: 'group-sent', at: this.now, from: a, to: b });
        }
        // A query waiting for these layers sends its request now, before the upload's next chunk.
        if (done.length && this.queriesWaiting) {
          this.wakeAll();
          await new Promise<void>((r) => setImmediate(r));
        }
        this.sending = this.sending.filter((l) => !done.includes(l));
        for (const l of run) if (!done.includes(l)) this.inTransit.delete(l);
        const p = this.planned;
        if (!replanned && !moved()) continue;
        if (this.stopped || this.serverGone || !this.sending.length) break;
        replanned = true;
        this.order.unshift(this.sending);
        replanOrder();
        this.sending = [];
        this.log(
          `ionn: estimates moved (bandwidth ${(p.bandwidth * 8e-6).toFixed(1)} → ${(this.bandwidth * 8e-6).toFixed(1)} Mbps, RTT ${p.rttMs.toFixed(1)} → ${this.rttMs.toFixed(1)} ms, server ×${p.serverLoad.toFixed(2)} → ×${this.serverLoad.toFixed(2)}): upload order re-planned, ${this.order.length} partitions left`,
        );
        this.emit({ kind: 'replan', at: this.now, bandwidth: this.bandwidth, rttMs: this.rttMs, serverLoad: this.serverLoad, order: this.order.map((x) => [...x]) });
      }
    }
    this.sending = [];
    this.uploadSent = true;
    // Every layer of the order sent (all of them, but for a fixed placement's planner): wait until the server has loaded them (or refused one).
    const wanted = [...sent].filter((l) => !this.uploaded.has(l));
    while (!this.stopped && !this.serverGone && wanted.some((l) => !this.uploaded.has(l) && !this.refused.has(l))) await this.waitWake();
    if (this.uploaded.size === this.model.n || (sent.size && [...sent].every((l) => this.uploaded.has(l)))) {
      this.uploadEndMs = this.now;
      this.emit({ kind: 'upload-done', at: this.now });
    }
  }

  /** Send one layer's partition in chunks, at most two chunks' bytes unacknowledged, yielding while a query's request crosses the link. */
  private async sendLayer(layer: number): Promise<void> {
    const bytes = this.model.parts[layer]!;
    let offset = 0;
    while (offset < bytes.length) {
      const chunk = Math.max(16384, Math.round((this.bandwidth * (this.options.chunkMs ?? 20)) / 1000));
      const inFlight = () => this.unacked.reduce((t, u) => t + u.bytes, 0);
      for (;;) {
        if (this.stopped || this.serverGone) return;
        if (inFlight() >= 2 * chunk) await this.waitWake();
        else if (performance.now() < this.yieldUntil) await sleep(this.yieldUntil - performance.now());
        else break;
      }
      const end = Math.min(bytes.length, offset + chunk);
      this.unacked.push({ layer, end, bytes: end - offset, sentAt: performance.now() });
      this.bytesSent += end - offset;
      this.ch.send({ type: 'chunk', layer, offset, total: bytes.length }, [bytes.subarray(offset, end)]);
      offset = end;
    }
  }

  /** Resolves when the whole model is on the server (or the upload stopped). */
  uploadFinished(): Promise<void> {
    return this.uploading;
  }

  /**
   * The plan of a query now: the planner's over the loaded layers (and, with `pending`, those of the
   * groups asked for and still loading: a request for them waits on the server until they have).
   */
  private planNow(pending = false): ExecutionPlan {
    if (this.serverGone) return { onServer: new Array<boolean>(this.model.n).fill(false), latencyMs: this.costs.clientMs.reduce((s, x) => s + x, 0) };
    const usable = pending ? new Set([...this.uploaded, ...this.pendingGroups.flatMap(([a, b]) => range(a, b))]) : this.uploaded;
    return this.runnable(this.options.planner.plan(this.costs, this.link(usable), { notUploaded: 'forbid' }), pending ? [...this.groups, ...this.pendingGroups] : this.groups);
  }

  /** Layer i's bytes are all sent and its group asked for (it is loading, or loaded). */
  private sentAndAsked(i: number): boolean {
    return this.uploaded.has(i) || this.pendingGroups.some(([a, b]) => a <= i && i < b);
  }

  /**
   * The plan as the server's groups can run it (alignToGroups): a server run the plan starts inside a
   * loaded group starts on the client instead, and the server is asked (once) for a group from there.
   */
  private runnable(plan: ExecutionPlan, groups: readonly [number, number][] = this.groups): ExecutionPlan {
    const a = alignToGroups(plan.onServer, groups);
    for (const [from, to] of a.wanted) {
      if (this.groupsAsked.has(from) || this.serverGone) continue;
      this.groupsAsked.add(from);
      this.askGroup(from, to);
      this.emit({ kind: 'group-wanted', at: this.now, from, to });
    }
    return { onServer: a.onServer, latencyMs: plan.latencyMs };
  }

  /**
   * Layers about to arrive, as IONN's runtime sees them: the rest of the upload order in sequence,
   * each arrival predicted from the bytes still to send at the estimated bandwidth plus the layer's
   * load time. Returns the sets after each upcoming partition with their predicted arrival (ms, performance.now()).
   */
  private upcoming(limitMs: number): { layers: Set<number>; at: number }[] {
    const out: { layers: Set<number>; at: number }[] = [];
    const have = new Set(this.uploaded);
    let at = performance.now() + this.rttMs / 2;
    const queue = [[...this.inTransit], this.sending, ...this.order];
    for (const part of queue) {
      const fresh = part.filter((i) => !have.has(i));
      if (!fresh.length) continue;
      // A layer counts whole even when partly sent or acknowledged: the estimate errs late.
      for (const i of fresh) {
        at += (this.model.parts[i]!.length / this.bandwidth) * 1000 + (this.costs.loadMs[i] ?? 0);
        have.add(i);
      }
      if (at > limitMs) break;
      out.push({ layers: new Set(have), at });
    }
    return out;
  }

  /** Run one query: each layer where the current plan puts it; the answer is the model's outputs. */
  async run(feeds: Record<string, ort.Tensor>): Promise<QueryResult> {
    const n = this.model.n;
    const called = performance.now();
    const startMs = called - this.t0;
    const replan = this.options.replan ?? false;
    let plan = this.planNow();
    let waitedMs = 0;
    if (replan && !this.serverGone) {
      // Waiting for layers about to arrive finishes sooner than starting now? (the wait counts in the latency)
      const nowEnd = called + plan.latencyMs;
      let bestEnd = nowEnd;
      let waitFor: Set<number> | undefined;
      let thenMs = 0;
      let arrives = 0;
      for (const u of this.upcoming(bestEnd)) {
        const ms = this.options.planner.plan(this.costs, this.link(u.layers), { notUploaded: 'forbid' }).latencyMs;
        if (u.at + ms < bestEnd) {
          bestEnd = u.at + ms;
          waitFor = u.layers;
          thenMs = ms;
          arrives = u.at;
        }
      }
      if (waitFor) {
        const want = waitFor;
        // Late layers (a slow link, a busy server) are waited for past their predicted arrival by at
        // most what waiting was to gain (as in ski rental: never worse than twice the better choice);
        // then the query starts with what is there. It waits until the layers are sent and their
        // groups asked for, not loaded: its request follows them on the connection and waits on the
        // server while they load, its input crossing the link meanwhile.
        const giveUp = arrives + (nowEnd - called) - thenMs;
        const timer = setTimeout(() => this.wakeAll(), Math.max(0, giveUp - performance.now()));
        this.queriesWaiting++;
        try {
          while (!this.serverGone && performance.now() < giveUp && ![...want].every((i) => this.sentAndAsked(i) || this.refused.has(i))) await this.waitWake();
        } finally {
          this.queriesWaiting--;
          clearTimeout(timer);
        }
        waitedMs = performance.now() - called;
        plan = this.planNow(true);
      }
    }
    const startsOnEdge = new Set(plan.onServer.flatMap((on, k) => (on ? [k] : [])));
    const predicted = { ...planBreakdown(this.costs, plan.onServer, this.link(startsOnEdge)), allHereMs: this.costs.clientMs.reduce((t, x) => t + x, 0) };
    const values = new Map<string, ort.Tensor>(Object.entries(feeds));
    const onServer = new Array<boolean>(n).fill(false);
    // New groups on the server (an upload's, or one a plan asked for): re-plan the rest of the query.
    let known = this.groups.length;
    let overrunMs = 0;
    let fellBack = false;
    const localMs = new Array<number | undefined>(n).fill(undefined);
    const pad = { layers: [] as number[] };
    const remote: QueryResult['remote'] = [];
    let i = 0;
    while (i < n) {
      if (replan && this.groups.length !== known && !this.serverGone) {
        known = this.groups.length;
        plan = this.runnable(exactPlanFrom(this.costs, this.link(), i, false, { notUploaded: 'forbid' }));
      }
      if (this.serverGone || !plan.onServer[i]) {
        // A local layer; the run it belongs to is padded to the emulated device's time before the
        // query leaves this side or ends.
        const t = performance.now();
        await this.model.runLayer(i, values);
        localMs[i] = performance.now() - t;
        pad.layers.push(i);
        i++;
        if (i === n) overrunMs += await this.padRun(pad, localMs);
        continue;
      }
      overrunMs += await this.padRun(pad, localMs);
      let j = i;
      while (j < n && plan.onServer[j]) j++;
      try {
        remote.push(await this.runRemote(i, j, values));
        for (let k = i; k < j; k++) onServer[k] = true;
        i = j;
      } catch (e) {
        // The server failed mid-query: the rest runs here, from the tensor this side still holds.
        // A late reply (the server busy loading a large partition) or a group that did not load
        // (`not-uploaded`) costs this query only; a lost connection or another error ends offloading.
        fellBack = true;
        const why = (e as Error).message;
        this.emit({ kind: 'fallback', at: this.now, layer: i, why });
        if (e instanceof RequestFailed) this.log(`ionn: ${why}: layers ${i}… of this query run locally`);
        else this.lose(why, true);
      }
    }
    const outputs: Record<string, ort.Tensor> = {};
    for (const name of this.model.outputNames) outputs[name] = values.get(name)!;
    return { outputs, onServer, latencyMs: performance.now() - called, startMs, waitedMs, overrunMs, fellBack, predicted, localMs, remote };
  }

  /**
   * Pad a run of local layers (the layers of `pad`, which empties) to the emulated device's time for
   * them; each layer's `localMs` becomes its share of the run's wall time. The ms by which the run
   * was slower here than the device (0 when padded, or without emulation).
   */
  private async padRun(pad: { layers: number[] }, localMs: (number | undefined)[]): Promise<number> {
    const layers = pad.layers.splice(0);
    const emulate = this.options.emulate;
    if (!emulate || !layers.length) return 0;
    const real = layers.reduce((t, k) => t + localMs[k]!, 0);
    const target = layers.reduce((t, k) => t + emulate[k]!, 0);
    if (real < target) await until(performance.now() + target - real);
    const wall = Math.max(real, target);
    for (const k of layers) localMs[k] = target > 0 ? (wall * emulate[k]!) / target : localMs[k];
    return Math.max(0, real - target);
  }

  /** Layers [i, j) on the server: send layer i's inputs, wait for layer j−1's outputs. */
  private async runRemote(i: number, j: number, values: Map<string, ort.Tensor>): Promise<QueryResult['remote'][number]> {
    const inputs = this.model.chain.layers[i]!.inputs.map((name) => {
      const t = values.get(name)!;
      return { name, type: t.type, dims: t.dims, data: t.data as ArrayBufferView };
    });
    const { tensors, payload } = packTensors(inputs);
    const id = this.nextId++;
    const layers = Array.from({ length: j - i }, (_, k) => i + k);
    let predicted = this.rttMs;
    for (const k of layers) predicted += this.costs.serverMs[k]! * this.serverLoad;
    for (const t of tensors) predicted += (t.length / this.bandwidth) * 1000;
    const grace = this.options.replyGraceMs ?? 3000;
    this.queriesInFlight++;
    // The request crosses the link behind at most two upload chunks; the upload holds back until it has.
    this.yieldUntil = Math.max(this.yieldUntil, performance.now() + (payload.reduce((t, p) => t + p.length, 0) / this.bandwidth) * 1000 + this.rttMs / 2);
    let timer: NodeJS.Timeout | undefined;
    const sentAt = performance.now();
    const upBytes = payload.reduce((t, p) => t + p.length, 0);
    if (!this.uploadSent) this.queryUpBytes += upBytes;
    try {
      const reply = await new Promise<{ m: IonnServerMessage; payload: Buffer }>((resolve, reject) => {
        if (this.serverGone) return reject(new Error('the server is gone'));
        this.replies.set(id, { resolve, reject });
        timer = setTimeout(
          () => {
            this.replies.delete(id);
            reject(new RequestFailed(`no reply within ${(predicted * 3 + grace).toFixed(0)} ms`));
          },
          predicted * 3 + grace,
        );
        this.ch.send({ type: 'run', id, layers, tensors }, payload);
        this.emit({ kind: 'remote', at: this.now, from: i, to: j });
      });
      const { m } = reply;
      if (m.type === 'error') throw new (m.code === 'not-uploaded' ? RequestFailed : Error)(`${m.code}: ${m.message}`);
      if (m.type !== 'result') throw new Error(`unexpected reply ${m.type}`);
      for (const t of m.tensors as WireTensor[]) values.set(t.name, new ort.Tensor(t.type, tensorData(t, reply.payload) as Float32Array, t.dims));
      // The server's own layer times, against the cost model: its speed and load as the planner sees it.
      const modelled = layers.reduce((s, k) => s + this.costs.serverMs[k]!, 0);
      const measured = m.ms.reduce((s, x) => s + x, 0);
      if (modelled > 0.5) this.serverLoad = ewma(this.serverLoad, Math.max(measured / modelled, 1e-3));
      return { from: i, to: j, ms: performance.now() - sentAt, serverMs: measured, serverWallMs: m.wallMs, loadWaitMs: m.loadWaitMs, upBytes };
    } finally {
      clearTimeout(timer);
      this.queriesInFlight--;
      this.wakeAll();
    }
  }

  /** Stop uploading and close both channels. */
  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pinger);
    this.wakeAll();
    this.ch?.close();
    await this.uploading.catch(() => {});
  }
}
