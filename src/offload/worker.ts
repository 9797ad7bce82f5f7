// A session's worker thread on the edge server: restore the client's snapshot as guest code in a fresh
// engine, complete its migration request ("you are on the edge now"), run the event loop until the app
// asks to go back (or has nothing left to do), and capture the state for the trip back. Console output
// is forwarded as it happens. The thread has its own V8 heap (the server sets resourceLimits) and is
// terminated by the server when an offload runs past its wall-time budget.
import { parentPort, workerData } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import {
  DeltaRefused,
  Engine,
  GuestError,
  MemoryBudget,
  SafepointStop,
  SnapshotError,
  StreamingRestore,
  applyDelta,
  captureDelta,
  chunkLines,
  isDelta,
  prepareUnit,
  type DeltaCapture,
  type DeltaState,
  type EngineOptions,
} from '../index';
import { completeMove, pendingMove } from './hints';
import { edgeMlServices } from '../ml/light';
import { calibrate } from './decide';
import { warmPageSteps, warmSteps, warmUp } from './warm';
import { UNCAUGHT, defaultChunkChars, type ErrorCode, type OffloadStats } from './protocol';
import { isPageSnapshot, fullDoor as dom } from '../dom/light';
import type { Page } from '../dom/index';

/** main thread → worker */
export type WorkerRequest =
  | {
      type: 'offload';
      id: number;
      /** A whole snapshot or a delta; with `more`, the first chunk of a whole snapshot. */
      snapshot: string;
      /** Come back after this many turns even if the app does not ask. */
      turns?: number;
      /** Come back before a timer due more than this many ms after the snapshot's instant (RunBounds; a streamed one carries it in its first chunk). */
      until?: number;
      more?: boolean;
    }
  /** A further chunk; the last one says whether the whole matched its hash. */
  | { type: 'more'; id: number; data: string; last: boolean; verified?: boolean }
  /**
   * The client said hello with its program's argv and units: make the engine its first (streamed) snapshot
   * will need, and parse and analyse the units' sources (a unit the server did not hold comes later alone).
   */
  | { type: 'prepare'; argv?: string[]; units: { file: string; kind: 'script' | 'module'; text: string }[] };

/** worker → main thread */
export type WorkerReply =
  | { type: 'ready'; calibrationMs: number }
  | { type: 'console'; id: number; level: string; text: string }
  /** `parts`: the snapshot in one part, or (a page's whole one) in chunks of whole lines, each sent as it is (the client restores each as it arrives). */
  | { type: 'state'; id: number; parts: string[]; stats: OffloadStats }
  | { type: 'guest-error'; id: number; summary: string; stack: string; kind: GuestError['kind']; stats: OffloadStats }
  | { type: 'error'; id: number; code: ErrorCode; message: string };

const port = parentPort!;
/** The steps (loop back-edges and function entries) one offload may run: the server's limit. */
const stepBudget: number = typeof workerData?.steps === 'number' && workerData.steps > 0 ? workerData.steps : Infinity;
const BUDGET = 'the step budget';
const post = (m: WorkerReply) => port.postMessage(m);

/**
 * The session's memory outside the V8 heap (array buffers, typed arrays, WebAssembly memories), which the
 * worker's resourceLimits do not bound: as much again as its heap, counted by the engine as the guest
 * allocates (interpreter/memory-budget.ts). When a count would pass it, a collection (the CLI gives every
 * worker `gc`: cli/v8-flags.ts) and this isolate's own external memory say what is still live.
 */
const memoryMb: number | undefined = typeof workerData?.memoryMb === 'number' && workerData.memoryMb > 0 ? workerData.memoryMb : undefined;
const externalAtStart = getHeapStatistics().external_memory;
const memory =
  memoryMb === undefined
    ? undefined
    : new MemoryBudget(memoryMb * 1024 * 1024, () => {
        (globalThis as { gc?: () => void }).gc?.();
        return Math.max(0, getHeapStatistics().external_memory - externalAtStart);
      });
/** The memory budget's stop; `then`: how the program failed after the refusal (a guest may catch one, to probe, and fail otherwise). */
const memoryStop = (id: number, then: string) =>
  post({ type: 'error', id, code: 'memory', message: `the program ran past its ${memory!.describe()} memory budget for array buffers (outside the V8 heap); after a refused allocation: ${then}` });
/** An error reply: the memory budget's where the failure followed a refused allocation (a guest RangeError, caught or not). */
const failed = (id: number, code: ErrorCode, message: string) => (memory?.takeRefused() ? memoryStop(id, message) : post({ type: 'error', id, code, message }));
/** An engine bug while offload `id` ran, not the guest's doing: its message only (no host stack to the client). */
const internalError = (id: number) => (err: unknown) => post({ type: 'error', id, code: 'internal', message: err instanceof Error ? err.message : String(err) });

/**
 * The session's program: its engine, the state agreed with the client (a delta from the client applies
 * to it, and the delta sent back is taken against it), and that state as a whole snapshot (what the
 * edge rolls back to when a client's delta is refused after it began changing the engine).
 */
let kept: { engine: Engine; state: DeltaState | null; whole: string; page?: Page } | null = null;
/** The offload running now (console output is forwarded under its id). */
let currentId = 0;

const message = (e: unknown) => (e instanceof SnapshotError ? e.message : e instanceof GuestError ? `the snapshot threw ${e.summary}` : `cannot restore: ${(e as Error)?.message ?? String(e)}`);

/**
 * The host services of every engine here: the guest ML APIs (onnxruntime and WebNN load on first use),
 * so that a program holding ML objects restores and runs on the edge. One list per worker: the pristine
 * twin a capture diffs against is made once for it.
 */
const services = edgeMlServices();

/** The engine options of every program restored here: the server's choices, whatever the snapshot's header asks for. */
function serverOptions(): { options: EngineOptions; adopt: (e: Engine) => void } {
  let engine: Engine | undefined;
  return {
    options: {
      test262Host: false,
      frameLimit: 100_000,
      // a stranger's program reads no file of this server: import() of any module file fails
      moduleRoot: null,
      services,
      ...(memory ? { memoryBudget: memory } : {}),
      // output while the snapshot itself runs (only a hand-made snapshot prints) is dropped
      onConsole: (level, values) => engine && post({ type: 'console', id: currentId, level, text: engine.format(values) }),
    },
    // the engine, once made, formats its own output
    adopt: (e) => void (engine = e),
  };
}

/** A restore fed chunk by chunk: a script's (StreamingRestore) or a page's (the DOM room's PageStreamingRestore). */
interface ChunkRestore {
  feed(chunk: string): void;
  finish(): { engine: Engine; state: DeltaState | null; text: string; page?: Page };
}

/** A whole snapshot arriving in chunks (restored as they come), and when its last chunk arrived. */
let streaming: {
  id: number;
  turns: number | undefined;
  until: number | undefined;
  restore: ChunkRestore;
  adopt: (e: Engine) => void;
  failed: string | null;
  bytes: number;
  busyMs: number;
  chunks: number;
  made: typeof ahead;
} | null = null;

/**
 * An engine made ahead, while the client still runs its program (`prepare`), with the server's options
 * and the argv the client said: a streamed whole snapshot whose header asks for the same is restored
 * into it (stream.ts), and it is dropped by any other offload. Never handed out twice.
 */
let ahead: { argv: string; engine: Engine; adopt: (e: Engine) => void } | null = null;

function prepare(m: Extract<WorkerRequest, { type: 'prepare' }>): void {
  // parsed now, found parsed when a snapshot's `$.unit` compiles the same source (a unit the client's
  // source does not parse is left for that restore to report)
  for (const u of m.units) {
    try {
      prepareUnit(u.text, u.file, u.kind);
    } catch (e) {
      if (!(e instanceof SyntaxError)) throw e;
    }
  }
  const argv = m.argv;
  if (!argv || kept || streaming) return; // the session's program is here already
  const { options, adopt } = serverOptions();
  ahead = { argv: JSON.stringify(argv), engine: new Engine({ ...options, argv }), adopt };
}

function startStream(id: number, first: string, turns: number | undefined, until: number | undefined): void {
  kept = null;
  currentId = id;
  const { options, adopt } = serverOptions();
  const made = ahead;
  ahead = null;
  // a page's (its header, in the first chunk, names it): the page is made from the first chunk, as a
  // page restore makes it (restorePage), and its DOM and objects restored as the rest comes (dom/stream.ts)
  const page = isPageSnapshot(first, true);
  // the header's options are the server's but for argv (restore.ts's engineOptions)
  const restore: ChunkRestore = page ? pageStream() : new StreamingRestore(options, Engine, (o) => (made && JSON.stringify(o.argv ?? null) === made.argv ? made.engine : null));
  streaming = { id, turns, until, restore, adopt, failed: null, bytes: 0, busyMs: 0, chunks: 0, made: page ? null : made };
  feedStream(first);
}

function feedStream(data: string): void {
  const s = streaming!;
  s.bytes += Buffer.byteLength(data);
  if (data) s.chunks++; // (the empty last chunk that only carries the hash is no chunk of the text)
  if (s.failed) return;
  const t = performance.now();
  try {
    s.restore.feed(data);
  } catch (e) {
    s.failed = message(e);
  }
  s.busyMs += performance.now() - t;
}

function moreStream(m: Extract<WorkerRequest, { type: 'more' }>): void {
  const s = streaming;
  if (!s || s.id !== m.id) return;
  const lastArrived = performance.now();
  feedStream(m.data);
  if (!m.last) return;
  streaming = null;
  if (m.verified === false) return; // the server has said so
  const stats: OffloadStats = { bytesIn: s.bytes, bytesOut: 0, restoreMs: 0, runMs: 0, captureMs: 0, turns: 0, deltaIn: false, deltaOut: false, fullBytesOut: 0, chunksIn: s.chunks };
  let restored: ReturnType<ChunkRestore['finish']> | null = null;
  if (!s.failed) {
    try {
      restored = s.restore.finish();
    } catch (e) {
      s.failed = message(e);
    }
  }
  if (!restored) return failed(m.id, 'bad-snapshot', s.failed ?? 'damaged snapshot');
  // the engine formats its console output from now on (one made ahead through its own options' onConsole)
  const madeAhead = restored.engine === s.made?.engine;
  (madeAhead ? s.made!.adopt : s.adopt)(restored.engine);
  kept = { engine: restored.engine, state: restored.state, whole: restored.text, ...(restored.page ? { page: restored.page } : {}) };
  if (madeAhead) stats.engineAhead = true;
  stats.restoreMs = s.busyMs + (performance.now() - lastArrived);
  stats.restoreAfterLastMs = performance.now() - lastArrived;
  stats.restoredAt = performance.timeOrigin + performance.now();
  void runAndReply(m.id, s.turns, stats, s.until).catch(internalError(m.id));
}

async function offload(id: number, snapshot: string, turns: number | undefined, until?: number): Promise<void> {
  const delta = isDelta(snapshot);
  const stats: OffloadStats = { bytesIn: Buffer.byteLength(snapshot), bytesOut: 0, restoreMs: 0, runMs: 0, captureMs: 0, turns: 0, deltaIn: delta, deltaOut: false, fullBytesOut: 0 };
  currentId = id;
  const t = performance.now();
  if (delta) {
    // on the state this session holds, checked as a whole restore is (delta-check.ts)
    const k = kept;
    const agreed = k?.state;
    if (!k || !agreed) return post({ type: 'error', id, code: 'bad-snapshot', message: 'this session holds no state a delta could apply to (send a whole snapshot)' });
    try {
      // (a page's delta carries its DOM's change too, applied on the page kept: dom/delta.ts)
      k.state = k.page ? dom().applyPageDelta(k.page, agreed, snapshot) : applyDelta(k.engine, agreed, snapshot);
    } catch (e) {
      if (!(e instanceof DeltaRefused)) throw e;
      if (e.touched) kept = rollBack(agreed, k.whole, !!k.page);
      return post({ type: 'error', id, code: 'bad-snapshot', message: `the delta was refused (${e.message}); ${kept ? "this session's state is as it was" : 'this session holds no state now'}` });
    }
  } else if (isPageSnapshot(snapshot)) {
    kept = null;
    try {
      const { page, state } = restorePage(snapshot);
      kept = { engine: page.engine, state, whole: snapshot, page };
    } catch (e) {
      return failed(id, 'bad-snapshot', message(e));
    }
  } else {
    kept = null;
    try {
      const { options, adopt } = serverOptions();
      const r = Engine.restoreForDeltas(snapshot, options);
      adopt(r.engine);
      kept = { ...r, whole: snapshot };
    } catch (e) {
      return failed(id, 'bad-snapshot', message(e));
    }
  }
  stats.restoreMs = performance.now() - t;
  stats.restoredAt = performance.timeOrigin + performance.now();
  await runAndReply(id, turns, stats, until);
}

/**
 * A page (a snapshot whose header names one) restored as a page: the DOM room (happy-dom's bundle) is
 * loaded in this worker only now. It reads no file (`files: false`: its fetch and script loads fail, it
 * has no module root), has the server's host services, and its console output and uncaught errors are
 * forwarded as the engine's are. A snapshot written for deltas (node ids: dom/delta.ts) gives the state
 * the session keeps, so the page goes back, and comes again, as page deltas.
 */
function restorePage(snapshot: string): { page: Page; state: DeltaState | null } {
  let page: Page | undefined;
  const r = dom().restorePageForDeltas(
    snapshot,
    pageOptions(() => page),
  );
  page = r.page;
  return r;
}

/** A page's whole snapshot restored as its chunks arrive (dom/stream.ts), as `restorePage` restores it whole. */
function pageStream(): ChunkRestore {
  const r: import('../dom/index').PageStreamingRestore = new (dom().PageStreamingRestore)(pageOptions(() => r.page));
  return r;
}

/** The options of every page restored here (`page`: the page, once made, formats its console output). */
function pageOptions(page: () => Page | null | undefined): import('../dom/index').PageOptions {
  return {
    files: false,
    services,
    ...(memory ? { memoryBudget: memory } : {}),
    onConsole: (level, values) => {
      const p = page();
      if (p) post({ type: 'console', id: currentId, level, text: p.engine.format(values) });
    },
    // an uncaught error in a listener or timer: the page goes on, as a browser's (and the client's) does
    onError: (e) => post({ type: 'console', id: currentId, level: UNCAUGHT, text: e.guestStack || e.summary }),
  };
}

/**
 * The agreed state again after a refused delta had begun changing the engine: restored from its whole
 * snapshot (written with the agreed state's ids), under the agreed state's name and owners' hashes.
 */
function rollBack(agreed: DeltaState, whole: string, isPage: boolean): typeof kept {
  let r: { engine: Engine; state: DeltaState | null; page?: Page };
  try {
    if (isPage) {
      // (a page's whole snapshot names its nodes by the agreed ids: the node table made is the agreed one)
      const { page, state } = restorePage(whole);
      r = { engine: page.engine, state, page };
    } else {
      const { options, adopt } = serverOptions();
      r = Engine.restoreForDeltas(whole, options);
      adopt(r.engine);
    }
  } catch {
    return null; // (not expected: the text is the edge's own capture) the session then holds no state
  }
  if (!r.state) return null;
  const { stateId, hashes, nextId, nextRec, nextUnit, verifier } = agreed;
  return { engine: r.engine, state: { ...r.state, stateId, hashes, nextId, nextRec, nextUnit, ...(verifier ? { verifier } : {}) }, whole, ...(r.page ? { page: r.page } : {}) };
}

/** Run the kept engine until the app asks to go back (or is idle), and send its state back. */
async function runAndReply(id: number, turns: number | undefined, stats: OffloadStats, until?: number): Promise<void> {
  const e = kept!.engine;
  let t = performance.now();
  const firstTurn = e.loop.turn;
  // a bounded span (a page's step): no timer due after it runs here, whatever the app asks
  const horizon = until === undefined ? Infinity : e.timers.now() + until;
  const waits = until === undefined ? () => false : () => e.timers.waitsPast(horizon);
  // the instruction budget: the VM calls this at each loop back-edge and guest function entry; past the
  // budget the program stops there (no guest handler sees it) and the client is told
  let left = stepBudget;
  e.setSafepointHook(() => {
    if (--left < 0) throw e.safepointStop(BUDGET);
  });
  try {
    if (pendingMove(e) !== null) completeMove(e, 'edge');
    for (;;) {
      if (!e.pendingFrame) e.runJobs(); // (a state taken at a safe point finishes its computation first: runEventLoop)
      let move = pendingMove(e);
      if (move === null && (turns === undefined || e.loop.turn - firstTurn < turns) && !waits()) {
        try {
          await e.runEventLoop((turn) => pendingMove(e) !== null || (turns !== undefined && turn - firstTurn >= turns) || waits());
        } catch (err) {
          // a page goes on after an uncaught error in a listener or timer, as locally (Page.runUntilIdle)
          if (!(kept?.page && err instanceof GuestError)) throw err;
          post({ type: 'console', id, level: UNCAUGHT, text: err.guestStack || err.summary });
          continue;
        }
        move = pendingMove(e);
      }
      if (move !== 'edge') break; // back to the client, or nothing left to run
      completeMove(e, 'edge'); // already here
      turns = undefined; // the app asked to be here: it, not the client's turn count, says when to go back
    }
  } catch (err) {
    if (err instanceof SafepointStop && err.reason === BUDGET) {
      // stopped mid-turn: the session's state is gone, the client continues from its own
      kept = null;
      return post({ type: 'error', id, code: 'budget', message: `the program ran past its budget of ${stepBudget} steps (loop iterations and function calls) on the edge` });
    }
    if (!(err instanceof GuestError)) throw err;
    kept = null;
    if (memory?.takeRefused()) return memoryStop(id, `${err.summary}\n${err.guestStack}`);
    stats.runMs = performance.now() - t;
    stats.turns = e.loop.turn - firstTurn;
    return post({ type: 'guest-error', id, summary: err.summary, stack: err.guestStack, kind: err.kind, stats });
  } finally {
    e.setSafepointHook(null);
  }
  stats.runMs = performance.now() - t;
  stats.turns = e.loop.turn - firstTurn;
  t = performance.now();
  let back: Pick<DeltaCapture, 'kind' | 'text' | 'full' | 'fallback'>;
  const page = kept!.page;
  try {
    // (a page's delta carries its DOM's change too: dom/delta.ts)
    const d = page ? dom().capturePage(page, kept!.state) : captureDelta(e, kept!.state, { portable: false }); // only snapvm restores what goes over the link
    kept!.state = d.state; // agreed once the client applies it (else the client goes on alone)
    kept!.whole = d.full.code;
    back = d;
  } catch (err) {
    if (!(err instanceof SnapshotError)) throw err;
    kept = null;
    return post({ type: 'error', id, code: 'cannot-snapshot', message: err.message });
  }
  stats.captureMs = performance.now() - t;
  stats.bytesOut = Buffer.byteLength(back.text);
  stats.deltaOut = back.kind === 'delta';
  stats.fullBytesOut = back.full.stats.bytes;
  if (back.fallback) stats.fallbackOut = back.fallback;
  // a page that comes back whole (no delta could carry the change) streams as it streamed here
  const size = defaultChunkChars();
  const parts = page && back.kind === 'full' && size > 0 && back.text.length > 2 * size ? chunkLines(back.text, size) : [back.text];
  post({ type: 'state', id, parts, stats });
}

/** A client's message arrived: a spare worker stops warming up (worker's end). */
let stopWarming = false;

port.on('message', (m: WorkerRequest) => {
  stopWarming = true;
  if (m?.type === 'more') return moreStream(m);
  if (m?.type === 'prepare') return prepare(m);
  if (m?.type !== 'offload') return;
  memory?.takeRefused(); // (a refusal an earlier offload's guest caught is not this one's)
  if (m.more) return startStream(m.id, m.snapshot, m.turns, m.until);
  ahead = null;
  offload(m.id, m.snapshot, m.turns, m.until).catch(internalError(m.id));
});

// Warm up before the first client arrives (warm.ts): the pristine twin a capture diffs against, made with
// the sessions' own host services, and a small program taken through a whole session's steps; then the
// worker is ready. A spare worker (made while the server is idle) goes on warming with a program of a few
// hundred records, a step at a time, until it is done or a client's first message arrives: by then V8 has
// compiled the snapshot room's code for heaps of the usual size, and a client waits for one step at most.
// Before that it takes a small page through a page trip's steps, so a first page finds the DOM room compiled.
const quietOptions = { ...serverOptions().options, onConsole: () => {} };
warmUp(quietOptions, 20, 1);
post({ type: 'ready', calibrationMs: calibrate() });
if (workerData?.spare === true) {
  // a page's steps first (warm.ts warmPageSteps: happy-dom's bundle compiled, a page restored and
  // captured), then a script session's: in that order a script's first delta capture costs what it did
  // without the page (with the page's steps last, it cost ~1.7× on earley-boyer; bench/offload/page-warm.js)
  const steps = (function* () {
    yield* warmPageSteps(services);
    yield* warmSteps(quietOptions);
  })();
  const step = () => {
    try {
      if (stopWarming || steps.next().done) return;
    } catch {
      return; // (a warm-up that fails, e.g. without the DOM bundle, leaves the worker as warm as it got; a page restore reports the cause)
    }
    setImmediate(step);
  };
  setImmediate(step);
}
