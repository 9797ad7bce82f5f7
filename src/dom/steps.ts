// Driving a loaded page headlessly: the STEPS.json contract of `snapvm run page.html --steps` (issue 4).
// A JSON array run in order: {"click": SEL}, {"type": [SEL, TEXT]}, {"key": [SEL, KEY]}, {"wait": MS},
// {"print": SEL}, {"snapshot": PATH} (PATH.html: the browser form), {"stop": true}.
import { SnapshotError } from '../snapshot/index';
import { atomicWrite } from '../paths';
import type { Engine } from '../index';
import type { Page } from './page';

export type Step = { click: string } | { type: [string, string] } | { key: [string, string] } | { wait: number } | { print: string } | { snapshot: string } | { stop: true };

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
    if ('click' in step) {
      if (!page.click(step.click)) return missing(i, step, step.click);
    } else if ('type' in step) {
      if (!page.type(step.type[0], step.type[1])) return missing(i, step, step.type[0]);
    } else if ('key' in step) {
      if (!page.key(step.key[0], step.key[1])) return missing(i, step, step.key[0]);
    } else if ('wait' in step) {
      await page.wait(step.wait);
    } else {
      const outcome = clientStep(page, step, i, out);
      if (outcome) return outcome;
    }
    if (page.stopped) return { kind: 'stopped' }; // --snapshot-at … --stop during the step
  }
  return { kind: 'done' };
}

function missing(i: number, step: Step, selector: string): StepsOutcome {
  return { kind: 'failed', message: `step ${i} (${JSON.stringify(step)}): no element matches ${JSON.stringify(selector)}` };
}

/** A step that reads or ends the page and dispatches no event: it runs where the steps are driven from. */
type ClientStep = Extract<Step, { print: string } | { snapshot: string } | { stop: true }>;

/** Run a print, snapshot or stop step: its outcome when it ends the steps, else null. */
function clientStep(page: Page, step: ClientStep, i: number, out: (line: string) => void): StepsOutcome | null {
  if ('print' in step) {
    const text = page.text(step.print);
    if (text === null) return missing(i, step, step.print);
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
  return null;
}

/**
 * The steps as the input of a page whose event loop another driver runs (the offload room's `runWithEdge`,
 * through its `EdgeInput`): the same steps as `runSteps`, with the same outcome, output and final document.
 * An input step (click, type, key) is queued as a task of the page (`Page.queueInput`) and runs as the
 * loop's next turn, so it can run wherever the page runs; a wait lets the loop run the timers due within it
 * (its *span*: the loop runs no timer due after `horizon`), then moves the clock to its end as `Page.wait`
 * does; print, snapshot and stop run here, between spans, on the page as it is once everything before
 * them came back. `pageOf` names the page an engine runs (a restore may have made a new one).
 */
export class StepInput {
  outcome: StepsOutcome = { kind: 'done' };
  private next = 0;
  /** The end of the current span on the page's clock (ms), and whether it is a wait's (the clock moves to it). */
  private end = 0;
  private waiting = false;

  constructor(
    private readonly steps: Step[],
    private readonly out: (line: string) => void,
    private readonly pageOf: (engine: Engine) => Page,
  ) {}

  /** The end of the current span on `engine`'s timer clock: the loop runs no timer due later. */
  horizon(engine: Engine): number {
    return engine.timers.now() + (this.end - this.pageOf(engine).clock());
  }

  /** The loop ran every turn of the span: the next span (true), or the end of the steps (false; `outcome` says how). */
  async more(engine: Engine): Promise<boolean> {
    const page = this.pageOf(engine);
    if (this.waiting && page.clock() < this.end) page.setClock(this.end);
    this.waiting = false;
    while (this.next < this.steps.length) {
      const i = this.next++;
      const step = this.steps[i]!;
      const input: [kind: 'click' | 'type' | 'key', selector: string, text: string] | null =
        'click' in step ? ['click', step.click, ''] : 'type' in step ? ['type', ...step.type] : 'key' in step ? ['key', ...step.key] : null;
      if (input) {
        // (found now, found when its turn runs: nothing runs before it)
        if (page.text(input[1]) === null) return this.done(missing(i, step, input[1]));
        page.queueInput(...input);
        this.end = page.clock();
        return true;
      }
      if ('wait' in step) {
        this.end = page.clock() + step.wait;
        this.waiting = true;
        return true;
      }
      const outcome = clientStep(page, step as ClientStep, i, this.out);
      if (outcome) return this.done(outcome);
    }
    return false;
  }

  /** The handler a turn of `engine` runs when it is an input step's: its kind and selector (the offload policy's key), else null. */
  keyOf(engine: Engine, timer: { callback: unknown; args: unknown[] }): string | null {
    const input = this.pageOf(engine).inputOf(timer);
    return input && `input ${input.kind} ${input.selector}`;
  }

  private done(outcome: StepsOutcome): false {
    this.outcome = outcome;
    this.next = this.steps.length;
    return false;
  }
}
