# Tiny job table for the scheduler stand-ins. Source it; needs $STANDIN_STATE.
# shellcheck shell=bash
: "${STANDIN_STATE:?STANDIN_STATE must name the stand-in state directory}"
mkdir -p "$STANDIN_STATE/jobs"

# job_new → prints a fresh numeric id
job_new() {
  local n
  exec 9>"$STANDIN_STATE/.lock"
  flock 9
  n=$(( $(cat "$STANDIN_STATE/counter" 2>/dev/null || echo 0) + 1 ))
  echo "$n" > "$STANDIN_STATE/counter"
  flock -u 9
  mkdir -p "$STANDIN_STATE/jobs/$n"
  echo "$n"
}

# job_run ID OUT ERR CWD CMD... → runs CMD detached (own session), records pid and exit code
job_run() {
  local id=$1 out=$2 err=$3 cwd=$4; shift 4
  local d="$STANDIN_STATE/jobs/$id"
  echo - > "$d/ec"
  # The job is a session leader whose pid (= pgid) it records itself, so a kill reaches all of it.
  ( cd "$cwd" || exit 1
    OUT="${out:-/dev/null}" ERR="${err:-/dev/null}" D="$d" exec setsid bash -c \
      'echo $$ > "$D/pid"; "$@" > "$OUT" 2> "$ERR" < /dev/null; echo $? > "$D/ec"' job "$@"
  ) > /dev/null 2>&1 < /dev/null &
  for _ in $(seq 100); do [ -s "$d/pid" ] && break; sleep 0.01; done
}

# job_state ID → override | purged | unknown | killed | running | done:<ec>
job_state() {
  local d="$STANDIN_STATE/jobs/$1"
  [ -d "$d" ] || { echo unknown; return; }
  [ -f "$d/purged" ] && { echo purged; return; }
  [ -f "$d/override" ] && { echo "override:$(cat "$d/override")"; return; }
  [ -f "$d/killed" ] && { echo killed; return; }
  local ec; ec=$(cat "$d/ec" 2>/dev/null || echo -)
  if [ "$ec" = - ]; then echo running; else echo "done:$ec"; fi
}

# job_kill ID → 0 if the job existed
job_kill() {
  local d="$STANDIN_STATE/jobs/$1"
  [ -d "$d" ] && [ ! -f "$d/purged" ] || return 1
  local pid; pid=$(cat "$d/pid" 2>/dev/null)
  [ -n "$pid" ] && kill -TERM -- "-$pid" 2>/dev/null
  touch "$d/killed"
}

# directive FILE PREFIX FLAG → value of "PREFIX FLAG value" in FILE (e.g. "#PBS" "-o")
directive() { sed -n "s|^$2 $3 \\(.*\\)$|\\1|p" "$1" | head -1; }

valid_queue() { case " ${STANDIN_QUEUES:-batch normal workq default} " in *" $1 "*) return 0 ;; esac; return 1; }
