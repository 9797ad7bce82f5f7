// What making an Engine costs: the built-in table's walk (state.ts builtinPaths) runs once per program
// engine and never for the private warm-up engines, and stays cold: V8 optimizing it cost 17 ms of CPU
// in a hello-world process and 35–50 ms (twice) in one that reached the warm-up. Fresh `snapvm` processes
// of the compiled dist/ (`npm test` builds first) with --trace-opt, which prints each function V8 optimizes.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine } from '../src/interpreter/index';

const root = path.resolve(__dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-construct-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const hello = path.join(dir, 'hello.js');
fs.writeFileSync(hello, "console.log('hello', [1, 2].map((x) => x * 2));\n");

const runs: { args: string[]; stdout: RegExp }[] = [
  { args: ['run', hello], stdout: /^hello \[ 2, 4 \]$/ },
  // long enough to reach the deferred warm-up, which makes its two private engines
  { args: ['run', path.join(root, 'examples', 'nbody.js'), '2000'], stdout: /-0\.169/ },
];
for (const { args, stdout } of runs) {
  const r = spawnSync(process.execPath, ['--trace-opt', path.join(root, 'bin', 'snapvm.js'), ...args], { encoding: 'utf8', env: { ...process.env, SNAPVM_CODE_CACHE: 'off' } });
  t.equal(r.status, 0, `snapvm ${args[0]} ${path.basename(args[1]!)} exits 0`);
  const lines = r.stdout.split('\n');
  t.ok(
    lines.some((l) => stdout.test(l)),
    `its output (${stdout})`,
  );
  // (the trace names what it compiles: were its format to change, the check below would pass for nothing)
  t.ok(
    lines.some((l) => /compiling method .*<JSFunction \w+ /.test(l)),
    'the trace names the methods V8 optimizes',
  );
  t.same(
    lines.filter((l) => /compiling method .*<JSFunction drain /.test(l)),
    [],
    'V8 optimized no built-in walk',
  );
}

t.test('a warm-up engine has no built-in table; a program engine has it', (t) => {
  const warm = new Engine({ warmUp: false }, 'warm-up');
  t.throws(() => warm.builtins, /warm-up engine has no built-in table/);
  const e = new Engine({ warmUp: false });
  t.equal(e.builtins.get(e.realm.global), 'globalThis');
  t.equal(e.builtinsByPath.get('globalThis.Array.prototype.map'), e.realm.realmEval('Array.prototype.map'));
  t.end();
});
