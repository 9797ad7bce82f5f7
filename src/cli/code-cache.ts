// V8's code cache for the package's own CommonJS modules (dist/ and node_modules/), so that a `snapvm`
// process does not parse and compile the engine, acorn, commander… again at every start. Node 20 has no
// `module.enableCompileCache`; this is its user-land form: bin/snapvm.js installs a `Module.prototype._compile`
// that compiles a module of the package with `vm.Script` and the cached data of an earlier process, and
// at exit writes the cache of each module that had none (taken after the run, so it holds the functions
// the run compiled lazily too, not only the top level).
//
// One file per module, under `dist/.code-cache/TAG/`, named by the module's path in the package (a rebuild
// overwrites it, so the folder does not grow). TAG is V8's `cachedDataVersionTag()` when the file is read or
// written: V8 rejects data made under other flags, and a command may set flags (`run PAGE --edge`,
// cli/v8-flags.ts), so each set of flags keeps its own files instead of two kinds of process rewriting one file
// in turn. A file is trusted only when its key — Node's version, V8's version, the architecture and the
// module's source — and the checksum of its data match; anything else (another Node, a rebuilt module, a
// damaged or cut-short file) is ignored and written again, and a cache V8 rejects is compiled as usual. Writes
// are atomic (parallel processes may race) and best-effort: a read-only install compiles each time.
// `SNAPVM_CODE_CACHE=off` turns it off; `SNAPVM_CODE_CACHE=DIR` keeps the files in DIR.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { cachedDataVersionTag } from 'node:v8';
import { createHash } from 'node:crypto';
import { atomicWrite } from '../paths';

const Module = require('node:module') as {
  prototype: { _compile(this: NodeModule, content: string, filename: string): unknown; require(id: string): unknown };
  wrap(source: string): string;
  _resolveFilename(request: string, parent: NodeModule, isMain: boolean, options?: { paths?: string[] }): string;
  _resolveLookupPaths(request: string, parent: NodeModule): string[] | null;
  _extensions: NodeJS.RequireExtensions;
  _cache: NodeJS.Dict<NodeModule>;
};

const MAGIC = Buffer.from('snapvmc1');
const SUM = 20; // sha1
const HEADER = MAGIC.length + 2 * SUM;

export interface CodeCacheStats {
  /** Modules compiled with cached data V8 accepted. */
  hits: number;
  /** Modules compiled without (no file, a stale or damaged one, or V8 rejected it). */
  misses: number;
  /** Cache files written at exit. */
  written: number;
}

let installed: { dir: string; stats: CodeCacheStats } | null = null;

function sha1(...parts: (string | Uint8Array)[]): Buffer {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** The cached data in `file` for a module with this key, or undefined when it is missing, stale or damaged. */
export function readEntry(file: string, key: Buffer): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length <= HEADER || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  if (!bytes.subarray(MAGIC.length, MAGIC.length + SUM).equals(key)) return undefined;
  const data = bytes.subarray(HEADER);
  return sha1(data).equals(bytes.subarray(MAGIC.length + SUM, HEADER)) ? data : undefined;
}

/** Write `data` as the cache entry for a module with this key (atomically; false when the folder is not writable). */
export function writeEntry(file: string, key: Buffer, data: Buffer): boolean {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    atomicWrite(file, Buffer.concat([MAGIC, key, sha1(data), data]));
    return true;
  } catch {
    return false;
  }
}

/** The key of a module's cache entry: what V8's cached data depends on, and the source itself. */
export function entryKey(content: string): Buffer {
  return sha1(process.version, '\0', process.versions.v8, '\0', process.arch, '\0', content);
}

/**
 * Serve the modules under `root` (the package) from the code cache in `dir`/TAG (default `root/dist/.code-cache`,
 * or $SNAPVM_CODE_CACHE; `off` installs nothing). Once per process; returns the counters, or null when off.
 */
export function installCodeCache(root: string, dir?: string): CodeCacheStats | null {
  if (installed) return installed.stats;
  const env = process.env.SNAPVM_CODE_CACHE;
  if (env === 'off' || env === '0') return null;
  const cacheDir = path.resolve(dir ?? (env ? env : path.join(root, 'dist', '.code-cache')));
  const prefix = path.resolve(root) + path.sep;
  const stats: CodeCacheStats = { hits: 0, misses: 0, written: 0 };
  installed = { dir: cacheDir, stats };
  const pending: { name: string; key: Buffer; script: vm.Script }[] = [];
  const compile = Module.prototype._compile;
  const dynamicImport = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;

  Module.prototype._compile = function (this: NodeModule, content: string, filename: string): unknown {
    if (!filename.startsWith(prefix) || !filename.endsWith('.js') || filename.startsWith(cacheDir + path.sep)) return compile.call(this, content, filename);
    const name = filename.slice(prefix.length).split(path.sep).join('%') + '.v8';
    const key = entryKey(content);
    const cachedData = readEntry(path.join(cacheDir, String(cachedDataVersionTag()), name), key);
    const script = new vm.Script(Module.wrap(content), { filename, cachedData, importModuleDynamically: dynamicImport as never });
    if (cachedData !== undefined && !script.cachedDataRejected) stats.hits++;
    else {
      stats.misses++;
      pending.push({ name, key, script });
    }
    const fn = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return fn.call(this.exports, this.exports, makeRequire(this), this, filename, path.dirname(filename));
  };

  process.once('exit', () => {
    // (V8 makes the data under the flags of now: its folder is theirs)
    const folder = path.join(cacheDir, String(cachedDataVersionTag()));
    for (const { name, key, script } of pending.splice(0)) if (writeEntry(path.join(folder, name), key, script.createCachedData())) stats.written++;
  });
  return stats;
}

/** A module's `require`, as Node makes it (resolution, `resolve.paths`, `main`, `cache`, `extensions`). */
function makeRequire(mod: NodeModule): NodeJS.Require {
  const require = ((id: string) => Module.prototype.require.call(mod, id)) as NodeJS.Require;
  const resolve = ((request: string, options?: { paths?: string[] }) => Module._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => Module._resolveLookupPaths(request, mod);
  require.resolve = resolve;
  require.main = process.mainModule;
  require.extensions = Module._extensions;
  require.cache = Module._cache;
  return require;
}
