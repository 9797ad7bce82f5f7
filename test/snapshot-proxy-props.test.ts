// A forged snapshot that writes properties or elements onto a guest Proxy (capture never does: a
// proxy's properties are its target's) must be refused before the proxy's trap runs: the host's
// defineProperty would hand the trap a descriptor made in the host realm, whose prototype chain
// leads to the host's Function. Checked through the canonical reader and the general path.
import t from 'tap';
import { Engine, SnapshotError } from '../src/index';

/** A snapshot of a program holding `p`, a proxy whose defineProperty trap prints what it was handed. */
function snapshotWithProxy(target: string): { code: string; id: string } {
  const e = new Engine({ onConsole: () => undefined });
  e.evaluateScript(
    `var h = { defineProperty(t, k, d) { console.log('reached', Object.getPrototypeOf(d) === Object.prototype ? 'guest' : 'host'); return Reflect.defineProperty(t, k, d); } };
     var p = new Proxy(${target}, h);`,
    'app.js',
  );
  const code = e.snapshot({ portable: false }).code;
  const m = /\$o\[(\d+)\] = \$\.proxy\(/.exec(code);
  if (!m) throw new Error('no proxy in the snapshot');
  return { code, id: m[1]! };
}

/** The error a restore of `code` throws (null if it restores), and what guest code printed meanwhile. */
function tryRestore(code: string): { error: unknown; out: string[] } {
  const out: string[] = [];
  try {
    Engine.restore(code, { onConsole: (_l, a) => void out.push(a.map(String).join(' ')) });
    return { error: null, out };
  } catch (error) {
    return { error, out };
  }
}

/** `stmt` inserted before phase 4 (after every property is in place); `general`: also a statement the reader leaves to the general path. */
function forge(code: string, stmt: string, general: boolean): string {
  const at = code.indexOf('\n// 4.');
  if (at < 0) throw new Error('no phase 4 in the snapshot');
  return `${code.slice(0, at)}\n${general ? '(function () {})();\n' : ''}${stmt}${code.slice(at)}`;
}

for (const general of [false, true]) {
  const via = general ? 'general path' : 'canonical reader';
  t.test(`$props on a proxy is refused (${via})`, async (t) => {
    const { code, id } = snapshotWithProxy('{}');
    const { error, out } = tryRestore(forge(code, `$props($o[${id}], ["x", 1]);`, general));
    t.ok(error instanceof SnapshotError, 'a SnapshotError');
    t.match(String((error as Error).message), /properties for a proxy/);
    t.same(out, [], 'the trap never ran');
  });
  t.test(`$.elems on a proxy over an array is refused (${via})`, async (t) => {
    const { code, id } = snapshotWithProxy('[]');
    const { error, out } = tryRestore(forge(code, `$.elems($o[${id}], [1, 2]);`, general));
    t.ok(error instanceof SnapshotError, 'a SnapshotError');
    t.match(String((error as Error).message), /elements for something that is not an array/);
    t.same(out, [], 'the trap never ran');
  });
  t.test(`the unforged snapshot restores (${via})`, async (t) => {
    const { code } = snapshotWithProxy('{}');
    const e = Engine.restore(forge(code, '', general), { onConsole: () => undefined });
    t.equal(e.format([e.evaluateScript('typeof p')]), 'object');
  });
}

// An engine record's field named `__proto__` (capture writes none) must not give the host record a guest
// prototype: reading an absent field of the record would then run a proxy's get trap with the host
// record as its receiver (whose constructor is the host's Object), and could answer differently later.
for (const general of [false, true]) {
  const via = general ? 'general path' : 'canonical reader';
  t.test(`a record field named __proto__ stays a field (${via})`, async (t) => {
    const e = new Engine({ onConsole: () => undefined });
    e.evaluateScript(
      `var h = { get(t, k, r) { console.log('reached', Object.getPrototypeOf(r) === Object.prototype ? 'guest' : 'host'); return Reflect.get(t, k, r); } };
       var p = new Proxy({}, h);
       var q = new Promise(() => {});`,
      'app.js',
    );
    const code = e.snapshot({ portable: false }).code;
    const m = /\$o\[(\d+)\] = \$\.proxy\(/.exec(code);
    const r = /\$\.rec\((\d+), "object", \["state", "pending", "result", void 0, "fulfillReactions", void 0, "rejectReactions", void 0, /.exec(code);
    if (!m || !r) throw new Error('no proxy or promise record in the snapshot');
    let forged = code.replace(r[0], `$.rec(${r[1]}, "object", ["__proto__", $o[${m[1]}], "state", "pending", "result", void 0, `);
    if (general) forged = forge(forged, '', true);
    const { error, out } = tryRestore(forged);
    t.same(out, [], 'the trap never ran');
    t.ok(error instanceof SnapshotError, 'a SnapshotError (an unknown field)');
  });
}
