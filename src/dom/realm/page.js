// The page controller, evaluated inside the guest realm with happy-dom (bundled by ../bundle.ts).
// It builds the window, parses the HTML, inserts it node by node as a browser's parser does and runs
// each script when it is inserted, fires DOMContentLoaded and load, and drives input events for steps.
// Guest code runs only in the snapvm engine: scripts and on* attributes go to host services (the
// `services` capability object); happy-dom's own evaluation is never used.
import Window from 'happy-dom/lib/window/Window.js';
import * as PropertySymbol from 'happy-dom/lib/PropertySymbol.js';
import HTMLScriptElement from 'happy-dom/lib/nodes/html-script-element/HTMLScriptElement.js';
import EventTarget from 'happy-dom/lib/event/EventTarget.js';
import Location from 'happy-dom/lib/location/Location.js';
import History from 'happy-dom/lib/history/History.js';
import HTMLBodyElement from 'happy-dom/lib/nodes/html-body-element/HTMLBodyElement.js';
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

/**
 * The body's event handlers that are the window's (HTML's "Window-reflecting body element event handler
 * set" and WindowEventHandlers): `<body onload>` and `document.body.onhashchange = f` set the window's.
 */
const WINDOW_REFLECTING = new Set(['onblur', 'onerror', 'onfocus', 'onload', 'onresize', 'onscroll', 'onafterprint', 'onbeforeprint', 'onbeforeunload', 'onhashchange', 'onlanguagechange', 'onmessage', 'onmessageerror', 'onoffline', 'ononline', 'onpagehide', 'onpageshow', 'onpopstate', 'onrejectionhandled', 'onstorage', 'onunhandledrejection', 'onunload']);

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
  const windowDispatch = window.dispatchEvent;
  const hrefOf = Object.getOwnPropertyDescriptor(Location.prototype, 'href').get;
  const hashOf = Object.getOwnPropertyDescriptor(Location.prototype, 'hash').get;
  const stateOf = Object.getOwnPropertyDescriptor(History.prototype, 'state').get;
  const historyObject = window.history;
  const apply = Reflect.apply;

  // ---- the body's window-reflecting event handlers are the window's ----
  // `<body onload="…">` is the window's onload (compiled lazily, `this` the window) until a script sets
  // window.onload; `body.onX` reads and sets the window's. A Map of the window's handlers that falls
  // back to the body's attribute: happy-dom's dispatch and window.onX getters read it.
  const bodyHandlers = new Map();
  function bodyHandler(name) {
    const body = document.body;
    const code = body && body.localName === 'body' ? body.getAttribute(name) : null;
    if (code === null) return undefined;
    let entry = bodyHandlers.get(name);
    if (!entry || entry.body !== body || entry.code !== code) {
      let fn = null;
      try {
        fn = window[PropertySymbol.evaluateScript](`(function ${name}(event) {\n${code}\n})`, { filename: document.URL }).bind(window);
      } catch (error) {
        window[PropertySymbol.dispatchError](error);
      }
      entry = { body, code, fn };
      bodyHandlers.set(name, entry);
    }
    return entry.fn ?? undefined;
  }
  class WindowHandlers extends Map {
    get(name) {
      const own = super.get(name);
      return own !== undefined || !WINDOW_REFLECTING.has(name) ? own : bodyHandler(name);
    }
  }
  window[PropertySymbol.propertyEventListeners] = new WindowHandlers(window[PropertySymbol.propertyEventListeners]);
  const handlersOf = (body) => (body[PropertySymbol.ownerDocument] === document ? window[PropertySymbol.propertyEventListeners] : null);
  for (const name of WINDOW_REFLECTING) {
    const own = Object.getOwnPropertyDescriptor(HTMLBodyElement.prototype, name) ?? Object.getOwnPropertyDescriptor(window.HTMLElement.prototype, name);
    Object.defineProperty(HTMLBodyElement.prototype, name, {
      get: { [name]() { const m = handlersOf(this); return m ? (m.get(name) ?? null) : (own?.get ? apply(own.get, this, []) : null); } }[name],
      set: { [name](value) { const m = handlersOf(this); if (m) m.set(name, typeof value === 'function' ? value : null); else if (own?.set) apply(own.set, this, [value]); } }[name],
      enumerable: true,
      configurable: true,
    });
  }
  // setting the attribute later replaces a handler a script set (the last one set wins, as in a browser)
  const onSetAttribute = HTMLBodyElement.prototype[PropertySymbol.onSetAttribute];
  HTMLBodyElement.prototype[PropertySymbol.onSetAttribute] = function (attribute, replaced) {
    const result = apply(onSetAttribute, this, [attribute, replaced]);
    const name = attribute[PropertySymbol.name];
    if (WINDOW_REFLECTING.has(name) && this === document.body) window[PropertySymbol.propertyEventListeners].delete(name);
    return result;
  };

  // ---- hashchange: fired by fragment navigation, not by pushState/replaceState ----
  // happy-dom queues its own on one of its timers for every URL change; the engine's timer list would then
  // hold a function of happy-dom's, which no snapshot can write. Its queue is emptied at once with window
  // dispatch muted, and a real fragment navigation fires hashchange as a task of the controller's
  // (fireHashChange, named in page snapshots).
  let historyCalls = 0;
  const setURL = Location.prototype[PropertySymbol.setURL];
  Location.prototype[PropertySymbol.setURL] = function (frame, url) {
    // (a page that froze the window's setTimeout or dispatchEvent keeps happy-dom's own behaviour)
    const swappable = (name) => Object.getOwnPropertyDescriptor(window, name)?.configurable !== false;
    if (this !== window[PropertySymbol.location] || !swappable('setTimeout') || !swappable('dispatchEvent')) return apply(setURL, this, [frame, url]);
    const oldURL = apply(hrefOf, this, []);
    const oldHash = apply(hashOf, this, []);
    let flush = null;
    const swap = (name, value) => {
      const saved = Object.getOwnPropertyDescriptor(window, name);
      Object.defineProperty(window, name, { value, writable: true, enumerable: true, configurable: true });
      return () => (saved ? Object.defineProperty(window, name, saved) : delete window[name]);
    };
    const unswap = swap('setTimeout', (callback) => ((flush = callback), 0));
    try {
      apply(setURL, this, [frame, url]);
    } finally {
      unswap();
    }
    if (flush) {
      const unmute = swap('dispatchEvent', () => true);
      try {
        flush();
      } finally {
        unmute();
      }
    }
    if (historyCalls === 0 && apply(hashOf, this, []) !== oldHash) {
      // navigating to a fragment: popstate at once, hashchange as a task
      const newURL = apply(hrefOf, this, []);
      apply(windowDispatch, window, [new window.PopStateEvent('popstate', { state: apply(stateOf, historyObject, []) })]);
      setTimeout(fireHashChange, 0, oldURL, newURL);
    }
  };
  function fireHashChange(oldURL, newURL) {
    apply(windowDispatch, window, [new window.HashChangeEvent('hashchange', { oldURL: String(oldURL), newURL: String(newURL) })]);
  }
  for (const method of ['pushState', 'replaceState']) {
    const original = History.prototype[method];
    const wrapped = {
      [method](state, unused) {
        historyCalls++;
        try {
          return apply(original, this, arguments);
        } finally {
          historyCalls--;
        }
      },
    }[method];
    Object.defineProperty(History.prototype, method, { value: wrapped, writable: true, enumerable: true, configurable: true });
  }

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
      // an inline classic script runs at once, as a browser runs it; one with a src, or a module, as its
      // own task (a timer of the controller's with the script as argument: a page snapshot can write it);
      // a data script (type=text/plain…) never runs
      const kind = scriptKind(this);
      if (kind === 'classic' && !this.hasAttribute('src')) {
        if (this.textContent) runScript(this);
      } else if (kind !== 'data' && (this.hasAttribute('src') || this.textContent)) setTimeout(runInsertedScript, 0, this);
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
    const outer = document[PropertySymbol.currentScript];
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
      document[PropertySymbol.currentScript] = outer;
    }
    if (url !== null) script.dispatchEvent(new window.Event('load'));
  }

  /** A script a script inserted: it runs as its own task (a timer whose callback this is). */
  function runInsertedScript(script) {
    runScript(script);
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

  /** Dispatch at the window with the document as target, as happy-dom and browsers do for load and pageshow. */
  function fireAtWindow(event) {
    event[PropertySymbol.currentTarget] = window;
    event[PropertySymbol.target] = document;
    event[PropertySymbol.eventPhase] = 2;
    window.dispatchEvent(event);
    event[PropertySymbol.currentTarget] = null;
    event[PropertySymbol.eventPhase] = 0;
    event[PropertySymbol.dispatching] = false;
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
    fireAtWindow(new window.Event('load'));
    services.checkpoint();
    // then pageshow, as a browser fires it after load (persisted: false)
    const pageshow = new window.Event('pageshow');
    Object.defineProperty(pageshow, 'persisted', { value: false, enumerable: true, configurable: true });
    fireAtWindow(pageshow);
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
  /**
   * An input step (steps.ts) as a task of the page's own: the timer Page.queueInput adds calls this, so the
   * step is a turn a snapshot carries and an edge server can run. Not found: reported as an uncaught error.
   */
  function dispatchInput(kind, selector, text) {
    const found = kind === 'click' ? click(selector) : kind === 'type' ? type(selector, text) : kind === 'key' ? key(selector, text) : null;
    if (found === null) throw new window.TypeError(`snapvm: no input step of kind ${String(kind)}`);
    if (!found) throw new window.Error(`snapvm: no element matches ${JSON.stringify(String(selector))}`);
  }
  /** A listener's returned promise rejected: reported as happy-dom reports it (the hook its dispatch calls, bundle.ts). */
  function listenerRejected(error) {
    window[PropertySymbol.dispatchError](error);
  }
  __snapvm_hooks.listenerRejected = listenerRejected;
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
    removeListener(target, type, listener, capture) {
      remove.call(target, type, listener, { capture });
    },
    canvasOf: (ctx) => (canvas ? canvas.canvasOf(ctx) : null),
    canvasId: (element) => (canvas ? canvas.canvasId(element) : 0),
    context2d: (element) => getContext.call(element, '2d'),
  };

  // deliverFetch, fireHashChange, runInsertedScript, dispatchInput: callbacks of the controller's timers, and
  // listenerRejected, a reaction of a listener's promise: named in page snapshots by their path from the controller
  return { window, load, click, type, key, text, installGlobals, snapshot, deliverFetch, fireHashChange, runInsertedScript, dispatchInput, listenerRejected, PropertySymbol };
}
