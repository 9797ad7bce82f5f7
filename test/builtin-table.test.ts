// The engine's table of built-ins (interpreter/state.ts builtinPaths): the two Intl.Segmenter intrinsics
// are named on the table's first read, not when an engine starts (a Segmenter costs ICU's start-up), with
// the paths an eager walk gave them; a program that replaced their functions before then keeps its own.
import t from 'tap';
import { Engine } from '../src/index';

const quiet = { onConsole: () => {} };
const SEGMENTER_PATHS = [
  '%IntlSegmentsPrototype%',
  '%IntlSegmentsPrototype%.containing',
  '%IntlSegmentsPrototype%[Symbol.iterator]',
  '%IntlSegmentIteratorPrototype%',
  '%IntlSegmentIteratorPrototype%.next',
];
const pending = (e: Engine) => (e as unknown as { finishBuiltins: (() => void) | null }).finishBuiltins !== null;

t.test('a program runs without the Segmenter entries being made; the first read adds them', async (t) => {
  const e = new Engine(quiet);
  e.evaluateScript('var x = [1, 2].map((v) => v * 2);', 'main.js');
  await e.runEventLoop();
  t.ok(pending(e), 'not made by start-up or a program that reads no table');
  const byPath = e.builtinsByPath;
  t.notOk(pending(e), 'made by the first read');
  for (const p of SEGMENTER_PATHS) t.ok(byPath.has(p), `${p} named`);
  const segments = e.evaluateScript('Object.getPrototypeOf(new Intl.Segmenter().segment(""))', 'probe.js') as object;
  t.equal(e.builtins.get(segments), '%IntlSegmentsPrototype%', 'the realm object itself');
  t.equal(e.builtins.get(e.evaluateScript('Object.getPrototypeOf(new Intl.Segmenter().segment("")[Symbol.iterator]()).next', 'probe.js') as object), '%IntlSegmentIteratorPrototype%.next');
  const paths = [...e.builtins.values()];
  t.equal(new Set(paths).size, paths.length, 'every path names one object');
});

t.test('functions a program put on the segments prototypes before the first read are not built-ins; a snapshot keeps them', async (t) => {
  const e = new Engine(quiet);
  e.evaluateScript(
    `var seg = new Intl.Segmenter().segment("ab");
     var SP = Object.getPrototypeOf(seg);
     var IP = Object.getPrototypeOf(seg[Symbol.iterator]());
     SP.containing = function containing() { return "mine"; };
     IP.next = function next() { return { done: true, value: "mine too" }; };`,
    'main.js',
  );
  await e.runEventLoop();
  t.ok(pending(e));
  const mine = e.evaluateScript('SP.containing', 'probe.js') as object;
  t.equal(e.builtins.get(mine), undefined, "the program's containing is not named as a built-in");
  t.equal(e.builtins.get(e.evaluateScript('IP.next', 'probe.js') as object), undefined, "the program's next is not named as a built-in");
  t.equal(e.builtins.get(e.evaluateScript('SP', 'probe.js') as object), '%IntlSegmentsPrototype%', 'the prototypes are still named');
  t.equal(e.builtins.get(e.evaluateScript('IP', 'probe.js') as object), '%IntlSegmentIteratorPrototype%');
  const restored = Engine.restore(e.snapshot().code, quiet);
  t.equal(
    restored.evaluateScript('[new Intl.Segmenter().segment("x").containing(0), [...new Intl.Segmenter().segment("x")].length, SP === Object.getPrototypeOf(seg)].join()', 'probe.js'),
    'mine,0,true',
    "the restored program has its own functions on V8's prototypes",
  );
});
