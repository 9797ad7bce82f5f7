// Process start-up: V8's code cache for the package's modules (src/cli/code-cache.ts, installed by
// bin/snapvm.js) and the interpreter loop's deferred warm-up (Engine.deferWarmUp). The cache runs in
// child processes of the compiled dist/ (`npm test` builds first), each with a cache folder of its own.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine } from '../src/interpreter/index';
import { entryKey, readEntry, writeEntry } from '../src/cli/code-cache';
import { gcV8Flags, realmV8Flags, v8FlagsFor } from '../src/cli/v8-flags';

const root = path.resolve(__dirname, '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-startup-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const hello = path.join(dir, 'hello.js');
fs.writeFileSync(hello, "console.log('hello', [1, 2].map((x) => x * 2));\n");

// the bin's three lines, with the cache's counters printed at exit
const child = `const root = process.argv[1];
require(root + '/dist/src/cli/v8-flags.js').setV8FlagsFor(process.argv.slice(2));
const stats = require(root + '/dist/src/cli/code-cache.js').installCodeCache(root);
process.on('exit', () => process.stderr.write('cache ' + JSON.stringify(stats) + '\\n'));
require(root + '/dist/src/cli/main.js').cli(process.argv.slice(2));`;

// the cache's files sit in a folder per set of V8 flags (V8's cachedDataVersionTag in a plain child: its flags)
// (the flags of a plain run: those every guest realm needs of this V8 and --expose-gc, set by bin/snapvm.js first)
const tag = spawnSync(process.execPath, [...realmV8Flags(), ...gcV8Flags(), '-p', "require('node:v8').cachedDataVersionTag()"], { encoding: 'utf8' }).stdout.trim();

interface Counters {
  hits: number;
  misses: number;
  written: number;
}

function run(cacheDir: string, ...args: string[]): { code: number | null; stdout: string; stats: Counters | null } {
  const r = spawnSync(process.execPath, ['-e', child, root, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, SNAPVM_CODE_CACHE: cacheDir } });
  const m = /^cache (.*)$/m.exec(r.stderr);
  return { code: r.status, stdout: r.stdout, stats: m ? (JSON.parse(m[1]!) as Counters | null) : null };
}

t.test('the code cache is written by a first run and used by the next', async (t) => {
  const cache = path.join(dir, 'cache-1');
  const first = run(cache, 'run', hello);
  t.equal(first.code, 0);
  t.equal(first.stdout, 'hello [ 2, 4 ]\n');
  t.equal(first.stats!.hits, 0);
  t.ok(first.stats!.misses > 20, `the engine's modules were compiled (${first.stats!.misses})`);
  t.equal(first.stats!.written, first.stats!.misses);
  t.same(fs.readdirSync(cache), [tag], 'one folder: the flags of a plain run');
  const files = fs.readdirSync(path.join(cache, tag));
  t.equal(files.length, first.stats!.misses);
  t.ok(files.includes('dist%src%interpreter%vm.js.v8'), 'named by the module path in the package');
  t.ok(
    files.some((f) => f.startsWith('node_modules%acorn%')),
    'dependencies in the package are cached too',
  );

  const second = run(cache, 'run', hello);
  t.equal(second.code, 0);
  t.equal(second.stdout, first.stdout);
  t.same(second.stats, { hits: first.stats!.misses, misses: 0, written: 0 });
});

t.test('a damaged, cut-short or foreign cache file is ignored and written again', async (t) => {
  const cache = path.join(dir, 'cache-2');
  const first = run(cache, 'run', hello);
  const n = first.stats!.misses;
  const file = (name: string) => path.join(cache, tag, name);
  // a flipped byte in V8's data, a file cut short, garbage, and a valid entry for another source
  const vmFile = file('dist%src%interpreter%vm.js.v8');
  const bytes = fs.readFileSync(vmFile);
  bytes[bytes.length - 100] ^= 0xff;
  fs.writeFileSync(vmFile, bytes);
  const compiler = file('dist%src%interpreter%compiler.js.v8');
  fs.writeFileSync(compiler, fs.readFileSync(compiler).subarray(0, 200));
  fs.writeFileSync(file('dist%src%interpreter%scope.js.v8'), 'not a cache');
  const engineFile = file('dist%src%interpreter%engine.js.v8');
  t.ok(writeEntry(engineFile, entryKey('another source'), fs.readFileSync(engineFile).subarray(48)));

  const damaged = run(cache, 'run', hello);
  t.equal(damaged.code, 0);
  t.equal(damaged.stdout, 'hello [ 2, 4 ]\n');
  t.same(damaged.stats, { hits: n - 4, misses: 4, written: 4 });
  t.same(run(cache, 'run', hello).stats, { hits: n, misses: 0, written: 0 }, 'written again whole');
});

t.test("a page run --edge (V8 flags of its own, cli/v8-flags.ts) keeps its own folder: no kind of run rewrites the other's files", async (t) => {
  const cache = path.join(dir, 'cache-edge');
  const page = path.join(dir, 'hello.html');
  fs.writeFileSync(page, "<p>hi</p><script>console.log('hello', [1, 2].map((x) => x * 2));</script>\n");
  const plain = run(cache, 'run', page);
  t.equal(plain.stdout, 'hello [ 2, 4 ]\n');
  const n = plain.stats!.misses;
  // (no server there: the page asks for no offload and runs here; the offload room is loaded all the same)
  const edge = run(cache, 'run', page, '--edge', 'ws://127.0.0.1:1');
  t.equal(edge.code, 0);
  t.equal(edge.stdout, 'hello [ 2, 4 ]\n');
  const folders = fs.readdirSync(cache).sort();
  t.equal(folders.length, 2, 'a second folder');
  t.ok(folders.includes(tag));
  t.ok(edge.stats!.misses > n && edge.stats!.written === edge.stats!.misses, 'what it compiled under its flags is written in their folder');
  t.same(run(cache, 'run', page).stats, { hits: n, misses: 0, written: 0 }, 'the plain run still finds all of its files');
  t.same(run(cache, 'run', page, '--edge', 'ws://127.0.0.1:1').stats, { hits: edge.stats!.misses, misses: 0, written: 0 }, 'and the edge run all of its');
  t.equal(run(cache, 'run', hello, '--edge', 'ws://127.0.0.1:1').code, 0);
  t.same(fs.readdirSync(cache).sort(), folders, "a script's --edge run: the plain runs' flags and folder");
});

t.test("a command's V8 flags: only an offloading page client's differ", async (t) => {
  const page = path.join(root, 'examples', 'filter');
  const cases: { argv: string[]; expected: string[] }[] = [
    { argv: ['run', 'app.html', '--edge', 'ws://h:1'], expected: ['--no-use-osr'] },
    { argv: ['run', '--edge=ws://h:1', '--edge-report', 'app.HTM'], expected: ['--no-use-osr'] },
    { argv: ['run', page, '--edge', 'ws://h:1'], expected: ['--no-use-osr'] },
    { argv: ['run', 'app.html'], expected: [] },
    { argv: ['run', 'a.js', '2000', '--edge', 'ws://h:1'], expected: [] },
    { argv: ['run', root, '--edge', 'ws://h:1'], expected: [] },
    { argv: ['run', 'a.js', '--', 'app.html', '--edge', 'ws://h:1'], expected: [] },
    // serve: no WebAssembly memory past a session's budget for array buffers (64 KiB pages)
    { argv: ['serve', 'app.html', '--edge'], expected: ['--wasm-max-mem-pages=8192'] },
    { argv: ['serve', '--memory-mb', '64'], expected: ['--wasm-max-mem-pages=1024'] },
    { argv: ['serve', '--memory-mb=100', '--port', '0'], expected: ['--wasm-max-mem-pages=1600'] },
    { argv: ['serve', '--memory-mb', 'x'], expected: [] },
    { argv: ['run', 'app.html', '--edge-auto'], expected: [] },
    // the run target decides (the first word that is no option or option's value), not the program's own words
    { argv: ['run', 'app.js', 'x.html', '--edge', 'ws://h:1'], expected: [] },
    { argv: ['run', 'app.js', page, '--edge', 'ws://h:1'], expected: [] },
    { argv: ['run', '--edge', 'ws://h:1', 'app.js', 'x.html'], expected: [] },
    { argv: ['run', '--edge', 'ws://h:1', '--out', 'x.html', 'app.js'], expected: [] },
    { argv: ['run', '--snapshot-at', 'turn:2', '--edge', 'ws://h:1', 'app.html', 'a.js'], expected: ['--no-use-osr'] },
    { argv: ['run', '--edge-report', '--edge=ws://h:1', 'app.html'], expected: ['--no-use-osr'] },
    { argv: [], expected: [] },
  ];
  for (const { argv, expected } of cases) t.same(v8FlagsFor(argv), expected, argv.join(' '));
});

t.test('entries: the key and the checksum decide', async (t) => {
  const file = path.join(dir, 'unit', 'entry.v8');
  const key = entryKey('source text');
  t.ok(writeEntry(file, key, Buffer.from('data of V8')));
  t.same(readEntry(file, key), Buffer.from('data of V8'));
  t.equal(readEntry(file, entryKey('source text ')), undefined, 'another source');
  t.equal(readEntry(path.join(dir, 'unit', 'missing.v8'), key), undefined);
  t.not(entryKey('x').toString('hex'), entryKey('y').toString('hex'));
  t.equal(writeEntry(path.join(hello, 'under-a-file.v8'), key, Buffer.from('x')), false, 'an unwritable place is not an error');
});

t.test('off, or an unwritable folder: the command works the same', async (t) => {
  const off = run('off', 'run', hello);
  t.equal(off.code, 0);
  t.equal(off.stdout, 'hello [ 2, 4 ]\n');
  t.equal(off.stats, null, 'nothing installed');
  const unwritable = run(path.join(hello, 'cache'), 'run', hello);
  t.equal(unwritable.code, 0);
  t.equal(unwritable.stdout, 'hello [ 2, 4 ]\n');
  t.equal(unwritable.stats!.written, 0);
  // the bin itself, with its default folder
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'snapvm.js'), 'run', hello], { encoding: 'utf8', timeout: 60_000 });
  t.equal(r.status, 0);
  t.equal(r.stdout, 'hello [ 2, 4 ]\n');
  t.ok(fs.existsSync(path.join(root, 'dist', '.code-cache', tag, 'dist%src%cli%main.js.v8')), 'dist/.code-cache');
});

t.test('the warm-up waits for a program that runs long enough, and the guest never sees it', async (t) => {
  const quiet = { onConsole: () => {} };
  const fresh = new Engine(quiet);
  const freshGlobals = Reflect.ownKeys(fresh.realm.global).map(String).sort();
  const engine = new Engine(quiet);
  const pending = engine.vm.safepoint;
  t.type(pending, 'function', 'a hook waits for safe points');
  engine.evaluateScript("var x = [1, 2, 3].map((v) => v + 1).join(',');");
  t.equal(engine.vm.safepoint, pending, 'a short program: no warm-up yet');
  t.equal(engine.evaluateScript('var s = 0; for (let i = 0; i < 200; i++) s += i; s'), 19900);
  t.equal(engine.vm.safepoint, null, 'run, and the hook gone');
  t.type(fresh.vm.safepoint, 'function');
  fresh.evaluateScript('for (let i = 0; i < 2; i++);');
  t.equal(fresh.vm.safepoint, null, 'once per process: another waiting engine lets go at its first safe point');
  t.same(Reflect.ownKeys(engine.realm.global).map(String).sort(), [...freshGlobals, 's', 'x'].sort(), 'no global of the warm-up');
  t.equal(engine.evaluateScript("typeof __snapvmWarmup + ',' + Object.keys(Object.prototype).length"), 'undefined,0');
  t.equal(new Engine(quiet).vm.safepoint, null, 'later engines wait for nothing');
  t.equal(new Engine({ ...quiet, warmUp: false }).vm.safepoint, null);
});

t.test('warmUp: true runs it while the engine is made; false never waits for it (fresh processes)', async (t) => {
  const probe = (options: string) =>
    spawnSync(
      process.execPath,
      [
        '-e',
        `const { Engine } = require(${JSON.stringify(path.join(root, 'dist', 'src', 'interpreter', 'index.js'))});
const a = new Engine(${options}); const b = new Engine();
console.log(typeof a.vm.safepoint, typeof b.vm.safepoint, Object.keys(a.realm.global).includes('__snapvmWarmup'));`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    ).stdout.trim();
  t.equal(probe('{ warmUp: true }'), 'object object false', 'done at once: nothing waits, no global left');
  t.equal(probe('{ warmUp: false }'), 'object function false', 'the next engine still waits for its program');
  t.equal(probe('{}'), 'function function false', 'both wait');
});
