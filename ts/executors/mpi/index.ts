export { type TreeLayout, treeLayout } from './dispatch-tree.js';
export { InvalidMPIResourceSpecification, NodeListError } from './executor-errors.js';
export { ExtremeScaleExecutor, type ExtremeScaleOptions } from './extreme-scale.js';
export { MPIExecutor, type MPIExecutorOptions } from './mpi-executor.js';
export { type MPILauncherKind, mpiPrefixes, mpiTaskEnv } from './mpi-prefix.js';
export { blockNodes, expandHostlist, type NodeList } from './node-list.js';
export { type MPIResourceSpecification, type ResolvedMPISpec, resolveMPISpec } from './resource-spec.js';
