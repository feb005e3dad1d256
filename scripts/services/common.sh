# Shared by the service scripts: install missing Debian packages, wait helpers, pid-file stop.
# shellcheck shell=bash

# need_packages "cmd:package" ... — installs (apt-get, root only) the packages whose command is missing.
need_packages() {
  local missing=() pair cmd pkg
  for pair in "$@"; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || [ -x "$cmd" ] || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local uniq; uniq=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing: $uniq" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q $uniq >&2 && return 0
  fi
  echo "MISSING: packages $uniq (install them with: apt-get install -y $uniq)" >&2
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
