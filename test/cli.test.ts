// The snapvm command as a user runs it: `node bin/snapvm.js …` on temporary files (compiled dist/,
// so `npm test` builds first). Output, exit codes, and Node-shaped error reports.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..');
const bin = path.join(root, 'bin', 'snapvm.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-cli-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, source: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, source);
  return file;
}

function snapvm(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000, cwd: dir });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

t.test('runs a script: console to stdout and stderr, exit 0', async (t) => {
  const file = write('ok.js', "console.log('out', { a: [1, 2] }); console.error('err'); console.warn('warn'); console.info('info');\n");
  const r = snapvm('run', file);
  t.equal(r.code, 0);
  t.equal(r.stdout, 'out { a: [ 1, 2 ] }\ninfo\n');
  t.equal(r.stderr, 'err\nwarn\n');
});

t.test('runs the event loop to completion', async (t) => {
  const file = write(
    'loop.js',
    "setTimeout(() => console.log('timer'), 5); Promise.resolve().then(() => console.log('micro')); (async () => { await null; console.log('async'); })(); console.log('sync');\n",
  );
  const r = snapvm('run', file);
  t.equal(r.code, 0);
  t.equal(r.stdout, 'sync\nmicro\nasync\ntimer\n');
});

t.test('examples/hello.js prints what node prints', async (t) => {
  const example = path.join(root, 'examples', 'hello.js');
  const r = snapvm('run', example);
  const node = spawnSync(process.execPath, [example], { encoding: 'utf8' });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, node.stdout);
  t.match(r.stdout, /done after 4 events/);
});

t.test("examples/embed.js (the README's embedding example) runs", async (t) => {
  const r = spawnSync(process.execPath, [path.join(root, 'examples', 'embed.js')], { encoding: 'utf8', timeout: 60_000 });
  t.equal(r.status, 0, r.stderr);
  t.match(
    r.stdout,
    /^2,4,6\n\[guest log\] later \{ n: 1 \}\nsnapshot: \d+ bytes, \d+ objects\n\[restored log\] 2 3\nTypeError: Cannot read properties of null \(reading 'x'\)\n {4}at f \(fails\.js:1:16\)\n {4}at fails\.js:2:1\n$/,
  );
});

t.test('uncaught exception: stack with file:line:col on stderr, exit 1', async (t) => {
  const file = write('throws.js', 'function inner() {\n  return null.boom;\n}\nfunction outer() { inner(); }\nconsole.log("before");\nouter();\nconsole.log("after");\n');
  const r = snapvm('run', file);
  t.equal(r.code, 1);
  t.equal(r.stdout, 'before\n');
  const lines = r.stderr.split('\n');
  // Node's shape: file:line, the source line, a caret, a blank line, then the stack
  t.equal(lines[0], `${file}:2`);
  t.equal(lines[1], '  return null.boom;');
  t.match(lines[2], /^ +\^$/);
  t.equal(lines[3], '');
  t.equal(lines[4], "TypeError: Cannot read properties of null (reading 'boom')");
  t.match(lines[5], new RegExp(`^ {4}at inner \\(${escape(file)}:2:\\d+\\)$`));
  t.match(lines[6], new RegExp(`^ {4}at outer \\(${escape(file)}:4:\\d+\\)$`));
  t.match(lines[7], new RegExp(`^ {4}at ${escape(file)}:6:1$`));
});

t.test('a thrown guest Error reports its stack', async (t) => {
  const file = write('throw-error.js', "function f() {\n  throw new RangeError('out of range');\n}\nf();\n");
  const r = snapvm('run', file);
  t.equal(r.code, 1);
  t.match(r.stderr, /^RangeError: out of range$/m);
  t.match(r.stderr, new RegExp(`at f \\(${escape(file)}:2:\\d+\\)`), 'the frame where the error was made');
});

t.test('a thrown non-error value', async (t) => {
  const r = snapvm('run', write('throw-value.js', 'throw 42;\n'));
  t.equal(r.code, 1);
  t.match(r.stderr, /42/);
});

t.test('unhandled rejection: exit 1 with the reason', async (t) => {
  const file = write('reject.js', "console.log('start');\nsetTimeout(() => console.log('never'), 50);\nPromise.reject(new TypeError('nobody caught me'));\n");
  const r = snapvm('run', file);
  t.equal(r.code, 1);
  t.equal(r.stdout, 'start\n');
  t.match(r.stderr, /TypeError: nobody caught me/);
});

t.test('error in a timer callback: exit 1', async (t) => {
  const file = write('timer-throws.js', 'setTimeout(function tick() {\n  undefinedFunction();\n}, 1);\n');
  const r = snapvm('run', file);
  t.equal(r.code, 1);
  t.match(r.stderr, /ReferenceError: undefinedFunction is not defined/);
  t.match(r.stderr, new RegExp(`at tick \\(${escape(file)}:2:3\\)`));
});

t.test('syntax error: reported with its position, exit 1', async (t) => {
  const file = write('syntax.js', 'let ok = 1;\nlet bad = ;\n');
  const r = snapvm('run', file);
  t.equal(r.code, 1);
  t.equal(r.stdout, '');
  const lines = r.stderr.split('\n');
  t.equal(lines[0], `${file}:2`);
  t.equal(lines[1], 'let bad = ;');
  t.equal(lines[2], '          ^');
  t.match(r.stderr, /^SyntaxError: Unexpected token/m);
  t.match(r.stderr, new RegExp(`at ${escape(file)}:2:11`));
});

t.test('a missing file: clear message, exit 2', async (t) => {
  const r = snapvm('run', 'no-such-file.js');
  t.equal(r.code, 2);
  t.match(r.stderr, /snapvm: cannot run 'no-such-file\.js': no such file/);
  const d = snapvm('run', dir);
  t.equal(d.code, 2);
  t.match(d.stderr, /is a directory/);
});

t.test('usage errors exit 2', async (t) => {
  t.equal(snapvm('frobnicate').code, 2);
  t.equal(snapvm('run').code, 2);
  t.equal(snapvm().code, 2);
});

t.test('--test262-host: print writes to stdout, $262 exists', async (t) => {
  const file = write(
    't262.js',
    "print('hello', 1 + 1);\nprint(typeof $262.evalScript, typeof $262.createRealm, $262.global === globalThis);\n$262.evalScript('var fromEvalScript = 7;');\nprint(fromEvalScript);\n",
  );
  const r = snapvm('run', '--test262-host', file);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'hello 2\nfunction function true\n7\n');
  const plain = snapvm('run', file);
  t.equal(plain.code, 1, 'without the flag there is no print');
  t.match(plain.stderr, /ReferenceError: print is not defined/);
});

t.test('--test262-host: an eshost-style async test prints its result', async (t) => {
  const file = write('t262-async.js', "Promise.resolve(1).then((v) => print('Test262:AsyncTestComplete'));\n");
  const r = snapvm('run', '--test262-host', file);
  t.equal(r.code, 0);
  t.equal(r.stdout, 'Test262:AsyncTestComplete\n');
});

t.test('ES modules run from .mjs files', async (t) => {
  write('lib.mjs', 'export const answer = 42;\nexport default function greet(name) { return `hi ${name}`; }\n');
  const file = write('main.mjs', "import greet, { answer } from './lib.mjs';\nconsole.log(greet('module'), answer, typeof import.meta);\nawait null;\nconsole.log('after top-level await');\n");
  const r = snapvm('run', file);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'hi module 42 object\nafter top-level await\n');
});

t.test('--help and help document every command', async (t) => {
  for (const args of [['--help'], ['help'], ['-h']]) {
    const r = snapvm(...args);
    t.equal(r.code, 0, args.join(' '));
    t.match(r.stdout, /Usage: snapvm/);
    t.match(r.stdout, /run \[options\] <file> \[args\.\.\.\]/);
    t.match(r.stdout, /help \[command\]/);
  }
  const run = snapvm('help', 'run');
  t.equal(run.code, 0);
  t.match(run.stdout, /--test262-host/);
  t.match(run.stdout, /Exit status/);
});

t.test('--version prints the package version', async (t) => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  const r = snapvm('--version');
  t.equal(r.code, 0);
  t.equal(r.stdout.trim(), pkg.version);
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
