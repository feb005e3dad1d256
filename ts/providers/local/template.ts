/** The script a LocalProvider block runs under bash. */
export const LOCAL_TEMPLATE = `#!/bin/bash

\${worker_init}

export JOBNAME="\${jobname}"
export SCRIPT_DIR="\${submit_script_dir}"

\${user_script}
`;

/**
 * Starts `$S` detached in its own session (so pid = pgid and a cancel kills every process of the block),
 * records `-` in `$S.ec` while it runs and its exit code afterwards, and prints `PID:<pid>` once the
 * session exists (the wrapper writes its own pid), so an immediate status or cancel finds the group.
 */
export const LOCAL_LAUNCH = `S=\${script}
echo - > "$S.ec"
rm -f "$S.pid"
setsid /bin/bash -c 'echo $$ > "$0.pid"; bash "$0" > "$0.out" 2> "$0.err" < /dev/null; echo $? > "$0.ec"' "$S" > /dev/null 2>&1 < /dev/null &
for _ in $(seq 500); do [ -s "$S.pid" ] && break; sleep 0.01; done
echo "PID:$(cat "$S.pid")"`;
