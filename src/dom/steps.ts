// Driving a loaded page headlessly: the STEPS.json contract of `snapvm run page.html --steps` (issue 4).
// A JSON array run in order: {"click": SEL}, {"type": [SEL, TEXT]}, {"key": [SEL, KEY]}, {"wait": MS},
// {"print": SEL}, {"snapshot": PATH} (PATH.html: the browser form), {"stop": true}.
import { SnapshotError } from '../snapshot/index';
import { atomicWrite } from '../paths';
import type { Page } from './page';

export type Step =
  | { click: string }
  | { type: [string, string] }
  | { key: [string, string] }
  | { wait: number }
  | { print: string }
  | { snapshot: string }
  | { stop: true };

/** How a steps run ended: all done, a {"stop"}, or a step that could not run (message says which). */
export type StepsOutcome = { kind: 'done' } | { kind: 'stopped' } | { kind: 'failed'; message: string };

const isString = (v: unknown): v is string => typeof v === 'string';
const isPair = (v: unknown): v is [string, string] => Array.isArray(v) && v.length === 2 && isString(v[0]) && isString(v[1]);

/** Check a parsed STEPS.json; throws an Error naming the file and the step index on a bad step. */
export function parseSteps(json: unknown, file = 'STEPS.json'): Step[] {
  if (!Array.isArray(json)) throw new Error(`${file}: expected a JSON array of steps`);
  return json.map((step: unknown, i) => {
    const where = `${file}: step ${i}`;
    if (step === null || typeof step !== 'object' || Array.isArray(step)) throw new Error(`${where}: expected an object such as {"click": "#id"}`);
    const keys = Object.keys(step);
    if (keys.length !== 1) throw new Error(`${where}: expected exactly one of click, type, key, wait, print, snapshot, stop (got ${keys.join(', ') || 'none'})`);
    const k = keys[0]!;
    const v = (step as Record<string, unknown>)[k];
    switch (k) {
      case 'click':
      case 'print':
      case 'snapshot':
        if (!isString(v)) throw new Error(`${where}: "${k}" takes a string`);
        break;
      case 'type':
      case 'key':
        if (!isPair(v)) throw new Error(`${where}: "${k}" takes [SELECTOR, ${k === 'type' ? 'TEXT' : 'KEY'}]`);
        break;
      case 'wait':
        if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new Error(`${where}: "wait" takes a number of milliseconds ≥ 0`);
        break;
      case 'stop':
        if (v !== true) throw new Error(`${where}: "stop" takes true`);
        break;
      default:
        throw new Error(`${where}: unknown step "${k}" (expected click, type, key, wait, print, snapshot or stop)`);
    }
    return step as Step;
  });
}

/** Run the steps on a loaded page; `print` lines go to `out`. */
export async function runSteps(page: Page, steps: Step[], out: (line: string) => void): Promise<StepsOutcome> {
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i]!;
    const missing = (selector: string): StepsOutcome => ({ kind: 'failed', message: `step ${i} (${JSON.stringify(step)}): no element matches ${JSON.stringify(selector)}` });
    if ('click' in step) {
      if (!page.click(step.click)) return missing(step.click);
    } else if ('type' in step) {
      if (!page.type(step.type[0], step.type[1])) return missing(step.type[0]);
    } else if ('key' in step) {
      if (!page.key(step.key[0], step.key[1])) return missing(step.key[0]);
    } else if ('wait' in step) {
      await page.wait(step.wait);
    } else if ('print' in step) {
      const text = page.text(step.print);
      if (text === null) return missing(step.print);
      out(text);
    } else if ('snapshot' in step) {
      try {
        // a path ending in .html gets the browser form (browser.ts), any other the page snapshot
        atomicWrite(step.snapshot, /\.html?$/i.test(step.snapshot) ? page.browserForm().html : page.snapshot().code);
      } catch (e) {
        if (!(e instanceof SnapshotError) && (e as NodeJS.ErrnoException).code === undefined) throw e;
        return { kind: 'failed', message: `step ${i} (${JSON.stringify(step)}): cannot write the page snapshot: ${(e as Error).message}` };
      }
    } else {
      return { kind: 'stopped' };
    }
    if (page.stopped) return { kind: 'stopped' }; // --snapshot-at … --stop during the step
  }
  return { kind: 'done' };
}
