// V8 flags a `snapvm` process sets for itself from its command line, before it compiles anything of the
// package (bin/snapvm.js calls this first): V8's code cache is valid for one set of flags only, so a flag
// set later would leave the modules compiled before it out of the cache's folder for the flags of the
// process (cli/code-cache.ts keeps a folder per set).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';

/**
 * The flags for `argv` (the command's words, without `node` and the script):
 * - `run PAGE … --edge URL`: no on-stack replacement. A page client's own guest code is short (what the app
 *   does before and after its heavy part), yet its long turns (the load's scripts) made V8 compile the
 *   interpreter's `loop` anew for the running frame (OSR: a whole TurboFan compile of the engine's largest
 *   function, 0.1–0.4 s of a background thread's CPU, often twice), and a slow client pays that CPU as well
 *   (bench/offload/README.md, "The client's own CPU"). `loop` is still optimized, at its next call: the
 *   interpreter enters it at each turn, resume and call from host code. Not for a script: its client measured
 *   no gain (nbody's, 10–20 ms more), and a script under --edge-auto runs its first heavy turn here, where OSR
 *   is what makes it fast.
 */
export function v8FlagsFor(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  const words = end < 0 ? argv : argv.slice(0, end);
  const edge = words[0] === 'run' && words.some((w) => w === '--edge' || w.startsWith('--edge='));
  if (words[0] === 'serve') return wasmPagesFlag(words);
  const target = edge ? runTarget(words) : undefined;
  return target !== undefined && isPage(target) ? ['--no-use-osr'] : [];
}

/** `snapvm serve`'s default `--memory-mb` (main.ts's). */
const SERVE_MEMORY_MB = 512;

/**
 * - `serve`: no WebAssembly memory larger than a session's budget for array buffers (`--memory-mb`; one page
 *   is 64 KiB). The budget counts a module's own memories once it is instantiated and `Memory.prototype.grow`
 *   before it runs (interpreter/memory-budget.ts), but `memory.grow` run inside wasm code passes no wrapper:
 *   this bounds each memory (each refused growth is wasm's -1). A value main.ts will refuse sets nothing.
 */
function wasmPagesFlag(words: readonly string[]): string[] {
  let value: string | undefined = String(SERVE_MEMORY_MB);
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--') break;
    if (w === '--memory-mb') value = words[++i];
    else if (w.startsWith('--memory-mb=')) value = w.slice('--memory-mb='.length);
  }
  const mb = Number(value);
  return Number.isInteger(mb) && mb >= 16 ? [`--wasm-max-mem-pages=${mb * 16}`] : [];
}

/** `snapvm run`'s options that take the next word as their value (main.ts; `--opt=value` is one word). */
const RUN_VALUE_OPTIONS = new Set(['--snapshot-at', '--out', '--edge', '--ionn-slowdown']);

/** What `snapvm run` runs: its first word that is neither an option nor an option's value (the program's own words come after it). */
function runTarget(words: readonly string[]): string | undefined {
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (!w.startsWith('-')) return w;
    if (RUN_VALUE_OPTIONS.has(w)) i++;
  }
  return undefined;
}

/** What `snapvm run` runs as a page (dom/light.ts `resolvePage`, not loaded here: this runs before the code cache). */
function isPage(word: string): boolean {
  if (/\.html?$/i.test(word)) return true;
  try {
    return fs.existsSync(path.join(word, 'index.html'));
  } catch {
    return false;
  }
}

/**
 * The flags every guest realm needs of this V8, whatever the command: Node 20's V8 has JSON.parse source
 * text access only behind `--harmony-json-parse-with-source` (interpreter/realm.ts sets it when it makes its
 * first context where it is missing; set there, after the package's modules were compiled, it made every
 * process's code cache miss and be written again).
 */
export function realmV8Flags(): string[] {
  return typeof (JSON as { rawJSON?: unknown }).rawJSON === 'function' ? [] : ['--harmony-json-parse-with-source'];
}

/**
 * `--expose-gc` for every command, set here before any other isolate exists: a page's canvases ask V8 for a
 * collection when the pixels the page dropped pile up (dom/canvas.ts), in the main thread and in an edge
 * server's session workers, and a flag set later, while other isolates run (onnxruntime's and the server's
 * worker threads), is not supported by V8. No guest sees `gc` (realm.ts copies only the standard globals).
 */
export function gcV8Flags(): string[] {
  return typeof (globalThis as { gc?: unknown }).gc === 'function' ? [] : ['--expose-gc'];
}

/** Set the flags `realmV8Flags()`, `gcV8Flags()` and `v8FlagsFor(argv)` name; the list set. */
export function setV8FlagsFor(argv: readonly string[]): string[] {
  const flags = [...realmV8Flags(), ...gcV8Flags(), ...v8FlagsFor(argv)];
  for (const flag of flags) setFlagsFromString(flag);
  return flags;
}
