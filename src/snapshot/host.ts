// The one plug-in point through which an embedder's objects enter a snapshot: objects the engine did
// not make (the DOM room's window, nodes, storage, canvas contexts…) are not walked as ordinary
// objects; their owner says whether an object is its own, how to name it, and writes its own state.
// Capture (capture.ts) and restore (restore.ts) each have one small section that calls these.

/** What the owner says about one of its objects. */
export interface HostClaim {
  /** JSON-able name of the object, handed back to `HostRestore.make` on restore. */
  ref: unknown;
  /** Own properties that are the program's (expandos): written as ordinary properties. */
  props: PropertyKey[];
}

/** The capture side, implemented by the embedder. */
export interface HostCapture {
  /** JSON-able; written into the snapshot's format line as `host` (readHeader(code).options.host). */
  readonly header: unknown;
  /** Objects the program reaches only through the embedder's state (the window, nodes with expandos). */
  roots(): object[];
  /**
   * Is `o` yours? A claim; null: not the embedder's (walked as usual); a string: the embedder's but it
   * cannot be written out (the string says what it is). Called once per object, never on a guest proxy.
   */
  claim(o: object): HostClaim | string | null;
  /**
   * After the heap walk: embedder state that holds guest values (listeners…). `values` are written as
   * guest values; `reached` says whether the walk met an object (so unreachable state can be dropped).
   */
  links(reached: (o: object) => boolean): { data: unknown; values: unknown[] };
  /** Last: the embedder state that holds no guest value (the document). Restored before any object. */
  state(): unknown;
  /** The portable section is for the embedder's platform (a browser), not plain Node: how it names its objects there. */
  readonly portable?: PortableHost;
  /**
   * For a delta (delta.ts captureDelta): the embedder's state as a change against the state agreed
   * before (written `$.hostState(data)` before any object, as `state()` is in a whole snapshot). Without
   * it, an embedder's objects travel in whole snapshots only.
   */
  deltaState?(): unknown;
  /** For a delta, after the walk: why this state of the embedder's must travel whole (null: a delta carries it). */
  noDelta?(): string | null;
  /**
   * For a delta, after `links`: the links as a change against the state agreed before (written in the
   * delta's `$.hostLinks` instead of `links`' data): its data, and the indexes of the `links` values it
   * keeps, in order. Without it, a delta carries the links whole.
   */
  deltaLinks?(): { data: unknown; values: number[] };
  /** For a delta: why a claimed object whose expandos changed cannot be emptied and refilled in place (null: it can; undefined: not the embedder's). */
  notClearable?(o: object): string | null | undefined;
}

/** The restore side: `$.hostState`, `$.host`, `$.hostLinks` of the snapshot program. */
export interface HostRestore {
  state(data: unknown): void;
  make(ref: unknown): object;
  links(data: unknown, values: unknown[]): void;
  /** For a delta (`$.clear` of a claimed object whose expandos changed): empty its expandos; false when `o` is not the embedder's. */
  clear?(o: object): boolean;
}

/**
 * An embedder's side of a portable section that runs somewhere else than plain Node (the DOM room's
 * browser form of a page: `HostCapture.portable`). The portable writer (portable.ts) names the
 * embedder's objects through it and leaves the embedder's own state to it. Generated names carry the
 * section's prefix `P` (handed to each call); the writer's helpers it may use: `${P}global`,
 * `${P}nextId`, `${P}timers`, `${P}arm(id, callback, args, delay, period)`, `${P}fail(why)`.
 */
export interface PortableHost {
  /** Is `o` the embedder's? An expression for it plus the own properties to write (its expandos); a string: it cannot be written (says what it is); null: not the embedder's. */
  claim(o: object, P: string): { expr: string; props: PropertyKey[] } | string | null;
  /** Objects the program reaches only through the embedder's state (as HostCapture.roots). */
  roots(): object[];
  /** Engine timers the embedder arms itself (animation frames): the writer leaves them out. */
  ownTimers(): Set<number>;
  /** Statements after the writer's helpers, before any object is made (what `claim` expressions need). */
  begin(P: string): string;
  /** Statements after the heap is made, before queued jobs and timers; `value` writes a guest value (walking what it reaches). */
  links(value: (v: unknown, path: string) => string, P: string): string;
}
