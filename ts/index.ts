/**
 * parsl-ts: Parsl's pervasive-parallelism model for TypeScript.
 *
 * ```ts
 * import * as parsl from 'parsl-ts';
 * await parsl.load();                                  // a local worker-thread pool
 * const double = parsl.app((x: number) => x * 2);
 * console.log(await double(21));                       // 42
 * await parsl.dfk().cleanup();
 * ```
 */
export { app, bashApp, joinApp, type App, type AppOptions } from './app/app.js';
export { AppFuture, DataFuture, Future } from './app/future.js';
export {
  AUTO_LOGNAME,
  type AppKwargs,
  type ResolvedAppKwargs,
  type StdSpec,
  type MaybeFuture,
} from './app/special-options.js';
export {
  AppException,
  AppBadFormatting,
  AppTimeout,
  BadStdStreamFile,
  BashAppNoReturn,
  BashExitFailure,
  MissingOutputs,
} from './app/errors.js';
export { Config, type ConfigOptions, type CheckpointMode, type RetryHandler, type StrategyName } from './config.js';
export { File, FileError } from './data/file.js';
export { DataFlowKernel, type KernelService } from './dataflow/dflow.js';
export {
  BadCheckpoint,
  DependencyError,
  JoinError,
  NoDataFlowKernelError,
  PropagatedException,
} from './dataflow/errors.js';
export { TaskState } from './dataflow/states.js';
export {
  getAllCheckpoints,
  getLastCheckpoint,
  hashValue,
  idForMemo,
  UnhashableArgument,
} from './dataflow/memoization.js';
export type { TaskInfo } from './dataflow/task-record.js';
export { ConfigurationError, IllegalStateError, InternalError, OptionalModuleMissing, ParslError } from './errors.js';
export type { Executor, ExecutorContext, ExecutorTask, TaskDone, TaskOutcome } from './executors/base.js';
export { InProcessExecutor } from './executors/in-process.js';
export { ThreadPoolExecutor } from './executors/threads/thread-pool.js';
export { setFileLogger, setStreamLogger, getLogger, type LogLevel, type LogHandle } from './logging.js';
export { FunctionLoadError, SerializationError } from './serialize/errors.js';
export { clear, dfk, load } from './load.js';
export {
  BadStateException,
  ExecutorError,
  InvalidResourceSpecification,
  ManagerLost,
  ScalingFailed,
  UnsupportedFeatureError,
  VersionMismatch,
  WorkerLost,
} from './executors/errors.js';
export { HighThroughputExecutor, type HtexOptions, type ManagerInfo, PROTOCOL_VERSION } from './executors/htex/index.js';
export { addressByHostname, addressByInterface, addressByQuery, addressByRoute, getAllAddresses } from './addresses.js';
export { JobStatusPoller, TooManyJobFailures, simpleErrorHandler, windowedErrorHandler } from './jobs/index.js';
export {
  type ExecutionProvider,
  JobState,
  JobStatus,
  LocalProvider,
  SlurmProvider,
  PBSProProvider,
  TorqueProvider,
  CobaltProvider,
  LSFProvider,
  CondorProvider,
  GridEngineProvider,
  AdHocProvider,
  KubernetesProvider,
  AWSProvider,
  GoogleCloudProvider,
  ExecutionProviderException,
  ScaleOutFailed,
  SchedulerMissingArgs,
  ScriptPathError,
  SubmitException,
} from './providers/index.js';
export {
  type Launcher,
  SimpleLauncher,
  SingleNodeLauncher,
  SrunLauncher,
  SrunMPILauncher,
  AprunLauncher,
  MpiExecLauncher,
  MpiRunLauncher,
  JsrunLauncher,
  GnuParallelLauncher,
  WrappedLauncher,
  BadLauncher,
} from './launchers/index.js';
export {
  type Channel,
  LocalChannel,
  SSHChannel,
  SSHInteractiveLoginChannel,
  OAuthSSHChannel,
  AuthException,
  BadHostKeyException,
  FileCopyException,
  SSHException,
} from './channels/index.js';
