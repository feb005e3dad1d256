#!/usr/bin/env bash
# Private Slurm (munged + slurmctld + one slurmd per node) on this host, all state under $BASE.
#   slurm.sh start|stop|status
# Env: BASE (/tmp/parsl-ts-services/slurm), NODES (1: node "localhost"; N>1: fake nodes n1..nN on this
# host, one slurmd each), CTLD_PORT (26817), SLURMD_PORT (26818; fake node i uses SLURMD_PORT+i),
# CLUSTER (parsl-ts), CPUS (CPUs per node, default nproc; more than the host has is allowed: the
# configuration overrides what slurmd detects), FEATURES (node features, e.g. gpu,knl) and PARTITIONS (more
# partition names over the same nodes, e.g. "gpuA100x4 compute"), so site configs' constraints and partitions
# are accepted. Clients need: export SLURM_CONF=$BASE/slurm.conf (printed by start).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
BASE=${BASE:-/tmp/parsl-ts-services/slurm}
NODES=${NODES:-1}
CTLD_PORT=${CTLD_PORT:-26817}
SLURMD_PORT=${SLURMD_PORT:-26818}
CLUSTER=${CLUSTER:-parsl-ts}
export SLURM_CONF=$BASE/slurm.conf

node_names() { if [ "$NODES" = 1 ]; then echo localhost; else seq -f 'n%g' 1 "$NODES"; fi; }

stop() {
  # Cancel every job first: slurmstepd (the job's parent) outlives slurmd, so jobs would be orphaned.
  if alive "$BASE/slurmctld.pid"; then
    scancel --full --quiet $(squeue -h -o %i 2>/dev/null) 2>/dev/null
    for _ in $(seq 50); do [ -z "$(squeue -h -t R,CG,PD -o %i 2>/dev/null)" ] && break; sleep 0.2; done
  fi
  for pf in "$BASE"/slurmd-*.pid "$BASE/slurmctld.pid" "$BASE/munge/munged.pid"; do stop_pidfile "$pf"; done
  echo "slurm stopped ($BASE)"
}

status() {
  alive "$BASE/slurmctld.pid" || { echo "slurmctld not running ($BASE)"; return 1; }
  sinfo -h -N -o '%N %T'
}

write_conf() {
  local mem cpus
  mem=$(( $(awk '/MemTotal/{print $2}' /proc/meminfo) / 1024 - 1024 ))
  cpus=${CPUS:-$(nproc)}
  cat > "$SLURM_CONF" <<CONF
ClusterName=$CLUSTER
SlurmctldHost=localhost
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$BASE/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$BASE/state
SlurmdSpoolDir=$BASE/spool/%n
SlurmctldPidFile=$BASE/slurmctld.pid
SlurmdPidFile=$BASE/slurmd-%n.pid
SlurmctldLogFile=$BASE/log/slurmctld.log
SlurmdLogFile=$BASE/log/slurmd-%n.log
SlurmdParameters=config_overrides
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0,sched_min_interval=0
MpiDefault=none
ReturnToService=2
SwitchType=switch/none
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=2
OverTimeLimit=0
CONF
  local extra=""
  [ -n "${FEATURES:-}" ] && extra+=" Features=$FEATURES"
  if [ "$NODES" = 1 ]; then
    echo "NodeName=localhost NodeHostname=localhost CPUs=$cpus RealMemory=$mem$extra State=UNKNOWN" >> "$SLURM_CONF"
  else
    for i in $(seq 1 "$NODES"); do
      echo "NodeName=n$i NodeHostname=localhost Port=$((SLURMD_PORT + i)) CPUs=$cpus RealMemory=$((mem / NODES))$extra State=UNKNOWN" >> "$SLURM_CONF"
    done
  fi
  echo "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES" >> "$SLURM_CONF"
  for p in ${PARTITIONS:-}; do
    echo "PartitionName=$p Nodes=ALL MaxTime=INFINITE State=UP OverSubscribe=YES" >> "$SLURM_CONF"
  done
}

start() {
  if alive "$BASE/slurmctld.pid"; then echo "slurm already running ($BASE)"; echo "SLURM_CONF=$SLURM_CONF"; return 0; fi
  install_packages slurm-wlm munge || return 1
  need_commands slurmctld slurmd sbatch munged mungekey || return 1
  stop >/dev/null 2>&1
  mkdir -p "$BASE"/{munge,state,spool,log}
  chmod 700 "$BASE/munge"
  [ -f "$BASE/munge/munge.key" ] || mungekey --create --keyfile="$BASE/munge/munge.key" --bits=1024
  chmod 400 "$BASE/munge/munge.key"
  munged --force --key-file="$BASE/munge/munge.key" --socket="$BASE/munge/munge.socket" \
    --pid-file="$BASE/munge/munged.pid" --log-file="$BASE/munge/munged.log" --seed-file="$BASE/munge/munged.seed" || return 1
  for _ in $(seq 50); do [ -S "$BASE/munge/munge.socket" ] && break; sleep 0.1; done
  write_conf
  slurmctld -f "$SLURM_CONF" -i || { tail -5 "$BASE/log/slurmctld.log" >&2; return 1; }
  for n in $(node_names); do mkdir -p "$BASE/spool/$n"; slurmd -f "$SLURM_CONF" -N "$n" || return 1; done
  local st=""
  for _ in $(seq 150); do
    st=$(sinfo -h -N -o '%T' 2>/dev/null | sort -u | tr '\n' ' ')
    [ "$st" = "idle " ] && break
    sleep 0.2
  done
  if [ "$st" != "idle " ]; then echo "slurm nodes not idle: '$st' (see $BASE/log)" >&2; return 1; fi
  echo "slurm ready: $NODES node(s), $BASE"
  echo "SLURM_CONF=$SLURM_CONF"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
