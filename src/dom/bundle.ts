// Builds the happy-dom bundle that the DOM room evaluates inside each page's guest realm (DESIGN.md:
// happy-dom's classes must belong to the guest realm, or every DOM object leads to the host's
// Function). esbuild resolves happy-dom's Node imports to the capability shims in src/dom/realm/,
// and lowers async functions so that every promise happy-dom makes is the engine's Promise (V8's
// own promises would settle on the host's microtask queue, out of the engine's sight).
// Run by `npm run build` (after tsc): writes dist/dom/happy-dom.js.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The repository root: the nearest folder above with snapvm's package.json. */
export function packageRoot(from = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'package.json');
    if (fs.existsSync(candidate) && (JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string }).name === 'snapvm') return dir;
    if (path.dirname(dir) === dir) throw new Error(`snapvm: no package root above ${from}`);
  }
}

export function bundlePath(): string {
  return path.join(packageRoot(), 'dist', 'dom', 'happy-dom.js');
}

const SHIMS: Record<string, string> = {
  url: 'url.js',
  'node:url': 'url.js',
  buffer: 'buffer.js',
  'stream/web': 'stream-web.js',
  stream: 'stream.js',
  crypto: 'crypto.js',
  util: 'util.js',
  vm: 'vm.js',
  'node:perf_hooks': 'perf-hooks.js',
  fs: 'unavailable.js',
  path: 'unavailable.js',
  http: 'unavailable.js',
  https: 'unavailable.js',
  zlib: 'unavailable.js',
  net: 'unavailable.js',
  'node:net': 'unavailable.js',
  child_process: 'unavailable.js',
  ws: 'unavailable.js',
};

export async function buildBundle(out = bundlePath()): Promise<{ bytes: number }> {
  const root = packageRoot();
  const shimDir = path.join(root, 'src', 'dom', 'realm');
  // esbuild is loaded only here: every `snapvm run` imports this file for bundlePath()
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [path.join(shimDir, 'entry.js')],
    inject: [path.join(shimDir, 'globals.js')],
    bundle: true,
    format: 'iife',
    globalName: '__snapvm_happydom',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    target: 'es2022',
    // async functions become generators driven by the global Promise (the engine's)
    supported: { 'async-await': false, 'async-generator': false, 'for-await': false },
    write: false,
    legalComments: 'none',
    // smaller to read and to hold (every page load and restore reads it); names kept: happy-dom reads constructor names
    minify: true,
    keepNames: true,
    logLevel: 'silent',
    nodePaths: [path.join(root, 'node_modules')],
    plugins: [
      {
        name: 'snapvm-node-shims',
        setup(build) {
          build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
            const shim = SHIMS[args.path];
            // the shims themselves import the npm packages of the same name (buffer, …)
            if (shim && !args.importer.startsWith(shimDir)) return { path: path.join(shimDir, shim) };
            return undefined;
          });
          // whatwg-url finds %AsyncIteratorPrototype% through an async generator, which the lowering
          // above turns into a plain function: the wrapper hands the realm's own in (page.ts).
          build.onLoad({ filter: /whatwg-url[\\/]lib[\\/]utils\.js$/ }, (args) => {
            const text = fs.readFileSync(args.path, 'utf8');
            const patched = text.replace(/Object\.getPrototypeOf\(\s*Object\.getPrototypeOf\(\s*async function\*\s*\(\)\s*\{\s*\}\s*\)\.prototype\s*\)/, '__snapvm_AsyncIteratorPrototype');
            if (patched === text) throw new Error(`whatwg-url changed: no AsyncIteratorPrototype expression in ${args.path}`);
            return { contents: patched, loader: 'js' };
          });
          // a listener's returned promise gets a rejection handler: happy-dom's is an arrow made per dispatch,
          // which a snapshot taken while the promise waits (a listener offloading with snapvm.offload) cannot
          // name; the controller's listenerRejected (page.js) does the same and is a controller path
          build.onLoad({ filter: /happy-dom[\\/]lib[\\/]event[\\/]EventTarget\.js$/ }, (args) => {
            const text = fs.readFileSync(args.path, 'utf8');
            const arrow = 'result.catch((error) => window[PropertySymbol.dispatchError](error));';
            const count = text.split(arrow).length - 1;
            if (count === 0) throw new Error(`happy-dom changed: no listener rejection handler in ${args.path}`);
            return { contents: text.split(arrow).join('result.catch(__snapvm_hooks.listenerRejected);'), loader: 'js' };
          });
        },
      },
    ],
  });
  const code = result.outputFiles[0]!.text;
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  return { bytes: code.length };
}

if (require.main === module) {
  const started = performance.now();
  buildBundle().then(
    ({ bytes }) => console.log(`happy-dom bundle: ${(bytes / 1024).toFixed(0)} KB in ${(performance.now() - started).toFixed(0)} ms → ${path.relative(process.cwd(), bundlePath())}`),
    (e: unknown) => {
      console.error(`snapvm: cannot build the happy-dom bundle: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    },
  );
}
