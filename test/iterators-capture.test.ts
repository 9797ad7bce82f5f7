// A capture reads where the program's Map and Set iterators stand without moving them
// (src/interpreter/iterators.ts, `position`): V8's preview of an iterator at its collection's end
// finishes it, so before the sentinel entry a capture turned such an iterator done in the engine that
// went on running, which then missed the entries added later. Each row runs `setup`, and `check` in
// an engine that never stopped, in the engine after a capture, and in an engine restored from it:
// all three must print `expected`.
import t from 'tap';
import { Engine } from '../src/index';

interface Row {
  name: string;
  setup: string;
  check: string;
  expected: string;
}

const ROWS: Row[] = [
  {
    name: 'Map and Set iterators at their end, not done',
    setup: 'var m = new Map([[1, "a"]]); var mk = m.keys(); mk.next(); var s = new Set([1, 2]); var sv = s.values(); sv.next(); sv.next();',
    check: 'm.set(2, "b"); s.add(3); log(JSON.stringify(mk.next()), JSON.stringify(sv.next()), JSON.stringify(mk.next()))',
    expected: '{"value":2,"done":false} {"value":3,"done":false} {"done":true}',
  },
  {
    name: 'entries and values iterators mid-way, after a deletion before the cursor',
    setup:
      'var m = new Map([[1, "a"], [2, "b"], [3, "c"]]); var me = m.entries(); me.next(); me.next(); m.delete(1); var s = new Set(["x", "y", "z"]); var se = s.entries(); se.next(); s.delete("x");',
    check: 'm.set(4, "d"); log(JSON.stringify([...me]), JSON.stringify([...se]), m.size, s.size)',
    expected: '[[3,"c"],[4,"d"]] [["y","y"],["z","z"]] 3 2',
  },
  {
    name: 'a done iterator stays done, one at the end of a cleared collection does not',
    setup: 'var m = new Map([[1, 1]]); var done = m.values(); done.next(); done.next(); var s = new Set([1]); var cleared = s.keys(); cleared.next(); s.clear();',
    check: 'm.set(2, 2); s.add(5); log(JSON.stringify(done.next()), JSON.stringify(cleared.next()), JSON.stringify(cleared.next()))',
    expected: '{"done":true} {"value":5,"done":false} {"done":true}',
  },
  {
    name: 'an iterator with an own property at its end (read through the inspector)',
    setup: 'var m = new Map([["k", 1]]); var it = m.keys(); it.tag = "mine"; it.next();',
    check: 'm.set("l", 2); log(it.tag, JSON.stringify(it.next()), m.size)',
    expected: 'mine {"value":"l","done":false} 2',
  },
];

function engine(lines: string[]): Engine {
  const e: Engine = new Engine({ onConsole: (_l, args) => void lines.push(e.format(args)) });
  return e;
}

for (const row of ROWS) {
  t.test(row.name, async (t) => {
    const prelude = 'function log() { console.log([].slice.call(arguments).join(" ")); }';
    const never: string[] = [];
    const plain = engine(never);
    plain.evaluateScript(prelude, 'prelude.js');
    plain.evaluateScript(row.setup, 'setup.js');
    plain.evaluateScript(row.check, 'check.js');
    t.same(never, [row.expected], 'an engine that never stopped');

    const live: string[] = [];
    const captured = engine(live);
    captured.evaluateScript(prelude, 'prelude.js');
    captured.evaluateScript(row.setup, 'setup.js');
    const code = captured.snapshot().code;
    captured.evaluateScript(row.check, 'check.js');
    t.same(live, [row.expected], 'the engine that was captured, going on');

    const back: string[] = [];
    const restored: Engine = Engine.restore(code, { onConsole: (_l, args) => void back.push(restored.format(args)) });
    restored.evaluateScript(row.check, 'check.js');
    t.same(back, [row.expected], 'an engine restored from the capture');
  });
}
