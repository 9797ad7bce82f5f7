// The interpreter's door for the snapshot room: how compiled code is named across engines, which
// realm objects are built-ins (named by the path that reaches them in a fresh engine), and the plain
// records a snapshot reads and rebuilds (re-exported here, so that no other room imports the
// interpreter's modules directly).
import { type Code, ScopeDesc } from './code';
import { isObject, type Realm } from './realm';
import type { VM } from './vm';

export { Env, Frame, HOLE, PrivateName, SafepointStop, hasSloppyWrapper, type Closure, type GeneratorState, type ImportCell, type MappedParams, type StampedKind } from './vm';
export { offsetAt, CodeFlag, type Code } from './code';
export { isObject } from './realm';
export { compileLazy, declareCode } from './compiler';
export { TemplateSite } from './compiler';
export { getPromiseRecord, getBuiltinClosureRecord, type PromiseRecord, type BuiltinClosure } from './promise';
export type { Job } from './jobs';
export type { IteratorKind, IteratorMode, TrackedIterator } from './iterators';
export { matchAllOverText } from './iterators';
export { argumentsKeys } from './builtins/arguments-keys';
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
 *
 * `finish` adds the two Intl.Segmenter intrinsics (test262's list of well-known intrinsics reaches
 * them). Reaching them means making a Segmenter, whose first use in a process loads ICU (30–40 ms), so
 * the engine calls `finish` only the first time its table is read (engine.ts `builtins`), by which
 * time guest code may have run: see `segmenterIntrinsics`.
 */
export function builtinPaths(realm: Realm, vm: VM): { paths: Map<object, string>; finish: () => void } {
  const paths = new Map<object, string>();
  // each object met, then its path (flat: no pair per object)
  const queue: (object | string)[] = [];
  const add = (v: unknown, p: string) => {
    if (isObject(v) && !paths.has(v)) {
      paths.set(v, p);
      queue.push(v, p);
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
    // V8's own Array.prototype.values, which arguments objects carry (the realm's may be replaced)
    ['%arguments[Symbol.iterator]%', realm.realmEval('(function () { return arguments; })()[Symbol.iterator]')],
  ];
  let i = 0;
  // Index loops and no iterator, destructuring or default closure: the walk runs once per engine, and
  // written with them it was hot enough for V8 to spend ~17 ms of CPU optimizing it in every process.
  const drain = (accept?: (v: object) => boolean) => {
    for (; i < queue.length; i += 2) {
      const o = queue[i] as object;
      const p = queue[i + 1] as string;
      // (a path is spelled only for an object met the first time: most values are primitives or met before)
      const keys = Reflect.ownKeys(o);
      for (let j = 0; j < keys.length; j++) {
        const k = keys[j]!;
        const d = Reflect.getOwnPropertyDescriptor(o, k)!;
        if ('value' in d) {
          const v: unknown = d.value;
          if (isObject(v) && !paths.has(v) && (accept === undefined || accept(v))) add(v, keyPath(p, k));
        } else {
          if (isObject(d.get) && !paths.has(d.get) && (accept === undefined || accept(d.get))) add(d.get, `get ${keyPath(p, k)}`);
          if (isObject(d.set) && !paths.has(d.set) && (accept === undefined || accept(d.set))) add(d.set, `set ${keyPath(p, k)}`);
        }
      }
      const proto: object | null = Object.getPrototypeOf(o);
      if (proto !== null && !paths.has(proto) && (accept === undefined || accept(proto))) add(proto, `Object.getPrototypeOf(${p})`);
    }
  };
  drain();
  hidden.push(...vm.hiddenIntrinsics);
  for (const [name, v] of hidden) {
    add(v, name);
    drain();
  }
  const segmenter = segmenterIntrinsics(realm, vm, paths);
  const finish = () => {
    for (const [name, v] of segmenter.hidden()) {
      add(v, name);
      drain(segmenter.untouched);
    }
  };
  return { paths, finish };
}

/**
 * %IntlSegmentsPrototype% and %IntlSegmentIteratorPrototype%, reached later than the rest of the table
 * but with the same paths. The Segmenter constructor and its `segment` are taken now, from the fresh
 * realm, so a guest that replaced them since cannot steer the lookup. The guest may have changed the
 * two prototypes themselves (it reaches them through a Segmenter of its own): only V8's own functions
 * met there are named (`untouched`); a value the guest put in their place is then no built-in, and a
 * snapshot carries it as a changed property, as for any other built-in it replaced.
 */
function segmenterIntrinsics(realm: Realm, vm: VM, paths: Map<object, string>): { hidden: () => [string, object][]; untouched: (v: object) => boolean } {
  const R = realm.R;
  const intl: unknown = R.get(realm.global, 'Intl');
  const Segmenter: unknown = isObject(intl) ? R.get(intl, 'Segmenter') : undefined;
  const segment: unknown = typeof Segmenter === 'function' ? R.get(Segmenter.prototype as object, 'segment') : undefined;
  const nativeSource = /^function [^(]*\(\) \{ \[native code\] \}$/;
  const untouched = (v: object): boolean =>
    typeof v === 'function' &&
    !paths.has(v) &&
    !vm.closures.get(v) &&
    !vm.boundFunctions.get(v) &&
    !vm.proxies.get(v) &&
    !realm.natives.get(v) &&
    nativeSource.test(Function.prototype.toString.call(v));
  const hidden = (): [string, object][] => {
    if (typeof Segmenter !== 'function' || typeof segment !== 'function') return [];
    const segments = R.apply(segment, R.construct(Segmenter, []), ['']) as object;
    const segmentsProto = R.getPrototypeOf(segments)!;
    const out: [string, object][] = [['%IntlSegmentsPrototype%', segmentsProto]];
    const iterate = R.getOwnPropertyDescriptor(segmentsProto, Symbol.iterator)?.value;
    if (isObject(iterate) && untouched(iterate)) out.push(['%IntlSegmentIteratorPrototype%', R.getPrototypeOf(R.apply(iterate as Function, segments, []) as object)!]);
    return out;
  };
  return { hidden, untouched };
}
export { Verifier, VerifyError, Kind, type Verified, type PcShape, type ResumeKind, type EnvShape } from './verify';
