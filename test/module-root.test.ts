// Where ES modules may come from (EngineOptions.moduleRoot): static imports and import() read files
// in the program's folder only (symbolic links resolved), or none at all (an edge server); and an
// import() pending at a snapshot restores and settles in the restored engine (CLI, safe point and turn).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Engine, GuestError } from '../src/interpreter/index';

const root = path.resolve(__dirname, '..');
const bin = path.join(root, 'bin', 'snapvm.js');
const top = fs.mkdtempSync(path.join(os.tmpdir(), 'snapvm-modroot-'));
t.teardown(() => fs.rmSync(top, { recursive: true, force: true }));
const app = path.join(top, 'app');
fs.mkdirSync(app);
const write = (file: string, source: string) => (fs.writeFileSync(file, source), file);
write(path.join(app, 'lib.mjs'), "export const where = 'inside';\n");
write(path.join(top, 'secret.mjs'), "globalThis.leaked = true;\nexport const where = 'outside';\n");
fs.symlinkSync(path.join(top, 'secret.mjs'), path.join(app, 'link.mjs'));

/** Run `source` as the module `app/main.mjs` under `moduleRoot`; the values of `out` once the loop is idle. */
async function runModule(source: string, moduleRoot: string | null | undefined, moduleLinkRoots?: string[]): Promise<string> {
  const main = write(path.join(app, 'main.mjs'), source);
  const engine = new Engine({ moduleRoot, moduleLinkRoots, onConsole: () => undefined, warmUp: false });
  try {
    engine.evaluateModule(main);
    await engine.runEventLoop();
  } catch (e) {
    if (!(e instanceof GuestError)) throw e;
    return `threw ${e.summary}`;
  }
  return String(engine.evaluateScript('globalThis.out', 'read.js'));
}

const probe = (spec: string) =>
  `globalThis.out = 'pending'; import(${JSON.stringify(spec)}).then((ns) => { globalThis.out = ns.where + ',' + (globalThis.leaked === true); }, (e) => { globalThis.out = (e instanceof Error) + ':' + e.message; });\n`;

t.test('import() inside the root loads; outside it, through a link or by an absolute path rejects before any read', async (t) => {
  t.equal(await runModule(probe('./lib.mjs'), app), 'inside,false');
  t.match(await runModule(probe('../secret.mjs'), app), /^true:Cannot load module '.*secret\.mjs' imported from .*main\.mjs: it is outside the program's folder/);
  t.match(await runModule(probe(path.join(top, 'secret.mjs')), app), /^true:Cannot load module .* outside the program's folder/);
  t.match(await runModule(probe('file://' + path.join(top, 'secret.mjs')), app), /^true:Cannot load module .* outside the program's folder/);
  t.match(await runModule(probe('./link.mjs'), app), /^true:Cannot load module .*link\.mjs.*: it links outside the program's folder/);
  // a link into one of moduleLinkRoots (a page's installed packages) is followed; the folder itself stays closed
  t.equal(await runModule(probe('./link.mjs'), app, [top]), 'outside,true');
  t.match(await runModule(probe('../secret.mjs'), app, [top]), /outside the program's folder/);
  t.match(await runModule(probe('/etc/passwd'), app), /^true:Cannot load module '\/etc\/passwd'.*outside/);
  // a missing file inside the root is reported as missing; one outside is never looked at
  t.match(await runModule(probe('./nope.mjs'), app), /^true:Cannot find module '.*nope\.mjs'/);
  t.match(await runModule(probe('../nope.mjs'), app), /outside the program's folder/);
});

t.test('static imports obey the root too; without a root any file loads (trusted embedders)', async (t) => {
  t.match(await runModule("import { where } from '../secret.mjs';\nglobalThis.out = where;\n", app), /^threw Error: Cannot load module .*secret\.mjs.* outside the program's folder/);
  t.equal(await runModule(probe('../secret.mjs'), undefined), 'outside,true');
});

t.test('moduleRoot null: no module file at all (the edge server)', async (t) => {
  const engine = new Engine({ moduleRoot: null, onConsole: () => undefined, warmUp: false });
  engine.evaluateScript(probe(path.join(app, 'lib.mjs')), path.join(app, 'main.js'));
  await engine.runEventLoop();
  t.match(String(engine.evaluateScript('globalThis.out', 'read.js')), /^true:Cannot load module .*lib\.mjs.*: this engine loads no module files/);
});

const snapvm = (...args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000, cwd: top });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

t.test('CLI: a snapshot while import() is pending (job queued at a safe point; module awaiting a timer) restores and finishes as one run does', async (t) => {
  write(path.join(app, 'slow.mjs'), "console.log('slow starts');\nawait new Promise((r) => setTimeout(r, 20));\nconsole.log('slow ends');\nexport const value = 42;\n");
  const main = write(
    path.join(app, 'pending.js'),
    `const p = import('./slow.mjs');
console.log('after import()');
let n = 0;
for (let i = 0; i < 3; i++) n += i;
p.then((ns) => console.log('imported', ns.value, n));
import('../secret.mjs').catch((e) => console.log('refused', e.constructor === Error));
`,
  );
  const whole = snapvm('run', main);
  t.equal(whole.code, 0, whole.stderr);
  t.equal(whole.stdout, 'after import()\nslow starts\nrefused true\nslow ends\nimported 42 3\n');
  for (const at of ['safepoint:1', 'turn:1']) {
    const snap = path.join(top, `pending-${at.replace(':', '-')}.snap`);
    const a = snapvm('run', main, '--snapshot-at', at, '--out', snap, '--stop');
    t.equal(a.code, 0, a.stderr);
    const b = snapvm('restore', snap);
    t.equal(b.code, 0, b.stderr);
    t.equal(a.stdout + b.stdout, whole.stdout, `${at}: the two halves print what one run prints`);
  }
});
