import { type KeySet, OptionReader } from '../options.js';
import { assertCounts, debugFlag, LAUNCHER_OPTIONS, type Launcher, type LauncherOptions } from './base.js';

export interface SingleNodeLauncherOptions extends LauncherOptions {
  /**
   * Exit non-zero when any copy fails (instead of only when all copies fail).
   * @default false
   */
  failOnAny?: boolean;
}

const SINGLE_NODE_OPTIONS = {
  ...LAUNCHER_OPTIONS,
  failOnAny: true,
} satisfies KeySet<SingleNodeLauncherOptions>;

/** Starts `tasksPerNode × nodesPerBlock` copies of the command on the current node as background jobs. */
export class SingleNodeLauncher implements Launcher {
  readonly debug: boolean;
  readonly failOnAny: boolean;

  constructor(options: SingleNodeLauncherOptions = {}) {
    const o = new OptionReader<SingleNodeLauncherOptions>('SingleNodeLauncher', options, SINGLE_NODE_OPTIONS);
    this.debug = o.bool('debug', true);
    this.failOnAny = o.bool('failOnAny', false);
  }

  apply(command: string, tasksPerNode: number, nodesPerBlock: number): string {
    assertCounts('SingleNodeLauncher', tasksPerNode, nodesPerBlock);
    const debug = debugFlag(this.debug);
    return `export CORES=$(getconf _NPROCESSORS_ONLN)
[[ "${debug}" == "1" ]] && echo "Found cores : $CORES"
WORKERCOUNT=${tasksPerNode * nodesPerBlock}
FAILONANY=${this.failOnAny ? 1 : 0}
PIDS=""

CMD() {
${command}
}
for COUNT in $(seq 1 1 $WORKERCOUNT); do
    [[ "${debug}" == "1" ]] && echo "Launching worker: $COUNT"
    CMD $COUNT &
    PIDS="$PIDS $!"
done

ALLFAILED=1
ANYFAILED=0
for PID in $PIDS ; do
    if wait $PID; then
        ALLFAILED=0
    else
        ANYFAILED=1
    fi
done
[[ "${debug}" == "1" ]] && echo "All workers done: ALLFAILED=$ALLFAILED ANYFAILED=$ANYFAILED"
if [ "$FAILONANY" == "1" ]; then
    exit $ANYFAILED
else
    exit $ALLFAILED
fi`;
  }
}
