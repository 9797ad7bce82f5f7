// The interpreter room's door: the embedding API.
export { Engine } from './engine';
export { GuestError } from './api';
export { MemoryBudget } from './memory-budget';
export { prepareUnit, unitCache } from './units';
export type { EngineOptions, ConsoleLevel, HostService, HostServices, HostReclaim } from './api';
