// The restore's fast paths (reader.ts, restore.ts) against the general path: each state is captured,
// restored by the reader (the canonical text) and by the general path (the same text made
// non-canonical by one statement outside the reader's subset, run as guest code), and a probe must
// print the same in both restored engines as in the engine that never stopped.
import t from 'tap';
import { Engine } from '../src/index';
import { restoreWithTable } from '../src/snapshot/index';

/** The same snapshot, made non-canonical: the reader refuses `||` and the whole text runs as guest code. */
function general(code: string): string {
  const at = code.indexOf('\n$.format(');
  if (at < 0) throw new Error('no format line');
  const end = code.indexOf('\n', at + 1);
  return `${code.slice(0, end)}\n0 || 0;${code.slice(end)}`;
}

function probe(e: Engine, expr: string): string {
  return e.format([e.evaluateScript(expr, 'probe.js')]);
}

interface Row {
  name: string;
  setup: string;
  probe: string;
  expected: string;
}

const desc = (f: string) => `JSON.stringify(Object.getOwnPropertyDescriptor(${f}, "prototype"), (k, v) => (k === "value" ? typeof v : v))`;

const ROWS: Row[] = [
  {
    name: "a function's prototype replaced, kept, and made read-only",
    setup: 'function A() {} A.prototype = { tag: "a" }; function B() {} B.prototype.tag = "b"; function C() {} var cp = C.prototype; Object.defineProperty(C, "prototype", { writable: false });',
    probe: `[A.prototype.tag, new A().tag, B.prototype.tag, B.prototype.constructor === B, C.prototype === cp, ${desc('A')}, ${desc('C')}].join(" ")`,
    expected: 'a a b true true {"value":"object","writable":true,"enumerable":false,"configurable":false} {"value":"object","writable":false,"enumerable":false,"configurable":false}',
  },
  {
    name: 'generator and async generator prototypes, replaced and not',
    setup: 'function* g() { yield 1; } g.prototype.extra = 1; function* h() {} h.prototype = { own: 2 }; async function* ag() {} var agp = ag.prototype;',
    probe: `[g.prototype.extra, Object.getPrototypeOf(g()) === g.prototype, h.prototype.own, ag.prototype === agp, ${desc('g')}, ${desc('h')}].join(" ")`,
    expected: '1 true 2 true {"value":"object","writable":true,"enumerable":false,"configurable":false} {"value":"object","writable":true,"enumerable":false,"configurable":false}',
  },
  {
    name: 'a class, a frozen function, and functions that had no prototype of their own',
    setup:
      'class K { m() { return "m"; } } function F() {} F.prototype.x = 1; Object.freeze(F); var arrow = () => 1; Object.defineProperty(arrow, "prototype", { value: { y: 2 }, writable: true }); ' +
      'var bound = function () {}.bind(null); bound.prototype = { z: 3 }; var o = { meth() {} };',
    probe: `[new K().m(), ${desc('K')}, Object.isFrozen(F), F.prototype.x, ${desc('F')}, arrow.prototype.y, ${desc('arrow')}, bound.prototype.z, JSON.stringify(Object.getOwnPropertyDescriptor(bound, "prototype").enumerable), "prototype" in o.meth].join(" ")`,
    expected:
      'm {"value":"object","writable":false,"enumerable":false,"configurable":false} true 1 {"value":"object","writable":false,"enumerable":false,"configurable":false} 2 {"value":"object","writable":true,"enumerable":false,"configurable":false} 3 true false',
  },
  {
    name: 'strings short and long, with escapes, quotes, backslashes and lone surrogates, around the short-string bound',
    setup:
      'var strs = []; for (const n of [0, 1, 61, 62, 63, 64, 65, 66, 200]) { strs.push("a".repeat(n), "q\\"".repeat(n % 7) + "b".repeat(n) + "\\\\", "\\n\\t\\u0001".repeat(n % 5) + "c".repeat(n), "\\ud800x".repeat(n % 3) + "d".repeat(n) + "\\u2028"); } ' +
      'var keyed = {}; for (const s of strs) keyed[s] = s.length;',
    probe:
      'JSON.stringify([strs.map((s) => s.length).join(), strs.map((s) => [...s].map((c) => c.charCodeAt(0)).reduce((a, b) => (a * 31 + b) % 1000003, 7)).join(), Object.keys(keyed).length, Object.keys(keyed).every((k) => keyed[k] === k.length)])',
    expected:
      '["0,1,0,1,1,4,4,4,61,72,64,64,62,75,68,67,63,64,72,64,64,67,76,67,65,70,65,70,66,73,69,67,200,209,200,205","7,309,7,8449,314,866807,771318,909476,463760,234534,733382,492105,376615,882298,935994,768151,675129,440198,78614,470675,929036,616901,299717,103821,800129,7270,492637,765538,804024,204432,506472,684608,68705,608467,342769,622773",35,true]',
  },
  {
    name: 'descriptors: accessors, read-only and hidden data, a property named __proto__, symbols, the global object',
    setup:
      'var o = {}; Object.defineProperty(o, "ro", { value: 1 }); Object.defineProperty(o, "acc", { get() { return 2; }, set(v) {}, enumerable: true }); Object.defineProperty(o, "__proto__", { value: 3, enumerable: false, writable: true, configurable: true }); ' +
      'var sym = Symbol("s"); Object.defineProperty(o, sym, { value: 4, writable: false }); Object.defineProperty(globalThis, "hidden", { value: 5, enumerable: false }); Object.defineProperty(globalThis, "getter", { get() { return 6; }, configurable: true });',
    probe:
      'JSON.stringify([Reflect.ownKeys(o).map(String), Object.getOwnPropertyDescriptors(o), Object.getPrototypeOf(o) === Object.prototype, o[sym], Object.getOwnPropertyDescriptor(globalThis, "hidden"), getter, typeof Object.getOwnPropertyDescriptor(globalThis, "getter").get])',
    expected:
      '[["ro","acc","__proto__","Symbol(s)"],{"ro":{"value":1,"writable":false,"enumerable":false,"configurable":false},"acc":{"enumerable":true,"configurable":false},"__proto__":{"value":3,"writable":true,"enumerable":false,"configurable":true}},true,4,{"value":5,"writable":false,"enumerable":false,"configurable":false},6,"function"]',
  },
];

for (const row of ROWS) {
  t.test(row.name, async (t) => {
    const first = new Engine();
    first.evaluateScript(row.setup, 'setup.js');
    first.runJobs();
    const direct = probe(first, row.probe);
    t.equal(direct, row.expected, 'the probe reads what the setup made');
    const code = first.snapshot({ portable: false }).code;
    const fast = restoreWithTable(code, {}, Engine);
    t.not(fast.table, null, 'the reader applied the text');
    t.equal(probe(fast.engine, row.probe), direct, 'the reader restores it');
    const slow = restoreWithTable(general(code), {}, Engine);
    t.equal(slow.table, null, 'the general path ran the text');
    t.equal(probe(slow.engine, row.probe), direct, 'the general path restores it');
  });
}
