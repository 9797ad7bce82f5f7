// ES modules loaded from files (ecma262 §16.2): module records, linking of live bindings through
// ImportCells, evaluation in post-order (with top-level await chaining), namespaces, import().
import { isObject, makeStamp } from './realm';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inside, realPaths, withinRoots } from '../paths';
import type { Engine } from './engine';
import type { Code } from './code';
import { Op } from './opcodes';
import { Env, HOLE, type ImportCell, isHost } from './vm';
import { GuestError } from './api';
import { boundNames } from './scope';

type Node = any;

interface ExportEntry {
  exportName: string;
  localName?: string;
  module?: string;
  importName?: string;
}

export interface ModuleRecord {
  file: string;
  code: Code;
  env: Env;
  status: 'linking' | 'linked' | 'evaluating' | 'evaluated' | 'error';
  error: unknown;
  requested: string[];
  imports: { local: string; module: string; importName: string }[];
  localExports: ExportEntry[];
  indirectExports: ExportEntry[];
  starExports: string[];
  namespace: object | null;
  meta: object | null;
  /** The promise of an async (top-level await) evaluation, once started. */
  promise: object | null;
}

/**
 * What a module-evaluation promise handler does next (evaluateFrom, dynamicImport). An import()
 * takes three: 'import' (link and evaluate, a job after the call), then 'imported' or 'importFailed'
 * (settle `promise`, the import()'s promise, with the namespace or the reason).
 */
export const MODULE_STEP_KINDS = ['done', 'failed', 'continue', 'namespace', 'import', 'imported', 'importFailed'] as const;
export interface ModuleStep {
  kind: (typeof MODULE_STEP_KINDS)[number];
  module: ModuleRecord | null;
  order: ModuleRecord[] | null;
  next: number;
  /** The import()'s promise ('import', 'imported', 'importFailed'); absent for the others. */
  promise?: object;
}

export class ModuleLoader {
  private readonly records = new Map<string, ModuleRecord>();
  /** How many modules are loaded. */
  get size(): number {
    return this.records.size;
  }

  /**
   * `root`: the folder module files may come from (EngineOptions.moduleRoot): a string confines them to
   * it (their real paths to its real path or one of `linkRoots`), null loads none, undefined any.
   */
  constructor(
    private readonly engine: Engine,
    private readonly root: string | null | undefined,
    private readonly linkRoots: readonly string[] = [],
  ) {
    this.jsonParse = engine.realm.realmEval<(text: string) => unknown>('JSON.parse');
  }
  private realRoots: (string | null)[] | null = null;
  /** Files requested with `{ type: 'json' }` (the module map is keyed by file: a file is one kind of module). */
  private readonly jsonFiles = new Set<string>();
  /** The realm's JSON.parse as the engine started (guest code may replace the global's). */
  private readonly jsonParse: (text: string) => unknown;

  get modules(): ReadonlyMap<string, ModuleRecord> {
    return this.records;
  }

  /** The engine functions that continue a module evaluation when a promise settles, by their records. */
  readonly steps = makeStamp<ModuleStep>();

  /** A promise handler that takes the next step of an evaluation; its whole state is `step` (a snapshot reads it). */
  makeStep(step: ModuleStep): Function {
    const fn = this.engine.realm.native('', 1, (_t, a) => this.runStep(step, a[0]));
    this.steps.set(fn, step);
    return fn;
  }

  private runStep(step: ModuleStep, arg: unknown): unknown {
    switch (step.kind) {
      case 'done':
        step.module!.status = 'evaluated';
        return undefined;
      case 'failed':
        step.module!.status = 'error';
        step.module!.error = arg;
        throw arg;
      case 'continue':
        return this.evaluateFrom(step.order!, step.next);
      case 'namespace':
        return this.namespace(step.module!);
      case 'import':
        return this.linkAndEvaluate(step.module!, step.promise!);
      case 'imported':
        return this.settleImport(step.promise!, true, step.module!);
      case 'importFailed':
        return this.settleImport(step.promise!, false, arg);
    }
  }

  /** Take module records a restore rebuilt; records taken before move after the others, in the list's order. */
  adopt(list: ModuleRecord[]): void {
    for (const m of list) {
      this.records.delete(m.file);
      this.records.set(m.file, m);
    }
  }

  /** Load, link and evaluate the entry module; an async evaluation settles through the event loop. */
  evaluateEntry(file: string, source?: string): void {
    const m = this.load(file, null, source);
    this.link(m);
    const p = this.evaluate(m);
    if (p) {
      // A rejection of the entry's evaluation is an unhandled rejection of the program.
      this.engine.promises.performPromiseThen(p, undefined, undefined);
    }
  }

  private resolve(specifier: string, referrer: string | null): string {
    if (!specifier.startsWith('./') && !specifier.startsWith('../') && !specifier.startsWith('/') && !specifier.startsWith('file:')) {
      this.engine.vm.throwError('TypeError', `Cannot resolve module specifier '${specifier}' (only relative and absolute paths are supported)`);
    }
    let spec = specifier;
    if (specifier.startsWith('file:')) {
      try {
        spec = fileURLToPath(specifier);
      } catch {
        this.engine.vm.throwError('TypeError', `Cannot resolve module specifier '${specifier}' (not a file URL of this host)`);
      }
    }
    return path.resolve(referrer ? path.dirname(referrer) : (this.root ?? process.cwd()), spec);
  }

  /** Refuse a module file outside the root (before any file system access; then by its real path). */
  private allowed(file: string, referrer: string | null): void {
    if (this.root === undefined) return;
    const from = referrer ? ` imported from ${referrer}` : '';
    if (this.root === null) this.engine.vm.throwError('Error', `Cannot load module '${file}'${from}: this engine loads no module files`);
    if (!inside(path.resolve(this.root), file)) this.engine.vm.throwError('Error', `Cannot load module '${file}'${from}: it is outside the program's folder ${this.root}`);
    this.realRoots ??= realPaths([this.root, ...this.linkRoots]);
    let real: string;
    try {
      real = fs.realpathSync(file);
    } catch {
      this.engine.vm.throwError('Error', `Cannot find module '${file}'${from}`);
    }
    if (!withinRoots(real, this.realRoots)) this.engine.vm.throwError('Error', `Cannot load module '${file}'${from}: it links outside the program's folder ${this.root}`);
  }

  /** `given`: the source of a module that is not a file (a page's inline module script), named `file`. */
  private load(file: string, referrer: string | null, given?: string): ModuleRecord {
    const existing = this.records.get(file);
    if (existing) return existing;
    if (this.jsonFiles.has(file) && given === undefined) return this.loadJson(file, referrer);
    let source: string;
    if (given === undefined) this.allowed(file, referrer);
    try {
      source = given ?? fs.readFileSync(file, 'utf8');
    } catch {
      this.engine.vm.throwError('Error', `Cannot find module '${file}'${referrer ? ` imported from ${referrer}` : ''}`);
    }
    // A syntax error stays a GuestError of kind 'syntax' (import() turns it into a rejection).
    const unit = this.engine.compileUnit(source, file, 'module');
    const code = unit.code;
    const ast: Node = unit.ast;
    const desc = code.moduleDesc!;
    const vars = desc.kinds.map((k) => (k === 1 || k === 3 ? HOLE : undefined));
    const m: ModuleRecord = {
      file,
      code,
      env: new Env(vars, desc, null, null),
      status: 'linking',
      error: undefined,
      requested: [],
      imports: [],
      localExports: [],
      indirectExports: [],
      starExports: [],
      namespace: null,
      meta: null,
      promise: null,
    };
    this.records.set(file, m);
    for (const s of ast.body) this.collectEntries(m, s);
    for (const r of m.requested) this.load(r, file);
    return m;
  }

  /**
   * A JSON module (ecma262 §16.2.1.8, ParseJSONModule): a synthetic module whose one export `default`
   * is the parsed value, evaluated at once. Its code is a module declaring that binding, so that a
   * snapshot writes and restores it as any module (the value lives in its environment).
   */
  private loadJson(file: string, referrer: string | null): ModuleRecord {
    this.allowed(file, referrer);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      this.engine.vm.throwError('Error', `Cannot find module '${file}'${referrer ? ` imported from ${referrer}` : ''}`);
    }
    const value = this.jsonParse(text); // a SyntaxError of the realm for bad JSON
    const m = this.load(file, referrer, JSON_MODULE_SOURCE);
    m.env.vars[m.env.desc!.index.get('json')!] = value;
    m.status = 'evaluated';
    return m;
  }

  private collectEntries(m: ModuleRecord, s: Node): void {
    const req = (spec: string) => {
      const f = this.resolve(spec, m.file);
      const attributes = (s.attributes ?? []).map((a: Node) => ({ key: a.key.type === 'Identifier' ? a.key.name : String(a.key.value), value: String(a.value.value) }));
      if (this.importType(attributes) === 'json') this.jsonFiles.add(f);
      if (!m.requested.includes(f)) m.requested.push(f);
      return f;
    };
    const nameOf = (n: Node) => (n.type === 'Identifier' ? n.name : String(n.value));
    switch (s.type) {
      case 'ImportDeclaration': {
        const mod = req(s.source.value);
        for (const sp of s.specifiers) {
          const importName = sp.type === 'ImportDefaultSpecifier' ? 'default' : sp.type === 'ImportNamespaceSpecifier' ? '*' : nameOf(sp.imported);
          m.imports.push({ local: sp.local.name, module: mod, importName });
        }
        break;
      }
      case 'ExportNamedDeclaration':
        if (s.source) {
          const mod = req(s.source.value);
          for (const sp of s.specifiers) m.indirectExports.push({ exportName: nameOf(sp.exported), module: mod, importName: nameOf(sp.local) });
        } else if (s.declaration) {
          const d = s.declaration;
          const names: string[] = d.type === 'VariableDeclaration' ? d.declarations.flatMap((x: Node) => boundNames(x.id)) : [d.id.name];
          for (const n of names) m.localExports.push({ exportName: n, localName: n });
        } else {
          for (const sp of s.specifiers) {
            const local = nameOf(sp.local);
            const imp = m.imports.find((i) => i.local === local);
            if (imp && imp.importName !== '*') m.indirectExports.push({ exportName: nameOf(sp.exported), module: imp.module, importName: imp.importName });
            else m.localExports.push({ exportName: nameOf(sp.exported), localName: local });
          }
        }
        break;
      case 'ExportDefaultDeclaration': {
        const d = s.declaration;
        const local = (d.type === 'FunctionDeclaration' || d.type === 'ClassDeclaration') && d.id ? d.id.name : '*default*';
        m.localExports.push({ exportName: 'default', localName: local });
        break;
      }
      case 'ExportAllDeclaration': {
        const mod = req(s.source.value);
        if (s.exported) m.indirectExports.push({ exportName: nameOf(s.exported), module: mod, importName: '*' });
        else m.starExports.push(mod);
        break;
      }
    }
  }

  /** ResolveExport: where an exported name lives; null if absent, 'ambiguous' for star conflicts. */
  resolveExport(m: ModuleRecord, name: string, seen: Set<string> = new Set()): ImportCell | null | 'ambiguous' {
    const key = `${m.file}\0${name}`;
    if (seen.has(key)) return null;
    seen.add(key);
    for (const e of m.localExports) {
      if (e.exportName === name) {
        const slot = m.env.desc!.index.get(e.localName!);
        if (slot === undefined) return null;
        // a re-exported import is resolved through its own cell at link time
        const imp = m.imports.find((i) => i.local === e.localName);
        if (imp) return this.resolveImport(imp);
        return { env: m.env, slot, name };
      }
    }
    for (const e of m.indirectExports) {
      if (e.exportName === name) {
        const target = this.records.get(e.module!)!;
        if (e.importName === '*') return { env: null, slot: -1, name, namespace: this.namespace(target) };
        return this.resolveExport(target, e.importName!, seen);
      }
    }
    if (name === 'default') return null;
    let found: ImportCell | null = null;
    for (const s of m.starExports) {
      const r = this.resolveExport(this.records.get(s)!, name, seen);
      if (r === 'ambiguous') return r;
      if (r) {
        if (found && !(found.env === r.env && found.slot === r.slot && found.namespace === r.namespace)) return 'ambiguous';
        found = r;
      }
    }
    return found;
  }

  private resolveImport(imp: { local: string; module: string; importName: string }): ImportCell {
    const target = this.records.get(imp.module)!;
    if (imp.importName === '*') return { env: null, slot: -1, name: imp.local, namespace: this.namespace(target) };
    const r = this.resolveExport(target, imp.importName);
    if (r === null) this.engine.vm.throwError('SyntaxError', `The requested module '${path.basename(imp.module)}' does not provide an export named '${imp.importName}'`);
    if (r === 'ambiguous') this.engine.vm.throwError('SyntaxError', `The requested module '${path.basename(imp.module)}' contains conflicting star exports for name '${imp.importName}'`);
    return r;
  }

  /** The module graph under `m`, dependencies first (the order of linking and evaluation). */
  private postOrder(m: ModuleRecord): ModuleRecord[] {
    const order: ModuleRecord[] = [];
    const seen = new Set<ModuleRecord>();
    const visit = (r: ModuleRecord) => {
      if (seen.has(r)) return;
      seen.add(r);
      for (const f of r.requested) visit(this.records.get(f)!);
      order.push(r);
    };
    visit(m);
    return order;
  }

  private link(m: ModuleRecord): void {
    const order = this.postOrder(m);
    for (const r of order) {
      if (r.status !== 'linking') continue;
      // InitializeEnvironment: every indirect export must resolve (no cycle, no ambiguity)
      for (const e of r.indirectExports) {
        if (e.importName === '*') continue;
        const res = this.resolveExport(r, e.exportName);
        if (res === null || res === 'ambiguous')
          this.engine.vm.throwError(
            'SyntaxError',
            `The requested module '${path.basename(e.module!)}' ${res === null ? 'does not provide an export named' : 'contains conflicting star exports for name'} '${e.importName}'`,
          );
      }
      for (const imp of r.imports) {
        const slot = r.env.desc!.index.get(imp.local)!;
        r.env.vars[slot] = this.resolveImport(imp);
      }
      this.instantiateFunctions(r);
      r.status = 'linked';
    }
  }

  /**
   * InitializeEnvironment's function declarations (https://tc39.es/ecma262/#sec-source-text-module-record-initialize-environment):
   * made at link time, so that the other modules of a cycle can call them before this one evaluates.
   * They are the body's first instructions (`Closure k; InitEnv 0 slot` each, compiler.ts hoistFunctions),
   * up to the pc the compiler recorded (Code.hoistedEnd), run here instead; evaluation starts there.
   */
  private instantiateFunctions(r: ModuleRecord): void {
    const ops = r.code.ops;
    for (let pc = 0; pc < r.code.hoistedEnd; pc += HOISTED_LENGTH) {
      if (ops[pc] !== Op.Closure || ops[pc + 2] !== Op.InitEnv || ops[pc + 3] !== 0)
        throw new Error(`invariant: ${r.file}: a module's hoisted function at pc ${pc} is not 'Closure k; InitEnv 0 slot'`);
      r.env.vars[ops[pc + 4]!] = this.engine.vm.makeFunction(r.code.consts[ops[pc + 1]!] as Code, r.env, undefined, r);
    }
  }

  /**
   * The module namespace exotic object (ecma262 §10.4.6): a proxy of the realm over a frozen-shape
   * target, so that exports read as live data properties ({ writable: true, configurable: false }),
   * TDZ bindings throw, and nothing can be set or added.
   */
  namespace(m: ModuleRecord): object {
    if (m.namespace) return m.namespace;
    const vm = this.engine.vm;
    const cells = new Map<string, ImportCell>();
    const target = this.engine.realm.intrinsics.objectCreate(null);
    const read = (key: string) => vm.readImport(cells.get(key)!);
    const handler: ProxyHandler<object> = {
      get: (t, key) => (typeof key === 'symbol' ? Reflect.get(t, key) : cells.has(key) ? read(key) : undefined),
      getOwnPropertyDescriptor: (t, key) => {
        if (typeof key === 'symbol') return Reflect.getOwnPropertyDescriptor(t, key);
        if (!cells.has(key)) return undefined;
        return { value: read(key), writable: true, enumerable: true, configurable: false };
      },
      defineProperty: (t, key, desc) => {
        if (typeof key === 'symbol') return Reflect.defineProperty(t, key, desc);
        if (!cells.has(key)) return false;
        const value = read(key);
        if (desc.configurable === true || desc.enumerable === false || desc.get || desc.set || desc.writable === false) return false;
        return !('value' in desc) || Object.is(desc.value, value);
      },
      has: (t, key) => (typeof key === 'symbol' ? Reflect.has(t, key) : cells.has(key)),
      set: () => false,
      deleteProperty: (t, key) => (typeof key === 'symbol' ? Reflect.deleteProperty(t, key) : !cells.has(key)),
      ownKeys: (t) => Reflect.ownKeys(t),
      getPrototypeOf: () => null,
      setPrototypeOf: (_t, proto) => proto === null,
      isExtensible: () => false,
      preventExtensions: () => true,
    };
    const ns = new this.RealmProxy(target, handler);
    // (the namespace exists before its exports are resolved: one may be this very namespace, `export * as
    // ns from './self.js'`; no guest code runs until it is complete)
    m.namespace = ns;
    for (const name of [...this.exportedNames(m, new Set())].sort()) {
      const r = this.resolveExport(m, name);
      if (r && r !== 'ambiguous') cells.set(name, r);
    }
    for (const name of cells.keys()) Object.defineProperty(target, name, { value: undefined, writable: true, enumerable: true, configurable: false });
    Object.defineProperty(target, Symbol.toStringTag, { value: 'Module', writable: false, enumerable: false, configurable: false });
    Object.preventExtensions(target);
    return ns;
  }

  /** The realm's own %Proxy% (the guest's Proxy records proxies; this one is the engine's). */
  private get RealmProxy(): ProxyConstructor {
    return (this.realmProxy ??= this.engine.realm.realmEval<ProxyConstructor>('Proxy'));
  }
  private realmProxy: ProxyConstructor | undefined;

  private exportedNames(m: ModuleRecord, seen: Set<ModuleRecord>): Set<string> {
    const out = new Set<string>();
    if (seen.has(m)) return out;
    seen.add(m);
    for (const e of m.localExports) out.add(e.exportName);
    for (const e of m.indirectExports) out.add(e.exportName);
    for (const s of m.starExports) for (const n of this.exportedNames(this.records.get(s)!, seen)) if (n !== 'default') out.add(n);
    return out;
  }

  /**
   * Evaluate a linked module graph in post-order. Returns a promise when some module of it awaits
   * at top level (the rest of the order continues when it settles), else undefined.
   */
  evaluate(m: ModuleRecord): object | undefined {
    const order = this.postOrder(m);
    return this.evaluateFrom(order, 0);
  }

  private evaluateFrom(order: ModuleRecord[], i: number): object | undefined {
    for (; i < order.length; i++) {
      const r = order[i]!;
      if (r.status === 'error') throw r.error;
      if (r.status === 'evaluated' || r.status === 'evaluating') {
        if (r.promise && r.status === 'evaluating') return this.continueAfter(r.promise, this.evaluateSiblings(order, i), 0);
        continue;
      }
      const pending = this.evaluateOne(r);
      if (pending) return this.continueAfter(pending, this.evaluateSiblings(order, i), 0);
    }
    return undefined;
  }

  /**
   * While order[i] awaits at top level, the modules after it evaluate now unless they wait for a module
   * in async evaluation; those wait, in order, and are returned (a module among them that awaits too is
   * waited for where it stands). InnerModuleEvaluation (https://tc39.es/ecma262/#sec-innermoduleevaluation)
   * step 11.c: a module waits when a module it requests is in async evaluation, that module itself if it is
   * in the module's own cycle (still on the DFS stack: a later one in the order has not started), else its
   * cycle ([[CycleRoot]], which is async when any module of the cycle is).
   */
  private evaluateSiblings(order: ModuleRecord[], i: number): ModuleRecord[] {
    const waiting = new Set<string>([order[i]!.file]);
    const later: ModuleRecord[] = [order[i]!];
    const cycle = this.cycles(order);
    const waits = (r: ModuleRecord) => {
      const own = cycle.get(r.file);
      return r.requested.some((f) => (cycle.get(f) === own ? waiting.has(f) : cycle.get(f)!.some((g) => waiting.has(g))));
    };
    for (let j = i + 1; j < order.length; j++) {
      const r = order[j]!;
      if (r.status === 'error') throw r.error;
      if (r.status === 'evaluated' || (r.status === 'evaluating' && !r.promise)) continue;
      if (r.status !== 'evaluating' && !waits(r) && !this.evaluateOne(r)) continue;
      waiting.add(r.file);
      later.push(r);
    }
    return later;
  }

  /** The import cycles (strongly connected components, Tarjan) of the graph under `roots`: each file's cycle. */
  private cycles(roots: ModuleRecord[]): Map<string, string[]> {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const out = new Map<string, string[]>();
    const visit = (f: string) => {
      index.set(f, index.size);
      low.set(f, index.get(f)!);
      stack.push(f);
      onStack.add(f);
      for (const g of this.records.get(f)!.requested) {
        if (!index.has(g)) {
          visit(g);
          low.set(f, Math.min(low.get(f)!, low.get(g)!));
        } else if (onStack.has(g)) low.set(f, Math.min(low.get(f)!, index.get(g)!));
      }
      if (low.get(f) !== index.get(f)) return;
      const members: string[] = [];
      let g: string;
      do {
        g = stack.pop()!;
        onStack.delete(g);
        members.push(g);
        out.set(g, members);
      } while (g !== f);
    };
    for (const r of roots) if (!index.has(r.file)) visit(r.file);
    return out;
  }

  /** Evaluate one linked module: its promise while it awaits at top level, else undefined. */
  private evaluateOne(r: ModuleRecord): object | undefined {
    const promises = this.engine.promises;
    r.status = 'evaluating';
    let result: unknown;
    try {
      result = this.engine.vm.runCode(r.code, r.env, undefined, r, null, r.code.hoistedEnd);
    } catch (e) {
      r.status = 'error';
      r.error = e;
      throw e;
    }
    if (r.code.flags & 64 /* CodeFlag.Async */) {
      // r.promise settles once r's status says how its evaluation ended: every later waiter (another
      // import() of r while it awaits) waits on it, after the first, as on a [[TopLevelCapability]]
      const done = this.makeStep({ kind: 'done', module: r, order: null, next: 0 });
      const failed = this.makeStep({ kind: 'failed', module: r, order: null, next: 0 });
      r.promise = promises.performPromiseThen(result as object, done, failed, promises.newPromiseCapability(promises.Promise, false))!;
      return r.promise;
    }
    r.status = 'evaluated';
    return undefined;
  }

  private continueAfter(p: object, order: ModuleRecord[], next: number): object {
    const promises = this.engine.promises;
    const cont = this.makeStep({ kind: 'continue', module: null, order, next });
    return promises.performPromiseThen(p, cont, undefined, promises.newPromiseCapability(promises.Promise, false))!;
  }

  importMeta(module: unknown): object {
    const m = module as ModuleRecord | null;
    if (!m) return this.engine.realm.intrinsics.newObject();
    if (!m.meta) {
      const meta = this.engine.realm.intrinsics.objectCreate(null) as any;
      meta.url = pathToFileURL(m.file).href;
      m.meta = meta;
    }
    return m.meta!;
  }

  /**
   * EvaluateImportCall (ecma262 §13.3.10.1) from step 4 on: `specifier` and `options` are evaluated.
   * The module graph is loaded at once (files are read synchronously; a load error rejects); linking
   * and evaluation are a job, as ContinueDynamicImport's PerformPromiseThen(loadPromise, …) makes them.
   */
  dynamicImport(module: unknown, specifier: unknown, options: unknown, scriptFile: string): object {
    const promises = this.engine.promises;
    const cap = promises.newPromise();
    try {
      const spec = this.engine.realm.ops.toStr(specifier);
      const json = this.importAttributes(options) === 'json';
      const referrer = (module as ModuleRecord | null)?.file ?? (path.isAbsolute(scriptFile) ? scriptFile : null);
      const file = this.resolve(spec, referrer);
      if (json) this.jsonFiles.add(file);
      const m = this.load(file, referrer);
      if (json !== this.isJson(m)) throw this.engine.vm.error('TypeError', `Module '${file}' was loaded ${json ? 'as JavaScript, not JSON' : "as JSON: import it with { type: 'json' }"}`);
      // (loadPromise is fulfilled: the graph is loaded)
      const loaded = promises.promiseResolve(promises.Promise, undefined);
      promises.performPromiseThen(loaded, this.makeStep({ kind: 'import', module: m, order: null, next: 0, promise: cap.promise }), undefined);
    } catch (e) {
      cap.reject(this.guestReason(e));
    }
    return cap.promise;
  }

  /**
   * Steps 7-10 of EvaluateImportCall: the options' `with` object, whose values must be strings. 'type'
   * is the one key this host knows, and it loads JavaScript modules only (no type).
   */
  private importAttributes(options: unknown): string | undefined {
    if (options === undefined) return undefined;
    const vm = this.engine.vm;
    const R = this.engine.realm.R;
    if (!isObject(options)) throw vm.error('TypeError', 'The second argument of import() must be an object');
    const attributes = R.get(options, 'with');
    if (attributes === undefined) return undefined;
    if (!isObject(attributes)) throw vm.error('TypeError', "The 'with' option of import() must be an object");
    const entries: { key: string; value: string }[] = [];
    for (const key of R.ownKeys(attributes)) {
      if (typeof key !== 'string') continue;
      const desc = R.getOwnPropertyDescriptor(attributes, key);
      if (!desc || !desc.enumerable) continue;
      const value = R.get(attributes, key);
      if (typeof value !== 'string') throw vm.error('TypeError', `The import attribute '${key}' must be a string`);
      entries.push({ key, value });
    }
    return this.importType(entries);
  }

  /** The module type import attributes ask for (AllImportAttributesSupported: 'type' only, and 'json' its one value). */
  private importType(attributes: { key: string; value: string }[]): string | undefined {
    let type: string | undefined;
    for (const { key, value } of attributes) {
      if (key !== 'type') this.engine.vm.throwError('SyntaxError', `Import attribute '${key}' is not supported`);
      type = value;
      if (type !== 'json') this.engine.vm.throwError('TypeError', `Module type '${type}' is not supported (JSON modules and JavaScript modules only)`);
    }
    return type;
  }

  private isJson(m: ModuleRecord): boolean {
    return m.code.source.text === JSON_MODULE_SOURCE;
  }

  /** ContinueDynamicImport's linkAndEvaluate: link, evaluate, and settle the import()'s promise when the evaluation has. */
  private linkAndEvaluate(m: ModuleRecord, promise: object): undefined {
    const promises = this.engine.promises;
    let evaluation: object;
    try {
      this.link(m);
      // Evaluate() is always a promise: a graph without top-level await gives a settled one
      evaluation = this.evaluate(m) ?? promises.promiseResolve(promises.Promise, undefined);
    } catch (e) {
      return this.settleImport(promise, false, this.guestReason(e));
    }
    const ok = this.makeStep({ kind: 'imported', module: m, order: null, next: 0, promise });
    const failed = this.makeStep({ kind: 'importFailed', module: null, order: null, next: 0, promise });
    promises.performPromiseThen(evaluation, ok, failed);
    return undefined;
  }

  /** Resolve an import()'s promise with the module's namespace, or reject it with `reason`. */
  private settleImport(promise: object, ok: boolean, value: unknown): undefined {
    const promises = this.engine.promises;
    if (!ok) promises.rejectPromise(promise, value);
    else {
      let ns: object;
      try {
        ns = this.namespace(value as ModuleRecord);
      } catch (e) {
        promises.rejectPromise(promise, this.guestReason(e));
        return undefined;
      }
      promises.resolvePromise(promise, ns);
    }
    return undefined;
  }

  private guestReason(e: unknown): unknown {
    return isHost(e, GuestError) ? e.value : this.engine.vm.toGuest(e);
  }
}

/** The code of every JSON module: one binding, exported as `default`, set by the loader (loadJson). */
const JSON_MODULE_SOURCE = 'var json;\nexport { json as default };\n';

/** The instructions of one hoisted function declaration at a module body's start: `Closure k; InitEnv 0 slot`. */
const HOISTED_LENGTH = 5;
