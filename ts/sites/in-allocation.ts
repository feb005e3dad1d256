/**
 * The `in-allocation` site check's job: the example of `examples/in-allocation/` (one batch job whose MPI launcher
 * starts `parsl-ts run workflow.mjs` on every rank; rank 0 runs the workflow, the others its tasks) rendered for a
 * site. The site's ExtremeScale provider gives the scheduler directives (account, partition/queue, walltime, worker
 * init) and its rank launcher (srun, mpiexec, PALS mpiexec, aprun, jsrun), so the job is what a user of that
 * site would submit. Each rank reports its exit status on a line of its own, so the check can tell that all exited.
 */
import { fileURLToPath } from 'node:url';
import type { Config } from '../config.js';
import { ExtremeScaleExecutor } from '../executors/exex/executor.js';
import { ClusterProvider } from '../providers/cluster.js';
import type { SiteFacts } from './site.js';

/** Tasks the example workflow runs: a few per worker rank, a fraction of a second of work in all. */
export const IN_ALLOCATION_TASKS = 24;

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const WORKFLOW = fileURLToPath(new URL('../../examples/in-allocation/workflow.mjs', import.meta.url));

export interface InAllocationJob {
  readonly provider: ClusterProvider;
  /** What every rank runs (the provider's launcher starts it on each rank, or the executor's launcher prefix). */
  readonly command: string;
  readonly ranksPerNode: number;
  readonly ranks: number;
  readonly launcher: string;
}

/** The job for `config` of the site, or why the check does not apply there. */
export function inAllocationJob(facts: SiteFacts, config: Config): InAllocationJob | string {
  if (facts.mpi === null) return `not applicable: ${facts.name} has no MPI`;
  const ex = config.executors.find((e): e is ExtremeScaleExecutor => e instanceof ExtremeScaleExecutor);
  const provider = ex?.provider;
  if (!ex || !(provider instanceof ClusterProvider))
    return `not applicable: ${facts.name}'s config has no batch-scheduled MPI rank launcher (ExtremeScale block)`;
  const ranks = ex.ranksPerBlock;
  const flavor = ex.mpi ? `PARSL_MPI_FLAVOR=${ex.mpi} ` : '';
  // One line of sh, so it runs the same under a launcher's command file and after a launcher prefix. The rank
  // comes from whichever MPI started it (Slurm's step rank last: it is also set, to 0, around an mpiexec).
  const perRank =
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion, for each rank's shell
    'r=${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-${PMIX_RANK:-${SLURM_PROCID:-unknown}}}}; ' +
    `${flavor}"${process.execPath}" "${CLI}" run "${WORKFLOW}" ${IN_ALLOCATION_TASKS}; c=$?; ` +
    `echo "in-allocation: rank $r of ${ranks} exited $c"; exit $c`;
  const command = `bash -c '${perRank}'`;
  const prefix = ex.mpiLauncher?.replaceAll('{ranks}', String(ranks));
  return {
    provider,
    command: prefix ? `${prefix} ${command}` : command,
    ranksPerNode: ex.ranksPerNode,
    ranks,
    launcher: prefix ? (prefix.split(' ')[0] ?? prefix) : provider.launcher.constructor.name,
  };
}

/** What the job's output says, or what is wrong with it (the output's tail is in the message). */
export function checkInAllocationOutput(text: string, ranks: number): string {
  const tail = () => `; the job printed: ${text.trim().slice(-800) || '(nothing)'}`;
  const result = /pi ≈ (\d+\.\d+) from (\d+) tasks on (\d+) of (\d+) worker ranks/.exec(text);
  if (!result) throw new Error(`the workflow printed no result${tail()}`);
  const [, pi, tasks, used, workers] = result.map(Number) as number[];
  if (tasks !== IN_ALLOCATION_TASKS || workers !== ranks - 1)
    throw new Error(
      `expected ${IN_ALLOCATION_TASKS} tasks on ${ranks - 1} worker ranks, the workflow said ${result[0]}${tail()}`,
    );
  if (!(Math.abs((pi as number) - Math.PI) < 0.05))
    throw new Error(`the workflow's estimate ${pi} is not π${tail()}`);
  const exits = new Map<string, number>();
  for (const m of text.matchAll(/in-allocation: rank (\S+) of \d+ exited (\d+)/g))
    exits.set(m[1] as string, Number(m[2]));
  const expected = Array.from({ length: ranks }, (_, i) => String(i));
  const missing = expected.filter((r) => !exits.has(r));
  const failed = [...exits].filter(([, c]) => c !== 0).map(([r, c]) => `rank ${r} exited ${c}`);
  if (missing.length > 0 || failed.length > 0 || exits.size !== ranks)
    throw new Error(
      [
        missing.length ? `no exit from rank(s) ${missing.join(',')}` : '',
        ...failed,
        exits.size !== ranks ? `exits seen from ${[...exits.keys()].join(',')}` : '',
      ]
        .filter(Boolean)
        .join('; ') + tail(),
    );
  return `pi ≈ ${pi} from ${tasks} tasks on ${used} of ${workers} worker ranks; all ${ranks} ranks exited 0`;
}
