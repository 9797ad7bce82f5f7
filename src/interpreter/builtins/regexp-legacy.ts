// RegExp's legacy static accessors (Annex B, https://github.com/tc39/proposal-regexp-legacy-features):
// V8 (Node 20) answers for any receiver and gives every one a setter. Here each getter first checks
// that `this` is %RegExp% itself (GetLegacyRegExpStaticProperty: a subclass or another object is a
// TypeError), only `input`/`$_` keep a setter (SetLegacyRegExpStaticProperty, the same check, then
// ToString), and the value is still V8's own: its getter, called with %RegExp%.
import type { Engine } from '../engine';
import type { Ops } from './common';

const READ_ONLY = ['lastMatch', '$&', 'lastParen', '$+', 'leftContext', '$`', 'rightContext', "$'", '$1', '$2', '$3', '$4', '$5', '$6', '$7', '$8', '$9'];
const READ_WRITE = ['input', '$_'];

export function installRegExpLegacyAccessors(engine: Engine, ops: Ops): void {
  const R = engine.realm.R;
  const C = (engine.realm.global as any).RegExp as object;
  const check = (thisValue: unknown, key: string, what: 'getter' | 'setter') => {
    if (thisValue !== C) ops.throwType(`RegExp.${key} ${what} called on an object that is not %RegExp%`);
  };
  for (const key of [...READ_ONLY, ...READ_WRITE]) {
    const own = Reflect.getOwnPropertyDescriptor(C, key);
    if (own === undefined || typeof own.get !== 'function') continue; // (a V8 without it: nothing to correct)
    const get = own.get;
    const set = READ_WRITE.includes(key) ? own.set : undefined;
    ops.defineAccessor(
      C,
      key,
      (t) => {
        check(t, key, 'getter');
        return R.apply(get, C, []);
      },
      set &&
        ((t, a) => {
          check(t, key, 'setter');
          R.apply(set, C, [ops.toString(a[0])]);
          return undefined;
        }),
    );
  }
}
