/**
 * Types that public signatures name (option objects, callbacks, reports), exported so users can annotate with
 * them and the API reference (`npm run docs`) documents every type it shows. Type-only: `index.ts` re-exports
 * this module with `export type *`, so nothing here exists at run time.
 */
export type { Args, Futurized, JoinRet, Ret } from './app/app.js';
export type { ExecuteOptions, ExecuteResult, MakedirsOptions } from './channels/base.js';
export type { LocalChannelOptions } from './channels/local.js';
export type { OAuthSSHChannelOptions } from './channels/oauth-ssh.js';
export type { SSHChannelOptions } from './channels/ssh.js';
export type { SSHInteractiveLoginChannelOptions } from './channels/ssh-interactive-login.js';
export type { Dependencies } from './dataflow/dependencies.js';
export type { FutureWaiter, TaskView } from './dataflow/future.js';
export type { CHECKPOINT_MODES } from './dataflow/kernel-config.js';
export type {
  KernelObserver,
  KernelObserverStarter,
  ObservedRun,
  ObservedTask,
  TaskStateWatcher,
} from './dataflow/observer.js';
export type { AutoStream, TaskOptions } from './dataflow/task-options.js';
export type { AppDefinition } from './dataflow/task-record.js';
export type { BashOptions, ResourceSample, StdStream, WorkerReport } from './execute/task-wire.js';
export type { BlockReport, ExecutorMonitor, NodeReport } from './executors/base.js';
export type { BlockErrorHandler, BlockScaling } from './executors/block-provider.js';
export type { MPIPolling, ResolvedExtremeScaleOptions } from './executors/exex/executor.js';
export type { AddressSpec, ResolvedHtexOptions } from './executors/htex/options.js';
export type { FlagValue, PoolCommand, PoolFlags } from './executors/htex/pool-command.js';
export type { InProcessExecutorOptions } from './executors/in-process.js';
export type { ResolvedMPIExecutorOptions } from './executors/mpi-apps/executor.js';
export type { MPILauncherKind } from './executors/mpi-apps/prefix.js';
export type { ThreadPoolStatistics } from './executors/threads/engine.js';
export type { ThreadPoolOptions } from './executors/threads/options.js';
export type { JobStatusPollerOptions } from './jobs/job-status-poller.js';
export type { STRATEGY_NAMES } from './jobs/strategy.js';
export type { LauncherOptions, OverridableLauncherOptions } from './launchers/base.js';
export type { MpiExecLauncherOptions, MpiRunLauncherOptions } from './launchers/mpi.js';
export type { SingleNodeLauncherOptions } from './launchers/single-node.js';
export type { WrappedLauncherOptions } from './launchers/wrapped.js';
export type { Logger } from './logging.js';
export type { CommunicatorEvents, CommunicatorState, ThreadLevel, WatchOptions } from './mpi/communicator.js';
export type { MPIFlavor } from './mpi/load-addon.js';
export type {
  DispatcherHandle,
  EngineHandle,
  NativeBatch,
  NativeDelivery,
  NativeDispatcher,
  NativeDispatcherCounts,
  NativeEngine,
  NativeEngineOptions,
  NativeEvent,
  NativeInitInfo,
  NativeStats,
} from './mpi/native.js';
export type { NumberRule, OptionReader } from './options.js';
export type { AdHocProviderOptions } from './providers/adhoc/adhoc.js';
export type { AWSProviderOptions } from './providers/aws/aws.js';
export type { AwsCredentials } from './providers/aws/sigv4.js';
export type { ClusterDefaults, ClusterProviderOptions } from './providers/cluster.js';
export type { CobaltProviderOptions } from './providers/cobalt/cobalt.js';
export type { CondorProviderOptions } from './providers/condor/condor.js';
export type { GoogleCloudProviderOptions } from './providers/googlecloud/googlecloud.js';
export type { GridEngineProviderOptions } from './providers/gridengine/gridengine.js';
export type { KubernetesCluster, KubernetesProviderOptions } from './providers/kubernetes/kubernetes.js';
export type { PodOptions } from './providers/kubernetes/pod.js';
export type { LSFProviderOptions } from './providers/lsf/lsf.js';
export type { PBSProProviderOptions } from './providers/pbspro/pbspro.js';
export type { SlurmProviderOptions } from './providers/slurm/slurm.js';
export type { TorqueProviderOptions, TorqueSubclass } from './providers/torque/torque.js';
export type { FunctionDescriptor, ModuleReference } from './serialize/function-ref.js';
export type {
  ChannelKind,
  ExecutorKind,
  LauncherName,
  NodeShape,
  Scheduler,
  SiteContext,
  SiteStatus,
} from './sites/site.js';
export type { CheckResult } from './sites/suite.js';
export type { GlobusStepOptions } from './staging/providers/globus.js';
