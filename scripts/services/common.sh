# Shared by the service scripts: packages, command checks, pid-file stop.
# shellcheck shell=bash
. "$(dirname "${BASH_SOURCE[0]}")/../packages.sh"

# need_commands COMMAND... — a service cannot start without these: fail, naming the missing ones.
need_commands() {
  local missing=() c
  for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || missing+=("$c")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "MISSING commands: ${missing[*]}" >&2
  return 1
}

# stop_pidfile FILE — TERM the process named in FILE, wait up to 5 s, then KILL; only ever that pid.
stop_pidfile() {
  local pf=$1 pid i
  [ -f "$pf" ] || return 0
  pid=$(cat "$pf" 2>/dev/null)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null
    for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
  fi
  rm -f "$pf"
}

# alive FILE — the pid in FILE is running.
alive() { [ -f "$1" ] && kill -0 "$(cat "$1" 2>/dev/null)" 2>/dev/null; }
