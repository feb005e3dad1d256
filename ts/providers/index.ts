export { AdHocProvider, type AdHocProviderOptions } from './adhoc/adhoc.js';
export { AWSProvider, type AWSProviderOptions, Ec2ApiError } from './aws/aws.js';
export type { AwsCredentials } from './aws/sigv4.js';
export { type ExecutionProvider, JobState, JobStatus, TERMINAL_STATES } from './base.js';
export { ClusterProvider, type ClusterProviderOptions, type StatusReport } from './cluster.js';
export { CobaltProvider, type CobaltProviderOptions } from './cobalt/cobalt.js';
export { CondorProvider, type CondorProviderOptions } from './condor/condor.js';
export {
  ExecutionProviderException,
  OptionalModuleMissing,
  ScaleOutFailed,
  SchedulerCommandFailed,
  SchedulerMissingArgs,
  ScriptPathError,
  SubmitException,
} from './errors.js';
export { GoogleCloudProvider, type GoogleCloudProviderOptions } from './googlecloud/googlecloud.js';
export { GridEngineProvider, type GridEngineProviderOptions } from './gridengine/gridengine.js';
export {
  type KubernetesCluster,
  KubernetesProvider,
  type KubernetesProviderOptions,
} from './kubernetes/kubernetes.js';
export type { PodOptions } from './kubernetes/pod.js';
export { LocalProvider, type LocalProviderOptions } from './local/local.js';
export { LSFProvider, type LSFProviderOptions } from './lsf/lsf.js';
export { PBSProProvider, type PBSProProviderOptions } from './pbspro/pbspro.js';
export { SlurmProvider, type SlurmProviderOptions } from './slurm/slurm.js';
export { TorqueProvider, type TorqueProviderOptions } from './torque/torque.js';
export { walltimeToMinutes, walltimeToSeconds } from './walltime.js';
