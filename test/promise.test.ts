// The engine's Promise, tested without the VM: test code runs natively in the realm's context (its
// global's Promise and queueMicrotask replaced by the engine's), guest callbacks are realm natives.
// Orderings are checked against V8's own promises running the same source.
import t from 'tap';
import * as vm from 'node:vm';
import { Realm } from '../src/interpreter/realm';
import { JobQueue, type Job } from '../src/interpreter/jobs';
import { getBuiltinClosureRecord, getPromiseRecord, installPromise, isPromise, promiseResolve, RejectionTracker, toGuestError } from '../src/interpreter/promise';
import { installTimers, Timers } from '../src/interpreter/timers';

interface Resumed {
  continuation: unknown;
  value: unknown;
  rejected: boolean;
}

function setup() {
  const realm = new Realm();
  const uncaught: unknown[] = [];
  const queue = new JobQueue({ onUncaught: (e) => void uncaught.push(e) });
  const tracker = new RejectionTracker();
  const resumed: Resumed[] = [];
  const hooks = {
    rejectionTracker: tracker.track,
    resumeAwait: (continuation: unknown, value: unknown, rejected: boolean) => void resumed.push({ continuation, value, rejected }),
  };
  const promises = installPromise(realm, queue, hooks);
  const timers = new Timers();
  installTimers(realm, timers, queue);
  const log: unknown[] = [];
  // Code run by realmEval sees the context's global: give it the engine's built-ins.
  realm.realmEval<(g: object, log: unknown) => void>(
    `(function (g, log) {
      for (const k of ['Promise', 'queueMicrotask', 'setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'])
        Object.defineProperty(globalThis, k, { value: g[k], writable: true, enumerable: false, configurable: true });
      globalThis.log = log;
    })`,
  )(
    realm.global,
    realm.native('log', 1, (_t, a) => void log.push(a[0])),
  );
  const run = <T = unknown>(src: string): T => realm.realmEval<T>(src);
  return { realm, queue, tracker, resumed, promises, timers, log, uncaught, run, G: realm.global as any };
}

/** The same source under V8's own Promise and queueMicrotask: the reference ordering. */
async function runNative(code: string): Promise<unknown[]> {
  const log: unknown[] = [];
  const ctx = vm.createContext({ log: (x: unknown) => void log.push(x), queueMicrotask });
  vm.runInContext(code, ctx);
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return log;
}

function runOurs(code: string): unknown[] {
  const s = setup();
  s.run(code);
  s.queue.runJobs();
  if (s.uncaught.length) throw new Error('uncaught in job');
  return s.log;
}

// Programs whose log order must match V8's exactly.
const orderingCases: { name: string; code: string }[] = [
  {
    name: 'then before and after resolution',
    code: `
      let res; const p = new Promise(r => { res = r; });
      p.then(v => log('early ' + v));
      res(1);
      p.then(v => log('late ' + v));
      Promise.resolve(2).then(v => log('other ' + v));
      log('sync');`,
  },
  {
    name: 'resolving with a promise takes two extra ticks',
    code: `
      const a = Promise.resolve('A');
      new Promise(r => r(a)).then(v => log('adopted ' + v));
      Promise.resolve().then(() => log(1)).then(() => log(2)).then(() => log(3)).then(() => log(4));`,
  },
  {
    name: 'returning a promise from then',
    code: `
      Promise.resolve().then(() => Promise.resolve('x')).then(v => log('ret ' + v));
      Promise.resolve().then(() => log(1)).then(() => log(2)).then(() => log(3)).then(() => log(4)).then(() => log(5));`,
  },
  {
    name: 'foreign thenables',
    code: `
      const th = { then(ok) { log('then called'); ok('T'); } };
      Promise.resolve(th).then(v => log('thenable ' + v));
      new Promise(r => r({ then: 5 })).then(v => log('not callable ' + typeof v.then));
      Promise.resolve().then(() => log(1)).then(() => log(2)).then(() => log(3));`,
  },
  {
    name: 'rejections and catch/finally',
    code: `
      Promise.reject(new Error('boom')).catch(e => log('caught ' + e.message));
      Promise.resolve(1).finally(() => log('fin1')).then(v => log('after fin ' + v));
      Promise.reject(2).finally(() => log('fin2')).catch(v => log('after fin2 ' + v));
      Promise.resolve(3).finally(() => { throw 'fin3'; }).catch(v => log('fin threw ' + v));
      Promise.resolve(4).finally(() => Promise.reject('fin4')).catch(v => log('fin rejected ' + v));
      new Promise(() => { throw 'exec'; }).catch(v => log('executor threw ' + v));
      new Promise((r) => { r('first'); throw 'ignored'; }).then(v => log('kept ' + v));`,
  },
  {
    name: 'combinators',
    code: `
      const later = (v) => new Promise(r => Promise.resolve().then(() => r(v)));
      Promise.all([1, later(2), Promise.resolve(3)]).then(v => log('all ' + v.join()));
      Promise.all([]).then(v => log('all empty ' + v.length));
      Promise.all([later(1), Promise.reject('no')]).catch(e => log('all rejected ' + e));
      Promise.allSettled([later('a'), Promise.reject('b')]).then(r => log('settled ' + JSON.stringify(r)));
      Promise.any([Promise.reject(1), later(2)]).then(v => log('any ' + v));
      Promise.any([]).catch(e => log('any empty ' + e.constructor.name + ' ' + e.errors.length + ' ' + e.message));
      Promise.race([later('slow'), 'fast']).then(v => log('race ' + v));
      Promise.all('ab').then(v => log('string iterable ' + v));
      Promise.all(5).catch(e => log('not iterable ' + e.constructor.name));
      Promise.resolve().then(() => log(1)).then(() => log(2)).then(() => log(3)).then(() => log(4));`,
  },
  {
    name: 'combinators close iterators on abrupt completion',
    code: `
      const it = { [Symbol.iterator]() { return { next() { return { value: 1, done: false }; }, return() { log('closed'); return {}; } }; } };
      const C = function (ex) { return new Promise(ex); };
      C.resolve = function () { throw 'resolve threw'; };
      Promise.all.call(C, it).catch(e => log('all ' + e));
      const it2 = { [Symbol.iterator]() { return { next() { throw 'next threw'; }, return() { log('must not close'); } }; } };
      Promise.race(it2).catch(e => log('race ' + e));`,
  },
  {
    name: 'subclasses and species',
    code: `
      class MyP extends Promise { constructor(ex) { log('construct'); super(ex); } }
      const p = MyP.resolve(1);
      log(p instanceof MyP);
      const q = p.then(v => log('sub then ' + v));
      log(q instanceof MyP);
      log(Promise.resolve(p) === p);
      log(MyP.resolve(p) === p);
      class NoSpecies extends Promise { static get [Symbol.species]() { return Promise; } }
      log(NoSpecies.resolve(1).then(() => {}) instanceof NoSpecies);
      log(MyP.all([1]) instanceof MyP);`,
  },
  {
    name: 'queueMicrotask interleaves with promise jobs',
    code: `
      Promise.resolve().then(() => log('p1'));
      queueMicrotask(() => { log('m1'); queueMicrotask(() => log('m2')); });
      Promise.resolve().then(() => log('p2')).then(() => log('p3'));`,
  },
  {
    name: 'a throwing then getter rejects with the guest value',
    code: `
      const err = { tag: 'mine' };
      const bad = { get then() { throw err; } };
      Promise.resolve(bad).catch(e => log('same object ' + (e === err)));
      new Promise(r => r(bad)).catch(e => log('ctor ' + e.tag));`,
  },
  {
    name: 'self resolution',
    code: `
      let res; const p = new Promise(r => { res = r; }); res(p);
      p.catch(e => log(e.constructor.name + ': ' + e.message));`,
  },
];

t.test('reaction ordering matches V8', async (t) => {
  for (const c of orderingCases) {
    const expected = await runNative(c.code);
    t.same(runOurs(c.code), expected, c.name);
  }
});

t.test('errors thrown toward the guest are realm errors', async (t) => {
  const s = setup();
  const TypeError = s.realm.intrinsics.TypeError;
  const cases = [
    'new Promise(1)',
    'Promise(function () {})',
    'Promise.prototype.then.call({}, () => {})',
    'Promise.prototype.finally.call(1)',
    'Promise.resolve.call(1, 2)',
    'Promise.reject.call({}, 2)',
    'Promise.all.call(undefined, [])',
    'Promise.withResolvers.call(function () {})',
    'const p = Promise.resolve(); p.constructor = 1; p.then()',
    'const p = Promise.resolve(); p.constructor = { [Symbol.species]: 1 }; p.then()',
    'Promise.all.call(function (ex) { ex(1, 2); ex(3, 4); }, [])',
  ];
  for (const code of cases) {
    let thrown: unknown;
    try {
      s.run(`{ ${code} }`);
    } catch (e) {
      thrown = e;
    }
    t.ok(thrown instanceof TypeError, `${code} throws a realm TypeError`);
    t.notOk(thrown instanceof globalThis.Error, `${code}: not a host error`);
  }
  // A host error (a stack overflow inside engine code) becomes a realm error of the same type.
  const converted = toGuestError(s.realm, new RangeError('Maximum call stack size exceeded'));
  t.ok(converted instanceof s.realm.intrinsics.RangeError);
  const guestValue = s.run('({})');
  t.equal(toGuestError(s.realm, guestValue), guestValue, 'guest values pass unchanged');
  // Rejection reasons made by the engine are realm errors too.
  s.run('let r; const p = new Promise(x => { r = x; }); r(p); p.catch(e => log(e));');
  s.queue.runJobs();
  t.ok(s.log[0] instanceof TypeError, 'self-resolution reason is a realm TypeError');
  // Deep recursion through the engine's natives: whatever overflows reaches the guest as a realm error.
  const overflow = s.run<unknown>(`
    (function () {
      function C(ex) { f(); }
      function f() { Promise.resolve.call(C, 1); }
      try { f(); } catch (e) { return e; }
    })()`);
  t.ok(overflow instanceof s.realm.intrinsics.Error, 'stack overflow surfaces as a realm error');
});

t.test('shape of the built-in', async (t) => {
  const s = setup();
  const P = s.G.Promise;
  const d = (o: object, k: PropertyKey) => Object.getOwnPropertyDescriptor(o, k);
  t.same(d(s.G, 'Promise'), { value: P, writable: true, enumerable: false, configurable: true });
  t.equal(P.length, 1);
  t.equal(P.name, 'Promise');
  t.same(d(P, 'prototype'), { value: P.prototype, writable: false, enumerable: false, configurable: false });
  t.equal(Object.getPrototypeOf(P), s.realm.intrinsics.FunctionPrototype);
  t.equal(Object.getPrototypeOf(P.prototype), s.realm.intrinsics.ObjectPrototype);
  t.same(d(P.prototype, 'constructor'), { value: P, writable: true, enumerable: false, configurable: true });
  t.same(d(P.prototype, Symbol.toStringTag), { value: 'Promise', writable: false, enumerable: false, configurable: true });
  const species = d(P, Symbol.species)!;
  t.equal(species.get!.name, 'get [Symbol.species]');
  t.equal(species.set, undefined);
  const lengths: Record<string, number> = { all: 1, allSettled: 1, any: 1, race: 1, reject: 1, resolve: 1, try: 1, withResolvers: 0 };
  for (const [k, n] of Object.entries(lengths)) {
    t.equal(P[k].length, n, `Promise.${k}.length`);
    t.equal(P[k].name, k);
    t.same(Object.keys(d(P, k)!), ['value', 'writable', 'enumerable', 'configurable']);
    t.equal(d(P, k)!.enumerable, false);
  }
  for (const [k, n] of Object.entries({ then: 2, catch: 1, finally: 1 })) {
    t.equal(P.prototype[k].length, n, `Promise.prototype.${k}.length`);
    t.equal(P.prototype[k].name, k);
  }
  // The anonymous built-in closures: name "", not constructors, realm functions, records readable.
  const fns = s.run<{ resolve: Function; reject: Function; executor: Function }>(`
    (() => { let out = {}; new Promise((res, rej) => { out.resolve = res; out.reject = rej; });
      function C(ex) { out.executor = ex; ex(() => {}, () => {}); } Promise.resolve.call(C, 1); return out; })()`);
  for (const [k, f] of Object.entries(fns)) {
    t.equal(f.name, '', `${k} name`);
    t.same(Object.getOwnPropertyNames(f), ['length', 'name'], `${k} own properties`);
    t.equal(Object.getPrototypeOf(f), s.realm.intrinsics.FunctionPrototype, `${k} is a realm function`);
    t.throws(() => Reflect.construct(f, []), `${k} is not a constructor`);
  }
  t.equal(fns.executor.length, 2);
  t.equal(fns.resolve.length, 1);
  t.equal(getBuiltinClosureRecord(fns.resolve)?.kind, 'resolve');
  t.equal(getBuiltinClosureRecord(fns.executor)?.kind, 'executor');
});

t.test('promise records and the host API', async (t) => {
  const s = setup();
  const p = s.run<object>('Promise.resolve(7)');
  t.ok(isPromise(p));
  t.notOk(isPromise(s.run('({ then() {} })')));
  t.notOk(isPromise(s.run('new Proxy(Promise.resolve(), {})')), 'a proxy of a promise is not a promise');
  t.same(getPromiseRecord(p), { state: 'fulfilled', result: 7, fulfillReactions: undefined, rejectReactions: undefined, isHandled: false });
  t.equal(promiseResolve(s.realm, s.promises.Promise, p), p, 'PromiseResolve returns a promise of C itself');
  const wrapped = promiseResolve(s.realm, s.promises.Promise, 8);
  t.equal(getPromiseRecord(wrapped)?.result, 8);

  // newPromise: a host capability; resolving twice is ignored; thenables are adopted.
  const cap = s.promises.newPromise();
  cap.resolve(s.run('Promise.resolve("adopted")'));
  cap.reject('ignored');
  t.equal(getPromiseRecord(cap.promise)?.state, 'pending', 'adoption waits for jobs');
  s.queue.runJobs();
  t.same(getPromiseRecord(cap.promise)?.result, 'adopted');

  // performPromiseThen with AwaitHandlers resumes the VM through the hook.
  const pending = s.promises.newPromise();
  const k1 = { frame: 1 };
  s.promises.performPromiseThen(pending.promise, { kind: 'await', continuation: k1, rejected: false }, { kind: 'await', continuation: k1, rejected: true });
  pending.reject('why');
  s.queue.runJobs();
  t.same(s.resumed, [{ continuation: k1, value: 'why', rejected: true }]);
  t.equal(s.tracker.pending.length, 0, 'an awaited rejection is handled');

  // performAwait: one tick for a native promise, three for a thenable (as V8's await), values as given.
  s.run(`Promise.resolve().then(() => log(1)).then(() => log(2)).then(() => log(3)).then(() => log(4));`);
  s.promises.performAwait(s.run('Promise.resolve("native")'), 'k-native');
  s.promises.performAwait(s.run('({ then(r) { r("thenable"); } })'), 'k-thenable');
  s.promises.performAwait(42, 'k-plain');
  const order: unknown[] = [];
  const hooks = s.promises.hooks;
  const saved = hooks.resumeAwait;
  hooks.resumeAwait = (c, v) => {
    order.push(`${String(c)}=${String(v)}`);
    s.log.push(c);
  };
  s.queue.runJobs();
  hooks.resumeAwait = saved;
  t.same(s.log, [1, 'k-native', 'k-plain', 2, 'k-thenable', 3, 4], 'await ticks');
  t.same(order, ['k-native=native', 'k-plain=42', 'k-thenable=thenable']);
  t.throws(() => s.promises.performAwait(s.run('(() => { const p = Promise.resolve(); Object.defineProperty(p, "constructor", { get() { throw 7; } }); return p; })()'), 'k'));

  // An `await` job resumes directly.
  s.queue.enqueue({ kind: 'await', continuation: 'k2', value: 5, rejected: false });
  s.queue.runJobs();
  t.same(s.resumed[1], { continuation: 'k2', value: 5, rejected: false });

  // A guest object can never pose as an AwaitHandler.
  s.run(`Promise.resolve(1).then({ kind: 'await', continuation: 'forged', rejected: false });`);
  const forged = s.run<object>(`({ kind: 'await', continuation: 'forged', rejected: false })`);
  s.promises.performPromiseThen(s.run('Promise.resolve(2)'), forged, undefined);
  s.queue.runJobs();
  t.equal(s.resumed.length, 2, 'forged handlers are ignored');

  // A guest function as a handler without a capability; its throw is reported as uncaught.
  const thrower = s.realm.native('thrower', 1, () => {
    throw s.realm.error('Error', 'in handler');
  });
  s.promises.performPromiseThen(s.run('Promise.resolve(3)'), thrower, undefined);
  s.queue.runJobs();
  t.equal(s.uncaught.length, 1);
  t.ok(s.uncaught[0] instanceof s.realm.intrinsics.Error);
});

t.test('the job queue holds only plain records and guest values', async (t) => {
  const s = setup();
  s.run(`
    const p = new Promise(r => r(Promise.resolve(1)));
    p.then(() => {}).finally(() => {});
    Promise.all([p, { then(r) { r(2); } }]).then(() => {});
    Promise.allSettled([p]); Promise.any([p]); Promise.race([p]);
    queueMicrotask(() => {});`);
  s.promises.performPromiseThen(s.run('Promise.resolve()'), { kind: 'await', continuation: { pc: 3 }, rejected: false }, undefined);
  const realmFunctionProto = s.realm.intrinsics.FunctionPrototype;
  const problems: string[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown, where: string): void => {
    if ((typeof v !== 'object' && typeof v !== 'function') || v === null || seen.has(v)) return;
    seen.add(v);
    if (typeof v === 'function') {
      if (Object.getPrototypeOf(v) !== realmFunctionProto) problems.push(`${where}: a function that is not a realm function`);
      const rec = getBuiltinClosureRecord(v);
      if (rec) walk(rec, `${where}<closure>`);
      return;
    }
    const proto = Object.getPrototypeOf(v);
    const host = proto === Object.prototype || proto === Array.prototype;
    if (!host) {
      const rec = getPromiseRecord(v);
      if (rec) walk(rec, `${where}<promise>`);
      return; // a guest object: the snapshot's heap walk takes it from here
    }
    for (const [k, x] of Object.entries(v)) walk(x, `${where}.${k}`);
  };
  let steps = 0;
  while (s.queue.size > 0 && steps++ < 100) {
    s.queue.jobs.forEach((job: Job, i: number) => walk(job, `jobs[${i}]`));
    s.queue.runOne();
  }
  t.same(problems, []);
  t.ok(steps > 5, 'walked several generations of jobs');
});

t.test('unhandled rejection tracking', async (t) => {
  const s = setup();
  s.run(`
    globalThis.a = Promise.reject(1);
    globalThis.b = Promise.reject(2); b.catch(() => {});
    globalThis.c = new Promise((_, rej) => rej(3));
    globalThis.d = Promise.reject(4);
    Promise.resolve().then(() => d.catch(() => {}));
    globalThis.e = Promise.resolve().then(() => { throw 5; });`);
  s.queue.runJobs();
  const unhandled = s.tracker.takeUnhandled();
  t.same(
    unhandled.map((u) => u.reason),
    [1, 3, 5],
    'rejections without handlers after the turn, in order',
  );
  t.equal(unhandled[0]!.promise, s.run('a'));
  t.same(s.tracker.pending, []);
  // A chained promise rejected by a handler is tracked like any other.
  s.run('Promise.resolve().then(() => { throw 6; }).catch(() => {})');
  s.queue.runJobs();
  t.same(s.tracker.takeUnhandled(), []);
});

t.test('job queue mechanics', async (t) => {
  const errors: unknown[] = [];
  const q = new JobQueue({ onUncaught: (e) => void errors.push(e) });
  const order: number[] = [];
  const realm = new Realm();
  const f = (n: number, fail = false) =>
    realm.native('f', 0, () => {
      order.push(n);
      if (n === 1) q.enqueue({ kind: 'microtask', callback: f(4) });
      if (fail) throw realm.error('Error', 'x');
    });
  q.enqueue({ kind: 'microtask', callback: f(1) });
  q.enqueue({ kind: 'microtask', callback: f(2, true) });
  q.enqueue({ kind: 'microtask', callback: f(3) });
  t.equal(q.size, 3);
  t.equal(q.jobs.length, 3);
  q.runJobs();
  t.same(order, [1, 2, 3, 4], 'FIFO, jobs queued meanwhile run after');
  t.equal(errors.length, 1, 'a throwing job is reported and the queue goes on');
  t.equal(q.size, 0);
  // Many jobs: the read index compacts without losing any.
  let count = 0;
  const inc = realm.native('inc', 0, () => void count++);
  for (let i = 0; i < 5000; i++) q.enqueue({ kind: 'microtask', callback: inc });
  for (let i = 0; i < 3000; i++) q.runOne();
  t.equal(q.size, 2000);
  t.equal(q.jobs.length, 2000);
  q.runJobs();
  t.equal(count, 5000);
  // Without a runner for a kind, the error names it.
  const q2 = new JobQueue({ onUncaught: (e) => void errors.push(e) });
  q2.enqueue({ kind: 'await', continuation: 1, value: 2, rejected: false });
  q2.runJobs();
  t.match(String(errors[1]), /no runner registered for jobs of kind 'await'/);
});

t.test('Promise.withResolvers', async (t) => {
  const s = setup();
  s.run(`{
    class MyP extends Promise {}
    const { promise, resolve, reject } = MyP.withResolvers();
    log(promise instanceof MyP); log(Object.keys(MyP.withResolvers()).join());
    resolve('wr'); reject('ignored'); promise.then(v => log(v));
  }`);
  s.queue.runJobs();
  t.same(s.log, [true, 'promise,resolve,reject', 'wr']);
});

t.test('Promise.try', async (t) => {
  const s = setup();
  s.run(`
    Promise.try((a, b) => a + b, 1, 2).then(v => log('try ' + v));
    Promise.try(() => { throw 'e'; }).catch(v => log('try threw ' + v));
    Promise.try(1).catch(e => log('try not callable ' + (e instanceof TypeError)));`);
  s.queue.runJobs();
  t.same(s.log, ['try 3', 'try threw e', 'try not callable true']);
});
