// The in-allocation site check without a scheduler: which sites it applies to, the job it renders for each (the
// scheduler's directives and the site's rank launcher around `parsl-ts run` of the example workflow), and how it
// reads the job's output. The job itself runs in local.test.ts (real Slurm, both MPIs) and simulated.test.ts.
import { SITES, siteByName } from 'parsl-ts';
import { describe, expect, test } from 'vitest';
import {
  checkInAllocationOutput,
  dryRun,
  dryRunScripts,
  IN_ALLOCATION_TASKS,
  inAllocationJob,
} from '#internal';

/** What a good 3-rank run prints (srun -l puts the rank before each line). */
function output(
  exits: readonly [string, number][],
  result = `pi ≈ 3.14159 from ${IN_ALLOCATION_TASKS} tasks on 2 of 2 worker ranks`,
) {
  return [`0: ${result}`, ...exits.map(([r, c]) => `${r}: in-allocation: rank ${r} of 3 exited ${c}`)].join(
    '\n',
  );
}
const ALL_EXITED: [string, number][] = [
  ['1', 0],
  ['0', 0],
  ['2', 0],
];

describe('the in-allocation check', () => {
  test('applies to every site with MPI and an MPI rank launcher; the others say why not', () => {
    for (const site of SITES) {
      const f = site.facts;
      if (f.status === 'deferred' || f.status === 'unsupported') continue;
      const job = inAllocationJob(f, site.config({ account: 'a', host: 'h', hosts: ['h'] }));
      if (f.mpi === null) expect(job, f.name).toBe(`not applicable: ${f.name} has no MPI`);
      else expect(typeof job, `${f.name}: ${String(job)}`).toBe('object');
    }
    // MPI at the site but no ExtremeScale block in its config: nothing could start the ranks.
    const osg = siteByName('osg');
    expect(inAllocationJob({ ...osg.facts, mpi: 'MPICH' }, osg.config({}))).toBe(
      "not applicable: osg's config has no batch-scheduled MPI rank launcher (ExtremeScale block)",
    );
  });

  test("--dry-run prints the job with the site's directives, launcher and ranks; no-MPI sites say not applicable", async () => {
    const polaris = await dryRun(siteByName('polaris'), {
      options: { account: 'proj', queue: 'prod' },
      file: null,
    });
    const job = polaris.slice(
      polaris.indexOf("# ---- polaris: the in-allocation check's job (PBSProProvider) ----"),
    );
    expect(job).toMatch(/^# submit command: qsub -q 'prod' -A 'proj' /m);
    expect(job).toMatch(/^#PBS -l filesystems=home:eagle$/m);
    expect(job).toMatch(/^mpiexec --cpu-bind none --depth=1 -n \$WORKERCOUNT .*"\$CMD_FILE"$/m);
    expect(job).toMatch(/ run ".*examples\/in-allocation\/workflow\.mjs" 24; .*rank \$r of 32 exited \$c/);

    const [perlmutter] = (await dryRunScripts(siteByName('perlmutter'), { account: 'm1' })).filter(
      (s) => s.executor === 'in-allocation',
    );
    expect(perlmutter?.submitCommand).toMatch(/^sbatch /);
    const script = perlmutter?.files[0]?.text ?? '';
    expect(script).toMatch(/^#SBATCH --account=m1$/m);
    expect(script).toMatch(/^srun --ntasks \d+ -l --cpu-bind=cores bash "\$CMD_FILE"$/m);

    const theta = await dryRun(siteByName('theta'), { options: { account: 't' }, file: null });
    expect(theta.slice(theta.indexOf("theta: the in-allocation check's job"))).toMatch(
      /^aprun -n 64 -N 64 -d 1 \/bin\/bash "\$CMD_FILE" &$/m,
    );

    const adhoc = await dryRun(siteByName('adhoc'), { options: { hosts: ['h'] }, file: null });
    expect(adhoc).toMatch(/^# ---- adhoc: in-allocation check: not applicable: adhoc has no MPI$/m);
  });

  test("reads the workflow's result and every rank's exit", () => {
    expect(checkInAllocationOutput(output(ALL_EXITED), 3)).toBe(
      `pi ≈ 3.14159 from ${IN_ALLOCATION_TASKS} tasks on 2 of 2 worker ranks; all 3 ranks exited 0`,
    );
    expect(() => checkInAllocationOutput(output(ALL_EXITED.slice(0, 2)), 3)).toThrow(
      /^no exit from rank\(s\) 2; exits seen from 1,0; the job printed: /,
    );
    expect(() => checkInAllocationOutput(output([...ALL_EXITED.slice(0, 2), ['2', 1]]), 3)).toThrow(
      /^rank 2 exited 1; the job printed: /,
    );
    expect(() => checkInAllocationOutput(output(ALL_EXITED, 'MPICommExecutor: no MPI world'), 3)).toThrow(
      /^the workflow printed no result; the job printed: .*no MPI world/s,
    );
    expect(() =>
      checkInAllocationOutput(
        output(ALL_EXITED, `pi ≈ 3.14159 from ${IN_ALLOCATION_TASKS} tasks on 1 of 1 worker ranks`),
        3,
      ),
    ).toThrow(/^expected 24 tasks on 2 worker ranks, the workflow said/);
    expect(() =>
      checkInAllocationOutput(
        output(ALL_EXITED, `pi ≈ 2.50000 from ${IN_ALLOCATION_TASKS} tasks on 2 of 2 worker ranks`),
        3,
      ),
    ).toThrow(/estimate 2.5 is not π/);
  });
});
