// The offload room's light door: the hint API every `snapvm run` installs, without loading the edge
// server, the client's link or `ws` (index.ts, the full door; the CLI requires it only for --edge and serve).
export { installHints } from './hints';
