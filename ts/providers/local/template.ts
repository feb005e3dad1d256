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

/**
 * Cancels block `${pgid}` and returns only when every process of it is gone: the block's group and session, and
 * every descendant, for MPI launchers move ranks into groups and sessions of their own (Open MPI, MPICH's Hydra),
 * and a rank whose mpiexec died is no longer anyone's child (so every process seen once is watched to the end).
 * SIGTERM and SIGCONT (a stopped process acts on nothing else) to all; after `${grace}` polls of 50 ms, SIGKILL;
 * exit 0 when all are gone, 3 when none was alive to cancel, 1 (naming them) when even SIGKILL did not end them.
 * Zombies count as gone: they have exited, and an orphan's may never be reaped.
 */
export const LOCAL_CANCEL = `R=\${pgid}
seen=' '
collect() {
  for p in $(ps -eo pid=,ppid=,pgid=,sid= | awk -v r="$R" '
    { pp[$1] = $2; if ($1 == r || $3 == r || $4 == r) k[$1] = 1 }
    END { do { c = 0; for (x in pp) if (!(x in k) && (pp[x] in k)) { k[x] = 1; c = 1 } } while (c); for (x in k) print x }'); do
    case "$seen" in *" $p "*) ;; *) seen="$seen$p ";; esac
  done
}
alive() {
  [ "$seen" = ' ' ] && return
  ps -o pid=,stat= -p "$(echo $seen | tr ' ' ',')" 2>/dev/null | awk '$2 !~ /^Z/ { printf "%s ", $1 }'
}
collect
[ -z "$(alive)" ] && exit 3
kill -TERM -- -"$R" 2>/dev/null
for p in $seen; do kill -TERM "$p" 2>/dev/null; kill -CONT "$p" 2>/dev/null; done
for _ in $(seq \${grace}); do collect; [ -z "$(alive)" ] && exit 0; sleep 0.05; done
kill -KILL -- -"$R" 2>/dev/null
for p in $(alive); do kill -KILL "$p" 2>/dev/null; done
for _ in $(seq 40); do [ -z "$(alive)" ] && exit 0; sleep 0.05; done
echo "still alive after SIGKILL: $(alive)" >&2
exit 1`;
