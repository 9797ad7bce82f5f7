// Built-ins written in JavaScript and interpreted like guest code (DESIGN.md, principle 6): the
// Array methods that call back into guest code. Their callbacks are then guest→guest calls — no
// host recursion (a recursive tree walk through `forEach` is as deep as plain recursion), and a
// snapshot could later be taken inside them. `callWithThis(f, t, …args)` is a compiler special
// form of self-hosted code: a call of f with this = t.
import type { Engine } from './engine';

const SOURCE = `(function (isConstructor, createDataProperty) {
  'use strict';
  const TypeErrorC = TypeError, RangeErrorC = RangeError, ObjectC = Object, ArrayC = Array;
  const isArray = Array.isArray, defineProperty = Reflect.defineProperty, species = Symbol.species, trunc = Math.trunc;

  function toObject(v, name) {
    if (v === null || v === undefined) throw new TypeErrorC('Array.prototype.' + name + ' called on null or undefined');
    return ObjectC(v);
  }
  // https://tc39.es/ecma262/#sec-tolength
  function toLength(v) {
    let n = +v;
    if (n !== n || n <= 0) return 0;
    n = trunc(n);
    return n > 9007199254740991 ? 9007199254740991 : n;
  }
  function describe(v) {
    return v !== null && (typeof v === 'object' || typeof v === 'function') ? '#<Object>' : typeof v === 'symbol' ? 'Symbol()' : '' + v;
  }
  function requireCallable(f) {
    if (typeof f !== 'function') throw new TypeErrorC(describe(f) + ' is not a function');
  }
  // https://tc39.es/ecma262/#sec-arrayspeciescreate (NON-SPEC: no cross-realm %Array% check)
  function arraySpeciesCreate(O, len) {
    if (!isArray(O)) {
      if (len > 4294967295) throw new RangeErrorC('Invalid array length');
      return new ArrayC(len);
    }
    let C = O.constructor;
    if (C !== null && (typeof C === 'object' || typeof C === 'function')) {
      C = C[species];
      if (C === null) C = undefined;
    }
    if (C === undefined) {
      if (len > 4294967295) throw new RangeErrorC('Invalid array length');
      return new ArrayC(len);
    }
    if (!isConstructor(C)) throw new TypeErrorC('object.constructor[Symbol.species] is not a constructor');
    return new C(len);
  }

  // methods, not functions: built-ins are not constructors
  return {
    forEach(callbackfn, thisArg = undefined) {
      const O = toObject(this, 'forEach');
      const len = toLength(O.length);
      requireCallable(callbackfn);
      for (let k = 0; k < len; k++) if (k in O) callWithThis(callbackfn, thisArg, O[k], k, O);
      return undefined;
    },
    map(callbackfn, thisArg = undefined) {
      const O = toObject(this, 'map');
      const len = toLength(O.length);
      requireCallable(callbackfn);
      const A = arraySpeciesCreate(O, len);
      for (let k = 0; k < len; k++) if (k in O) createDataProperty(A, k, callWithThis(callbackfn, thisArg, O[k], k, O));
      return A;
    },
    filter(callbackfn, thisArg = undefined) {
      const O = toObject(this, 'filter');
      const len = toLength(O.length);
      requireCallable(callbackfn);
      const A = arraySpeciesCreate(O, 0);
      let to = 0;
      for (let k = 0; k < len; k++) {
        if (k in O) {
          const kValue = O[k];
          if (callWithThis(callbackfn, thisArg, kValue, k, O)) createDataProperty(A, to++, kValue);
        }
      }
      return A;
    },
    some(callbackfn, thisArg = undefined) {
      const O = toObject(this, 'some');
      const len = toLength(O.length);
      requireCallable(callbackfn);
      for (let k = 0; k < len; k++) if (k in O && callWithThis(callbackfn, thisArg, O[k], k, O)) return true;
      return false;
    },
    every(callbackfn, thisArg = undefined) {
      const O = toObject(this, 'every');
      const len = toLength(O.length);
      requireCallable(callbackfn);
      for (let k = 0; k < len; k++) if (k in O && !callWithThis(callbackfn, thisArg, O[k], k, O)) return false;
      return true;
    },
    find(predicate, thisArg = undefined) {
      const O = toObject(this, 'find');
      const len = toLength(O.length);
      requireCallable(predicate);
      for (let k = 0; k < len; k++) {
        const kValue = O[k];
        if (callWithThis(predicate, thisArg, kValue, k, O)) return kValue;
      }
      return undefined;
    },
    findIndex(predicate, thisArg = undefined) {
      const O = toObject(this, 'findIndex');
      const len = toLength(O.length);
      requireCallable(predicate);
      for (let k = 0; k < len; k++) if (callWithThis(predicate, thisArg, O[k], k, O)) return k;
      return -1;
    },
    reduce(callbackfn, ...initial) {
      const O = toObject(this, 'reduce');
      const len = toLength(O.length);
      requireCallable(callbackfn);
      let k = 0;
      let accumulator;
      if (initial.length > 0) accumulator = initial[0];
      else {
        let found = false;
        for (; !found && k < len; k++) {
          if (k in O) {
            found = true;
            accumulator = O[k];
          }
        }
        if (!found) throw new TypeErrorC('Reduce of empty array with no initial value');
      }
      for (; k < len; k++) if (k in O) accumulator = callWithThis(callbackfn, undefined, accumulator, O[k], k, O);
      return accumulator;
    },
  };
})`;

/** Install the self-hosted Array methods on the realm's Array.prototype. */
export function installSelfHosted(engine: Engine): void {
  const { realm, vm } = engine;
  const code = engine.compile(SOURCE, '<native>', 'script', false, false, null, true);
  const factory = vm.runCode(code, null, realm.global) as Function;
  const isConstructor = realm.native('isConstructor', 1, (_t, args) => vm.isConstructor(args[0]));
  // https://tc39.es/ecma262/#sec-createdatapropertyorthrow (through the realm's Reflect: A may be a proxy)
  const createDataProperty = realm.native('createDataProperty', 3, (_t, args) => {
    if (!realm.R.defineProperty(args[0] as object, args[1] as PropertyKey, { value: args[2], writable: true, enumerable: true, configurable: true }))
      vm.throwError('TypeError', `Cannot add property ${String(args[1])}, object is not extensible`);
    return undefined;
  });
  const fns = realm.R.apply(factory, undefined, [isConstructor, createDataProperty]) as Record<string, Function>;
  const proto = realm.intrinsics.ArrayPrototype;
  for (const name of Object.keys(fns)) {
    const fn = fns[name]!;
    // they read as built-ins: native source text, the built-in's attributes
    (vm.closureOf(fn)!.code as { sourceText: string }).sourceText = `function ${name}() { [native code] }`;
    Object.defineProperty(proto, name, { value: fn, writable: true, enumerable: false, configurable: true });
  }
}
