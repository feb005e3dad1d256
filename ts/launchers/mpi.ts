import { type KeySet, OptionReader } from '../options.js';
import {
  assertCounts,
  debugFlag,
  type Launcher,
  OVERRIDABLE_OPTIONS,
  type OverridableLauncherOptions,
  writeCommandFile,
} from './base.js';

export interface MpiExecLauncherOptions extends OverridableLauncherOptions {
  /**
   * The binding flag of the MPI implementation; it is passed as `<bindCmd> none` so workers are not pinned
   * to one core. Hydra (MPICH) and Open MPI both spell it `--bind-to`.
   * @default '--bind-to'
   */
  bindCmd?: string;
}

const MPIEXEC_OPTIONS = { ...OVERRIDABLE_OPTIONS, bindCmd: true } satisfies KeySet<MpiExecLauncherOptions>;

/** Finds a host file from the batch system, if any; without one mpiexec uses the local host's slots. */
const HOSTFILE_DISCOVERY = `if [[ -n "\${PBS_NODEFILE:-}" ]]; then
    HOSTFILE=$PBS_NODEFILE
elif [[ -n "\${COBALT_NODEFILE:-}" ]]; then
    HOSTFILE=$COBALT_NODEFILE
elif [[ -n "\${SLURM_JOB_NODELIST:-}" ]] && command -v scontrol >/dev/null; then
    HOSTFILE="\${SCRIPT_DIR:+$SCRIPT_DIR/}hostfile_$JOBNAME"
    scontrol show hostnames "$SLURM_JOB_NODELIST" > "$HOSTFILE"
else
    HOSTFILE=""
fi`;

/** `mpiexec -n <tasksPerNode × nodesPerBlock>` over the block's host file. */
export class MpiExecLauncher implements Launcher {
  readonly debug: boolean;
  readonly overrides: string;
  readonly bindCmd: string;

  constructor(options: MpiExecLauncherOptions = {}) {
    const o = new OptionReader<MpiExecLauncherOptions>('MpiExecLauncher', options, MPIEXEC_OPTIONS);
    this.debug = o.bool('debug', true);
    this.overrides = o.string('overrides', '');
    this.bindCmd = o.name('bindCmd', '--bind-to');
  }

  apply(command: string, tasksPerNode: number, nodesPerBlock: number): string {
    assertCounts('MpiExecLauncher', tasksPerNode, nodesPerBlock);
    const debug = debugFlag(this.debug);
    return `set -e
export CORES=$(getconf _NPROCESSORS_ONLN)
[[ "${debug}" == "1" ]] && echo "Found cores : $CORES"
WORKERCOUNT=${tasksPerNode * nodesPerBlock}
${HOSTFILE_DISCOVERY}
${writeCommandFile(command, 'JOBNAME', 'MPIEXEC_EOF')}
[[ "${debug}" == "1" ]] && echo "Launching $WORKERCOUNT tasks with mpiexec, host file: \${HOSTFILE:-none}"
mpiexec ${this.bindCmd} none ${this.overrides} -n $WORKERCOUNT \${HOSTFILE:+--hostfile "$HOSTFILE"} /bin/sh "$CMD_FILE"`;
  }
}

export interface MpiRunLauncherOptions extends OverridableLauncherOptions {
  /**
   * The shell that runs the command file on each rank.
   * @default '/bin/bash'
   */
  bashLocation?: string;
}

const MPIRUN_OPTIONS = { ...OVERRIDABLE_OPTIONS, bashLocation: true } satisfies KeySet<MpiRunLauncherOptions>;

/** `mpirun -np <tasksPerNode × nodesPerBlock>`; the MPI implementation finds the hosts itself. */
export class MpiRunLauncher implements Launcher {
  readonly debug: boolean;
  readonly overrides: string;
  readonly bashLocation: string;

  constructor(options: MpiRunLauncherOptions = {}) {
    const o = new OptionReader<MpiRunLauncherOptions>('MpiRunLauncher', options, MPIRUN_OPTIONS);
    this.debug = o.bool('debug', true);
    this.overrides = o.string('overrides', '');
    this.bashLocation = o.name('bashLocation', '/bin/bash');
  }

  apply(command: string, tasksPerNode: number, nodesPerBlock: number): string {
    assertCounts('MpiRunLauncher', tasksPerNode, nodesPerBlock);
    const debug = debugFlag(this.debug);
    return `set -e
export CORES=$(getconf _NPROCESSORS_ONLN)
[[ "${debug}" == "1" ]] && echo "Found cores : $CORES"
WORKERCOUNT=${tasksPerNode * nodesPerBlock}
${writeCommandFile(command, 'JOBNAME', 'MPIRUN_EOF')}
[[ "${debug}" == "1" ]] && echo "Launching $WORKERCOUNT tasks with mpirun"
mpirun -np $WORKERCOUNT ${this.overrides} ${this.bashLocation} "$CMD_FILE"`;
  }
}
