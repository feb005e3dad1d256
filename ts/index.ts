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

export {
  addressByHostname,
  addressByInterface,
  addressByQuery,
  addressByRoute,
  getAllAddresses,
} from './addresses.js';
// Types that public signatures name, for annotations and the API reference (type-only).
export type * from './api-types.js';
export { type App, type AppOptions, app, bashApp, joinApp } from './app/app.js';
export { type MapFunction, type MapOptions, type MapOutcome, map, mapSettled } from './app/map.js';
export {
  type AppKwargs,
  AUTO_LOGNAME,
  type MaybeFuture,
  type ResolvedAppKwargs,
  type StdSpec,
} from './app/special-options.js';
export {
  AuthException,
  BadHostKeyException,
  type Channel,
  FileCopyException,
  LocalChannel,
  OAuthSSHChannel,
  SSHChannel,
  SSHException,
  SSHInteractiveLoginChannel,
} from './channels/index.js';
export {
  type CheckpointMode,
  Config,
  type ConfigOptions,
  type RetryHandler,
  type StrategyName,
} from './config.js';
export { File, FileError } from './data/file.js';
export {
  DataFlowKernel,
  type KernelService,
  type KernelServiceStarter,
  type KernelStartOptions,
} from './dataflow/dflow.js';
export {
  BadCheckpoint,
  DependencyError,
  JoinError,
  NoDataFlowKernelError,
  PropagatedException,
} from './dataflow/errors.js';
export { AppFuture, DataFuture, Future } from './dataflow/future.js';
export type { KernelConfig, TaskInfo } from './dataflow/kernel-config.js';
export {
  getAllCheckpoints,
  getLastCheckpoint,
  hashValue,
  idForMemo,
  UnhashableArgument,
} from './dataflow/memo/app-cache.js';
export { TaskState } from './dataflow/states.js';
export {
  AddressNotFound,
  ConfigurationError,
  IllegalStateError,
  InternalError,
  OptionalModuleMissing,
  ParslError,
} from './errors.js';
export {
  AppBadFormatting,
  AppException,
  AppTimeout,
  BadStdStreamFile,
  BashAppNoReturn,
  BashExitFailure,
  MissingOutputs,
} from './execute/errors.js';
export type { Executor, ExecutorContext, ExecutorTask, TaskDone, TaskOutcome } from './executors/base.js';
export {
  BadStateException,
  ExecutorError,
  InsecureCertificates,
  InvalidResourceSpecification,
  ManagerLost,
  ScalingFailed,
  UnsupportedFeatureError,
  VersionMismatch,
  WorkerLost,
} from './executors/errors.js';
export { ExtremeScaleExecutor, type ExtremeScaleOptions } from './executors/exex/index.js';
export {
  HighThroughputExecutor,
  type HtexOptions,
  type ManagerInfo,
  PROTOCOL_VERSION,
} from './executors/htex/index.js';
export { MPICommExecutor, type MPICommExecutorOptions } from './executors/in-allocation/index.js';
export { InProcessExecutor } from './executors/in-process.js';
export {
  InvalidMPIResourceSpecification,
  MPIExecutor,
  type MPIExecutorOptions,
  type MPIResourceSpecification,
  NodeListError,
} from './executors/mpi-apps/index.js';
export { ThreadPoolExecutor } from './executors/threads/thread-pool.js';
export {
  JobStatusPoller,
  simpleErrorHandler,
  startJobStatusPoller,
  TooManyJobFailures,
  windowedErrorHandler,
} from './jobs/index.js';
export {
  AprunLauncher,
  BadLauncher,
  GnuParallelLauncher,
  JsrunLauncher,
  type Launcher,
  MpiExecLauncher,
  MpiRunLauncher,
  SimpleLauncher,
  SingleNodeLauncher,
  SrunLauncher,
  SrunMPILauncher,
  WrappedLauncher,
} from './launchers/index.js';
export { clear, dfk, load } from './load.js';
export {
  getLogger,
  type LogHandle,
  type LogLevel,
  type LogLevelOption,
  setFileLogger,
  setStreamLogger,
} from './logging.js';
export { MonitoringDatabaseError } from './monitoring/errors.js';
export { MonitoringHub, type MonitoringHubOptions } from './monitoring/hub.js';
export * as monitoringQueries from './monitoring/queries.js';
export {
  Communicator,
  type CommunicatorOptions,
  type MessageFilter,
  MPIError,
  MPIFlavorMismatchError,
  MPIInitError,
  type MPIMessage,
  MPINotAvailableError,
  MPIQueueFullError,
  MPIStateError,
} from './mpi/index.js';
export {
  AdHocProvider,
  AWSProvider,
  CobaltProvider,
  CondorProvider,
  type ExecutionProvider,
  ExecutionProviderException,
  GoogleCloudProvider,
  GridEngineProvider,
  JobState,
  JobStatus,
  KubernetesProvider,
  LocalProvider,
  LSFProvider,
  PBSProProvider,
  ScaleOutFailed,
  SchedulerMissingArgs,
  ScriptPathError,
  SlurmProvider,
  SubmitException,
  TorqueProvider,
} from './providers/index.js';
export { type AnyClass, registerClass } from './serialize/classes.js';
export { FunctionLoadError, SerializationError } from './serialize/errors.js';
export {
  BadSiteOptions,
  MissingSiteOption,
  runSiteSuite,
  SITES,
  type Site,
  SiteConfigMismatch,
  type SiteFacts,
  type SiteOptions,
  type SiteRun,
  selectSite,
  siteByName,
  UnknownSite,
} from './sites/index.js';
export * from './staging/index.js';
