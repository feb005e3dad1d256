export { MPICommExecutor, type MPICommExecutorOptions } from './executor.js';
export { enterAllocation } from './root.js';
export { type LaunchedWorld, launchedWorld } from './world.js';
