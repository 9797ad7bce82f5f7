// The offload room's second door: IONN, incremental offloading of DNN inference while the model
// uploads (issue 7). Separate from index.ts because it loads onnxruntime-node, which a plain
// `snapvm run` or `snapvm serve` need not pay for until a model appears.
export { IonnClient, IonnModel, type IonnOptions, type IonnEvent, type QueryResult } from './ionn-client';
export { ionnRouter, ionnForCli, type IonnRouter, type IonnRouterOptions } from './ionn-guest';
export { PartitionCache, IonnSession, type PartitionCacheOptions } from './ionn-server';
export { IONN_PATH, IONN_VERSION } from './ionn-wire';
