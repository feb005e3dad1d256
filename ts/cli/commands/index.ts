import type { Command } from 'commander';
import { registerCheckpoints } from './checkpoints.js';
import { registerInterchange } from './interchange.js';
import { registerMpiAppPool } from './mpi-app-pool.js';
import { registerMpiWorkerPool } from './mpi-worker-pool.js';
import { registerPerf } from './perf.js';
import { registerRun } from './run.js';
import { registerSiteTest } from './site-test.js';
import { registerVisualize } from './visualize.js';
import { registerWorkerPool } from './worker-pool.js';

/** Adds one subcommand to the program. Add a module per subcommand and list it here. */
export type RegisterSubcommand = (program: Command) => void;

export const subcommands: readonly RegisterSubcommand[] = [
  registerRun,
  registerSiteTest,
  registerCheckpoints,
  registerInterchange,
  registerWorkerPool,
  registerMpiWorkerPool,
  registerMpiAppPool,
  registerPerf,
  registerVisualize,
];
