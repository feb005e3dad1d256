export { type ExecutionProvider, JobState, JobStatus, TERMINAL_STATES } from './base.js';
export {
  ExecutionProviderException,
  OptionalModuleMissing,
  ScaleOutFailed,
  SchedulerCommandFailed,
  SchedulerMissingArgs,
  ScriptPathError,
  SubmitException,
} from './errors.js';
export { ClusterProvider, type ClusterProviderOptions, type StatusReport } from './cluster.js';
export { LocalProvider, type LocalProviderOptions } from './local/local.js';
export { SlurmProvider, type SlurmProviderOptions } from './slurm/slurm.js';
export { TorqueProvider, type TorqueProviderOptions } from './torque/torque.js';
export { PBSProProvider, type PBSProProviderOptions } from './pbspro/pbspro.js';
export { CobaltProvider, type CobaltProviderOptions } from './cobalt/cobalt.js';
export { LSFProvider, type LSFProviderOptions } from './lsf/lsf.js';
export { CondorProvider, type CondorProviderOptions } from './condor/condor.js';
export { GridEngineProvider, type GridEngineProviderOptions } from './gridengine/gridengine.js';
export { AdHocProvider, type AdHocProviderOptions } from './adhoc/adhoc.js';
export { KubernetesProvider, type KubernetesProviderOptions, type KubernetesCluster } from './kubernetes/kubernetes.js';
export type { PodOptions } from './kubernetes/pod.js';
export { AWSProvider, type AWSProviderOptions, Ec2ApiError } from './aws/aws.js';
export type { AwsCredentials } from './aws/sigv4.js';
export { GoogleCloudProvider, type GoogleCloudProviderOptions } from './googlecloud/googlecloud.js';
export { walltimeToMinutes, walltimeToSeconds } from './walltime.js';
