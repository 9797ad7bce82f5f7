// The snapvm command. It uses only the package's door (src/index.ts) and compiled JavaScript, so
// that `node bin/snapvm.js` starts without transpiling anything.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError } from 'commander';
import { Engine, GuestError, SnapshotError, SafepointStop, prepareCapture, capture, type Snapshot, type Frame } from '../index';
import { inspectSnapshot, readHeader } from '../snapshot/index';
// the light doors of the DOM and offload rooms: their full doors (happy-dom's page machinery; the edge
// server, the client's link and `ws`) are required only by the commands that use them (start-up)
import { resolvePage, isPageSnapshot, pageSnapshotInfo, fullDoor as dom } from '../dom/light';
import { atomicWrite } from '../paths';
import type { Page, Step, PageOptions } from '../dom/index';
import { installHints } from '../offload/light';
// the ML room's light door: the guest APIs without loading onnxruntime-node until a model is used
import { guestMlServices, installedPackageRoots } from '../ml/light';

const offload = (): typeof import('../offload/index') => require('../offload/index');

/** Exit codes: 0 ran to completion, 1 the guest threw (or a rejection went unhandled), 2 usage or file errors. */
export const enum Exit {
  Ok = 0,
  GuestFailed = 1,
  Usage = 2,
  /** The program ended before the point where a snapshot was asked for. */
  NoSnapshot = 3,
}

export interface SnapshotOptions {
  /** `turn:N` or `safepoint:N`. */
  snapshotAt?: string;
  out?: string;
  stop?: boolean;
}

export interface RestoreCommandOptions extends SnapshotOptions {
  /** For a page snapshot: STEPS.json, run after the restore. */
  steps?: string;
}

export interface RunOptions extends SnapshotOptions {
  test262Host?: boolean;
  /** ws://host:port of an edge server: `snapvm.offload`/`snapvm.migrate` move the program there and back. */
  edge?: string;
  /** One stderr line per offload: sizes and times. */
  edgeReport?: boolean;
  /** Offload timer handlers on the client's own decision too (EUC'15). */
  edgeAuto?: boolean;
  /** The automatic decision's model (the API's; default: calibrated against the server's figure, client.ts). */
  edgePolicy?: import('../offload/index').OffloadPolicy;
  /** Under --edge, emulate a client this many times slower for a script's `ort` sessions (IONN, ionn-guest.ts `clientSlowdown`): the command line's text. */
  ionnSlowdown?: string;
}

export interface ServeCommandOptions {
  port?: string;
  host?: string;
  maxSessions?: string;
  offloadMs?: string;
  memoryMb?: string;
  steps?: string;
  helloIdleMs?: string;
  quiet?: boolean;
}

/** Where to write a snapshot: after event-loop turn N, or at the N-th safe point (a loop back-edge). */
interface SnapshotAt {
  kind: 'turn' | 'safepoint';
  n: number;
}

function parseSnapshotAt(opts: SnapshotOptions): SnapshotAt | { error: string } | null {
  if (opts.snapshotAt === undefined) {
    if (opts.out !== undefined || opts.stop) return { error: '--out and --stop need --snapshot-at' };
    return null;
  }
  const m = /^(turn|safepoint):([1-9]\d*)$/.exec(opts.snapshotAt);
  if (!m) return { error: `--snapshot-at takes turn:N or safepoint:N (N ≥ 1), not '${opts.snapshotAt}'` };
  if (opts.out === undefined) return { error: '--snapshot-at needs --out FILE' };
  return { kind: m[1] as SnapshotAt['kind'], n: Number(m[2]) };
}

/** Takes the snapshot a command line asks for, at a turn's end or at a safe point inside running code. */
class Snapshotter {
  written = false;
  failed = false;
  private safepoints = 0;
  private waiting = false;

  constructor(
    /** A script's engine, or a page's (pages take no safe-point snapshots). */
    private readonly engine: Parameters<typeof capture>[0],
    private readonly opts: SnapshotOptions,
    private readonly at: SnapshotAt | null,
    private readonly io: Streams,
    /** How a snapshot is taken between turns (a page writes its document too). */
    private readonly take: () => Snapshot = () => capture(engine),
  ) {
    if (!at) return;
    prepareCapture(engine); // before the program starts: the capture must not pause it
    if (at.kind === 'safepoint') (engine as Engine).setSafepointHook((frame) => this.atSafepoint(frame));
  }

  private write(where: string, take: () => Snapshot): boolean {
    try {
      const snap = take();
      atomicWrite(this.opts.out!, snap.code); // whole or not at all
      this.written = true;
      this.io.stderr(
        `snapvm: snapshot ${where} written to ${this.opts.out} (${formatBytes(snap.stats.bytes)}, ${snap.stats.objects} objects, ${snap.stats.frames} frames, ${snap.stats.captureMs.toFixed(1)} ms${snap.stats.portable?.ok ? '; node runs it too' : ''})\n`,
      );
      return true;
    } catch (e) {
      if (!(e instanceof SnapshotError)) throw e;
      if (this.at!.kind === 'turn') {
        this.io.stderr(`snapvm: cannot snapshot ${where}: ${e.message}\n`);
        this.failed = true;
      } else if (!this.waiting) {
        this.io.stderr(`snapvm: no snapshot at safe point ${this.safepoints}: ${e.message}; waiting for the next safe point\n`);
        this.waiting = true;
      }
      return false;
    }
  }

  private atSafepoint(frame: Frame): void {
    if (++this.safepoints < this.at!.n) return;
    if (!this.write(`at safe point ${this.safepoints} (turn ${this.engine.loop.turn + 1})`, () => capture(this.engine, frame))) return;
    (this.engine as Engine).setSafepointHook(null);
    if (this.opts.stop) throw new SafepointStop('snapshot written');
  }

  afterTurn = (turn: number): boolean => {
    if (!this.at || this.at.kind !== 'turn' || turn !== this.at.n) return false;
    if (!this.write(`after turn ${turn}`, this.take)) return true;
    return this.opts.stop === true;
  };

  /** The exit code for what happened to the snapshot once the program stopped. */
  outcome(): Exit {
    if (this.failed) return Exit.GuestFailed;
    if (this.at && !this.written) {
      const where = this.at.kind === 'turn' ? `after turn ${this.engine.loop.turn + 1}, before turn ${this.at.n}` : `after ${this.safepoints} safe points, before safe point ${this.at.n}`;
      this.io.stderr(`snapvm: the program ended ${where}: no snapshot written\n`);
      return Exit.NoSnapshot;
    }
    return Exit.Ok;
  }
}

/** Run the engine's event loop with the snapshot the command line asks for; the exit code. */
async function runLoop(engine: Engine, snapshotter: Snapshotter): Promise<Exit> {
  try {
    await engine.runEventLoop(snapshotter.afterTurn);
  } catch (e) {
    if (!(e instanceof SafepointStop)) throw e;
  }
  return snapshotter.outcome();
}

function formatBytes(n: number): string {
  return n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** `snapvm restore SNAP`: rebuild the program a snapshot holds and continue its event loop. */
export async function restoreFile(file: string, opts: RestoreCommandOptions = {}, io: Streams = processStreams): Promise<Exit> {
  const at = parseSnapshotAt(opts);
  if (at && 'error' in at) {
    io.stderr(`snapvm: ${at.error}\n`);
    return Exit.Usage;
  }
  let code: string;
  try {
    code = fs.readFileSync(file, 'utf8');
  } catch (e) {
    io.stderr(`snapvm: cannot read snapshot '${file}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}\n`);
    return Exit.Usage;
  }
  if (isPageSnapshot(code)) return restorePageFile(file, code, opts, io);
  if (opts.steps !== undefined) {
    io.stderr(`snapvm: --steps is for page snapshots ('${file}' is a script's)\n`);
    return Exit.Usage;
  }
  let engine: Engine;
  try {
    // the same guest APIs as the run that wrote it (models by path from the script's folder)
    const header = readHeader(code).options;
    const script = header.argv?.[0];
    engine = Engine.restore(code, {
      services: header.test262Host ? undefined : guestMlServices({ modelRoot: script ? path.dirname(script) : process.cwd(), onNote: (line) => io.stderr(line + '\n') }),
      // import() reads modules from the program's folder only, as the run did
      moduleRoot: script ? path.dirname(script) : null,
      onPrint: (text) => io.stdout(text + '\n'),
      onConsole: io === processStreams ? undefined : (level, values) => (level === 'warn' || level === 'error' ? io.stderr : io.stdout)(engine.format(values) + '\n'),
    });
  } catch (e) {
    if (!(e instanceof SnapshotError)) throw e;
    io.stderr(`snapvm: cannot restore '${file}': ${e.message}\n`);
    return Exit.Usage;
  }
  const snapshotter = new Snapshotter(engine, opts, at, io);
  try {
    return await runLoop(engine, snapshotter);
  } catch (e) {
    if (!(e instanceof GuestError)) throw e;
    io.stderr(describeGuestError(e));
    return Exit.GuestFailed;
  }
}

/** Where the command writes; tests and embedders can swap these. */
export interface Streams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processStreams: Streams = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/**
 * `snapvm run PAGE [--steps STEPS.json]`: an .html file or a folder with an index.html runs as a web
 * page (src/dom): its scripts, DOMContentLoaded and load, then the steps, or the event loop until idle.
 */
export async function runPage(file: string, args: string[], io: Streams = processStreams, options: RunOptions = {}): Promise<Exit> {
  const at = parsePageSnapshotAt(options);
  if (at && 'error' in at) {
    io.stderr(`snapvm: ${at.error}\n`);
    return Exit.Usage;
  }
  const html = resolvePage(file);
  if (html === null) {
    io.stderr(`snapvm: cannot run '${file}': ${fs.existsSync(file) ? 'a folder without an index.html' : 'no such file'}\n`);
    return Exit.Usage;
  }
  let stepsFile: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--steps' && i + 1 < args.length) stepsFile = args[++i];
    else if (arg.startsWith('--steps=')) stepsFile = arg.slice('--steps='.length);
    else {
      io.stderr(`snapvm: unexpected argument '${arg}' for a page (expected --steps STEPS.json)\n`);
      return Exit.Usage;
    }
  }
  const steps = readSteps(stepsFile, io);
  if (steps === null) return Exit.Usage;
  const edgeWhy = edgeUsageError(options, Boolean(at), options.ionnSlowdown !== undefined ? "--ionn-slowdown is for a script's ort sessions (a page's move with the page)" : null);
  if (edgeWhy) {
    io.stderr(`snapvm: ${edgeWhy}\n`);
    return Exit.Usage;
  }
  if (options.edge !== undefined) return runPageWithEdge(html, options.edge, options, io, steps && { steps, file: stepsFile! });
  let snapshotter: Snapshotter | undefined;
  const page: Page = new (dom().Page)(
    html,
    pageOptions(
      io,
      () => page,
      (turn) => snapshotter!.afterTurn(turn),
      path.dirname(html),
    ),
  );
  snapshotter = new Snapshotter(page.engine, options, at, io, () => page.snapshot());
  page.load();
  return drivePage(page, steps, stepsFile, snapshotter, io);
}

/** What is wrong with --edge/--edge-auto as given (checked in this order), or null: `other` is the caller's own conflict. */
function edgeUsageError(options: RunOptions, snapshotAt: boolean, other: string | null): string | null {
  if (options.edge === undefined) return options.edgeAuto ? '--edge-auto needs --edge ws://host:port' : options.ionnSlowdown !== undefined ? '--ionn-slowdown needs --edge ws://host:port' : null;
  if (snapshotAt) return '--edge and --snapshot-at cannot be used together';
  if (options.ionnSlowdown !== undefined && !(Number.isFinite(ionnSlowdown(options)) && ionnSlowdown(options) >= 1))
    return `--ionn-slowdown takes a number ≥ 1 (how many times slower the emulated client is), not '${options.ionnSlowdown}'`;
  return other ?? (!/^wss?:\/\/./.test(options.edge) ? `--edge takes ws://host:port, not '${options.edge}'` : null);
}

/** --ionn-slowdown as a number (1 when not given; NaN when it is not a number: edgeUsageError says so). */
function ionnSlowdown(options: RunOptions): number {
  const text = options.ionnSlowdown;
  return text === undefined ? 1 : /^\s*$/.test(text) ? NaN : Number(text);
}

/**
 * `snapvm run PAGE --edge URL [--edge-auto] [--steps STEPS.json]`: the page gets the hint API
 * (snapvm.offload/migrate), loads here, and its event loop runs through `runWithEdge`; at an offload point
 * the page (engine and DOM; a delta after the first trip) goes to the edge, which runs it and sends its
 * state back. With steps, the loop runs them as its input (dom/steps.ts `StepInput`): each click, type or
 * key is a turn, which may run on the edge. An uncaught error in a listener or timer is reported and the
 * page goes on, as without --edge.
 */
async function runPageWithEdge(html: string, edge: string, options: RunOptions, io: Streams, steps?: { steps: Step[]; file: string }): Promise<Exit> {
  const Page = dom().Page;
  let errors = 0;
  const base = pageOptions(
    io,
    () => current,
    () => false,
    path.dirname(html),
  );
  const opts: PageOptions = { ...base, onError: (e) => (errors++, base.onError!(e)) };
  let current: Page = new Page(html, opts);
  installHints(current.engine, { edge: true });
  // (no baseline of its built-ins, as scripts record: a page's global is the window, which the baseline
  // cannot name from; its captures diff against a twin engine, as page snapshots do)
  // the session opens while the page loads (its load is one synchronous turn)
  // (no argv in its hello: the edge makes no script engine ahead for a page)
  // (its first whole snapshot streams while it is captured: deltas.captureStreamed)
  const early = await offload().openEdgeAhead(edge, {});
  current.load();
  const ours = (engine: Engine) => {
    if (engine !== current.engine) throw new Error('snapvm: the edge driver asked for a page it was not given');
    return current;
  };
  // after the first whole trip, each direction carries the page's delta, applied on the page kept (dom/delta.ts)
  const host: import('../offload/index').EdgeHost = {
    wholeBecause: "a page's DOM travels whole",
    capture: (engine) => ours(engine).snapshot(),
    restore: (code) => (current = Page.restore(code, opts)).engine,
    deltas: {
      capture: (engine, agreed) => dom().capturePage(ours(engine), agreed),
      captureStreamed: (engine, chunkChars, onChunk) => dom().capturePageStreamed(ours(engine), chunkChars, onChunk),
      apply: (engine, agreed, text) => dom().applyPageDelta(ours(engine), agreed, text),
      restore: (code) => {
        const r = dom().restorePageForDeltas(code, opts);
        current = r.page;
        return { engine: r.page.engine, state: r.state };
      },
      // (a whole page coming back in chunks is restored as they arrive; made current once it arrived whole)
      restoreStreaming: () => {
        const r = new (dom().PageStreamingRestore)(opts);
        return {
          feed: (chunk) => r.feed(chunk),
          finish: () => {
            const f = r.finish();
            current = f.page;
            return f;
          },
        };
      },
    },
  };
  const input = steps && new (dom().StepInput)(steps.steps, (line) => io.stdout(line + '\n'), ours);
  let linkAhead: Promise<import('../offload/index').EdgeLink> | undefined = early.linkAhead;
  for (;;) {
    try {
      await offload().runWithEdge(current.engine, {
        edge,
        engineOptions: {},
        ...(linkAhead ? { linkAhead } : {}),
        stdout: io.stdout,
        stderr: io.stderr,
        onMigration: options.edgeReport ? (r) => io.stderr(offload().describeMigration(r) + '\n') : undefined,
        onPolicy: options.edgeReport ? (p) => io.stderr(offload().describePolicy(p) + '\n') : undefined,
        auto: options.edgeAuto === true,
        ...(options.edgePolicy ? { policy: options.edgePolicy } : {}),
        host,
        ...(input ? { input } : {}),
        onUncaught: () => void errors++,
      });
      if (input?.outcome.kind === 'failed') {
        io.stderr(`snapvm: ${steps!.file}: ${input.outcome.message}\n`);
        return Exit.GuestFailed;
      }
      return errors ? Exit.GuestFailed : Exit.Ok;
    } catch (e) {
      // (an uncaught error in a turn run here: the page goes on from where it is, on a new session)
      if (!(e instanceof GuestError)) throw e;
      opts.onError!(e);
      linkAhead = undefined;
    }
  }
}

/** `--snapshot-at` for a page: turn:N only (turn 1 is the page's load: its scripts, DOMContentLoaded and load). */
function parsePageSnapshotAt(opts: SnapshotOptions): SnapshotAt | { error: string } | null {
  const at = parseSnapshotAt(opts);
  if (at && !('error' in at) && at.kind === 'safepoint') return { error: 'a page is snapshotted between turns: --snapshot-at turn:N' };
  return at;
}

/** The steps of --steps FILE (undefined: none), or null after saying why they cannot be used. */
function readSteps(stepsFile: string | undefined, io: Streams): Step[] | undefined | null {
  if (stepsFile === undefined) return undefined;
  try {
    return dom().parseSteps(JSON.parse(fs.readFileSync(stepsFile, 'utf8')), stepsFile);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    io.stderr(`snapvm: cannot use steps '${stepsFile}': ${code === 'ENOENT' ? 'no such file' : (e as Error).message}\n`);
    return null;
  }
}

function pageOptions(io: Streams, page: () => Page, afterTurn: (turn: number) => boolean, appDir: string): PageOptions {
  return {
    services: guestMlServices({ modelRoot: appDir, onNote: (line) => io.stderr(line + '\n') }),
    linkRoots: installedPackageRoots(),
    onConsole: io === processStreams ? undefined : (level, values) => (level === 'warn' || level === 'error' ? io.stderr : io.stdout)(page().engine.format(values) + '\n'),
    onError: (e) => io.stderr(describeGuestError(e)),
    afterTurn,
  };
}

/** After the load (or the restore): the steps, or the event loop until idle; then the exit code. */
async function drivePage(page: Page, steps: Step[] | undefined, stepsFile: string | undefined, snapshotter: Snapshotter, io: Streams): Promise<Exit> {
  if (steps && !page.stopped) {
    const outcome = await dom().runSteps(page, steps, (line) => io.stdout(line + '\n'));
    if (outcome.kind === 'failed') {
      io.stderr(`snapvm: ${stepsFile}: ${outcome.message}\n`);
      return Exit.GuestFailed;
    }
  } else if (!page.stopped) {
    await page.runUntilIdle();
  }
  const snapshot = snapshotter.outcome();
  if (snapshot !== Exit.Ok) return snapshot;
  return page.errors.length ? Exit.GuestFailed : Exit.Ok;
}

/** A page snapshot's app folder (models are opened from it): where the page's file was (`code` is a page snapshot). */
function pageAppDir(code: string): string {
  return path.dirname(pageSnapshotInfo(code)!.file);
}

/** `snapvm restore SNAP [--steps STEPS.json]` for a page snapshot: the page comes back beside its app's files. */
async function restorePageFile(file: string, code: string, opts: RestoreCommandOptions, io: Streams): Promise<Exit> {
  const at = parsePageSnapshotAt(opts);
  if (at && 'error' in at) {
    io.stderr(`snapvm: ${at.error}\n`);
    return Exit.Usage;
  }
  const steps = readSteps(opts.steps, io);
  if (steps === null) return Exit.Usage;
  let snapshotter: Snapshotter | undefined;
  let page: Page;
  try {
    page = dom().Page.restore(
      code,
      pageOptions(
        io,
        () => page,
        (turn) => snapshotter!.afterTurn(turn),
        pageAppDir(code),
      ),
    );
  } catch (e) {
    if (!(e instanceof SnapshotError)) throw e;
    io.stderr(`snapvm: cannot restore '${file}': ${e.message}\n`);
    return Exit.Usage;
  }
  snapshotter = new Snapshotter(page.engine, opts, at, io, () => page.snapshot());
  return drivePage(page, steps, opts.steps, snapshotter, io);
}

/** `snapvm export SNAP --html OUT`: the page comes back in snapvm (beside its app's files), then is written in its browser form. */
function exportHtml(file: string, out: string, io: Streams): Exit {
  try {
    const code = fs.readFileSync(file, 'utf8');
    if (!isPageSnapshot(code)) {
      io.stderr(`snapvm: cannot export '${file}': not a page snapshot (only a page has a browser form)\n`);
      return Exit.Usage;
    }
    // (restored as `snapvm restore` does, with the same guest APIs: what the browser form cannot carry is then refused by name)
    const page: Page = dom().Page.restore(
      code,
      pageOptions(
        io,
        () => page,
        () => false,
        pageAppDir(code),
      ),
    );
    atomicWrite(out, page.browserForm().html);
    return Exit.Ok;
  } catch (e) {
    if (!(e instanceof SnapshotError) && (e as NodeJS.ErrnoException).code === undefined) throw e;
    io.stderr(`snapvm: cannot export '${file}': ${(e as Error).message}\n`);
    return Exit.Usage;
  }
}

/** `snapvm run FILE [args…]`: a `.mjs` file as a module, anything else as a script; then the event loop until idle. */
export async function runFile(file: string, args: string[], options: RunOptions = {}, io: Streams = processStreams): Promise<Exit> {
  if (resolvePage(file) !== null || /\.html?$/i.test(file)) {
    if (options.test262Host) {
      io.stderr('snapvm: --test262-host is for scripts, not pages\n');
      return Exit.Usage;
    }
    return runPage(file, args, io, options);
  }
  const abs = path.resolve(file);
  const at = parseSnapshotAt(options);
  if (at && 'error' in at) {
    io.stderr(`snapvm: ${at.error}\n`);
    return Exit.Usage;
  }
  const isModule = path.extname(abs) === '.mjs';
  const edgeWhy = edgeUsageError(
    options,
    Boolean(at),
    isModule ? 'offloading needs a script (the hint API is not installed in ES modules yet)' : options.test262Host ? '--edge and --test262-host cannot be used together' : null,
  );
  if (edgeWhy) {
    io.stderr(`snapvm: ${edgeWhy}\n`);
    return Exit.Usage;
  }
  let source: string;
  try {
    if (!fs.statSync(abs).isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    source = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : (e as Error).message;
    io.stderr(`snapvm: cannot run '${file}': ${why}\n`);
    return Exit.Usage;
  }
  // under --edge, `ort` sessions offload layer by layer while the model uploads (IONN, whose door loads
  // onnxruntime: required when the program makes its first session, not at start-up)
  let router: ReturnType<typeof import('../offload/ionn').ionnForCli> | undefined;
  const edge = options.edge;
  const ionn =
    edge !== undefined && !options.test262Host
      ? {
          runner: (...args: Parameters<NonNullable<typeof router>['runner']>) =>
            (router ??= (require('../offload/ionn') as typeof import('../offload/ionn')).ionnForCli({
              edge,
              clientSlowdown: ionnSlowdown(options),
              report: options.edgeReport ? (line) => io.stderr(line + '\n') : undefined,
              warn: (line) => io.stderr(line + '\n'),
            })).runner(...args),
          close: async () => router?.close(),
        }
      : undefined;
  // `ort` and WebNN's `navigator.ml` (models by path from the script's folder)
  const services = options.test262Host ? undefined : guestMlServices({ modelRoot: path.dirname(abs), onNote: (line) => io.stderr(line + '\n'), runner: ionn?.runner });
  const engine = new Engine({
    services,
    argv: [abs, ...args],
    // modules (static and import()) come from the program's folder only
    moduleRoot: path.dirname(abs),
    test262Host: options.test262Host === true,
    onPrint: options.test262Host ? (text) => io.stdout(text + '\n') : undefined,
    onConsole: io === processStreams ? undefined : (level, values) => (level === 'warn' || level === 'error' ? io.stderr : io.stdout)(engine.format(values) + '\n'),
    // with an edge the heavy work runs there: the interpreter's warm-up would only delay the start
    warmUp: options.edge === undefined ? undefined : false,
  });
  // the offload hints (src/offload/hints.ts); without --edge they run the work locally. Installed
  // before safe points are counted: they are the engine's set-up, not the program.
  if (!isModule && !options.test262Host) installHints(engine, { edge: options.edge !== undefined });
  const snapshotter = new Snapshotter(engine, options, at, io);
  if (options.edge !== undefined) prepareCapture(engine, { fresh: true }); // before the program starts: a capture must not pause it
  // the edge session, opened before the program runs: the edge parses the script while it runs here
  const early = options.edge !== undefined && !isModule ? await offload().openEdgeAhead(options.edge, { argv: [abs, ...args], units: [offload().unitSource(source, abs)] }) : undefined;
  try {
    if (isModule) engine.evaluateModule(abs);
    else engine.evaluateScript(source, abs);
    if (options.edge !== undefined) {
      await offload().runWithEdge(engine, {
        edge: options.edge,
        // (an engine restored from the edge's reply, or from the state kept after a fault, is made as the first one)
        engineOptions: { argv: [abs, ...args], services, warmUp: false },
        ...early,
        stdout: io.stdout,
        stderr: io.stderr,
        onMigration: options.edgeReport ? (r) => io.stderr(offload().describeMigration(r) + '\n') : undefined,
        onPolicy: options.edgeReport ? (p) => io.stderr(offload().describePolicy(p) + '\n') : undefined,
        auto: options.edgeAuto === true,
      });
      return Exit.Ok;
    }
    return await runLoop(engine, snapshotter);
  } catch (e) {
    if (e instanceof SafepointStop) return snapshotter.outcome();
    if (!(e instanceof GuestError)) throw e;
    io.stderr(describeGuestError(e, { [abs]: source }));
    return Exit.GuestFailed;
  } finally {
    await ionn?.close();
  }
}

/**
 * Node's shape for an uncaught error: `file:line`, the source line with a caret under the column,
 * a blank line, then the stack. The excerpt comes from the first `file:line:col` in the guest stack.
 */
export function describeGuestError(e: GuestError, sources: Record<string, string> = {}): string {
  const stack = e.guestStack || e.summary;
  let excerpt = '';
  // `    at name (file:line:col)` or `    at file:line:col`
  const at = /^ {4}at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/m.exec(stack);
  if (at) {
    const [, file, line, col] = at;
    const text = sources[file!] ?? readQuietly(file!);
    const srcLine = text?.split(/\r\n|[\n\r\u2028\u2029]/)[Number(line) - 1];
    if (srcLine !== undefined && srcLine.length <= 500) {
      excerpt = `${file}:${line}\n${srcLine}\n${' '.repeat(Math.max(0, Number(col) - 1))}^\n\n`;
    }
  }
  const note = e.kind === 'unhandled-rejection' && !/^\w*Error\b/.test(stack) ? ' (unhandled promise rejection)' : '';
  return `${excerpt}${stack}${note}\n`;
}

function readQuietly(file: string): string | undefined {
  try {
    return path.isAbsolute(file) ? fs.readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

function packageVersion(): string {
  // dist/src/cli/main.js and src/cli/main.ts both sit under the package root.
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate)) {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'snapvm') return pkg.version ?? '0.0.0';
    }
    if (path.dirname(dir) === dir) return '0.0.0';
  }
}

export function buildProgram(io: Streams, setExit: (code: Exit) => void): Command {
  const program = new Command();
  program
    .name('snapvm')
    .description('A JavaScript engine whose whole running state is data it can read.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .helpCommand('help [command]', 'show help for a command')
    .enablePositionalOptions()
    .showHelpAfterError('(run snapvm --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();

  program
    .command('run')
    .description('run a script (.js), an ES module (.mjs) or a web page (.html, or a folder with an index.html)')
    .argument('<file>', 'the program or page to run')
    .argument('[args...]', 'arguments handed to the program as snapvm.argv; for a page: --steps STEPS.json')
    .option('--test262-host', "define test262's host hooks: print (to stdout) and $262")
    .option(
      '--snapshot-at <when>',
      'write a snapshot after event-loop turn N (turn:N; turn 1 is the main program with its microtasks) or at the N-th safe point inside running code (safepoint:N: a loop back-edge)',
    )
    .option('--out <file>', 'where --snapshot-at writes the snapshot')
    .option('--stop', 'exit right after writing the snapshot')
    .option('--edge <url>', 'offload to the edge server at ws://host:port where the script or page asks (snapvm.offload, snapvm.migrate; a page travels with its DOM)')
    .option('--edge-report', 'print one line per offload to stderr: snapshot sizes and migration times')
    .option('--edge-auto', "also offload timer handlers (and a page's steps: clicks, typing, keys) predicted to run faster on the edge, migration included")
    .option(
      '--ionn-slowdown <n>',
      "with --edge, emulate a client N times slower for a script's ort sessions (IONN): the layers it runs here are padded to N times their time, by waiting, and the planner sees those times",
    )
    .allowUnknownOption()
    .addHelpText(
      'after',
      `
Console output goes to stdout (log, info, debug) and stderr (warn, error), as in Node.
Exit status: 0 when the program and its event loop finish, 1 on an uncaught exception,
an unhandled promise rejection or a syntax error (the guest stack goes to stderr),
2 when the file cannot be read or the command line is wrong, 3 when the program ended
before the turn --snapshot-at names.

A page runs on a DOM (happy-dom) with its scripts in snapvm; then, with --steps STEPS.json, a JSON
array of {"click": SEL}, {"type": [SEL, TEXT]}, {"key": [SEL, KEY]}, {"wait": MS}, {"print": SEL},
{"snapshot": FILE}, {"stop": true} runs in order (a virtual clock: wait jumps through timers and
animation frames); without steps, the event loop runs until idle. Exit 1 if a page error went
uncaught or a step failed. For a page, --snapshot-at turn:N counts the load as turn 1 and each
timer or animation frame after it as one turn; snapvm restore SNAP [--steps STEPS.json] continues it.
A page's browser form (an HTML document that Chromium opens and the app goes on there) is written
by snapvm export SNAP --html OUT, or by a {"snapshot": "FILE.html"} step; a page with suspended
frames or state plain JavaScript cannot rebuild is refused with one line (exit 2 / a failed step).
With --edge, the steps drive the page as it offloads: each click, type or key is a turn of its
event loop, which may run on the edge (--edge-auto: a handler that ran long here goes there when
dispatched again); print, snapshot, wait and stop see the page once everything before them came back.`,
    )
    .action(async (file: string, args: string[], opts: RunOptions) => {
      setExit(await runFile(file, args, opts, io));
    });

  program
    .command('restore')
    .description('restore a snapshot in a fresh engine and continue the program')
    .argument('<snapshot>', 'a file written by run --snapshot-at … --out')
    .option('--snapshot-at <when>', 'write a new snapshot after turn N (counted as in the original run) or at safe point N (counted from the restore)')
    .option('--out <file>', 'where --snapshot-at writes the snapshot')
    .option('--stop', 'exit right after writing the snapshot')
    .option('--steps <file>', 'for a page snapshot: STEPS.json to run after the restore (as run PAGE --steps)')
    .action(async (file: string, opts: RestoreCommandOptions) => {
      setExit(await restoreFile(file, opts, io));
    });

  program
    .command('export')
    .description('write a page snapshot as an HTML document a browser opens and continues (the browser form)')
    .argument('<snapshot>', 'a page snapshot (run PAGE --snapshot-at … --out, or a {"snapshot"} step)')
    .requiredOption('--html <file>', "where to write the HTML (open it from the app's folder, or serve it beside the app's files)")
    .action((file: string, opts: { html: string }) => {
      setExit(exportHtml(file, opts.html, io));
    });

  program
    .command('serve')
    .description('run an edge server: clients (snapvm run --edge ws://host:port) offload their programs to it')
    .option('--port <n>', 'port for HTTP and WebSocket (0: any free port)', '8787')
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--max-sessions <n>', 'client sessions at once', '8')
    .option('--offload-ms <ms>', 'wall-time budget of one offload', '60000')
    .option('--memory-mb <mb>', 'memory budget of each session worker: its V8 heap, and as much again for array buffers', '512')
    .option('--steps <n>', 'instruction budget of one offload, in steps (loop iterations and function calls)', '4000000000')
    .option('--hello-idle-ms <ms>', "give back the worker a client's hello took when no offload came this long after it (0: never)", '60000')
    .option('--quiet', 'no log line per session event')
    .action(async (opts: ServeCommandOptions) => {
      setExit(await serve(opts, io));
    });

  program
    .command('inspect')
    .description('say what a snapshot holds: objects and bytes by kind, roots, frames')
    .argument('<snapshot>', 'a snapshot file')
    .action((file: string) => {
      try {
        io.stdout(inspectSnapshot(fs.readFileSync(file, 'utf8')));
        setExit(Exit.Ok);
      } catch (e) {
        if (!(e instanceof SnapshotError) && (e as NodeJS.ErrnoException).code === undefined) throw e;
        io.stderr(`snapvm: cannot inspect '${file}': ${(e as Error).message}\n`);
        setExit(Exit.Usage);
      }
    });

  return program;
}

/** `snapvm serve`: listen until SIGINT or SIGTERM. */
async function serve(opts: ServeCommandOptions, io: Streams): Promise<Exit> {
  const num = (v: string | undefined, name: string, min: number): number | string => {
    const n = Number(v);
    return Number.isSafeInteger(n) && n >= min ? n : `${name} takes a whole number ≥ ${min}, not '${v}'`;
  };
  const port = num(opts.port, '--port', 0);
  const maxSessions = num(opts.maxSessions, '--max-sessions', 1);
  const offloadMs = num(opts.offloadMs, '--offload-ms', 1);
  const memoryMb = num(opts.memoryMb, '--memory-mb', 16);
  const steps = num(opts.steps, '--steps', 1);
  const helloIdleMs = num(opts.helloIdleMs, '--hello-idle-ms', 0);
  for (const v of [port, maxSessions, offloadMs, memoryMb, steps, helloIdleMs]) {
    if (typeof v === 'string') {
      io.stderr(`snapvm: ${v}\n`);
      return Exit.Usage;
    }
  }
  const server = new (offload().EdgeServer)({
    port: port as number,
    host: opts.host,
    maxSessions: maxSessions as number,
    offloadMs: offloadMs as number,
    memoryMb: memoryMb as number,
    steps: steps as number,
    helloIdleMs: helloIdleMs as number,
    log: opts.quiet ? () => {} : (line) => io.stderr(`snapvm serve: ${line}\n`),
  });
  let address: import('node:net').AddressInfo;
  try {
    address = await server.listen();
  } catch (e) {
    io.stderr(`snapvm: cannot listen on ${opts.host}:${opts.port}: ${(e as Error).message}\n`);
    return Exit.Usage;
  }
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  io.stdout(`snapvm serve: listening on ws://${host}:${address.port} (GET http://${host}:${address.port}/ for status)\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return Exit.Ok;
}

/** Parse argv (without `node` and the script) and run; resolves to the exit code. */
export async function main(argv: string[], io: Streams = processStreams): Promise<Exit> {
  let code: Exit = Exit.Ok;
  const program = buildProgram(io, (c) => (code = c));
  if (argv.length === 0) {
    program.outputHelp();
    return Exit.Usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? Exit.Ok : Exit.Usage;
    throw e;
  }
  return code;
}

/** The process entry point (bin/snapvm.js): exit code into `process.exitCode`, so piped output drains first. */
export function cli(argv: string[] = process.argv.slice(2)): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      // An engine bug, not a guest error: say so, with the host stack.
      process.stderr.write(`snapvm: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 70;
    },
  );
}

if (require.main === module) cli();
