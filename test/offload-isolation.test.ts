// Two clients at once on one edge server: neither can see the other's state, and one that hogs its
// worker does not starve the other (its offload is cut at the wall-time budget).
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
  await new Promise((r) => setTimeout(r, 2500)); // stay on the edge while b looks around
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
  t.ok(rb.endedAt < resA.endedAt, 'b came and went while a was on the edge');
  t.match(server.log, /session 2: offload 1 done/);
});

t.test('a client that loops forever on the edge does not starve another', async (t) => {
  const server = await Server.start(['--offload-ms', '6000']);
  t.teardown(() => server.kill());
  const hog = tmp.write('hog.js', "snapvm.offload(() => { if (snapvm.where === 'edge') for (;;) {} return 'done here'; }).then((v) => console.log(v));\n");
  const fair = tmp.write('fair.js', 'function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }\nsnapvm.offload(fib, 18).then((v) => console.log(\'fib\', v, snapvm.where));\n');
  const rh = snapvm(['run', hog, '--edge', server.url]);
  await server.waitFor(/session 1: offload 1 running/);
  const rf = await snapvm(['run', fair, '--edge', server.url]);
  t.equal(rf.stdout, 'fib 2584 client\n');
  t.equal(rf.stderr, '', 'the fair client was served by the edge');
  const h = await rh;
  t.ok(rf.endedAt < h.endedAt, 'served while the hog was still looping');
  t.equal(h.stdout, 'done here\n');
  t.match(h.stderr, /failed mid-offload \(the server said budget: the offload ran past its 6000 ms wall-time budget\)/);
  t.ok(server.alive);
});
