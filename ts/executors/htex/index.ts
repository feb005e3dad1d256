export { HighThroughputExecutor } from './executor.js';
export type { HtexOptions, ResolvedHtexOptions } from './options.js';
export type { ManagerInfo } from './protocol.js';
export { PROTOCOL_VERSION } from './protocol.js';
