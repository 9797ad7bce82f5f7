// The hint API guest apps call (`snapvm.offload`, `snapvm.migrate`, `snapvm.where`), and the host's
// side of it. The API is guest code, not host natives: a snapshot writes it out like any other closure,
// so it travels with the app to the edge and back. It talks to the host through one plain guest
// object, the *request*: `migrate()` sets `pending` and parks its resolver; at the next event-loop
// turn boundary the host sees `pending`, moves the program (or not), and whoever continues the program
// completes the request (`where`, then the parked resolvers run as a microtask). The host only reads
// data properties of ordinary objects and queues a microtask: no guest code runs in host frames.
import { types } from 'node:util';
import type { Engine } from '../index';
import { isObject } from '../snapshot/index';

/** Where the program runs. */
export type Place = 'client' | 'edge';

/** The key (a registered symbol, the same in every realm) under which the API object keeps its request. */
export const REQUEST_KEY = 'snapvm.offload.request';

// Runs once, as a guest script, before the app. It keeps its own copies of the intrinsics it uses so
// that an app replacing Promise.prototype.then or Array.prototype.push does not break the protocol.
const API_SOURCE = String.raw`(function (global, edge) {
  'use strict';
  const Prom = Promise, then = Promise.prototype.then, apply = Reflect.apply;
  const freeze = Object.freeze, define = Object.defineProperty, slice = Array.prototype.slice;
  const prior = global.snapvm;
  const argv = prior !== null && typeof prior === 'object' && Array.isArray(prior.argv) ? freeze(apply(slice, prior.argv, [])) : freeze([]);
  // pending: where the program asked to be at the end of this turn; waiters: migrate()'s resolvers
  // edge: whether a host will move the program (false: every migrate() resolves at once, on the client)
  // auto: whether the host may move the program on its own (EUC'15-style decisions), see autoOffload()
  const request = { edge, auto: true, where: 'client', pending: null, waiters: [], active: 0, wake: null };
  request.wake = function wake() {
    const waiters = request.waiters;
    request.waiters = [];
    for (let i = 0; i < waiters.length; i++) waiters[i](request.where);
  };
  function migrate(to) {
    if (to === undefined) to = 'edge';
    if (to !== 'edge' && to !== 'client') throw new TypeError("snapvm.migrate: where must be 'edge' or 'client', not " + String(to));
    if (request.pending === null && (request.where === to || !request.edge)) return Prom.resolve(request.where);
    request.pending = to; // the last request of a turn wins
    return new Prom((resolve) => { request.waiters[request.waiters.length] = resolve; });
  }
  function offload(fn, ...args) {
    if (typeof fn !== 'function') throw new TypeError('snapvm.offload: the first argument must be a function');
    request.active++;
    const done = () => (--request.active === 0 && request.where === 'edge' ? migrate('client') : undefined);
    const run = apply(then, migrate('edge'), [() => fn(...args)]);
    return apply(then, run, [
      (value) => apply(then, Prom.resolve(done()), [() => value]),
      (error) => apply(then, Prom.resolve(done()), [() => { throw error; }]),
    ]);
  }
  function autoOffload(allow) {
    request.auto = allow !== false;
    return request.auto;
  }
  const api = {
    argv,
    offload,
    migrate,
    autoOffload,
    get where() { return request.where; },
  };
  define(api, Symbol.for(${JSON.stringify(REQUEST_KEY)}), { value: request, enumerable: false, writable: false, configurable: false });
  define(global, 'snapvm', { value: freeze(api), writable: true, enumerable: false, configurable: true });
})`;

/**
 * Define the hint API in a fresh engine, before the app runs (it replaces `snapvm`, keeping `argv`).
 * Without an edge, `migrate()` resolves at once with 'client' and `offload(fn)` just runs `fn`.
 */
export function installHints(engine: Engine, options: { edge: boolean }): void {
  engine.evaluateScript(`${API_SOURCE}(globalThis, ${options.edge ? 'true' : 'false'});\n`, 'snapvm:offload');
}

/** The edge is gone for good (after a fault): later hints resolve at once, on the client. */
export function disableEdge(engine: Engine): void {
  const request = requestOf(engine);
  const d = request && Reflect.getOwnPropertyDescriptor(request, 'edge');
  if (request && d && 'value' in d && d.writable) Reflect.set(request, 'edge', false);
}

/** A data property of an ordinary (non-proxy) object; reads that could run guest code give undefined. */
function dataProperty(o: unknown, key: string | symbol): unknown {
  if (!isObject(o) || types.isProxy(o)) return undefined;
  const d = Reflect.getOwnPropertyDescriptor(o, key);
  return d && 'value' in d ? d.value : undefined;
}

/** The guest's request object, if the hint API is installed and intact. */
function requestOf(engine: Engine): object | null {
  const api = dataProperty(engine.realm.global, 'snapvm');
  const request = dataProperty(api, Symbol.for(REQUEST_KEY));
  return isObject(request) && !types.isProxy(request) ? request : null;
}

/** Where the program asked to move at the end of this turn, or null. */
export function pendingMove(engine: Engine): Place | null {
  const pending = dataProperty(requestOf(engine), 'pending');
  return pending === 'edge' || pending === 'client' ? pending : null;
}

/** The program continues at `where`: record it and let the waiting `migrate()` promises resolve (a microtask). */
export function completeMove(engine: Engine, where: Place): void {
  const request = requestOf(engine);
  if (!request) return;
  for (const [key, value] of [
    ['where', where],
    ['pending', null],
  ] as const) {
    const d = Reflect.getOwnPropertyDescriptor(request, key);
    if (d && 'value' in d && d.writable) Reflect.set(request, key, value); // a writable own data property: no setter runs
  }
  const wake = dataProperty(request, 'wake');
  if (typeof wake === 'function') engine.queue.enqueue({ kind: 'microtask', callback: wake });
}

/** Whether the app lets the host move it on its own (`snapvm.autoOffload(false)` forbids it). */
export function autoAllowed(engine: Engine): boolean {
  return dataProperty(requestOf(engine), 'auto') !== false;
}

/** Where the program currently runs, as the guest sees it. */
export function placeOf(engine: Engine): Place | null {
  const where = dataProperty(requestOf(engine), 'where');
  return where === 'edge' || where === 'client' ? where : null;
}
