// The in-allocation executor (MPICommExecutor) end to end: workflows started by mpiexec with 3–4 ranks under
// Open MPI and MPICH, through `parsl-ts run` and plain node. The workflow (fixtures/workflow.mjs) prints CHECK
// lines from rank 0 and `TOP <pid>` from every process that runs its top-level code.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  addonMissing,
  cleanupSessions,
  expectCheck,
  explainLaunch,
  FLAVORS,
  type Flavor,
  type Launch,
  mpiexec,
} from '../helpers/mpi.js';
import { REPO, tempDir } from '../helpers/paths.js';
import { expectLogErrors } from '../helpers/run-logs.js';
import { skipOrFail } from '../helpers/skip.js';

afterAll(cleanupSessions);

const CLI = 'dist/cli/main.js';
const WORKFLOW = 'test/in-allocation/fixtures/workflow.mjs';

/** Exit code `code`, in time, and no process of the launch left. */
function expectEnd(run: Launch | undefined, code: number): void {
  expect(run).toBeDefined();
  if (!run) return;
  expect(run.timedOut, explainLaunch(run)).toBe(false);
  expect(run.code, explainLaunch(run)).toBe(code);
  expect(run.leftovers, 'processes left behind').toEqual([]);
}

/** Rank and pid of the rank that ended itself in a task (its `dying` check). */
function dyingRank(run: Launch): { rank: number; pid: number } | undefined {
  const c = run.checks.get('dying');
  expect(c, explainLaunch(run)).toBeDefined();
  return c && { rank: Number(c.rank), pid: Number(c.pid) };
}

function topLevelRuns(run: Launch | undefined): number {
  return run?.stdout.match(/^TOP \d+$/gm)?.length ?? 0;
}

for (const flavor of FLAVORS) {
  const missing = addonMissing(flavor);
  const other: Flavor = flavor === 'openmpi' ? 'mpich' : 'openmpi';

  describe(`MPICommExecutor under ${flavor}`, () => {
    beforeEach((ctx) => skipOrFail(ctx, missing));
    const scratch = tempDir(`in-allocation-${flavor}`);
    afterAll(() => scratch.remove());
    const dir = (name: string): string => join(scratch.path, name);

    // pollMicros > 0: rank 0 and the worker ranks also take messages from their JS thread (Communicator.pollFor).
    describe.each([0, 300])('a workflow under `parsl-ts run` with 4 ranks, pollMicros %i', (pollMicros) => {
      let run: Launch | undefined;
      beforeAll(async () => {
        if (missing === null)
          run = await mpiexec(flavor, 4, [
            'node',
            CLI,
            'run',
            WORKFLOW,
            'semantics',
            dir(`semantics-${pollMicros}`),
            String(pollMicros),
          ]);
      }, 90_000);

      it('runs the top-level code on rank 0 only', () =>
        expect(topLevelRuns(run), run && explainLaunch(run)).toBe(1));
      it('runs tasks on all 3 worker ranks and none on rank 0', () => expectCheck(run, 'every-rank'));
      it("returns an app's exception as it was thrown", () => expectCheck(run, 'error'));
      it('fails a task at its walltime with AppTimeout, and the rank serves on', () =>
        expectCheck(run, 'walltime'));
      it('retries a failing task (Config.retries)', () => expectCheck(run, 'retry'));
      it('memoizes (cache: true): the second call does not run', () => expectCheck(run, 'memo'));
      it('sits beside a ThreadPoolExecutor in one Config', () => expectCheck(run, 'beside'));
      it('runs bash apps on the worker ranks', () => expectCheck(run, 'bash'));
      it('fails a task whose argument cannot be sent with SerializationError', () =>
        expectCheck(run, 'unsendable'));
      it('ends every rank with status 0', () => expectEnd(run, 0));
    });

    it("with plain node and `import 'parsl-ts/in-allocation'` first, ranks 1..N-1 never run the top level", async () => {
      const run = await mpiexec(flavor, 3, [
        'node',
        'test/in-allocation/fixtures/entry-first.mjs',
        'spread',
        dir('entry'),
      ]);
      expectCheck(run, 'spread');
      expect(topLevelRuns(run), explainLaunch(run)).toBe(1);
      expectEnd(run, 0);
    }, 60_000);

    it('with plain node alone, every rank runs the top level and ranks 1..N-1 become workers at load()', async () => {
      const run = await mpiexec(flavor, 3, ['node', WORKFLOW, 'spread', dir('plain')]);
      expectCheck(run, 'spread');
      expect(topLevelRuns(run), explainLaunch(run)).toBe(3);
      expectEnd(run, 0);
    }, 60_000);

    it('ends every rank when the workflow never uses them', async () => {
      const run = await mpiexec(flavor, 3, ['node', CLI, 'run', WORKFLOW, 'unused', dir('unused')]);
      expectCheck(run, 'unused');
      expectEnd(run, 0);
    }, 60_000);

    it('rank 0 exiting without cleanup (process.exit before load) ends every rank with its status', async () => {
      const run = await mpiexec(flavor, 3, ['node', CLI, 'run', WORKFLOW, 'exit-early', dir('exit-early')]);
      expect(topLevelRuns(run), explainLaunch(run)).toBe(1);
      expectEnd(run, 0);
    }, 60_000);

    it('a workflow that throws at its top level (plain node, entry import) ends every rank', async () => {
      const run = await mpiexec(flavor, 3, [
        'node',
        'test/in-allocation/fixtures/entry-first.mjs',
        'throw',
        dir('throw'),
      ]);
      // Known limit: the MPI_Abort at exit may cut off Node's report of the error (see STATUS.md).
      expect(run.timedOut, explainLaunch(run)).toBe(false);
      expect(run.code, explainLaunch(run)).not.toBe(0);
      expect(run.leftovers).toEqual([]);
    }, 60_000);

    it('a rank that exits inside a task ends the job, naming the rank', async () => {
      const run = await mpiexec(flavor, 4, ['node', CLI, 'run', WORKFLOW, 'exit', dir('exit')]);
      const dying = dyingRank(run);
      // Under MPICH the launcher may end every rank before the dying rank's own line reaches stderr (a known limit,
      // as for SIGKILL below): the job still ends, with a failure status and nothing left.
      if (flavor === 'openmpi') {
        expect(run.stderr).toContain(`MPI rank ${dying?.rank} of 4 (pid ${dying?.pid}`);
        expectEnd(run, 3);
      } else {
        expect(run.timedOut, explainLaunch(run)).toBe(false);
        expect(run.code, explainLaunch(run)).not.toBe(0);
        expect(run.leftovers).toEqual([]);
      }
    }, 60_000);

    it('a rank killed with SIGKILL ends the job; its rank or pid is named', async () => {
      const run = await mpiexec(flavor, 4, ['node', CLI, 'run', WORKFLOW, 'kill', dir('kill')]);
      const dying = dyingRank(run);
      // Open MPI's launcher sends rank 0 SIGTERM, and rank 0 names the rank; the launcher's own report names it
      // too, and under load may be all that is printed (rank 0 can be ended before its handler runs). MPICH's
      // launcher kills every rank at once and reports the first bad termination it noticed, not always the dead
      // rank's (a known limit).
      if (flavor === 'openmpi') {
        const byRank0 = `MPI rank ${dying?.rank} (pid ${dying?.pid}) died`;
        const byLauncher = new RegExp(
          `process rank ${dying?.rank} with PID \\d+ on node \\S+ exited on signal 9`,
        );
        const output = `${run.stdout}\n${run.stderr}`;
        expect(output.includes(byRank0) || byLauncher.test(output), explainLaunch(run)).toBe(true);
      } else expect(run.stdout).toMatch(/BAD TERMINATION OF ONE OF YOUR APPLICATION PROCESSES/);
      expect(run.timedOut, explainLaunch(run)).toBe(false);
      expect(run.code, explainLaunch(run)).not.toBe(0);
      expect(run.leftovers).toEqual([]);
    }, 60_000);

    it('a hung rank: exactly its task fails with WorkerLost and is retried; the job ends with MPI_Abort', async () => {
      const runDir = dir('hang');
      const run = await mpiexec(flavor, 4, ['node', CLI, 'run', WORKFLOW, 'hang', runDir], {
        timeoutMs: 90_000,
      });
      expectLogErrors(runDir, /hung; the MPI job ends with MPI_Abort at exit/);
      expectCheck(run, 'hung-retried');
      expectCheck(run, 'hung-named');
      expectCheck(run, 'hung-avoided');
      expect(existsSync(join(runDir, 'done')), 'the program ran to its end').toBe(true);
      expectEnd(run, 5);
    }, 120_000);

    // A rank busy in a synchronous task when the executor shuts down reaches MPI_Finalize late; so does a rank
    // starved of CPU (256 ranks on 2 cores ended with status 4 after finishing their work, when the wait was 5 s).
    it('waits in MPI_Finalize for a rank busy at shutdown, up to hungRankThreshold, and ends with 0', async () => {
      const run = await mpiexec(
        flavor,
        4,
        ['node', CLI, 'run', WORKFLOW, 'late', dir('late-ok'), '7', '10'],
        {
          timeoutMs: 60_000,
        },
      );
      expectCheck(run, 'late-failed');
      expect(run.stderr, explainLaunch(run)).not.toMatch(/has not answered|MPI_Finalize did not complete/);
      expectEnd(run, 0);
    }, 90_000);

    it('a rank that does not reach MPI_Finalize within hungRankThreshold: the job ends with status 4, saying why', async () => {
      const run = await mpiexec(
        flavor,
        4,
        ['node', CLI, 'run', WORKFLOW, 'late', dir('late-abort'), '20', '2'],
        {
          timeoutMs: 60_000,
        },
      );
      expectCheck(run, 'late-blocking');
      // Rank 0 waits in MPI_Finalize and says so (kByeTag): the blocked rank must not take that for a hung rank 0.
      expect(run.stderr, explainLaunch(run)).toMatch(
        /MPI rank \d of 4: MPI_Finalize did not complete within 5 s \(a rank of the job has not reached it/,
      );
      expect(run.stderr, explainLaunch(run)).not.toMatch(/has not answered/);
      expectEnd(run, 4);
    }, 90_000);

    it('one rank (mpiexec -n 1): a ConfigurationError saying so', async () => {
      const run = await mpiexec(flavor, 1, ['node', CLI, 'run', WORKFLOW, 'spread', dir('one')]);
      expect(run.stderr).toMatch(
        /ConfigurationError: MPICommExecutor 'mpi-comm': the MPI world has one rank/,
      );
      expectEnd(run, 1);
    }, 60_000);

    it(`the ${other} addon under ${flavor}'s mpiexec: the flavour mismatch error from rank 0 and the others`, async (ctx) => {
      skipOrFail(ctx, addonMissing(other));
      const run = await mpiexec(flavor, 3, ['node', CLI, 'run', WORKFLOW, 'spread', dir('mismatch')], {
        env: { PARSL_MPI_FLAVOR: other },
      });
      // Whichever rank MPI lets speak first says why: rank 0 throws MPIFlavorMismatchError, a worker rank writes its
      // line. Open MPI's launcher may end the job at the first rank that exits, before the others have spoken.
      expect(run.stderr, explainLaunch(run)).toMatch(
        /MPIFlavorMismatchError|MPI rank [12] of 3: MPI flavour mismatch/,
      );
      expect(run.code, explainLaunch(run)).not.toBe(0);
      expect(run.leftovers).toEqual([]);
    }, 60_000);
  });
}

describe('MPICommExecutor without mpiexec', () => {
  it('refuses with a ConfigurationError saying how to start the workflow', (ctx) => {
    skipOrFail(ctx, existsSync(join(REPO, CLI)) ? null : 'dist/ is not built: npm run build');
    const scratch = tempDir('in-allocation-alone');
    try {
      const r = spawnSync('node', [CLI, 'run', WORKFLOW, 'spread', scratch.path], {
        cwd: REPO,
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(r.stderr).toMatch(/this process was not started by mpiexec or srun/);
      expect(r.stderr).toMatch(/mpiexec -n N parsl-ts run workflow\.js/);
      expect(r.status).toBe(1);
    } finally {
      scratch.remove();
    }
  });
});
