// The host half of 2D canvas (realm/canvas.js is the guest-realm half): one @napi-rs/canvas per
// canvas element, reached only through services that take primitives (and realm typed arrays for
// pixels) and return primitives. These native canvases are engine-side records: a snapshot reads the
// pixels here. The library loads on the first canvas a page draws on, so pages without one never pay.
import type { Canvas, SKRSContext2D, CanvasGradient } from '@napi-rs/canvas';
import { typedArrayLength } from '../typed-arrays';
import { SnapshotError } from '../snapshot/index';
import type { HostReclaim } from '../interpreter/index';
import { MAX_CANVAS_PIXELS, PngError, decodePng } from './png';

type Service = (name: string, length: number, impl: (args: ArrayLike<unknown>) => unknown) => void;

/** The properties and methods the realm half may name (anything else is refused). */
const STATE = new Set([
  'fillStyle',
  'strokeStyle',
  'lineWidth',
  'lineCap',
  'lineJoin',
  'miterLimit',
  'lineDashOffset',
  'font',
  'textAlign',
  'textBaseline',
  'direction',
  'globalAlpha',
  'globalCompositeOperation',
  'shadowBlur',
  'shadowColor',
  'shadowOffsetX',
  'shadowOffsetY',
  'imageSmoothingEnabled',
  'imageSmoothingQuality',
  'filter',
  'letterSpacing',
  'wordSpacing',
]);
const METHODS = new Set([
  'fillRect',
  'strokeRect',
  'clearRect',
  'moveTo',
  'lineTo',
  'rect',
  'arc',
  'arcTo',
  'ellipse',
  'quadraticCurveTo',
  'bezierCurveTo',
  'translate',
  'rotate',
  'scale',
  'transform',
  'beginPath',
  'closePath',
  'save',
  'restore',
  'resetTransform',
  'reset',
  'fill',
  'stroke',
  'clip',
  'setTransform',
  'isPointInPath',
]);

export interface CanvasRecord {
  width: number;
  height: number;
  canvas: Canvas;
  context: SKRSContext2D;
}

/** A canvas in a page snapshot: lossless pixels and the 2D context's state (gradients are not kept). */
export interface CanvasSnapshot {
  png: string;
  state: Record<string, string | number | boolean>;
  lineDash: number[];
  transform: number[];
}

/**
 * V8's full collection, for the host only: the `gc` of this thread's global, or of a throwaway context, which
 * V8 gives every context made while `--expose-gc` is on. Every snapvm process has the flag from its start
 * (cli/v8-flags.ts), and an EdgeServer turns it on before its first session worker (server.ts), so neither
 * sets a flag here. Only an embedder's main thread without it sets the flag for the one moment it takes to
 * make that context, then clears it; a worker thread never does (V8 does not support setting flags while other
 * isolates run): without `gc` nothing is collected, and dropped canvases stay counted. (A guest realm never
 * gets `gc`: realm.ts copies only the standard globals, STANDARD_GLOBALS.) Where it cannot be had at all
 * (`--expose-gc-as=NAME`), nothing is collected either.
 */
let gc: (() => void) | null | undefined;
function collectGarbage(): void {
  if (gc === undefined) gc = hostGc(); // (null: asked once, none to be had)
  gc?.();
}

function hostGc(): (() => void) | null {
  const own = (globalThis as { gc?: () => void }).gc;
  if (typeof own === 'function') return own;
  const fresh = () => (require('node:vm') as typeof import('node:vm')).runInNewContext('typeof gc === "function" ? gc : null') as (() => void) | null;
  const made = fresh();
  if (made || !(require('node:worker_threads') as typeof import('node:worker_threads')).isMainThread) return made;
  const v8 = require('node:v8') as typeof import('node:v8');
  v8.setFlagsFromString('--expose-gc');
  try {
    return fresh();
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
}

export class PageCanvases implements HostReclaim {
  private readonly records = new Map<number, CanvasRecord>();
  /** Native canvases by the id the realm half gave the element. */
  readonly canvases: ReadonlyMap<number, CanvasRecord> = this.records;
  /** Pixels of the canvases held now (kept as they are made and freed: the budget is checked per canvas made). */
  private held = 0;
  /**
   * Each element by its canvas id, held weakly (a host-side registry: its registrations are not the
   * guest's, weak.ts never sees them, and no guest code can reach it): once the page drops an element
   * and V8 collects it, its native canvas and its share of the pixel budget are freed (after the GC, in
   * a task of the host's event loop: the engine's event loop gives it one when canvases take much of the budget, Engine.reclaim).
   */
  private readonly collected = new FinalizationRegistry<number>((id) => this.put(id, null));
  /** Pixels of the canvases made since the last collection. */
  private made = 0;

  /** Pixels of the canvases held now. */
  pixels(): number {
    return this.held;
  }

  /** Canvas `id` is now `record` (null: freed), counted. */
  private put(id: number, record: CanvasRecord | null): void {
    const old = this.records.get(id);
    if (old) this.held -= old.width * old.height;
    if (record) {
      this.records.set(id, record);
      this.held += record.width * record.height;
    } else this.records.delete(id);
  }

  /**
   * Whether canvases the page dropped should be collected now (`collect`, then a task of the host's event
   * loop frees them): those held take a quarter of the budget, and a quarter of the budget was made since
   * the last collection (V8 does not see the native pixels: its own heap may never ask for a collection).
   */
  wanted(): boolean {
    return this.made >= MAX_CANVAS_PIXELS / 4 && this.pixels() > MAX_CANVAS_PIXELS / 4;
  }

  /** Ask V8 for a full collection (the elements the page dropped are found; the registry frees their canvases in a later task). */
  collect(): void {
    this.made = 0;
    collectGarbage();
  }
  private readonly gradients = new Map<number, CanvasGradient>();
  private nextGradient = 1;
  private lib: typeof import('@napi-rs/canvas') | undefined;

  private library(): typeof import('@napi-rs/canvas') {
    this.lib ??= require('@napi-rs/canvas') as typeof import('@napi-rs/canvas');
    return this.lib;
  }

  private get(id: unknown): CanvasRecord {
    const record = this.canvases.get(Number(id));
    if (!record) throw new Error(`canvas ${String(id)} has no context`);
    return record;
  }

  /** For a page snapshot: the pixels as PNG (lossless) and the drawing state of canvas `id`, or null if it has none. */
  save(id: number): CanvasSnapshot | null {
    const record = this.canvases.get(id);
    if (!record) return null;
    const ctx = record.context as unknown as Record<string, unknown>;
    const state: Record<string, string | number | boolean> = {};
    for (const name of STATE) {
      const v = ctx[name];
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') state[name] = v;
    }
    const m = record.context.getTransform();
    return { png: record.canvas.encodeSync('png').toString('base64'), state, lineDash: record.context.getLineDash(), transform: [m.a, m.b, m.c, m.d, m.e, m.f] };
  }

  /**
   * Put saved pixels and state back into canvas `id` (made by the context the restore asked for). The
   * PNG may be a stranger's: it is decoded in JavaScript (png.ts, never by the native library), must be
   * the canvas's own size, and its RGBA goes in through putImageData. `name` names the canvas in the
   * SnapshotError a malformed, oversized or mis-sized PNG gets.
   */
  load(id: number, saved: CanvasSnapshot, name = `canvas ${id}`): void {
    const record = this.get(id);
    const { width, height } = record.canvas;
    if (typeof saved?.png !== 'string') throw new SnapshotError(`${name}: its pixels are not a base64 PNG`);
    let rgba: Uint8ClampedArray;
    try {
      rgba = decodePng(Buffer.from(saved.png, 'base64'), width, height);
    } catch (e) {
      if (e instanceof PngError) throw new SnapshotError(`${name}: its PNG ${e.message}`);
      throw e;
    }
    const ctx = record.context;
    // (putImageData ignores the transform, clip, alpha and compositing: the pixels go in as they were)
    ctx.putImageData(new (this.library().ImageData)(rgba, width, height), 0, 0);
    for (const [name, v] of Object.entries(saved.state)) if (STATE.has(name)) (ctx as unknown as Record<string, unknown>)[name] = v;
    ctx.setLineDash(saved.lineDash);
    const [a, b, c, d, e, f] = saved.transform;
    ctx.setTransform(a!, b!, c!, d!, e!, f!);
  }

  install(service: Service, realmArrayFrom: (bytes: Uint8ClampedArray, into: unknown) => void): void {
    // (the one service given an object: the element, only held weakly as the registry's target)
    service('canvasWatch', 2, (a) => {
      if (typeof a[0] === 'object' && a[0] !== null) this.collected.register(a[0], Number(a[1]));
    });
    service('canvasSize', 3, (a) => {
      const id = Number(a[0]);
      const width = Number(a[1]);
      const height = Number(a[2]);
      const old = this.canvases.get(id);
      if (old && old.width === width && old.height === height) return;
      if (width * height > MAX_CANVAS_PIXELS) throw new RangeError(`canvas: ${width}×${height} is over the budget of ${MAX_CANVAS_PIXELS} pixels`);
      // the page's canvases together, too (their pixels are native memory, outside the engine's heap limit)
      const others = this.pixels() - (old ? old.width * old.height : 0);
      if (others + width * height > MAX_CANVAS_PIXELS) throw new RangeError(`canvas: ${width}×${height} would take the page's canvases over their budget of ${MAX_CANVAS_PIXELS} pixels together`);
      // as in browsers, setting the size clears the canvas and its state
      const canvas = this.library().createCanvas(Math.max(width, 1), Math.max(height, 1));
      this.put(id, { width, height, canvas, context: canvas.getContext('2d') });
      this.made += width * height;
    });
    service('canvasCall', 8, (a) => {
      const name = String(a[1]);
      if (!METHODS.has(name)) throw new TypeError(`canvas: no method ${name}`);
      const args: (number | string | boolean)[] = [];
      for (let i = 2; i < a.length; i++) args.push(a[i] as number | string);
      if ((name === 'arc' && args.length === 6) || (name === 'ellipse' && args.length === 8)) args[args.length - 1] = args[args.length - 1] === 1;
      const result = (this.get(a[0]).context as unknown as Record<string, (...x: unknown[]) => unknown>)[name]!(...args);
      return typeof result === 'boolean' ? result : undefined;
    });
    service('canvasText', 6, (a) => {
      const ctx = this.get(a[0]).context;
      const maxWidth = Number(a[5]);
      const draw = a[1] === 'strokeText' ? ctx.strokeText.bind(ctx) : ctx.fillText.bind(ctx);
      if (maxWidth >= 0) draw(String(a[2]), Number(a[3]), Number(a[4]), maxWidth);
      else draw(String(a[2]), Number(a[3]), Number(a[4]));
    });
    service('canvasMeasure', 2, (a) => this.get(a[0]).context.measureText(String(a[1])).width);
    service('canvasGet', 2, (a) => {
      const ctx = this.get(a[0]).context;
      const name = String(a[1]);
      if (name === 'lineDash') return ctx.getLineDash().join(',');
      if (!STATE.has(name)) throw new TypeError(`canvas: no property ${name}`);
      const v = (ctx as unknown as Record<string, unknown>)[name];
      if (typeof v === 'object' && v !== null) {
        for (const [id, g] of this.gradients) if (g === v) return -id;
        return null;
      }
      return v;
    });
    service('canvasSet', 3, (a) => {
      const name = String(a[1]);
      if (!STATE.has(name)) throw new TypeError(`canvas: no property ${name}`);
      const v = a[2];
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') (this.get(a[0]).context as unknown as Record<string, unknown>)[name] = v;
    });
    service('canvasLineDash', 2, (a) => {
      const text = String(a[1]);
      this.get(a[0]).context.setLineDash(text ? text.split(',').map(Number) : []);
    });
    service('canvasGradient', 8, (a) => {
      const ctx = this.get(a[0]).context;
      const n = (i: number) => Number(a[i]);
      const g = a[1] === 'radial' ? ctx.createRadialGradient(n(2), n(3), n(4), n(5), n(6), n(7)) : ctx.createLinearGradient(n(2), n(3), n(5), n(6));
      const id = this.nextGradient++;
      this.gradients.set(id, g);
      return id;
    });
    service('canvasGradientStop', 3, (a) => {
      const g = this.gradients.get(Number(a[0]));
      if (!g) throw new TypeError('canvas: unknown gradient');
      g.addColorStop(Number(a[1]), String(a[2]));
    });
    service('canvasSetGradient', 3, (a) => {
      const name = String(a[1]);
      const g = this.gradients.get(Number(a[2]));
      if ((name !== 'fillStyle' && name !== 'strokeStyle') || !g) throw new TypeError('canvas: bad gradient');
      this.get(a[0]).context[name] = g;
    });
    service('canvasGetImageData', 6, (a) => {
      const w = Number(a[3]);
      const h = Number(a[4]);
      if (w <= 0 || h <= 0) return;
      const data = this.get(a[0]).context.getImageData(Number(a[1]), Number(a[2]), w, h).data;
      realmArrayFrom(data, a[5]);
    });
    service('canvasPutImageData', 6, (a) => {
      const lib = this.library();
      const src = a[1] as Uint8ClampedArray;
      if (!ArrayBuffer.isView(src)) throw new TypeError('putImageData: not a typed array');
      const w = Number(a[2]);
      const h = Number(a[3]);
      const copy = new Uint8ClampedArray(w * h * 4);
      const n = Math.min(copy.length, typedArrayLength(src));
      for (let i = 0; i < n; i++) copy[i] = src[i]!;
      this.get(a[0]).context.putImageData(new lib.ImageData(copy, w, h), Number(a[4]), Number(a[5]));
    });
    service('canvasDrawCanvas', 3, (a) => {
      const source = this.get(a[1]).canvas;
      const n = String(a[2])
        .split(',')
        .filter((x) => x !== '')
        .map(Number);
      const ctx = this.get(a[0]).context;
      if (n.length === 2) ctx.drawImage(source, n[0]!, n[1]!);
      else if (n.length === 4) ctx.drawImage(source, n[0]!, n[1]!, n[2]!, n[3]!);
      else if (n.length === 8) ctx.drawImage(source, n[0]!, n[1]!, n[2]!, n[3]!, n[4]!, n[5]!, n[6]!, n[7]!);
      else throw new TypeError('drawImage takes 3, 5 or 9 arguments');
    });
    service('canvasDataURL', 3, (a) => {
      const record = this.get(a[0]);
      const type = String(a[1]);
      const quality = Number(a[2]);
      if (type === 'image/jpeg' || type === 'image/webp') return record.canvas.toDataURL(type, quality >= 0 ? quality * 100 : undefined);
      return record.canvas.toDataURL('image/png');
    });
  }
}
