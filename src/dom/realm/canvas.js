// 2D canvas for pages: happy-dom's canvas adapter, written in the guest realm. Every drawing call
// goes to the host's @napi-rs/canvas through `services.canvas*` with primitive arguments only (the
// guest's values are converted here, in the realm, so their valueOf/toString run as guest-visible
// code); the host keeps one native canvas per element (src/dom/canvas.ts), which is also where a
// snapshot will read the pixels; it is freed when its element is collected (`canvasWatch`: the host's
// FinalizationRegistry holds the element weakly, src/dom/canvas.ts). Not yet: Path2D, drawing <img>
// elements, patterns, toBlob.
import { services } from './services.js';

const handle = Symbol('canvas handle');

const STATE = ['fillStyle', 'strokeStyle', 'lineWidth', 'lineCap', 'lineJoin', 'miterLimit', 'lineDashOffset', 'font', 'textAlign', 'textBaseline', 'direction', 'globalAlpha', 'globalCompositeOperation', 'shadowBlur', 'shadowColor', 'shadowOffsetX', 'shadowOffsetY', 'imageSmoothingEnabled', 'imageSmoothingQuality', 'filter', 'letterSpacing', 'wordSpacing'];
const NUMERIC = { fillRect: 4, strokeRect: 4, clearRect: 4, moveTo: 2, lineTo: 2, rect: 4, arc: 5, arcTo: 5, ellipse: 7, quadraticCurveTo: 4, bezierCurveTo: 6, translate: 2, rotate: 1, scale: 2, transform: 6 };
const PLAIN = ['beginPath', 'closePath', 'save', 'restore', 'resetTransform', 'reset'];

/** `getWindow`: the page's window (the adapter is made before it, for the window's settings). */
export function makeCanvasAdapter(getWindow) {
  let nextCanvasId = 1;
  const ids = new WeakMap();
  const idOf = (canvas) => {
    let id = ids.get(canvas);
    if (id === undefined) {
      ids.set(canvas, (id = nextCanvasId++));
      // the host frees the native canvas (and its share of the pixel budget) once the element is collected
      services.canvasWatch(canvas, id);
    }
    return id;
  };
  /** Tell the host the element's id and current size before each call (a size change clears it, as in browsers). */
  const sync = (canvas) => {
    const id = idOf(canvas);
    services.canvasSize(id, Number(canvas.width) >>> 0, Number(canvas.height) >>> 0);
    return id;
  };

  class CanvasGradient {
    constructor(id) {
      this[handle] = id;
    }
    addColorStop(offset, color) {
      services.canvasGradientStop(this[handle], Number(offset), String(color));
    }
  }

  class CanvasRenderingContext2D {
    #canvas;
    constructor(canvas) {
      this.#canvas = canvas;
    }
    get canvas() {
      return this.#canvas;
    }
    static canvasOf(ctx) {
      return typeof ctx === 'object' && ctx !== null && #canvas in ctx ? ctx.#canvas : null;
    }
    #id() {
      return sync(this.#canvas);
    }
    fillText(text, x, y, maxWidth) {
      services.canvasText(this.#id(), 'fillText', String(text), Number(x), Number(y), maxWidth === undefined ? -1 : Number(maxWidth));
    }
    strokeText(text, x, y, maxWidth) {
      services.canvasText(this.#id(), 'strokeText', String(text), Number(x), Number(y), maxWidth === undefined ? -1 : Number(maxWidth));
    }
    measureText(text) {
      const width = services.canvasMeasure(this.#id(), String(text));
      return { width, actualBoundingBoxLeft: 0, actualBoundingBoxRight: width };
    }
    fill(rule) {
      services.canvasCall(this.#id(), 'fill', rule === undefined ? 'nonzero' : String(rule));
    }
    stroke() {
      services.canvasCall(this.#id(), 'stroke');
    }
    clip(rule) {
      services.canvasCall(this.#id(), 'clip', rule === undefined ? 'nonzero' : String(rule));
    }
    setTransform(a, b, c, d, e, f) {
      if (typeof a === 'object' && a !== null) ({ a, b, c, d, e, f } = a);
      services.canvasCall(this.#id(), 'setTransform', Number(a ?? 1), Number(b ?? 0), Number(c ?? 0), Number(d ?? 1), Number(e ?? 0), Number(f ?? 0));
    }
    setLineDash(segments) {
      services.canvasLineDash(this.#id(), Array.from(segments, Number).join(','));
    }
    getLineDash() {
      const text = services.canvasGet(this.#id(), 'lineDash');
      return text ? text.split(',').map(Number) : [];
    }
    createLinearGradient(x0, y0, x1, y1) {
      return new CanvasGradient(services.canvasGradient(this.#id(), 'linear', Number(x0), Number(y0), 0, Number(x1), Number(y1), 0));
    }
    createRadialGradient(x0, y0, r0, x1, y1, r1) {
      return new CanvasGradient(services.canvasGradient(this.#id(), 'radial', Number(x0), Number(y0), Number(r0), Number(x1), Number(y1), Number(r1)));
    }
    getImageData(x, y, w, h) {
      const data = new Uint8ClampedArray(Math.max(0, Number(w) | 0) * Math.max(0, Number(h) | 0) * 4);
      services.canvasGetImageData(this.#id(), Number(x) | 0, Number(y) | 0, Number(w) | 0, Number(h) | 0, data);
      return new (getWindow()).ImageData(data, Number(w) | 0, Number(h) | 0);
    }
    createImageData(w, h) {
      if (typeof w === 'object' && w !== null) return new (getWindow()).ImageData(w.width, w.height);
      return new (getWindow()).ImageData(Number(w) | 0, Number(h) | 0);
    }
    putImageData(imageData, dx, dy) {
      const data = imageData.data;
      if (!(data instanceof Uint8ClampedArray)) throw new (getWindow()).TypeError("Failed to execute 'putImageData': parameter 1 is not of type 'ImageData'.");
      services.canvasPutImageData(this.#id(), data, Number(imageData.width) | 0, Number(imageData.height) | 0, Number(dx) | 0, Number(dy) | 0);
    }
    drawImage(image, ...args) {
      if (!(image instanceof getWindow().HTMLCanvasElement)) throw new (getWindow()).DOMException('drawImage of anything but a canvas is not supported in snapvm yet', 'NotSupportedError');
      services.canvasDrawCanvas(this.#id(), sync(image), args.map(Number).join(','));
    }
    isPointInPath(x, y) {
      return services.canvasCall(this.#id(), 'isPointInPath', Number(x), Number(y)) === true;
    }
  }
  for (const [name, count] of Object.entries(NUMERIC)) {
    Object.defineProperty(CanvasRenderingContext2D.prototype, name, {
      value: {
        [name](...args) {
          const numbers = [];
          for (let i = 0; i < count; i++) numbers.push(Number(args[i]));
          if (name === 'arc' || name === 'ellipse') numbers.push(args[count] ? 1 : 0);
          services.canvasCall(this.canvas === undefined ? 0 : sync(this.canvas), name, ...numbers);
        },
      }[name],
      writable: true,
      configurable: true,
    });
  }
  for (const name of PLAIN) {
    Object.defineProperty(CanvasRenderingContext2D.prototype, name, {
      value: { [name]() { services.canvasCall(sync(this.canvas), name); } }[name],
      writable: true,
      configurable: true,
    });
  }
  for (const name of STATE) {
    Object.defineProperty(CanvasRenderingContext2D.prototype, name, {
      get() {
        const v = services.canvasGet(sync(this.canvas), name);
        return typeof v === 'number' && v < 0 && (name === 'fillStyle' || name === 'strokeStyle') ? gradients.get(-v) ?? null : v;
      },
      set(value) {
        if (value instanceof CanvasGradient) {
          gradients.set(value[handle], value);
          services.canvasSetGradient(sync(this.canvas), name, value[handle]);
        } else services.canvasSet(sync(this.canvas), name, typeof value === 'number' || typeof value === 'boolean' ? value : String(value));
      },
      configurable: true,
    });
  }
  const gradients = new Map();

  const contexts = new WeakMap();
  return {
    CanvasRenderingContext2D,
    CanvasGradient,
    /** For a page snapshot: the element a context draws on (null: not a context), and an element's canvas id (0: none yet). */
    canvasOf: (ctx) => CanvasRenderingContext2D.canvasOf(ctx),
    canvasId: (canvas) => ids.get(canvas) ?? 0,
    adapter: {
      getContext(caller, contextType) {
        if (contextType !== '2d') return null;
        const canvas = caller.canvas;
        let ctx = contexts.get(canvas);
        if (!ctx) {
          ctx = new CanvasRenderingContext2D(canvas);
          contexts.set(canvas, ctx);
          sync(canvas);
        }
        return ctx;
      },
      toDataURL(caller, type, quality) {
        return services.canvasDataURL(sync(caller.canvas), type === undefined ? 'image/png' : String(type), quality === undefined ? -1 : Number(quality));
      },
      toBlob(caller, callback) {
        getWindow().setTimeout(() => callback(null), 0);
      },
    },
  };
}
