'use strict';
// One engine × one program in this (fresh) process:  node bench/worker.js ENGINE PROGRAM ITERS
//
// Prints one line `BENCH-RESULT {json}` with
//   initMs   creating the engine (loading wasm, building intrinsics)
//   setupMs  parsing and evaluating the program's definitions and setup snippet
//   runMs    the timed part: the driver script calling benchRun() ITERS times (wall clock)
//   runCpuMs the same part in CPU time of the whole process (GC and compiler threads included)
//   result   the check expression's string value (compared with the expected value by run.js)
// or `BENCH-RESULT {"error": ...}` when the engine fails. Guest console output goes to stderr.

const fs = require('node:fs');
const path = require('node:path');
const { findProgram, loadSources, driverSource } = require('./programs.js');

const now = () => Number(process.hrtime.bigint()) / 1e6;

function packageVersion(name) {
  const file = path.resolve(__dirname, '..', 'node_modules', name, 'package.json');
  return `${name}@${JSON.parse(fs.readFileSync(file, 'utf8')).version}`;
}

function guestLog(...args) {
  process.stderr.write(`[guest] ${args.map(String).join(' ')}\n`);
}

// Each adapter: create() → { define(text, file), prepare(text) → run(), read(expr) → string }.
// prepare() does whatever parsing the engine's API lets us do ahead of the timed run().
const ADAPTERS = {
  // The ceiling: V8 itself, in this process's main context (a node:vm context's global object
  // sits behind interceptors and would slow global variable access down).
  async native() {
    const vm = require('node:vm');
    globalThis.print = guestLog;
    return {
      version: `node ${process.version}`,
      define(text, file) {
        new vm.Script(text, { filename: file }).runInThisContext();
      },
      prepare(text) {
        const script = new vm.Script(text, { filename: 'driver.js' });
        return () => script.runInThisContext();
      },
      read(expr) {
        return String(vm.runInThisContext(expr));
      },
    };
  },

  async sval() {
    const Sval = require('sval');
    const interp = new Sval({ ecmaVer: 'latest', sandBox: true });
    interp.import({ print: guestLog });
    return {
      version: packageVersion('sval'),
      define(text) {
        interp.run(interp.parse(text));
      },
      prepare(text) {
        const ast = interp.parse(text);
        return () => interp.run(ast);
      },
      read(expr) {
        interp.run(`exports.__benchOut = String(${expr});`);
        return interp.exports.__benchOut;
      },
    };
  },

  async engine262() {
    const e = require('@engine262/engine262');
    const agent = new e.Agent({});
    e.setSurroundingAgent(agent);
    const realm = new e.ManagedRealm({});
    realm.scope(() => {
      const print = e.CreateBuiltinFunction(
        (args) => {
          guestLog(...args.map((v) => e.inspect(v)));
          return e.Value.undefined;
        },
        0,
        e.Value('print'),
        [],
      );
      e.CreateDataProperty(realm.GlobalObject, e.Value('print'), print);
    });
    const evaluate = (text, file) => {
      const completion = realm.evaluateScript(text, { specifier: file });
      if (completion instanceof e.AbruptCompletion) {
        const message = realm.scope(() => e.inspect(completion.Value));
        throw new Error(`engine262: uncaught ${message}`);
      }
      return completion;
    };
    return {
      version: packageVersion('@engine262/engine262'),
      define(text, file) {
        evaluate(text, file);
      },
      // The driver is one short line; engine262's evaluateScript parses it inside the timed part.
      prepare(text) {
        return () => evaluate(text, 'driver.js');
      },
      read(expr) {
        const completion = evaluate(`String(${expr})`, 'check.js');
        const value = completion.Value !== undefined ? completion.Value : completion;
        return value.stringValue ? value.stringValue() : String(value);
      },
    };
  },

  async quickjs() {
    const { getQuickJS } = require('quickjs-emscripten');
    const QuickJS = await getQuickJS(); // the release-sync wasm build
    const runtime = QuickJS.newRuntime();
    runtime.setMemoryLimit(-1);
    runtime.setMaxStackSize(0);
    const ctx = runtime.newContext();
    const print = ctx.newFunction('print', (...args) => {
      guestLog(...args.map((h) => ctx.dump(h)));
    });
    ctx.setProp(ctx.global, 'print', print);
    print.dispose();
    const evaluate = (text, file) => {
      const result = ctx.evalCode(text, file);
      if (result.error) {
        const error = ctx.dump(result.error);
        result.error.dispose();
        const message = error && error.message ? `${error.name}: ${error.message}` : JSON.stringify(error);
        throw new Error(`quickjs: uncaught ${message}`);
      }
      const value = ctx.dump(result.value);
      result.value.dispose();
      return value;
    };
    return {
      version: packageVersion('quickjs-emscripten'),
      define(text, file) {
        evaluate(text, file);
      },
      // The driver is one short line; QuickJS compiles it inside the timed evalCode call.
      prepare(text) {
        return () => evaluate(text, 'driver.js');
      },
      read(expr) {
        return String(evaluate(`String(${expr})`, 'check.js'));
      },
    };
  },

  // JS-Interpreter (ES5 only, with its own bundled acorn): code is appended to one interpreter.
  async 'js-interpreter'() {
    const Interpreter = require('js-interpreter');
    const interp = new Interpreter('', (self, globalObject) => {
      self.setProperty(
        globalObject,
        'print',
        self.createNativeFunction((...args) => guestLog(...args)),
      );
    });
    interp.run();
    const evaluate = (text) => {
      interp.appendCode(text);
      interp.run();
      return interp.value;
    };
    return {
      version: packageVersion('js-interpreter'),
      define(text) {
        evaluate(text);
      },
      // appendCode parses the one-line driver inside the timed part.
      prepare(text) {
        return () => evaluate(text);
      },
      read(expr) {
        return String(evaluate(`String(${expr})`));
      },
    };
  },

  async snapvm() {
    // SNAPVM_DIST pins a build (a dist/ folder or its index.js) so that a measurement names a
    // commit; otherwise this checkout's dist/ (tsc writes the door to dist/src/interpreter/).
    const pinned = process.env.SNAPVM_DIST && path.resolve(process.env.SNAPVM_DIST);
    const roots = pinned ? [pinned] : [path.resolve(__dirname, '..', 'dist')];
    const candidates = pinned && pinned.endsWith('.js') ? [pinned] : roots.map((d) => path.join(d, 'src/interpreter/index.js'));
    const distIndex = candidates.find((p) => fs.existsSync(p));
    if (!distIndex) throw new Error(`snapvm is not built (no ${candidates.join(' or ')}): run \`npm run build\``);
    const api = require(distIndex);
    const printed = [];
    const engine = new api.Engine({
      warmUp: true, // while the engine is made (initMs), never inside the timed run
      onConsole: (level, args) => {
        const text = args.map(String).join(' ');
        printed.push(text);
        process.stderr.write(`[guest ${level}] ${text}\n`);
      },
    });
    const evaluate = async (text, file) => {
      let value;
      try {
        value = engine.evaluateScript(text, file);
        await engine.runEventLoop();
      } catch (err) {
        const detail = err && err.guestStack ? err.guestStack : err && err.stack ? err.stack : String(err);
        throw new Error(`snapvm: ${detail}`);
      }
      return value;
    };
    return {
      version: `snapvm ${path.relative(process.cwd(), distIndex) || distIndex}`,
      define: evaluate,
      prepare(text) {
        return () => evaluate(text, 'driver.js');
      },
      // Read through console.log so as not to depend on evaluateScript's return value.
      async read(expr) {
        printed.length = 0;
        await evaluate(`console.log(String(${expr}));`, 'check.js');
        return printed[printed.length - 1];
      },
    };
  },
};

async function main() {
  const [engineName, programName, itersArg] = process.argv.slice(2);
  const out = { engine: engineName, program: programName };
  try {
    const adapter = ADAPTERS[engineName];
    if (!adapter) throw new Error(`unknown engine ${engineName}; known: ${Object.keys(ADAPTERS).join(', ')}`);
    const program = findProgram(programName);
    if (!program) throw new Error(`unknown program ${programName}`);
    const iterations = itersArg ? Number(itersArg) : program.iterations;
    if (!(iterations >= 1)) throw new Error(`bad iteration count ${itersArg}`);
    out.iterations = iterations;
    const sources = loadSources(program);

    let t = now();
    const engine = await adapter();
    out.initMs = now() - t;
    out.version = engine.version;

    t = now();
    for (const { file, text } of sources) await engine.define(text, path.basename(file));
    await engine.define(program.setup, 'setup.js');
    out.setupMs = now() - t;

    const run = engine.prepare(driverSource(iterations));
    const cpu = process.cpuUsage();
    t = now();
    await run();
    out.runMs = now() - t;
    const used = process.cpuUsage(cpu);
    out.runCpuMs = (used.user + used.system) / 1000;

    out.result = await engine.read(program.check);
  } catch (err) {
    out.error = String(err && err.message ? err.message : err)
      .split('\n')
      .slice(0, 6)
      .join('\n');
  }
  process.stdout.write(`BENCH-RESULT ${JSON.stringify(out)}\n`);
  // Engines may leave handles (wasm, timers) around; the measurement is done.
  process.exit(0);
}

main();
