// snapvm conformance fixture (MIT)
import { fromB } from './cycle-b_FIXTURE.js';
globalThis.cycleLog = (globalThis.cycleLog || []).concat('a');
export function helloA() {
  return 'hello from A';
}
export let lateA = 'late';
export var sawB = fromB;
