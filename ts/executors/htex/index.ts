export { HighThroughputExecutor } from './executor.js';
export type { HtexOptions, InterchangeOptions, ResolvedHtexOptions, WorkerOptions } from './options.js';
export type { ManagerInfo } from './protocol.js';
export { PROTOCOL_VERSION } from './protocol.js';
