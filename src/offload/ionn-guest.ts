// IONN for apps that do not know about it (issue 7): plugged into the guest `ort` API (ort-guest.ts,
// `runner`), every `InferenceSession.create(bytes)` gets an incremental offloader. The session's first
// run executes here layer by layer twice (the first warms onnxruntime up, the second is timed per
// layer: the client's costs, and the feature sizes); then both channels open, the upload starts, and
// each later run is split by the planner over what the server holds. The same `ionnRouter` serves
// Node programs: `router.runner(bytes, session)` gives a run function for any onnxruntime session.
//
// Before the server has run a layer its speed is a guess (`assumedSpeedup` × the client's); the times
// it reports correct it (IonnClient's serverLoad). A model that cannot be split, or a server that
// cannot be reached, leaves the session running locally, with one stderr line.
import { PLANNERS, type ort, type PlanCosts, type SessionRunner } from '../ml/index';
import { IonnClient, IonnModel, type QueryResult } from './ionn-client';

export interface IonnRouterOptions {
  /** ws://host:port of a `snapvm serve`. */
  url: string;
  /** A key of PLANNERS (default 'efficiency': the EMDL'19 greedy order, exact plans over what is uploaded). */
  planner?: string;
  /** Server speed ÷ client speed assumed until measured (default 4). */
  assumedSpeedup?: number;
  /**
   * Emulate a client this many times slower than this machine (default 1; for experiments and tests on a
   * fast machine): the layer times measured here are multiplied by it for the planner, and every run of
   * layers kept here is padded to that time by waiting (IonnOptions.emulate), the first, measured query too,
   * and every query of a session left local (no server).
   */
  clientSlowdown?: number;
  /** First estimates, until measured (default 10 MB/s, 5 ms). */
  bandwidth?: number;
  rttMs?: number;
  /** Lines about models that stay local or a server that cannot be reached. Default: stderr. */
  warn?: (line: string) => void;
  /** Called after each query with where its layers ran. */
  onQuery?: (r: QueryResult) => void;
}

export interface IonnRouter {
  runner: (model: Uint8Array, session: ort.InferenceSession) => Promise<SessionRunner | undefined>;
  /** Stop uploading and close every connection (the program is done). */
  close(): Promise<void>;
}

const bytesOf = (t: ort.Tensor) => (t.data as ArrayBufferView).byteLength;

/** Wait as long as work that took `ms` here would have taken more on a client `slowdown` times slower. */
const pad = (ms: number, slowdown: number) => (slowdown > 1 ? new Promise((resolve) => setTimeout(resolve, ms * (slowdown - 1))) : undefined);

/** `work` run here, its time padded as on a client `slowdown` times slower. */
async function slowed<T>(work: () => Promise<T>, slowdown: number): Promise<T> {
  const t0 = performance.now();
  const r = await work();
  await pad(performance.now() - t0, slowdown);
  return r;
}

/**
 * Time every layer here on these feeds (after one warm-up pass): the client's side of the cost model, `slowdown`
 * times what it measured (an emulated slower client: this query is padded to that time).
 */
async function measureCosts(im: IonnModel, feeds: Record<string, ort.Tensor>, speedup: number, slowdown: number): Promise<{ costs: PlanCosts; outputs: Record<string, ort.Tensor> }> {
  await im.runLocally(feeds);
  const values = new Map(Object.entries(feeds));
  const clientMs: number[] = [];
  const started = performance.now();
  for (let i = 0; i < im.n; i++) {
    const t0 = performance.now();
    await im.runLayer(i, values);
    clientMs.push((performance.now() - t0) * slowdown);
  }
  await pad(performance.now() - started, slowdown);
  const size = (names: string[]) => names.reduce((s, n) => s + bytesOf(values.get(n)!), 0);
  const layers = im.chain.layers;
  const costs: PlanCosts = {
    model: im.hash.slice(0, 12),
    n: im.n,
    names: layers.map((l) => l.name),
    clientMs,
    serverMs: clientMs.map((ms) => ms / speedup),
    weightBytes: layers.map((l) => l.weightBytes),
    inputBytes: layers.map((l) => size(l.inputs)),
    outputBytes: layers.map((l) => size(l.outputs)),
    loadMs: layers.map(() => 0),
  };
  return { costs, outputs: Object.fromEntries(layers[im.n - 1]!.outputs.map((o) => [o, values.get(o)!])) };
}

export function ionnRouter(options: IonnRouterOptions): IonnRouter {
  const warn = options.warn ?? ((l: string) => void process.stderr.write(l + '\n'));
  const planner = PLANNERS[options.planner ?? 'efficiency'];
  const slowdown = options.clientSlowdown ?? 1;
  if (!(Number.isFinite(slowdown) && slowdown >= 1)) throw new Error(`IONN: clientSlowdown must be a number ≥ 1, not ${slowdown}`);
  if (!planner) throw new Error(`IONN: no planner '${options.planner}' (have ${Object.keys(PLANNERS).join(', ')})`);
  const clients: IonnClient[] = [];
  const models: IonnModel[] = [];
  let closed = false;
  const runner = async (bytes: Uint8Array, session: ort.InferenceSession): Promise<SessionRunner | undefined> => {
    let im: IonnModel;
    try {
      im = await IonnModel.load(bytes);
    } catch (e) {
      warn(`snapvm ionn: this model cannot be split into layers (${(e as Error).message.split('\n')[0]}); it runs locally`);
      return undefined;
    }
    models.push(im);
    let client: IonnClient | undefined;
    let local = false;
    const pick = (out: Record<string, ort.Tensor>, fetches: readonly string[]) => Object.fromEntries(fetches.map((f) => [f, out[f]!]));
    return async (feeds, fetches) => {
      if (local || closed) return slowed(() => session.run(feeds, [...fetches]), slowdown);
      if (!client) {
        const { costs, outputs } = await measureCosts(im, feeds, options.assumedSpeedup ?? 4, slowdown);
        try {
          client = await IonnClient.connect(im, {
            url: options.url,
            costs,
            planner,
            replan: true,
            bandwidth: options.bandwidth ?? 10e6,
            rttMs: options.rttMs ?? 5,
            warn,
            ...(slowdown > 1 ? { emulate: costs.clientMs } : {}),
          });
          clients.push(client);
        } catch (e) {
          warn(`snapvm ionn: ${(e as Error).message}; the model runs locally`);
          local = true;
        }
        return pick(outputs, fetches);
      }
      const r = await client.run(feeds);
      options.onQuery?.(r);
      return pick(r.outputs, fetches);
    };
  };
  return {
    runner,
    async close() {
      closed = true;
      for (const c of clients) await c.close();
      for (const m of models) await m.release();
    },
  };
}

/**
 * IONN for `snapvm run --edge URL`: the runner the guest `ort` API routes every session's queries
 * through (they offload layer by layer while the model uploads); with `report`, one line per query.
 */
export function ionnForCli(o: { edge: string; clientSlowdown?: number; report?: (line: string) => void; warn?: (line: string) => void }): { runner: IonnRouter['runner']; close(): Promise<void> } {
  let k = 0;
  const ms = (x: number) => x.toFixed(1);
  const router = ionnRouter({
    url: o.edge,
    warn: o.warn,
    ...(o.clientSlowdown !== undefined ? { clientSlowdown: o.clientSlowdown } : {}),
    // (with what the planner predicted for the plan it started the query with, and for keeping it all here: why it chose)
    onQuery:
      o.report &&
      ((r) => {
        const p = r.predicted;
        o.report!(
          `snapvm ionn: query ${++k}: ${r.onServer.filter(Boolean).length}/${r.onServer.length} layers on the edge, ${ms(r.latencyMs)} ms${r.fellBack ? ' (fell back to local)' : ''}; predicted ${ms(p.clientMs + p.edgeMs + p.linkMs)} ms (client ${ms(p.clientMs)}, edge ${ms(p.edgeMs)}, link ${ms(p.linkMs)}) against ${ms(p.allHereMs)} ms all on the client`,
        );
      }),
  });
  return { runner: router.runner, close: async () => router.close() };
}
