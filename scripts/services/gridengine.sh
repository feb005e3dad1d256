#!/usr/bin/env bash
# Son of Grid Engine (Debian gridengine-* packages) on this host: qmaster + execd, one queue all.q.
#   gridengine.sh start|stop|status
# Installs the packages (with debconf presets) when missing. Fixes applied, each needed on Debian 12:
# host alias for 127.0.0.1, min_uid/min_gid 0 (root submits), login_shells none, queue without PEs and
# load alarms, fast scheduler intervals. Leaves the packages and /var/lib/gridengine configured.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
H=$(hostname)
QMASTER_PID=/var/spool/gridengine/qmaster/qmaster.pid
EXECD_PID=/run/gridengine/execd.pid

install() {
  if command -v qsub >/dev/null && [ -x /usr/lib/gridengine/sge_qmaster ]; then return 0; fi
  # The answers the packages would ask for: configure a cell "default" with this host as master.
  if command -v debconf-set-selections >/dev/null && [ "$(id -u)" = 0 ]; then
    for p in gridengine-common gridengine-master gridengine-client gridengine-exec; do
      printf '%s shared/gridengineconfig boolean true\n%s shared/gridenginecell string default\n%s shared/gridenginemaster string %s\n' "$p" "$p" "$p" "$H"
    done | debconf-set-selections
  fi
  # db-util: the master spools in Berkeley DB.
  install_packages gridengine-master gridengine-exec gridengine-client db-util || return 1
  need_commands qsub /usr/lib/gridengine/sge_qmaster || return 1
}

configure() {
  local w; w=$(mktemp -d)
  qconf -sconf global | sed -e 's/^min_uid .*/min_uid 0/' -e 's/^min_gid .*/min_gid 0/' \
    -e 's/^login_shells .*/login_shells none/' -e 's/flush_time=[0-9:]*/flush_time=00:00:01/' > "$w/global" && (cd "$w" && qconf -Mconf global >/dev/null)
  qconf -ssconf | sed -e 's/^schedule_interval .*/schedule_interval 0:0:1/' -e 's/^flush_submit_sec .*/flush_submit_sec 1/' \
    -e 's/^flush_finish_sec .*/flush_finish_sec 1/' > "$w/sched" && qconf -Msconf "$w/sched" >/dev/null
  qconf -as "$H" >/dev/null 2>&1; qconf -ah "$H" >/dev/null 2>&1
  printf 'hostname %s\nload_scaling NONE\ncomplex_values NONE\nuser_lists NONE\nxuser_lists NONE\nprojects NONE\nxprojects NONE\nusage_scaling NONE\nreport_variables NONE\n' "$H" > "$w/exec"
  qconf -Ae "$w/exec" >/dev/null 2>&1
  printf 'group_name @allhosts\nhostlist %s\n' "$H" > "$w/hgrp" && qconf -Ahgrp "$w/hgrp" >/dev/null 2>&1
  if ! qconf -sq all.q >/dev/null 2>&1; then
    qconf -sq | sed -e 's/^qname .*/qname all.q/' -e 's/^hostlist .*/hostlist @allhosts/' -e "s/^slots .*/slots $(nproc)/" \
      -e 's/^pe_list .*/pe_list NONE/' -e 's/^load_thresholds .*/load_thresholds NONE/' -e 's#^shell .*#shell /bin/bash#' > "$w/q"
    qconf -Aq "$w/q" >/dev/null
  fi
  rm -rf "$w"
}

start() {
  if alive "$QMASTER_PID" && alive "$EXECD_PID"; then echo "gridengine already running"; return 0; fi
  install || return 1
  grep -q "^$H " "$SGE_ROOT/$SGE_CELL/common/host_aliases" 2>/dev/null || echo "$H localhost" >> "$SGE_ROOT/$SGE_CELL/common/host_aliases"
  alive "$QMASTER_PID" || /etc/init.d/gridengine-master start >/dev/null 2>&1 || /usr/lib/gridengine/sge_qmaster
  for _ in $(seq 150); do qstat >/dev/null 2>&1 && break; sleep 0.2; done
  qstat >/dev/null 2>&1 || { echo "sge_qmaster does not answer" >&2; return 1; }
  configure
  alive "$EXECD_PID" || /etc/init.d/gridengine-exec start >/dev/null 2>&1 || /usr/lib/gridengine/sge_execd
  for _ in $(seq 150); do
    qstat -f 2>/dev/null | grep "all.q@$H" | grep -qvE ' (a|u|au|E|d|adu)$' && break; sleep 0.2
  done
  qmod -c "all.q@$H" >/dev/null 2>&1 || true
  qstat -f | grep -q "all.q@$H" || { echo "queue all.q@$H not up" >&2; return 1; }
  echo "gridengine ready (SGE_ROOT=$SGE_ROOT)"
}

stop() {
  # Delete every job first: sge_shepherd and the job outlive sge_execd.
  if alive "$QMASTER_PID"; then
    qdel -f -u '*' >/dev/null 2>&1
    for _ in $(seq 50); do [ -z "$(qstat -u '*' 2>/dev/null)" ] && break; sleep 0.2; done
  fi
  stop_pidfile "$EXECD_PID"; stop_pidfile "$QMASTER_PID"; echo "gridengine stopped"
}
status() { alive "$QMASTER_PID" && alive "$EXECD_PID" && qstat -f || { echo "gridengine not running"; return 1; }; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
