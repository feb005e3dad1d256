# Shared by the MPI launcher stand-ins: record the call, refuse what the real tool refuses, then start the ranks
# with a real mpiexec. Source it; set TOOL first.
#   STANDIN_LOG   file that gets one line per call: "<tool> <argv…>" (checked by tests)
#   STANDIN_MPI   mpich | openmpi: the real MPI the ranks start under (default per tool)
log_call() { echo "$TOOL $*" >> "${STANDIN_LOG:-/dev/null}"; }
die() { echo "$TOOL: $*" >&2; exit 1; }
need_int() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "option $1 needs a positive integer, got '$2'"; }
# run_mpi FLAVOR N [PPN] -- CMD…: N ranks of CMD under the real mpiexec of FLAVOR on this host.
run_mpi() {
  local flavor=$1 n=$2 ppn=$3; shift 4
  if [ "$flavor" = openmpi ]; then
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 exec mpiexec.openmpi --oversubscribe -n "$n" "$@"
  fi
  exec mpiexec.mpich -n "$n" ${ppn:+-ppn "$ppn"} "$@"
}
