// The DOM room's door: web pages on happy-dom, driven from the CLI and the API.
export { Page } from './page';
export { resolvePage } from './light';
export type { PageOptions, PageTimings, ListenerRecord } from './page';
export { runSteps, parseSteps, StepInput } from './steps';
export { isPageSnapshot, pageSnapshotInfo } from './snapshot';
export type { Step, StepsOutcome } from './steps';
export { capturePage, applyPageDelta, restorePageForDeltas, type DomAgreed } from './delta';
export { capturePageStreamed, PageStreamingRestore } from './stream';
