// The migration protocol between a client and an edge server: JSON text messages over one WebSocket.
//
//   client → server  hello    { v, argv?, units? }           server → client  welcome { v, session, limits, want? }
//   (`argv`: the program's snapvm.argv, so that the session's worker makes the engine a whole snapshot is
//   restored into while the client still runs: off the first trip's critical path; `units`: the program's
//   compile units by SHA-256 of their source, file and kind; `want` names those the server does not hold)
//   client → server  unit     { sha256, file, kind, text }   a unit's source the server wanted: its worker
//                                                            parses it while the client runs, and a snapshot
//                                                            carrying that source names it by hash (units.ts)
//   client → server  offload  { id, snapshot, sha256 }       server → client  console { id, seq, level, text }*
//   (`snapshot` is a whole snapshot, or after the first a delta against the state both sides last agreed
//   on, snapshot/delta.ts; the server keeps the session's engine between offloads and replies likewise)
//   client → server  offload  { id, snapshot: first chunk, sha256 (of the whole), more: true }
//                    more     { id, data, last }*            a big whole snapshot, streamed: the server
//                                                            restores each chunk while the next is on the way
//   (streamed while it is captured, snapshot/capture-stream.ts: the first chunk leaves before the whole
//   exists, so the offload has no sha256 and the last `more` carries it: { id, data, last: true, sha256 })
//   client → server  abort    { id, reason }                 the capture of a snapshot being streamed failed
//                                                            half-way: the server drops what it restored
//                                                            server → client  state   { id, snapshot, sha256, stats }
//                                                            (a page's whole snapshot over two chunks: its first
//                                                            chunk with more: true, then state-more { id, data,
//                                                            last }*; the client restores each as it arrives)
//                                                                          or guest-error { id, summary, stack, kind }
//                                                                          or error   { id?, code, message }
//                                                            server → client  idle    { message }
//                                                            (the worker taken at hello was given back: no
//                                                            offload came in time; hello again first)
//   client → server  blobs?   { hashes }                     server → client  blobs   { have }
//   client → server  blob     { sha256, data }               big buffers (a model's bytes) once per server: a
//                                                            snapshot's big base64 literals travel as markers
//                                                            naming them (blobs.ts), both ways
//
// A snapshot travels with its SHA-256, so a damaged one is refused before it is restored. Console
// output made on the server is forwarded as it happens, numbered, and printed by the client only when
// the state comes back (see client.ts: effects happen once even if the offload fails halfway).
import { createHash } from 'node:crypto';

/** The console level of an uncaught error in a page's listener or timer on the edge (the page goes on; stderr, and the run's exit code is 1). */
export const UNCAUGHT = 'uncaught';

/** 2 since 2026-11-27: listeners in page deltas as a change, a whole page streamed back (`state` with `more`). */
export const PROTOCOL_VERSION = 2;

/** A hello's argv: at most this many strings, and characters in all. */
export const MAX_ARGV = 256;
export const MAX_ARGV_CHARS = 16_384;
/** A hello's units: at most this many, each file name at most MAX_FILE characters. */
export const MAX_UNITS = 64;
export const MAX_FILE = 4096;

/** A compile unit of the client's program, named in hello (its source goes separately, when wanted). */
export interface UnitRef {
  sha256: string;
  file: string;
  kind: 'script' | 'module';
}

export type ErrorCode =
  | 'bad-message' // not JSON, unknown type, missing or ill-typed fields
  | 'bad-version'
  | 'bad-snapshot' // damaged, cut short, hash mismatch, or refused by restore
  | 'busy' // an offload is already running in this session, or the server is full
  | 'budget' // the offload ran past its wall-time or instruction budget
  | 'memory' // the session's worker ran out of its memory budget
  | 'cannot-snapshot' // the program's state on the server cannot be written out (e.g. a WeakMap)
  | 'internal';

export interface Limits {
  /** Wall time one offload may take on the server (restore, run, capture). */
  offloadMs: number;
  /** The session worker's V8 heap budget (old generation). */
  memoryMb: number;
  /** The largest message the server accepts. */
  maxBytes: number;
  /**
   * The steps one offload may run on the server: loop back-edges and guest function entries (the VM's
   * safe points), which bound the instructions run between them. Past it the program is stopped there.
   */
  steps?: number;
}

export interface OffloadStats {
  /** Snapshot bytes received and sent back. */
  bytesIn: number;
  bytesOut: number;
  restoreMs: number;
  runMs: number;
  captureMs: number;
  /** Event-loop turns run on the server. */
  turns: number;
  /** Whether what came in, and what goes back, is a delta (else a whole snapshot); the whole snapshot's size of what goes back. */
  deltaIn?: boolean;
  deltaOut?: boolean;
  fullBytesOut?: number;
  /** Why what goes back is a whole snapshot where a delta could have gone (DeltaCapture.fallback). */
  fallbackOut?: string;
  /** A streamed snapshot: its chunks, and the restore time left after its last chunk arrived. */
  chunksIn?: number;
  restoreAfterLastMs?: number;
  /** A streamed snapshot restored into the engine made when the client said hello (its argv). */
  engineAhead?: boolean;
  /** When the restore ended, in ms since the epoch (performance.timeOrigin + now: a client on the same machine compares it with its own). */
  restoredAt?: number;
}

/** The chunk size of streamed snapshots, both ways: 65 536 characters, or $SNAPVM_EDGE_CHUNK (0: no streaming; for experiments). */
export function defaultChunkChars(): number {
  const env = Number(process.env.SNAPVM_EDGE_CHUNK);
  return process.env.SNAPVM_EDGE_CHUNK !== undefined && Number.isSafeInteger(env) && env >= 0 ? env : 65_536;
}

/**
 * How long an offload runs on the edge at most, besides the app's own requests (an offload message's `turns` and `until`).
 * `turns`: come back after that many event-loop turns even if the app does not ask (automatic offloads);
 * `until`: come back before a turn whose timer is due more than that many ms of the program's clock after the
 * snapshot's instant (a page's steps: the span of the step that sent it; client.ts EdgeInput).
 */
export interface RunBounds {
  turns?: number;
  until?: number;
}

export type ClientMessage =
  | { type: 'hello'; v: number; argv?: string[]; units?: UnitRef[] }
  | { type: 'unit'; sha256: string; file: string; kind: 'script' | 'module'; text: string }
  | { type: 'offload'; id: number; snapshot: string; sha256?: string; turns?: number; until?: number; more?: boolean }
  | { type: 'more'; id: number; data: string; last: boolean; sha256?: string }
  | { type: 'abort'; id: number; reason: string }
  | { type: 'blobs?'; hashes: string[] }
  | { type: 'blob'; sha256: string; data: string };

export type ServerMessage =
  | { type: 'welcome'; v: number; session: number; limits: Limits; calibrationMs?: number; want?: string[] }
  | { type: 'console'; id: number; seq: number; level: string; text: string }
  | { type: 'state'; id: number; snapshot: string; sha256: string; stats: OffloadStats; more?: boolean }
  | { type: 'state-more'; id: number; data: string; last: boolean }
  | { type: 'guest-error'; id: number; summary: string; stack: string; kind: 'uncaught' | 'unhandled-rejection' | 'syntax'; stats: OffloadStats }
  | { type: 'blobs'; have: string[] }
  | { type: 'idle'; message: string }
  | { type: 'error'; id?: number; code: ErrorCode; message: string };

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isId = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A message's JSON object, or what is wrong with the text. */
function parseJsonObject(text: string): Record<string, unknown> | string {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return 'not JSON';
  }
  return isRecord(m) ? m : 'not a JSON object';
}

/** Parse a client's message; a string is the reason it is refused. */
export function parseClientMessage(text: string): ClientMessage | string {
  const m = parseJsonObject(text);
  if (typeof m === 'string') return m;
  switch (m.type) {
    case 'hello': {
      if (typeof m.v !== 'number') return 'hello without a version number v';
      if (m.argv !== undefined && (!Array.isArray(m.argv) || m.argv.length > MAX_ARGV || !m.argv.every((a) => typeof a === 'string') || m.argv.join('').length > MAX_ARGV_CHARS))
        return `hello with an argv that is not a list of at most ${MAX_ARGV} strings of ${MAX_ARGV_CHARS} characters in all`;
      if (m.units !== undefined && (!Array.isArray(m.units) || m.units.length > MAX_UNITS || !m.units.every(isUnitRef)))
        return `hello with units that are not a list of at most ${MAX_UNITS} { sha256, file (at most ${MAX_FILE} characters), kind: 'script' | 'module' }`;
      return {
        type: 'hello',
        v: m.v,
        ...(m.argv === undefined ? {} : { argv: m.argv as string[] }),
        ...(m.units === undefined ? {} : { units: (m.units as UnitRef[]).map(({ sha256, file, kind }) => ({ sha256, file, kind })) }),
      };
    }
    case 'unit':
      if (!isUnitRef(m) || typeof m.text !== 'string') return `unit without a sha256 hash, a file (at most ${MAX_FILE} characters), a kind 'script' or 'module' or a text string`;
      return { type: 'unit', sha256: m.sha256, file: m.file, kind: m.kind, text: m.text };
    case 'offload':
      if (!isId(m.id)) return 'offload without a numeric id';
      if (typeof m.snapshot !== 'string') return 'offload without a snapshot string';
      if (m.more !== undefined && m.more !== true) return 'offload with more that is not true';
      // (a snapshot streamed while it is captured gives its sha256 with its last chunk)
      if (typeof m.sha256 !== 'string' && !(m.more && m.sha256 === undefined)) return 'offload without a sha256 string';
      if (m.turns !== undefined && (!isId(m.turns) || m.turns < 1)) return 'offload with turns that is not a whole number ≥ 1';
      if (m.until !== undefined && !(typeof m.until === 'number' && m.until >= 0 && Number.isFinite(m.until))) return 'offload with until that is not a finite number of ms ≥ 0';
      return {
        type: 'offload',
        id: m.id,
        snapshot: m.snapshot,
        ...(m.sha256 === undefined ? {} : { sha256: m.sha256 as string }),
        ...(m.turns === undefined ? {} : { turns: m.turns }),
        ...(m.until === undefined ? {} : { until: m.until }),
        ...(m.more ? { more: true } : {}),
      };
    case 'more':
      if (!isId(m.id) || typeof m.data !== 'string' || typeof m.last !== 'boolean') return 'more without a numeric id, a data string or a boolean last';
      if (m.sha256 !== undefined && (!m.last || typeof m.sha256 !== 'string')) return 'more with a sha256 that is not a string on the last chunk';
      return { type: 'more', id: m.id, data: m.data, last: m.last, ...(m.sha256 === undefined ? {} : { sha256: m.sha256 as string }) };
    case 'abort':
      if (!isId(m.id) || typeof m.reason !== 'string') return 'abort without a numeric id or a reason string';
      return { type: 'abort', id: m.id, reason: m.reason.slice(0, 1000) };
    case 'blobs?':
      if (!Array.isArray(m.hashes) || m.hashes.length > 1000 || !m.hashes.every(isHash)) return 'blobs? without a list of SHA-256 hashes';
      return { type: 'blobs?', hashes: m.hashes as string[] };
    case 'blob':
      if (!isHash(m.sha256) || typeof m.data !== 'string') return 'blob without a sha256 hash or a data string';
      return { type: 'blob', sha256: m.sha256, data: m.data };
    default:
      return `unknown message type ${JSON.stringify(String(m.type)).slice(0, 40)}`;
  }
}

/** A SHA-256 as this room writes it: 64 lower-case hex digits. */
export const isHash = (v: unknown): v is string => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

function isUnitRef(v: unknown): v is UnitRef {
  return isRecord(v) && isHash(v.sha256) && typeof v.file === 'string' && v.file.length <= MAX_FILE && (v.kind === 'script' || v.kind === 'module');
}

const CODES = new Set<string>(['bad-message', 'bad-version', 'bad-snapshot', 'busy', 'budget', 'memory', 'cannot-snapshot', 'internal']);
const KINDS = new Set<string>(['uncaught', 'unhandled-rejection', 'syntax']);

function parseStats(v: unknown): OffloadStats | null {
  if (!isRecord(v)) return null;
  const keys = ['bytesIn', 'bytesOut', 'restoreMs', 'runMs', 'captureMs', 'turns'] as const;
  for (const k of keys) if (typeof v[k] !== 'number') return null;
  return v as unknown as OffloadStats;
}

/** Parse a server's message; a string says how it is damaged. */
export function parseServerMessage(text: string): ServerMessage | string {
  const m = parseJsonObject(text);
  if (typeof m === 'string') return m;
  switch (m.type) {
    case 'welcome':
      if (typeof m.v !== 'number' || !isId(m.session) || !isRecord(m.limits)) return 'a welcome without v, session or limits';
      if (!isId(m.limits.offloadMs) || !isId(m.limits.memoryMb) || !isId(m.limits.maxBytes)) return 'a welcome with damaged limits';
      if (m.want !== undefined && (!Array.isArray(m.want) || m.want.length > MAX_UNITS || !m.want.every(isHash))) return 'a welcome whose want is not a list of hashes';
      return m as unknown as ServerMessage;
    case 'console':
      if (!isId(m.id) || !isId(m.seq) || typeof m.level !== 'string' || typeof m.text !== 'string') return 'a console message without id, seq, level or text';
      return m as unknown as ServerMessage;
    case 'state': {
      const stats = parseStats(m.stats);
      if (!isId(m.id) || typeof m.snapshot !== 'string' || typeof m.sha256 !== 'string' || !stats) return 'a state without id, snapshot, sha256 or stats';
      if (m.more !== undefined && m.more !== true) return 'a state whose more is not true';
      return m as unknown as ServerMessage;
    }
    case 'state-more':
      if (!isId(m.id) || typeof m.data !== 'string' || typeof m.last !== 'boolean') return 'a state-more without id, data or last';
      return m as unknown as ServerMessage;
    case 'guest-error':
      if (!isId(m.id) || typeof m.summary !== 'string' || typeof m.stack !== 'string' || !KINDS.has(m.kind as string) || !parseStats(m.stats))
        return 'a guest-error without id, summary, stack, kind or stats';
      return m as unknown as ServerMessage;
    case 'blobs':
      if (!Array.isArray(m.have) || !m.have.every(isHash)) return 'a blobs reply without a list of hashes';
      return m as unknown as ServerMessage;
    case 'idle':
      if (typeof m.message !== 'string') return 'an idle notice without a message';
      return m as unknown as ServerMessage;
    case 'error':
      if (!CODES.has(m.code as string) || typeof m.message !== 'string') return 'an error without code or message';
      return m as unknown as ServerMessage;
    default:
      return `unknown message type ${JSON.stringify(String(m.type)).slice(0, 40)}`;
  }
}
