// Date.prototype setters' argument conversion order (ecma262 §21.4.4.20-28, as of ES2025; e.g.
// https://tc39.es/ecma262/#sec-date.prototype.setutchours): the setter reads [[DateValue]] first, then
// converts *every* argument present with ToNumber, in order, and only then returns NaN for an invalid
// date. Node 20's V8 stops converting at an invalid date and reads [[DateValue]] after the conversions
// (so a `valueOf` that changes the date changes the result). Installed only where the realm's V8 does so.
import type { Engine } from '../engine';
import type { Ops } from './common';

/** Setter name → whether an invalid date is set anyway (setFullYear starts from +0), per the spec steps. */
const SETTERS: [string, number, boolean][] = [
  ['setMilliseconds', 1, false],
  ['setSeconds', 2, false],
  ['setMinutes', 3, false],
  ['setHours', 4, false],
  ['setDate', 1, false],
  ['setMonth', 2, false],
  ['setFullYear', 3, true],
  ['setUTCMilliseconds', 1, false],
  ['setUTCSeconds', 2, false],
  ['setUTCMinutes', 3, false],
  ['setUTCHours', 4, false],
  ['setUTCDate', 1, false],
  ['setUTCMonth', 2, false],
  ['setUTCFullYear', 3, true],
];

/** Whether V8's setters already convert every argument of an invalid date (a newer V8). */
function convertsAll(DateCtor: any): boolean {
  let calls = 0;
  const arg = { valueOf: () => ++calls };
  DateCtor.prototype.setUTCHours.call(new DateCtor(NaN), arg, arg);
  return calls === 2;
}

export function installDateSetters(engine: Engine, ops: Ops): void {
  const realm = engine.realm;
  const DateCtor = (realm.global as any).Date;
  if (convertsAll(DateCtor)) return;
  const proto = DateCtor.prototype;
  const getTime = proto.getTime as Function;
  const setTime = proto.setTime as Function;
  for (const [name, length, fromZero] of SETTERS) {
    const original = proto[name] as Function;
    realm.defineNative(proto, name, length, (t, a) => {
      // 1-3. Let t be dateObject.[[DateValue]] (a TypeError for a non-Date, as V8's getTime says).
      const time = realm.R.apply(getTime, t, []) as number;
      // 4-7. ToNumber of each argument present, in order.
      const args: number[] = [];
      for (let i = 0; i < a.length; i++) args.push(ops.toNumber(a[i]));
      // 8. If t is NaN, return NaN (setFullYear: t is +0 instead, which V8's own steps do).
      if (Number.isNaN(time) && !fromZero) return NaN;
      // the rest is V8's, from the date value read at step 3 and arguments that are numbers now
      realm.R.apply(setTime, t, [time]);
      return realm.R.apply(original, t, args);
    });
  }
}
