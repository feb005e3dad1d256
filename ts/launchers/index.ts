export { AprunLauncher } from './aprun.js';
export type { Launcher, LauncherOptions, OverridableLauncherOptions } from './base.js';
export { BadLauncher } from './errors.js';
export { GnuParallelLauncher } from './gnu-parallel.js';
export { JsrunLauncher } from './jsrun.js';
export {
  MpiExecLauncher,
  type MpiExecLauncherOptions,
  MpiRunLauncher,
  type MpiRunLauncherOptions,
} from './mpi.js';
export { SimpleLauncher } from './simple.js';
export { SingleNodeLauncher, type SingleNodeLauncherOptions } from './single-node.js';
export { SrunLauncher, SrunMPILauncher } from './srun.js';
export { WrappedLauncher, type WrappedLauncherOptions } from './wrapped.js';
