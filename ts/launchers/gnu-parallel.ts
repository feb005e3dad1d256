import { OptionReader } from '../options.js';
import {
  assertCounts,
  debugFlag,
  LAUNCHER_OPTIONS,
  type Launcher,
  type LauncherOptions,
  writeCommandFile,
} from './base.js';

/**
 * GNU Parallel over the block's nodes (`$PBS_NODEFILE`, or this host): `tasksPerNode` copies per node via
 * ssh. Nodes must accept passwordless ssh from the first node.
 */
export class GnuParallelLauncher implements Launcher {
  readonly debug: boolean;

  constructor(options: LauncherOptions = {}) {
    this.debug = new OptionReader('GnuParallelLauncher', options, LAUNCHER_OPTIONS).bool('debug', true);
  }

  apply(command: string, tasksPerNode: number, nodesPerBlock: number): string {
    assertCounts('GnuParallelLauncher', tasksPerNode, nodesPerBlock);
    const debug = debugFlag(this.debug);
    return `set -e
export CORES=$(getconf _NPROCESSORS_ONLN)
[[ "${debug}" == "1" ]] && echo "Found cores : $CORES"
WORKERCOUNT=${tasksPerNode * nodesPerBlock}
SSHLOGINFILE="\${SCRIPT_DIR:+$SCRIPT_DIR/}$JOBNAME.nodes"
if [[ -z "\${PBS_NODEFILE:-}" ]]; then
    echo "localhost" > "$SSHLOGINFILE"
else
    sort -u "$PBS_NODEFILE" > "$SSHLOGINFILE"
fi
${writeCommandFile(command, 'JOBNAME', 'PARALLEL_CMD_EOF')}
PFILE="$CMD_FILE.parallel"
: > "$PFILE"
for COUNT in $(seq 1 1 $WORKERCOUNT); do
    echo "bash $CMD_FILE" >> "$PFILE"
done
[[ "${debug}" == "1" ]] && echo "Launching $WORKERCOUNT tasks with GNU parallel"
parallel --env _ --joblog "$CMD_FILE.parallel.log" --sshloginfile "$SSHLOGINFILE" --jobs ${tasksPerNode} < "$PFILE"`;
  }
}
