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
