# Shared by the MPI launcher stand-ins: record the call, refuse what the real tool refuses, then start the ranks
# with a real mpiexec. Source it; set TOOL first.
#   STANDIN_LOG   file that gets one line per call: "<tool> <argv…>" (checked by tests)
#   STANDIN_MPI   mpich | openmpi: the real MPI the ranks start under (default per tool)
log_call() { echo "$TOOL $*" >> "${STANDIN_LOG:-/dev/null}"; }
die() { echo "$TOOL: $*" >&2; exit 1; }
# check_hosts LIST: every host of a comma list must be a node of this job (its node file) or this host.
check_hosts() {
  local h nodefile=${COBALT_NODEFILE:-${PBS_NODEFILE:-}}
  for h in ${1//,/ }; do
    if [ -n "$nodefile" ] && grep -qx "$h" "$nodefile"; then continue; fi
    [[ "$h" == localhost || "$h" == "$(hostname)" || "$h" == "$(hostname -s)" ]] || die "host $h is not a node of this job"
  done
}
need_int() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "option $1 needs a positive integer, got '$2'"; }
# run_mpi FLAVOR N [PPN] -- CMD…: N ranks of CMD under the real mpiexec of FLAVOR on this host. The stand-in
# schedulers' variables are hidden from it: Hydra and Open MPI would read their node files (fake node names).
run_mpi() {
  local flavor=$1 n=$2 ppn=$3; shift 4
  unset COBALT_NODEFILE COBALT_JOBID PBS_NODEFILE PBS_JOBID PBS_ENVIRONMENT LSB_JOBID LSB_HOSTS LSB_MCPU_HOSTS
  if [ "$flavor" = openmpi ]; then
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 exec mpiexec.openmpi --oversubscribe -n "$n" "$@"
  fi
  exec mpiexec.mpich -launcher fork -n "$n" ${ppn:+-ppn "$ppn"} "$@"
}
