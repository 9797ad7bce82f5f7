// Two clients at once on one edge server: neither can see the other's state, and one that hogs its
// worker does not starve the other (its offload is cut at the instruction budget, or at the wall-time
// budget). Orderings are read from the server's log (when each offload ended), not from process end
// times, and the waits leave room for a loaded machine.
import t from 'tap';
import { Server, snapvm, tempDir } from './offload-lib';

const tmp = tempDir('snapvm-offload-iso-');
t.teardown(() => tmp.remove());

t.test("two clients offloading at once: one cannot read the other's state", async (t) => {
  const server = await Server.start();
  t.teardown(() => server.kill());
  const a = tmp.write(
    'a.js',
    `globalThis.secret = 'A-SECRET-' + (6 * 7);
var hidden = { card: '4111-1111' };
snapvm.offload(async () => {
  await new Promise((r) => setTimeout(r, 10000)); // stay on the edge while b looks around (b: ~2 s, loaded ~5)
  return secret + ' ' + hidden.card + ' ' + snapvm.where;
}).then((v) => console.log('a:', v));
`,
  );
  const b = tmp.write(
    'b.js',
    `snapvm.offload(() => {
  const names = Object.getOwnPropertyNames(globalThis).filter((k) => /secret|hidden/i.test(k));
  let escape;
  try { escape = typeof globalThis.constructor.constructor('return process')(); } catch (e) { escape = 'blocked: ' + e.name; }
  return [snapvm.where, typeof secret, typeof hidden, names.length, escape].join(' ');
}).then((v) => console.log('b:', v));
`,
  );
  const ra = snapvm(['run', a, '--edge', server.url]);
  await server.waitFor(/session 1: offload 1 running/);
  const rb = await snapvm(['run', b, '--edge', server.url]);
  t.equal(rb.stdout, 'b: edge undefined undefined 0 blocked: ReferenceError\n', rb.stderr);
  t.equal(rb.stderr, '');
  const resA = await ra;
  t.equal(resA.stdout, 'a: A-SECRET-42 4111-1111 edge\n', resA.stderr);
  t.match(server.log, /session 2: offload 1 done[\s\S]*session 1: offload 1 done/, 'b came and went while a was on the edge');
});

const HOG = "var before = 'kept';\nsnapvm.offload(() => { if (snapvm.where === 'edge') for (;;) {} return 'done here, ' + before; }).then((v) => console.log(v));\n";
const FAIR = "function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\nsnapvm.offload(fib, 18).then((v) => console.log('fib', v, snapvm.where));\n";

/** A server with `args`; the hog offloads, and while it runs there the fair client is served (checked). */
async function hogAndFair(t: Tap.Test, args: string[]) {
  const server = await Server.start(args);
  t.teardown(() => server.kill());
  const hog = tmp.write('hog.js', HOG);
  const fair = tmp.write('fair.js', FAIR);
  const rh = snapvm(['run', hog, '--edge', server.url]);
  await server.waitFor(/session 1: offload 1 running/);
  const rf = await snapvm(['run', fair, '--edge', server.url]);
  t.equal(rf.stdout, 'fib 2584 client\n');
  t.equal(rf.stderr, '', 'the fair client was served by the edge (fib(18): 8361 calls, well within a step budget)');
  return { server, fair, h: await rh };
}

t.test('a client that loops forever is stopped at its instruction budget; another is served, and the first continues locally', async (t) => {
  const { server, fair, h } = await hogAndFair(t, ['--steps', '30000000', '--offload-ms', '120000']);
  t.equal(h.stdout, 'done here, kept\n', "the hog's program continued locally from the state it kept");
  t.match(h.stderr, /failed mid-offload \(the server said budget: the program ran past its budget of 30000000 steps \(loop iterations and function calls\) on the edge\)/);
  t.equal(h.stderr.split('\n').filter(Boolean).length, 1, 'one line about it');
  t.match(server.log, /session 1: offload 1 failed: budget: the program ran past its budget of 30000000 steps/);
  t.match(server.log, /session 2: offload 1 done/);
  t.ok(server.alive);
  // the hog's session worker was not killed: the same server serves the fair client again at once
  const again = await snapvm(['run', fair, '--edge', server.url]);
  t.equal(again.stdout, 'fib 2584 client\n');
  // no guest handler sees the stop (a host object): a loop in a promise reaction with a catch after it
  const catcher = tmp.write(
    'catcher.js',
    "snapvm.offload(() => Promise.resolve().then(() => { if (snapvm.where === 'edge') for (;;) {} return 'local'; }).catch((e) => 'reached ' + e.constructor.constructor('return typeof process')())).then((v) => console.log(v));\n",
  );
  const c = await snapvm(['run', catcher, '--edge', server.url]);
  t.equal(c.stdout, 'local\n', 'the catch never ran: the program continued locally');
  t.match(c.stderr, /the server said budget: the program ran past its budget of 30000000 steps/);
});

t.test('a client that loops forever on the edge does not starve another (wall-time budget)', async (t) => {
  const { server, h } = await hogAndFair(t, ['--offload-ms', '20000']);
  t.match(server.log, /session 2: offload 1 done[\s\S]*session 1: offload 1 failed: budget/, 'served while the hog was still looping');
  t.equal(h.stdout, 'done here, kept\n');
  t.match(h.stderr, /failed mid-offload \(the server said budget: the offload ran past its 20000 ms wall-time budget\)/);
  t.ok(server.alive);
});
