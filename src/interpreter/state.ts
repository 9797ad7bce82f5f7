// The interpreter's door for the snapshot room: how compiled code is named across engines, which
// realm objects are built-ins (named by the path that reaches them in a fresh engine), and the plain
// records a snapshot reads and rebuilds (re-exported here, so that no other room imports the
// interpreter's modules directly).
import { Code, ScopeDesc } from './code';
import type { Realm } from './realm';
import type { VM } from './vm';

export { Env, Frame, HOLE, PrivateName, SafepointStop, hasSloppyWrapper, type Closure, type GeneratorState, type ImportCell, type MappedParams, type StampedKind } from './vm';
export { offsetAt, CodeFlag, type Code } from './code';
export { compileLazy, declareCode } from './compiler';
export { TemplateSite } from './compiler';
export { getPromiseRecord, getBuiltinClosureRecord, type PromiseRecord, type BuiltinClosure } from './promise';
export type { Job } from './jobs';
export type { IteratorKind, IteratorMode, TrackedIterator } from './iterators';
export { matchAllOverText } from './iterators';
export type { ModuleRecord, ModuleStep } from './modules';
export { MODULE_STEP_KINDS } from './modules';

/** How a piece of source was compiled: replaying this on the same text yields the same Code tree. */
export interface CompileUnit {
  kind: 'script' | 'module' | 'eval';
  strict: boolean;
  dynamicOuter: boolean;
  inFunction: { method: boolean } | null;
  selfHosted: boolean;
}

/**
 * Every Code of a compile unit in a fixed pre-order, compiled or not (codeorder.ts, kept on the unit's
 * SourceFile by compileProgram): the index names a function across engines. A Code of the list may be
 * uncompiled (`declareCode`, `compileLazy`).
 */
export function codeTree(root: Code): Code[] {
  if (root.source.codes[0] !== root) throw new Error(`invariant: codeTree of a Code that is not its unit's top-level code (${root.name || root.kind})`);
  return root.source.codes;
}

/** Where a scope layout lives: `[code index, const index]`, const index -1 for a module's own layout. */
export function descTable(codes: Code[]): Map<ScopeDesc, [number, number]> {
  const out = new Map<ScopeDesc, [number, number]>();
  codes.forEach((c, i) => {
    if (c.moduleDesc) out.set(c.moduleDesc, [i, -1]);
    c.consts.forEach((k, j) => {
      if (k instanceof ScopeDesc) out.set(k, [i, j]);
    });
  });
  return out;
}

const isObject = (v: unknown): v is object => (typeof v === 'object' && v !== null) || typeof v === 'function';

function keyPath(base: string, k: string | symbol): string {
  if (typeof k === 'symbol') {
    const d = k.description ?? '';
    return `${base}[Symbol.${d.startsWith('Symbol.') ? d.slice(7) : d}]`;
  }
  return /^[A-Za-z_$][\w$]*$/.test(k) ? `${base}.${k}` : `${base}[${JSON.stringify(k)}]`;
}

/**
 * The realm's built-in objects, each with the path that reaches it: properties (data values and
 * accessor functions, `get …`/`set …`), prototypes (`Object.getPrototypeOf(…)`) and a few hidden
 * intrinsics reached through expressions. Breadth-first from the global, so each object gets its
 * shortest path; the walk runs on a fresh realm, before any guest code.
 */
export function builtinPaths(realm: Realm, vm: VM): Map<object, string> {
  const paths = new Map<object, string>();
  const queue: [object, string][] = [];
  const add = (v: unknown, p: string) => {
    if (isObject(v) && !paths.has(v)) {
      paths.set(v, p);
      queue.push([v, p]);
    }
  };
  add(realm.global, 'globalThis');
  const hidden: [string, unknown][] = [
    ['%GeneratorFunction.prototype%', vm.generatorFunctionPrototype],
    ['%AsyncFunction.prototype%', vm.asyncFunctionPrototype],
    ['%AsyncGeneratorFunction.prototype%', vm.asyncGeneratorFunctionPrototype],
    ['%ThrowTypeError%', realm.realmEval('(function () { "use strict"; return Object.getOwnPropertyDescriptor(arguments, "callee").get; })()')],
    ['%ArrayIteratorPrototype%', realm.intrinsics.ArrayIteratorPrototype],
    ['%AsyncIteratorPrototype%', realm.intrinsics.AsyncIteratorPrototype],
    ['%MapIteratorPrototype%', realm.realmEval('Object.getPrototypeOf(new Map().entries())')],
    ['%SetIteratorPrototype%', realm.realmEval('Object.getPrototypeOf(new Set().values())')],
    ['%StringIteratorPrototype%', realm.realmEval('Object.getPrototypeOf(""[Symbol.iterator]())')],
    ['%RegExpStringIteratorPrototype%', realm.realmEval('Object.getPrototypeOf(/a/[Symbol.matchAll](""))')],
    ['%TypedArray%', realm.realmEval('Object.getPrototypeOf(Int8Array)')],
    // Intl.Segmenter's segments and their iterator (test262's list of well-known intrinsics reaches them)
    ['%IntlSegmentsPrototype%', realm.realmEval('typeof Intl === "object" && Intl.Segmenter ? Object.getPrototypeOf(new Intl.Segmenter().segment("")) : undefined')],
    ['%IntlSegmentIteratorPrototype%', realm.realmEval('typeof Intl === "object" && Intl.Segmenter ? Object.getPrototypeOf(new Intl.Segmenter().segment("")[Symbol.iterator]()) : undefined')],
    // V8's own Array.prototype.values, which arguments objects carry (the realm's may be replaced)
    ['%arguments[Symbol.iterator]%', realm.realmEval('(function () { return arguments; })()[Symbol.iterator]')],
  ];
  let i = 0;
  const drain = () => {
    for (; i < queue.length; i++) {
      const [o, p] = queue[i]!;
      // (a path is spelled only for an object met the first time: most values are primitives or met before)
      for (const k of Reflect.ownKeys(o)) {
        const d = Reflect.getOwnPropertyDescriptor(o, k)!;
        if ('value' in d) {
          if (isObject(d.value) && !paths.has(d.value)) add(d.value, keyPath(p, k));
        } else {
          if (isObject(d.get) && !paths.has(d.get)) add(d.get, `get ${keyPath(p, k)}`);
          if (isObject(d.set) && !paths.has(d.set)) add(d.set, `set ${keyPath(p, k)}`);
        }
      }
      const proto = Object.getPrototypeOf(o);
      if (proto !== null && !paths.has(proto)) add(proto, `Object.getPrototypeOf(${p})`);
    }
  };
  drain();
  hidden.push(...vm.hiddenIntrinsics);
  for (const [name, v] of hidden) {
    add(v, name);
    drain();
  }
  return paths;
}
export { Verifier, VerifyError, Kind, type Verified, type PcShape, type ResumeKind, type EnvShape } from './verify';
