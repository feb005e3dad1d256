/**
 * The package's internals that its own tests and benchmarks reach, in one place (`import … from '#internal'`,
 * mapped in package.json `imports`; not part of the public `exports`). A test imports the public entry
 * (`parsl-ts`) for what users see and this entry for the rest, so moving a file changes this list, not the tests.
 */
export { isLoopbackAddress } from './addresses.js';
export { ChannelTimeout } from './channels/errors.js';
export { mpiAppPoolCommand } from './cli/commands/mpi-app-pool.js';
export { mpiWorkerPoolCommand } from './cli/commands/mpi-worker-pool.js';
export { parsePoolArgs } from './cli/commands/pool-options.js';
export { dryRun, listSites } from './cli/commands/site-test.js';
export { workerPoolCommand } from './cli/commands/worker-pool.js';
export { renderLine } from './cli/progress/render.js';
export { ProgressTally, UNASSIGNED } from './cli/progress/tally.js';
export {
  CHECKPOINT_FILE,
  CheckpointWriter,
  encodeRecord,
  parseCheckpoint,
  readCheckpoint,
} from './dataflow/memo/checkpoint.js';
export { hashTask } from './dataflow/memo/hash.js';
export type { MemoTask } from './dataflow/memo/memoizer.js';
export type { TaskRecord } from './dataflow/task-record.js';
export { KnownFunctions, ReceivedFunctions } from './execute/function-cache.js';
export { sampleProcessTree } from './execute/resource-sampler.js';
export { FLUSH_AFTER_MS, TaskLoop, type TaskLoopPort } from './execute/task-loop.js';
export type { BashOptions, ResultWire, TaskWire } from './execute/task-wire.js';
export { appTimeout, backstopMs, callWithin, OverrunWatch, raceWalltime } from './execute/walltime.js';
export { TaskWatch, WorkerSampler } from './execute/worker-report.js';
export { BlockProviderExecutor, isBlockProviderExecutor } from './executors/block-provider.js';
export { treeLayout } from './executors/exex/dispatch/tree.js';
export {
  decodeTaskData,
  encodeTaskBatch,
  encodeTaskData,
  parseResults,
  parseTaskBatch,
  ResultBatch,
  resultBodies,
} from './executors/exex/protocol.js';
export {
  createCertificates,
  loadCertificates,
  loadServerCertificates,
  z85Encode,
} from './executors/htex/curve.js';
export { CLI_MAIN } from './executors/htex/engine.js';
export {
  type CpuAffinity,
  cudaDevice,
  parseCpuAffinity,
  planAffinity,
} from './executors/htex/manager/resources.js';
export { shareOut } from './executors/htex/manager/share-out.js';
export { encodeFramed, FrameReader } from './executors/htex/pipe-codec.js';
export { flagWords, type PoolCommand } from './executors/htex/pool-command.js';
export {
  decodeClientMessage,
  decodeInterchangeToManager,
  decodeManagerMessage,
  encode,
} from './executors/htex/protocol.js';
export {
  decodeResultBody,
  decodeTask,
  encodeResultBody,
  encodeTaskBody,
  type TaskResources,
} from './executors/htex/task-codec.js';
export { launchedWorld } from './executors/in-allocation/index.js';
export { decodeSetup, encodeSetup } from './executors/in-allocation/protocol.js';
export { NodeAccounting } from './executors/mpi-apps/node-accounting.js';
export { blockNodes, expandHostlist } from './executors/mpi-apps/node-list.js';
export { mpiTaskEnv } from './executors/mpi-apps/prefix.js';
export { resolveMPISpec } from './executors/mpi-apps/resource-spec.js';
export { PipelineDepth, SWITCH_MS, WINDOW as PIPELINE_WINDOW } from './executors/pipeline-depth.js';
export { Deque } from './executors/threads/deque.js';
export { DispatchWindow } from './executors/threads/dispatch-window.js';
export { newStartControl, StartControl, TaskClaimer } from './executors/threads/start-control.js';
export { Strategy } from './jobs/strategy.js';
export { EventRows } from './monitoring/event-rows.js';
export * as monitoringPacing from './monitoring/pacing.js';
export { emptyBatch, type RowBatch } from './monitoring/rows.js';
export { PARSL_TABLES } from './monitoring/schema.js';
export { MonitoringStore, openForWriting } from './monitoring/store.js';
export { EV, EventBuffer, FLAG } from './monitoring/task-events.js';
export { TaskRows } from './monitoring/task-rows.js';
export { fromNativeError } from './mpi/errors.js';
export {
  detectLauncher,
  loadAddon,
  selectFlavor,
  UCX_HOOK_VARIABLE,
  ucxHookWarning,
} from './mpi/load-addon.js';
export type { NativeAddon } from './mpi/native.js';
export { signV4 } from './providers/aws/sigv4.js';
export { TERMINAL_STATES } from './providers/base.js';
export { ACCOUNTING_GRACE_MS, type ClusterProvider } from './providers/cluster.js';
export type { SlurmProviderOptions } from './providers/slurm/slurm.js';
export { substitute } from './providers/template.js';
export { walltimeToMinutes, walltimeToSeconds } from './providers/walltime.js';
export { REDACTED, redact, registerSecret } from './secrets.js';
export { describeFunction, FunctionLoader, type ModuleReference } from './serialize/function-ref.js';
export { encodeValue } from './serialize/values.js';
export {
  checkInAllocationOutput,
  configProblems,
  dryRunScripts,
  IN_ALLOCATION_TASKS,
  inAllocationJob,
  parseRanks,
  readSiteOptions,
  renderMatrix,
  requireOptions,
  SHORT_CHECKS,
  simulation,
  simulationGap,
  siteForHost,
  validateConfig,
  withPlaceholders,
} from './sites/index.js';
export { PACKAGE_VERSION } from './version.js';
export { VisualizeError } from './visualize/errors.js';
export { type Dashboard, type DashboardOptions, startDashboard } from './visualize/server.js';
