import { assertCounts, debugFlag, OverridableLauncher, writeCommandFile } from './base.js';

function srunPreamble(debug: string): string {
  return `set -e
export CORES=$SLURM_CPUS_ON_NODE
export NODES=$SLURM_JOB_NUM_NODES
[[ "${debug}" == "1" ]] && echo "Found cores : $CORES"
[[ "${debug}" == "1" ]] && echo "Found nodes : $NODES"`;
}

/** One `srun` step of `tasksPerNode × nodesPerBlock` tasks inside the Slurm allocation. */
export class SrunLauncher extends OverridableLauncher {
  apply(command: string, tasksPerNode: number, nodesPerBlock: number): string {
    assertCounts('SrunLauncher', tasksPerNode, nodesPerBlock);
    const debug = debugFlag(this.debug);
    const tasks = tasksPerNode * nodesPerBlock;
    return `${srunPreamble(debug)}
WORKERCOUNT=${tasks}
${writeCommandFile(command, 'SLURM_JOB_NAME', 'SLURM_EOF')}
[[ "${debug}" == "1" ]] && echo "Launching $WORKERCOUNT tasks with srun"
srun --ntasks ${tasks} -l ${this.overrides} bash "$CMD_FILE"`;
  }
}

/**
 * For MPI applications: splits the allocation into `tasksPerNode × nodesPerBlock` independent srun steps
 * (each an MPI job), by cores when there are more steps than nodes, by whole nodes otherwise.
 */
export class SrunMPILauncher extends OverridableLauncher {
  apply(command: string, tasksPerNode: number, nodesPerBlock: number): string {
    assertCounts('SrunMPILauncher', tasksPerNode, nodesPerBlock);
    const debug = debugFlag(this.debug);
    return `${srunPreamble(debug)}
${writeCommandFile(command, 'SLURM_JOB_NAME', 'SLURM_EOF')}
TASKBLOCKS=${tasksPerNode * nodesPerBlock}
PIDS=""
if (( TASKBLOCKS > NODES )); then
    CORES_PER_BLOCK=$(( NODES * CORES / TASKBLOCKS ))
    [[ "${debug}" == "1" ]] && echo "TaskBlocks:$TASKBLOCKS > Nodes:$NODES, $CORES_PER_BLOCK tasks each"
    for blk in $(seq 1 1 $TASKBLOCKS); do
        srun --ntasks $CORES_PER_BLOCK -l ${this.overrides} bash "$CMD_FILE" &
        PIDS="$PIDS $!"
    done
else
    NODES_PER_BLOCK=$(( NODES / TASKBLOCKS ))
    [[ "${debug}" == "1" ]] && echo "TaskBlocks:$TASKBLOCKS <= Nodes:$NODES, $NODES_PER_BLOCK nodes each"
    for blk in $(seq 1 1 $TASKBLOCKS); do
        # Explicit --ntasks: the inherited SLURM_NTASKS would ask for the whole block's tasks per step.
        srun --exclusive --nodes $NODES_PER_BLOCK --ntasks $(( NODES_PER_BLOCK * CORES )) -l ${this.overrides} bash "$CMD_FILE" &
        PIDS="$PIDS $!"
    done
fi
# Fail the block when any step fails (a bare \`wait\` would always succeed).
FAILED=0
for PID in $PIDS; do wait $PID || FAILED=1; done
exit $FAILED`;
  }
}
