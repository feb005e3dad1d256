import { assertCounts, debugFlag, OverridableLauncher, writeCommandFile } from './base.js';

/** IBM LSF/CSM (Summit-class machines): `jsrun -n <total> -r <tasksPerNode>`. */
export class JsrunLauncher extends OverridableLauncher {
  apply(command: string, tasksPerNode: number, nodesPerBlock: number): string {
    assertCounts('JsrunLauncher', tasksPerNode, nodesPerBlock);
    const debug = debugFlag(this.debug);
    const tasks = tasksPerNode * nodesPerBlock;
    return `WORKERCOUNT=${tasks}
${writeCommandFile(command, 'JOBNAME', 'JSRUN_EOF')}
[[ "${debug}" == "1" ]] && echo "Launching $WORKERCOUNT tasks with jsrun"
jsrun -n ${tasks} -r ${tasksPerNode} ${this.overrides} /bin/bash "$CMD_FILE" &
wait $!`;
  }
}
