// examples/embed.js — run with `node examples/embed.js` after `npm run build`
const { Engine, GuestError } = require('../dist/src/interpreter/index.js');

async function main() {
  const engine = new Engine({
    onConsole: (level, args) => console.log(`[guest ${level}]`, engine.format(args)),
    frameLimit: 100_000, // guest frames before a guest RangeError (the default)
  });
  try {
    console.log(engine.evaluateScript('[1, 2, 3].map((x) => x * 2).join()', 'inline.js')); // 2,4,6
    engine.evaluateScript("setTimeout(() => console.log('later', { n: 1 }), 10);", 'timer.js');
    await engine.runEventLoop(); // microtasks and timers until idle: [guest log] later { n: 1 }
    engine.evaluateScript('function f() { null.x; }\nf();', 'fails.js');
  } catch (e) {
    if (!(e instanceof GuestError)) throw e;
    // e.kind: 'uncaught' | 'unhandled-rejection' | 'syntax'; e.summary: "TypeError: Cannot read …";
    // e.guestStack: the summary, then `    at f (fails.js:1:16)` lines; e.value: the thrown guest value
    console.log(e.guestStack);
  }
}
main();
