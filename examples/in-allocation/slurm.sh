#!/bin/bash
# A parsl-ts workflow inside one Slurm allocation: srun starts every rank, rank 0 runs the workflow and its
# DataFlowKernel, the other ranks run its tasks (MPICommExecutor): no interchange, no second job.
#
#   sbatch examples/in-allocation/slurm.sh [workflow.mjs [args...]]
#
#SBATCH --job-name=parsl-ts-in-allocation
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=32
#SBATCH --time=00:30:00
#SBATCH --output=parsl-ts-in-allocation.%j.out
set -euo pipefail

WORKFLOW=${1:-examples/in-allocation/workflow.mjs}
shift || true
# The command that runs parsl-ts (e.g. "node /path/to/parsl-ts/dist/cli/main.js" without a global install).
PARSL_TS=${PARSL_TS:-parsl-ts}
# srun's PMI plugin must match the MPI the addon was built with: pmix for Open MPI, pmi2 for MPICH (the site's
# default when SRUN_MPI is empty). With both MPIs built, PARSL_MPI_FLAVOR=openmpi|mpich says which addon to load.
srun ${SRUN_MPI:+--mpi=$SRUN_MPI} $PARSL_TS run "$WORKFLOW" "$@"
