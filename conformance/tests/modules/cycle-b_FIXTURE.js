// snapvm conformance fixture (MIT)
import { helloA, lateA } from './cycle-a_FIXTURE.js';
globalThis.cycleLog = (globalThis.cycleLog || []).concat('b');
export var fromB = helloA();
export var helloSeenByB = helloA;
export var tdzInB;
try {
  lateA;
  tdzInB = false;
} catch (e) {
  tdzInB = e instanceof ReferenceError;
}
