export { InvalidMPIResourceSpecification, NodeListError } from './errors.js';
export { MPIExecutor, type MPIExecutorOptions } from './executor.js';
export { blockNodes, expandHostlist, type NodeList } from './node-list.js';
export { type MPILauncherKind, mpiPrefixes, mpiTaskEnv } from './prefix.js';
export { type MPIResourceSpecification, type ResolvedMPISpec, resolveMPISpec } from './resource-spec.js';
