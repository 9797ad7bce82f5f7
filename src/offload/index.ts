// The offload room's door: the edge server, the client's link and event-loop driver, the hint API.
export { EdgeServer, type ServeOptions } from './server';
export {
  EdgeLink,
  runWithEdge,
  openEdgeAhead,
  describeMigration,
  describePolicy,
  HOST_LINK,
  type EdgeHost,
  type EdgeInput,
  type EdgeRunOptions,
  type MigrationReport,
  type OffloadOutcome,
  type LinkOptions,
  type PolicyStart,
} from './client';
export { installHints, pendingMove, completeMove, type Place } from './hints';
export { OffloadPolicy, calibrate, type Decision } from './decide';
export { unitSource, type UnitSource } from './units';
export { PROTOCOL_VERSION, type Limits, type OffloadStats } from './protocol';
// IONN (incremental DNN offloading) has its own door, ./ionn: it loads onnxruntime, which plain runs need not.
