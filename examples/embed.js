// examples/embed.js — run with `node examples/embed.js` after `npm run build`
const { Engine, GuestError, SnapshotError } = require('../dist/src/index.js');

async function main() {
  const engine = new Engine({
    onConsole: (level, args) => console.log(`[guest ${level}]`, engine.format(args)),
    frameLimit: 100_000, // guest frames before a guest RangeError (the default)
  });
  try {
    console.log(engine.evaluateScript('[1, 2, 3].map((x) => x * 2).join()', 'inline.js')); // 2,4,6
    engine.evaluateScript("setTimeout(() => console.log('later', { n: 1 }), 10);", 'timer.js');
    await engine.runEventLoop(); // microtasks and timers until idle: [guest log] later { n: 1 }

    // a snapshot between turns: the state as a JavaScript program, restored in a fresh engine
    engine.evaluateScript('let count = 0; const tick = () => ++count; tick();', 'state.js');
    const { code, stats } = engine.snapshot();
    console.log(`snapshot: ${stats.bytes} bytes, ${stats.objects} objects`);
    const restored = Engine.restore(code, { onConsole: (level, args) => console.log(`[restored ${level}]`, restored.format(args)) });
    restored.evaluateScript('console.log(tick(), tick())', 'more.js'); // [restored log] 2 3

    engine.evaluateScript('function f() { null.x; }\nf();', 'fails.js');
  } catch (e) {
    if (e instanceof SnapshotError) throw e; // a value that cannot be written out, or a damaged text
    if (!(e instanceof GuestError)) throw e;
    // e.kind: 'uncaught' | 'unhandled-rejection' | 'syntax'; e.summary: "TypeError: Cannot read …";
    // e.guestStack: the summary, then `    at f (fails.js:1:16)` lines; e.value: the thrown guest value
    console.log(e.guestStack);
  }
}
main();
