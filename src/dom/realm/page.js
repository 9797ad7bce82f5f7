// The page controller, evaluated inside the guest realm with happy-dom (bundled by ../bundle.ts).
// It builds the window, parses the HTML, inserts it node by node as a browser's parser does and runs
// each script when it is inserted, fires DOMContentLoaded and load, and drives input events for steps.
// Guest code runs only in the snapvm engine: scripts and on* attributes go to host services (the
// `services` capability object); happy-dom's own evaluation is never used.
import Window from 'happy-dom/lib/window/Window.js';
import * as PropertySymbol from 'happy-dom/lib/PropertySymbol.js';
import HTMLScriptElement from 'happy-dom/lib/nodes/html-script-element/HTMLScriptElement.js';
import EventTarget from 'happy-dom/lib/event/EventTarget.js';
import { services } from './services.js';
import { makeCanvasAdapter } from './canvas.js';

const CLASSIC_TYPES = new Set(['', 'text/javascript', 'application/javascript', 'application/x-javascript', 'application/ecmascript', 'application/x-ecmascript', 'text/ecmascript']);
/** Elements whose children are inserted with them (raw text, or content that is not a child list). */
const ATOMIC = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'TEXTAREA', 'TITLE', 'NOSCRIPT']);

function scriptKind(script) {
  const type = (script.getAttribute('type') ?? '').trim().toLowerCase();
  if (type === 'module') return 'module';
  if (CLASSIC_TYPES.has(type) || type.startsWith('text/javascript')) return 'classic';
  return 'data'; // importmap, text/template, JSON…: not run
}

const MIME = { html: 'text/html', htm: 'text/html', js: 'text/javascript', mjs: 'text/javascript', json: 'application/json', css: 'text/css', txt: 'text/plain', svg: 'image/svg+xml', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', wasm: 'application/wasm' };

/**
 * `options`: { url (the page's file: URL), width, height, console (the engine's console object) }.
 * Returns the controller the host drives (it only ever passes primitives to it).
 */
export function createPage(options) {
  let window = null;
  const canvas = options.canvas ? makeCanvasAdapter(() => window) : null;
  window = new Window({
    url: options.url,
    width: options.width,
    height: options.height,
    console: options.console,
    settings: {
      // on* attributes are compiled through window[evaluateScript], which the engine serves below
      enableJavaScriptEvaluation: true,
      suppressInsecureJavaScriptEnvironmentWarning: true,
      suppressCodeGenerationFromStringsWarning: true,
      disableJavaScriptFileLoading: true,
      disableCSSFileLoading: true,
      disableIframePageLoading: true,
      handleDisabledFileLoadingAsSuccess: true,
      canvasAdapter: canvas ? canvas.adapter : null,
      navigation: { disableMainFrameNavigation: true, disableChildFrameNavigation: true, disableChildPageNavigation: true },
    },
  });
  const document = window.document;
  // Node's Buffer and happy-dom's detached-window API are no browser globals
  delete window.Buffer;
  delete window.happyDOM;
  // happy-dom would fire `load` by itself once its task manager is idle; this page fires it when the
  // scripts have run, so keep one task open for the page's life.
  window[PropertySymbol.readyStateManager].startTask();

  // ---- guest code goes to the engine ----
  window[PropertySymbol.evaluateScript] = (code, evalOptions) => services.compileFunction(String(code), String(evalOptions?.filename ?? document.URL));
  window[PropertySymbol.dispatchError] = function (thrown) {
    // happy-dom catches what a listener throws; what crossed host frames (a stack overflow inside the
    // engine, say) may be a host object: the engine turns it into a guest value before anyone sees it
    const error = services.toGuest(thrown);
    services.reportError(error);
    this.dispatchEvent(new window.ErrorEvent('error', { message: error?.message, error }));
  };

  // ---- listeners are recorded by the engine (a snapshot reads them there) ----
  const addEventListener = EventTarget.prototype.addEventListener;
  const removeEventListener = EventTarget.prototype.removeEventListener;
  const flag = (options, name) => (typeof options === 'boolean' ? name === 'capture' && options : options !== null && typeof options === 'object' && !!options[name]);
  function add(type, listener, listenerOptions) {
    const result = addEventListener.call(this, type, listener, listenerOptions);
    if (listener !== null && listener !== undefined) services.addListener(this, String(type), listener, flag(listenerOptions, 'capture'), flag(listenerOptions, 'once'), flag(listenerOptions, 'passive'));
    return result;
  }
  function remove(type, listener, listenerOptions) {
    services.removeListener(this, String(type), listener, flag(listenerOptions, 'capture'));
    return removeEventListener.call(this, type, listener, listenerOptions);
  }
  Object.defineProperty(EventTarget.prototype, 'addEventListener', { value: { addEventListener: add }.addEventListener, writable: true, configurable: true });
  Object.defineProperty(EventTarget.prototype, 'removeEventListener', { value: { removeEventListener: remove }.removeEventListener, writable: true, configurable: true });
  // happy-dom binds the window's methods to it as own properties: so do these
  const addOnWindow = { addEventListener: (type, listener, o) => add.call(window, type, listener, o) }.addEventListener;
  const removeOnWindow = { removeEventListener: (type, listener, o) => remove.call(window, type, listener, o) }.removeEventListener;

  // ---- scripts inserted by scripts (not by the parser) run too ----
  const connected = HTMLScriptElement.prototype[PropertySymbol.connectedToDocument];
  HTMLScriptElement.prototype[PropertySymbol.connectedToDocument] = function () {
    const dynamic = !this[PropertySymbol.disableEvaluation];
    this[PropertySymbol.disableEvaluation] = true;
    const result = connected.call(this);
    if (dynamic && this.ownerDocument === document) {
      // a script-inserted script is async unless async=false: run it as its own task
      const script = this;
      if (this.hasAttribute('src') || this.textContent) window.setTimeout(() => runScript(script), 0);
    }
    return result;
  };

  // ---- globals the engine serves ----
  const globals = {
    requestAnimationFrame(callback) {
      if (typeof callback !== 'function') throw new window.TypeError("Failed to execute 'requestAnimationFrame' on 'Window': The callback provided as parameter 1 is not a function.");
      return services.requestAnimationFrame(callback);
    },
    cancelAnimationFrame(id) {
      services.cancelAnimationFrame(Number(id));
    },
    fetch(input, init) {
      try {
        const request = new window.Request(input, init);
        const url = new window.URL(request.url);
        if (url.protocol !== 'file:') throw new window.TypeError(`Failed to fetch ${url.href}: only the app's own files can be fetched`);
        if (request.method !== 'GET' && request.method !== 'HEAD') throw new window.TypeError(`Failed to fetch ${url.href}: ${request.method} of a local file`);
        // the response arrives in a later task, as from a network; the pending fetch is a timer whose
        // callback and arguments a page snapshot can write (the file is read when it arrives)
        return new Promise((resolve) => window.setTimeout(deliverFetch, 0, resolve, url.href, request.method));
      } catch (error) {
        return Promise.reject(error);
      }
    },
  };
  function deliverFetch(resolve, href, method) {
    const body = services.readAppFile(href);
    if (body === null) return resolve(new window.Response('', { status: 404, statusText: 'Not Found' }));
    const ext = /\.([a-z0-9]+)$/i.exec(new window.URL(href).pathname)?.[1]?.toLowerCase() ?? '';
    resolve(new window.Response(method === 'HEAD' ? null : body, { status: 200, statusText: 'OK', headers: { 'Content-Type': MIME[ext] ?? 'application/octet-stream' } }));
  }
  const installGlobals = () => {
    Object.defineProperty(window, 'addEventListener', { value: addOnWindow, writable: true, enumerable: true, configurable: true });
    Object.defineProperty(window, 'removeEventListener', { value: removeOnWindow, writable: true, enumerable: true, configurable: true });
    for (const name of Object.keys(globals)) Object.defineProperty(window, name, { value: globals[name], writable: true, enumerable: true, configurable: true });
    if (canvas) {
      Object.defineProperty(window, 'CanvasRenderingContext2D', { value: canvas.CanvasRenderingContext2D, writable: true, enumerable: false, configurable: true });
      Object.defineProperty(window, 'CanvasGradient', { value: canvas.CanvasGradient, writable: true, enumerable: false, configurable: true });
    }
    Object.defineProperty(window, 'performance', { value: options.performance, writable: true, enumerable: true, configurable: true });
  };

  // ---- scripts ----
  function scriptFile(script) {
    const src = script.getAttribute('src');
    return src === null ? null : new window.URL(src, document.baseURI).href;
  }
  function runScript(script) {
    const kind = scriptKind(script);
    if (kind === 'data') return;
    const url = scriptFile(script);
    document[PropertySymbol.currentScript] = kind === 'classic' ? script : null;
    try {
      if (kind === 'module') {
        if (url === null) services.runInlineModule(script.textContent);
        else services.runModule(url);
      } else if (url === null) {
        services.runScript(script.textContent, document.URL);
      } else {
        const source = services.readAppFile(url);
        if (source === null) {
          services.reportLoadError(`Failed to load script ${url}: no such file in the app's folder`);
          script.dispatchEvent(new window.Event('error'));
          return;
        }
        services.runScript(source, url);
      }
    } finally {
      document[PropertySymbol.currentScript] = null;
    }
    if (url !== null) script.dispatchEvent(new window.Event('load'));
  }

  function setReadyState(state) {
    document[PropertySymbol.readyState] = state;
    document.dispatchEvent(new window.Event('readystatechange'));
    services.checkpoint();
  }

  /** Insert `node` (already out of its parsed document) under `parent`, then its children, running parser-inserted scripts. */
  function insert(node, parent, later, holdsScripts) {
    // a subtree with no script in it goes in at once: nothing can observe the order inside it
    const atomic = ATOMIC.has(node.nodeName) || node.nodeType !== 1 || !holdsScripts.has(node);
    const children = atomic ? [] : Array.from(node.childNodes);
    for (const child of children) node.removeChild(child);
    const isScript = node.nodeName === 'SCRIPT';
    if (isScript) node[PropertySymbol.disableEvaluation] = true;
    parent.appendChild(node);
    if (isScript) {
      const kind = scriptKind(node);
      if (kind === 'module' || (kind === 'classic' && node.hasAttribute('src') && node.hasAttribute('defer'))) {
        if (node.hasAttribute('async') && kind === 'module') later.async.push(node);
        else later.deferred.push(node);
      } else if (kind === 'classic' && node.hasAttribute('src') && node.hasAttribute('async')) later.async.push(node);
      else if (kind === 'classic') {
        runScript(node);
        services.checkpoint();
      }
    }
    for (const child of children) insert(child, node, later, holdsScripts);
  }

  function load(html) {
    const parsed = new window.DOMParser().parseFromString(String(html), 'text/html');
    for (const child of Array.from(document.childNodes)) document.removeChild(child);
    document[PropertySymbol.readyState] = 'loading';
    installGlobals();
    const later = { deferred: [], async: [] };
    const holdsScripts = new Set();
    for (const script of parsed.querySelectorAll('script')) for (let n = script.parentNode; n && !holdsScripts.has(n); n = n.parentNode) holdsScripts.add(n);
    for (const child of Array.from(parsed.childNodes)) {
      parsed.removeChild(child);
      insert(child, document, later, holdsScripts);
    }
    setReadyState('interactive');
    for (const script of later.deferred) {
      runScript(script);
      services.checkpoint();
    }
    document.dispatchEvent(new window.Event('DOMContentLoaded', { bubbles: true }));
    services.checkpoint();
    for (const script of later.async) {
      runScript(script);
      services.checkpoint();
    }
    document[PropertySymbol.readyState] = 'complete';
    document.dispatchEvent(new window.Event('readystatechange'));
    const loadEvent = new window.Event('load');
    // as happy-dom and browsers do: load is dispatched at the window with the document as target
    loadEvent[PropertySymbol.currentTarget] = window;
    loadEvent[PropertySymbol.target] = document;
    loadEvent[PropertySymbol.eventPhase] = 2;
    window.dispatchEvent(loadEvent);
    loadEvent[PropertySymbol.currentTarget] = null;
    loadEvent[PropertySymbol.eventPhase] = 0;
    loadEvent[PropertySymbol.dispatching] = false;
    services.checkpoint();
  }

  // ---- input, as a user's browser produces it ----
  function find(selector) {
    return document.querySelector(String(selector));
  }
  function focus(el) {
    if (typeof el.focus === 'function') el.focus();
  }
  function click(selector) {
    const el = find(selector);
    if (!el) return false;
    const init = { bubbles: true, cancelable: true, composed: true, view: window, button: 0 };
    el.dispatchEvent(new window.PointerEvent('pointerdown', init));
    el.dispatchEvent(new window.MouseEvent('mousedown', init));
    focus(el);
    el.dispatchEvent(new window.PointerEvent('pointerup', init));
    el.dispatchEvent(new window.MouseEvent('mouseup', init));
    el.click();
    return true;
  }
  function keyInit(key) {
    const printable = [...key].length === 1;
    const code = printable ? (/[a-z]/i.test(key) ? `Key${key.toUpperCase()}` : /[0-9]/.test(key) ? `Digit${key}` : key === ' ' ? 'Space' : '') : key;
    const keyCode = key === 'Enter' ? 13 : key === 'Escape' ? 27 : key === 'Backspace' ? 8 : key === 'Tab' ? 9 : printable ? key.toUpperCase().charCodeAt(0) : 0;
    return { key, code, keyCode, which: keyCode, bubbles: true, cancelable: true, composed: true, view: window };
  }
  function press(el, key, insertText) {
    const init = keyInit(key);
    const proceed = el.dispatchEvent(new window.KeyboardEvent('keydown', init));
    const printable = [...key].length === 1;
    if (proceed && (printable || key === 'Enter')) {
      const typed = el.dispatchEvent(new window.KeyboardEvent('keypress', { ...init, charCode: printable ? key.codePointAt(0) : 13 }));
      if (typed && printable && insertText && 'value' in el) {
        el.value = String(el.value ?? '') + key;
        el.dispatchEvent(new window.InputEvent('input', { bubbles: true, composed: true, inputType: 'insertText', data: key }));
      }
    }
    el.dispatchEvent(new window.KeyboardEvent('keyup', init));
  }
  function type(selector, text) {
    const el = find(selector);
    if (!el) return false;
    focus(el);
    for (const ch of String(text)) {
      press(el, ch, true);
      services.checkpoint();
    }
    return true;
  }
  function key(selector, name) {
    const el = find(selector);
    if (!el) return false;
    focus(el);
    press(el, String(name), false);
    return true;
  }
  function text(selector) {
    const el = find(selector);
    return el ? el.textContent : null;
  }

  // ---- for page snapshots (../snapshot.ts): happy-dom's own functions, kept from before any script ran ----
  const getContext = window.HTMLCanvasElement.prototype.getContext;
  const snapshot = {
    addListener(target, type, listener, capture, once, passive) {
      add.call(target, type, listener, { capture, once, passive });
    },
    canvasOf: (ctx) => (canvas ? canvas.canvasOf(ctx) : null),
    canvasId: (element) => (canvas ? canvas.canvasId(element) : 0),
    context2d: (element) => getContext.call(element, '2d'),
  };

  // deliverFetch: a pending fetch's timer callback, named in snapshots by its path from the controller
  return { window, load, click, type, key, text, installGlobals, snapshot, deliverFetch, PropertySymbol };
}
