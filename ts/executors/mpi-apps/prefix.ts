import type { ResolvedMPISpec } from './resource-spec.js';

export type MPILauncherKind = 'mpiexec' | 'srun' | 'aprun';

/** How a block's tasks start MPI programs. */
export interface PrefixOptions {
  /** Which prefix goes into `PARSL_MPI_PREFIX`. */
  readonly launcher: MPILauncherKind;
  /** The mpiexec binary, e.g. `mpiexec`, `mpiexec.mpich`, `mpiexec.openmpi`. */
  readonly mpiexec: string;
  /** Command-line dialect of that mpiexec: MPICH/Hydra/PALS (`-ppn`, `-hosts`) or Open MPI (`--host h:n`). */
  readonly mpiexecStyle: 'mpich' | 'openmpi';
  /** Flags added to every prefix (the task's `launcherOptions` follow). */
  readonly extraOptions: string;
}

function opts(...parts: string[]): string {
  return parts.filter(Boolean).join(' ');
}

/** The launcher prefixes one task sees, for the nodes it was given. */
export function mpiPrefixes(
  o: PrefixOptions,
  spec: ResolvedMPISpec,
  nodes: readonly string[],
): Record<MPILauncherKind, string> {
  const hosts = nodes.join(',');
  const extra = opts(o.extraOptions, spec.launcherOptions);
  const mpiexec =
    o.mpiexecStyle === 'openmpi'
      ? opts(
          o.mpiexec,
          `-n ${spec.numRanks}`,
          `--map-by ppr:${spec.ranksPerNode}:node`,
          `--host ${nodes.map((h) => `${h}:${spec.ranksPerNode}`).join(',')}`,
          extra,
        )
      : opts(o.mpiexec, `-n ${spec.numRanks}`, `-ppn ${spec.ranksPerNode}`, `-hosts ${hosts}`, extra);
  return {
    mpiexec,
    srun: opts(
      'srun',
      `-N ${spec.numNodes}`,
      `-n ${spec.numRanks}`,
      `--ntasks-per-node=${spec.ranksPerNode}`,
      `--nodelist=${hosts}`,
      extra,
    ),
    aprun: opts('aprun', `-n ${spec.numRanks}`, `-N ${spec.ranksPerNode}`, `-node-list=${hosts}`, extra),
  };
}

/** The environment of one MPI task (Parsl's names). */
export function mpiTaskEnv(
  o: PrefixOptions,
  spec: ResolvedMPISpec,
  nodes: readonly string[],
): Record<string, string> {
  const p = mpiPrefixes(o, spec, nodes);
  return {
    PARSL_MPI_PREFIX: p[o.launcher],
    PARSL_MPIEXEC_PREFIX: p.mpiexec,
    PARSL_SRUN_PREFIX: p.srun,
    PARSL_APRUN_PREFIX: p.aprun,
    PARSL_NUM_NODES: String(spec.numNodes),
    PARSL_RANKS_PER_NODE: String(spec.ranksPerNode),
    PARSL_NUM_RANKS: String(spec.numRanks),
    MPI_NODELIST: nodes.join(','),
  };
}
