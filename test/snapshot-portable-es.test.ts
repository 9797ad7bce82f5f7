// Portable output (see snapshot-portable.test.ts) for what plain JavaScript has no constructor for:
// private class members (rebuilt through the class's hidden constructor path), ES modules (live
// bindings, namespaces), matchAll iterators, and a named function expression's immutable own name.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { portableKit, type Program } from './portable-lib';

const { dir, write, continues } = portableKit(t);

const PROGRAMS: Program[] = [
  {
    name: 'private class members: fields, methods, accessors, statics, inheritance, brand checks, frozen instances, closures, toString',
    turns: [1, 2],
    source: `'use strict';
let made = 0;
class Account {
  #balance = 10;
  static #count = 0;
  #log = [];
  id = ++Account.#count;
  constructor(owner) { this.owner = owner; made++; }
  #audit(msg) { this.#log.push(msg); }
  get #doubled() { return this.#balance * 2; }
  set #doubled(v) { this.#balance = v / 2; }
  deposit(n) { this.#balance += n; this.#audit('dep ' + n); return this.#balance; }
  get balance() { return this.#balance; }
  doubled() { return this.#doubled; }
  setDoubled(v) { this.#doubled = v; }
  history() { return this.#log.join(','); }
  static count() { return Account.#count; }
  static isAccount(o) { return #balance in o; }
  reader() { return () => this.#balance; }
  auditor() { return this.#audit; }
}
class Savings extends Account {
  #rate;
  constructor(owner, { rate = 0.1 } = {}) { super(owner); this.#rate = rate; }
  interest() { return this.balance * this.#rate; }
  static isSavings(o) { return #rate in o; }
}
class Premium extends Savings { #tier = 'gold'; tier() { return this.#tier + ':' + this.interest(); } }
class Registry { static #items = new Map(); static #key(k) { return 'k:' + k; } static add(k, v) { Registry.#items.set(Registry.#key(k), v); return Registry.#items.size; } static get(k) { return Registry.#items.get(Registry.#key(k)); } }
const a = new Account('ann'); a.deposit(5);
const s = new Savings('sam', { rate: 0.5 }); s.deposit(20);
const pr = new Premium('pat'); pr.deposit(100);
const frozen = Object.freeze(new Account('fred'));
const r = a.reader(); const audit = a.auditor();
Registry.add('x', a);
function makePair() { class P { #v; constructor(v) { this.#v = v; } static get(o) { return o.#v; } bump() { this.#v++; return this; } } return [P, new P(1), new P(2)]; }
const [P1, p1a, p1b] = makePair(); const [P2, p2a] = makePair();
function shared() { class Holder { #secret; constructor(v) { this.#secret = v; } static peek = (o) => o.#secret; static Inner = class { #own = 'inner'; both(o) { return o.#secret + '+' + this.#own; } }; read() { return Holder.peek(this); } } return { Holder, peek: Holder.peek, inner: new Holder.Inner() }; }
const sh = shared(); const h = new sh.Holder('hidden');
setTimeout(() => {
  console.log(a.deposit(1), s.deposit(1), frozen.deposit(2), r(), a.history(), s.history(), pr.tier());
  console.log(Account.count(), Account.isAccount(a), Account.isAccount({}), Savings.isSavings(s), Savings.isSavings(pr), s.interest(), a.id, s.id, frozen.id, pr.id);
  console.log(a.doubled(), (a.setDoubled(100), a.balance), Object.keys(a), Object.keys(s), Object.keys(pr), Object.isFrozen(frozen), made);
  console.log(P1.get(p1a), P1.get(p1b.bump()), P2.get(p2a), P1 === P2, Registry.get('x') === a, Registry.add('y', 1), sh.peek(h), h.read(), sh.inner.both(h));
  try { P1.get(p2a); } catch (e) { console.log('brand', e.constructor.name); }
  try { audit.call({}, 'x'); } catch (e) { console.log('audit on a stranger', e.constructor.name); }
  audit.call(a, 'via extracted'); console.log(a.history());
  const n = new Savings('new'); console.log(n.deposit(3), n.id, Account.count(), made, Object.getPrototypeOf(Savings) === Account, n instanceof Account, Savings.isSavings(n));
  console.log(Account.name, Account.length, Savings.length, String(Account).slice(0, 40), String(a.deposit), String(Savings).length);
}, 100);
setTimeout(() => { console.log('later', a.balance, s.balance, pr.tier(), Account.count(), P1.get(p1a.bump())); }, 300);
`,
  },
  {
    name: "a named function expression's own name stays immutable for the closures inside it: ignored in sloppy code, TypeError in strict",
    turns: [1],
    source: `const sloppy = function fact(n) { const again = () => { fact = null; fact += 1; fact++; ++fact; fact ||= 0; return typeof fact; }; return again; }(3);
const strict = function named() { 'use strict'; return () => { try { named = 1; return 'assigned'; } catch (e) { return e.constructor.name + ': ' + e.message; } }; }();
const strict2 = function upd() { 'use strict'; return () => { try { upd++; return 'updated'; } catch (e) { return e.constructor.name; } }; }();
const shadow = function s() { return () => { let s = 1; s = 2; return s; }; }();
setTimeout(() => { console.log(sloppy(), sloppy(), strict(), strict2(), shadow()); }, 10);
`,
  },
  {
    name: 'matchAll iterators (global, non-global after its match, fresh, finished, unicode empty matches, sticky) keep their regexp, position and prototype',
    turns: [1],
    source: `const text = 'a1b22c333';
const it = text.matchAll(/\\d+/g); it.next();
const same = { it, again: it };
const once = RegExp.prototype[Symbol.matchAll].call(/[a-z]/, text); once.next();
const fresh = 'x9y8'.matchAll(/\\d/g);
const finished = 'q'.matchAll(/q/g); finished.next(); finished.next();
const uni = '😀a😀b'.matchAll(/(?:)/gu); uni.next(); uni.next();
const sticky = /(\\w)(\\d)/gy; const st = 'a1b2c3'.matchAll(sticky); st.next();
const proto = Object.getPrototypeOf(it);
setTimeout(() => {
  console.log(JSON.stringify([it.next(), once.next(), fresh.next(), finished.next(), uni.next()]), same.it === same.again);
  console.log([...it].map((m) => m[0] + '@' + m.index), [...fresh].map((m) => m[0]), [...uni].map((m) => m.index), [...st].map((m) => m[0]));
  console.log(Object.getPrototypeOf(it) === proto, Object.prototype.toString.call(it), typeof proto.next, proto[Symbol.toStringTag]);
}, 10);
`,
  },
  {
    name: "a class with private statics and static blocks: the blocks do not run again, toString stays Node's own",
    turns: [1],
    source: `let runs = 0;
class K { static #n = 0; static { runs++; K.#n = 10; } static { runs += 100; } static next() { return ++K.#n; } #v = K.next(); get v() { return this.#v; } }
const k = new K();
setTimeout(() => { console.log(runs, k.v, K.next(), new K().v, runs, String(Function.prototype.toString), Function.prototype.toString.name); }, 10);
`,
  },
  {
    name: 'private members on exotic and inherited instances: an Array subclass, a plain subclass of a private class, a class in an object, arrow fields, parameter patterns',
    turns: [1],
    source: `class List extends Array { #tag = 'L'; tag() { return this.#tag + this.length; } static has(o) { return #tag in o; } }
const l = new List(); l.push(1, 2);
class Base { #id; constructor(id) { this.#id = id; } id() { return this.#id; } }
class Child extends Base { extra = 'x'; }
const c = new Child(7);
const holder = { K: class { #h = 1; static #s = 5; static make() { return new this(); } h() { return this.#h + this.constructor.#s; } } };
const made = holder.K.make();
class WithFn { #cb = () => this.#n * 2; #n = 21; run() { return this.#cb(); } }
const wf = new WithFn();
class Opt { #a; constructor({ a = 3 } = {}, ...rest) { this.#a = a + rest.length; } a() { return this.#a; } }
const o1 = new Opt({ a: 1 }, 1, 2);
setTimeout(() => {
  console.log(l.tag(), List.has(l), Array.isArray(l), l.length, JSON.stringify(l), c.id(), c.extra, new Child(8).id(), made.h(), holder.K.make().h(), wf.run());
  console.log(o1.a(), new Opt().a(), Opt.length, Object.getOwnPropertyNames(c), c instanceof Base, Object.getPrototypeOf(Child) === Base);
}, 10);
`,
  },
];

for (const program of PROGRAMS) {
  t.test(program.name, async (t) => continues(t, write(`p${PROGRAMS.indexOf(program)}.js`, program.source), program.turns));
}

t.test('ES modules: live exported bindings stay live for importers, namespaces keep their exotic behaviour, re-exports, default exports', async (t) => {
  const mdir = path.join(dir, 'modules');
  fs.mkdirSync(mdir);
  const files: Record<string, string> = {
    'counter.mjs': `export let count = 0;
export const label = 'counter';
export function inc(by = 1) { count += by; return count; }
export default function reset() { count = 0; return 'reset'; }
export class Box { constructor(v) { this.v = v; } get doubled() { return this.v * 2 + count; } }
let hidden = 'h';
export { hidden as alias };
`,
    'util.mjs': `export * from './counter.mjs';
export * as counterNs from './counter.mjs';
export const twice = (f) => (x) => f(f(x));
`,
    'main.mjs': `import reset, { count, inc, label, Box, alias } from './counter.mjs';
import * as ns from './util.mjs';
import { twice } from './util.mjs';
inc(); inc(2);
const b = new Box(5);
const add2 = twice((x) => x + 1);
const show = () => [count, ns.count, ns.counterNs.count, label, alias, b.doubled, typeof inc, add2(1)].join(' ');
const tag = (s, ...v) => s.raw.join('|') + v.join(',');
console.log('start', show());
setTimeout(() => {
  console.log(show(), inc(10), show(), { count }, tag\`a\${count}b\`);
  try { ns.count = 5; } catch (e) { console.log('ns set', e.constructor.name); }
  console.log(Object.keys(ns), Object.isExtensible(ns), Object.isSealed(ns), Object.isFrozen(ns), Object.getPrototypeOf(ns), ns[Symbol.toStringTag], Object.prototype.toString.call(ns));
  console.log(JSON.stringify(Object.getOwnPropertyDescriptor(ns, 'count')), 'count' in ns, 'nope' in ns, Reflect.deleteProperty(ns, 'count'), Reflect.deleteProperty(ns, 'nope'), Reflect.defineProperty(ns, 'count', { value: count }), Reflect.defineProperty(ns, 'count', { value: -1 }));
  try { count = 1; } catch (e) { console.log('assign import', e.constructor.name, e.message); }
  console.log(reset(), show(), ns.default === reset, ns.counterNs.inc === inc);
}, 100);
setTimeout(() => { inc(); console.log('later', show()); }, 300);
`,
  };
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(mdir, name), text);
  continues(t, path.join(mdir, 'main.mjs'), [1, 2]);
});
