import { assertCounts, debugFlag, OverridableLauncher, writeCommandFile } from './base.js';

/** Cray ALPS: `aprun -n <total> -N <tasksPerNode>`. */
export class AprunLauncher extends OverridableLauncher {
  apply(command: string, tasksPerNode: number, nodesPerBlock: number): string {
    assertCounts('AprunLauncher', tasksPerNode, nodesPerBlock);
    const debug = debugFlag(this.debug);
    const tasks = tasksPerNode * nodesPerBlock;
    return `WORKERCOUNT=${tasks}
${writeCommandFile(command, 'JOBNAME', 'APRUN_EOF')}
[[ "${debug}" == "1" ]] && echo "Launching $WORKERCOUNT tasks with aprun"
aprun -n ${tasks} -N ${tasksPerNode} ${this.overrides} /bin/bash "$CMD_FILE" &
wait $!`;
  }
}
