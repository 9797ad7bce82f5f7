// The snapshot room's door: capture an engine's state as a JavaScript program, restore it, look inside.
export { capture, prepareCapture, type Snapshot, type SnapshotStats, type CaptureOptions } from './capture';
export { restore, restoreWith, restoreWithTable, restoreWithHostTable, type RestoreOptions, type RestoreTable } from './restore';
export type { HostCapture, HostClaim, HostRestore, PortableHost } from './host';
export { StreamingRestore, chunkLines } from './stream';
export { captureStreamed, type StreamedCapture } from './capture-stream';
export { captureDelta, applyDelta, stateAfterRestore, isDelta, deltaBase, DeltaRefused, type DeltaState, type DeltaCapture } from './delta';
export { SnapshotError, readHeader, readFormatLine, engineSection, portableSection, FORMAT_VERSION, isObject, type SnapshotHeader } from './format';
export { inspectSnapshot } from './inspect';
