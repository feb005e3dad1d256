#!/bin/bash
# A parsl-ts workflow inside one PBS Pro allocation: mpiexec starts one rank per slot of $PBS_NODEFILE, rank 0
# runs the workflow and its DataFlowKernel, the other ranks run its tasks (MPICommExecutor).
#
#   qsub -v WORKFLOW=examples/in-allocation/workflow.mjs,WORKFLOW_ARGS=1000 examples/in-allocation/pbs.sh
#
#PBS -N parsl-ts-in-allocation
#PBS -l select=2:ncpus=32:mpiprocs=32
#PBS -l walltime=00:30:00
#PBS -j oe
set -euo pipefail

cd "${PBS_O_WORKDIR:-.}"
WORKFLOW=${WORKFLOW:-examples/in-allocation/workflow.mjs}
PARSL_TS=${PARSL_TS:-parsl-ts}
RANKS=$(wc -l < "$PBS_NODEFILE")
# MPICH's Hydra and Cray/HPE PALS read the host list themselves; Open MPI's mpiexec takes it from PBS (tm) too.
mpiexec -n "$RANKS" $PARSL_TS run "$WORKFLOW" ${WORKFLOW_ARGS:-}
