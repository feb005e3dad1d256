// Integration tests of the MPI addon under real launchers: every scenario runs with 4 ranks under
// both Open MPI and MPICH. The programs live in mpi-tests/node/ and print CHECK lines from rank 0.
import { spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
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
import { skipOrFail } from '../helpers/skip.js';

afterAll(cleanupSessions);

function expectCleanExit(run: Launch | undefined): void {
  expect(run).toBeDefined();
  if (!run) return;
  expect(run.timedOut, explainLaunch(run)).toBe(false);
  expect(run.code, explainLaunch(run)).toBe(0);
  expect(run.leftovers, 'processes left behind').toEqual([]);
}

for (const flavor of FLAVORS) {
  const missing = addonMissing(flavor);
  const other: Flavor = flavor === 'openmpi' ? 'mpich' : 'openmpi';

  describe(`MPI with ${flavor}`, () => {
    beforeEach((ctx) => skipOrFail(ctx, missing));

    describe('traffic between 4 ranks', () => {
      let run: Launch | undefined;
      beforeAll(async () => {
        if (missing === null) run = await mpiexec(flavor, 4, ['node', 'mpi-tests/node/traffic.mjs']);
      }, 90_000);

      it('initialises 4 ranks of the right flavour', () => expectCheck(run, 'init'));
      it('ping-pongs small messages', () => expectCheck(run, 'pingpong-small'));
      it('ping-pongs 1 MiB messages', () => expectCheck(run, 'pingpong-1MiB'));
      it('fans 100,000 messages out from rank 0 and back in, with backpressure', () =>
        expectCheck(run, 'fanout'));
      it('delivers in order per (source, tag), large messages included', () => expectCheck(run, 'ordering'));
      it('delivers zero-length messages', () => expectCheck(run, 'empty'));
      it('refuses send() after finalize()', () => expectCheck(run, 'finalized'));
      it('finalizes and lets every rank exit on its own, leaving no process behind', () => {
        expectCleanExit(run);
        expect(run?.stdout.match(/^rank \d done$/gm)?.length).toBe(4);
      });
    });

    it('delivers the same traffic with doorbells off (every wake-up left to the sleep timeout)', async () => {
      const run = await mpiexec(flavor, 4, ['node', 'mpi-tests/node/traffic.mjs', 'no-doorbells'], {
        timeoutMs: 120_000,
      });
      for (const check of ['init', 'pingpong-small', 'pingpong-1MiB', 'fanout', 'ordering', 'empty'])
        expectCheck(run, check);
      expectCleanExit(run);
    }, 150_000);

    it('ends every rank promptly when one rank aborts', async () => {
      const run = await mpiexec(flavor, 4, ['node', 'mpi-tests/node/lifecycle.mjs', 'abort'], {
        timeoutMs: 30_000,
      });
      expect(run.timedOut, explainLaunch(run)).toBe(false);
      expect(run.code, explainLaunch(run)).not.toBe(0);
      expect(run.stdout).not.toMatch(/was not aborted/);
      expect(run.leftovers).toEqual([]);
    });

    it('reports a stopped rank as silent but not one whose JS thread is busy; abort takes the stopped rank', async () => {
      const run = await mpiexec(flavor, 4, ['node', 'mpi-tests/node/liveness.mjs', 'peers'], {
        timeoutMs: 60_000,
      });
      expectCheck(run, 'stopped-rank-silent');
      expectCheck(run, 'busy-rank-answers');
      expectCheck(run, 'running-rank-answers');
      expect(run.timedOut, explainLaunch(run)).toBe(false);
      expect(run.code, explainLaunch(run)).not.toBe(0);
      expect(run.leftovers).toEqual([]);
    });

    it('aborts from the progress thread when a watched parent stops, even while JS is busy', async () => {
      const run = await mpiexec(flavor, 4, ['node', 'mpi-tests/node/liveness.mjs', 'parent'], {
        timeoutMs: 30_000,
      });
      expect(run.timedOut, explainLaunch(run)).toBe(false);
      // Either sign proves a watcher aborted: its abort code (MPICH's mpiexec returns it; Open MPI's returns 1)
      // or its message (MPICH may tear the job down before forwarding the aborting rank's stderr).
      const aborted =
        run.code === 6 || /rank 0 has not answered for \d+ ms; aborting the MPI job/.test(run.stderr);
      expect(aborted, explainLaunch(run)).toBe(true);
      expect(run.leftovers).toEqual([]);
    });

    it('finalizes at process.exit() when the program forgot to', async () => {
      expectCleanExit(await mpiexec(flavor, 4, ['node', 'mpi-tests/node/lifecycle.mjs', 'exit']));
    });

    it('finalizes from the environment cleanup hook when an unref()ed program just ends', async () => {
      expectCleanExit(await mpiexec(flavor, 4, ['node', 'mpi-tests/node/lifecycle.mjs', 'unref']));
    });

    it('runs inside a worker thread and finalizes when the worker is terminated', async () => {
      const run = await mpiexec(flavor, 4, ['node', 'mpi-tests/node/lifecycle.mjs', 'worker']);
      expectCheck(run, 'worker');
      expectCleanExit(run);
    });

    it('refuses to initialise MPI twice in one process', async () => {
      const run = await mpiexec(flavor, 4, ['node', 'mpi-tests/node/lifecycle.mjs', 'reinit']);
      expectCheck(run, 'reinit');
      expectCleanExit(run);
    });

    it(`detects the ${other} addon under mpiexec.${flavor} with a clear error`, async (ctx) => {
      skipOrFail(ctx, addonMissing(other));
      const run = await mpiexec(flavor, 2, ['node', 'mpi-tests/node/flavor.mjs'], {
        env: { PARSL_MPI_FLAVOR: other },
        timeoutMs: 30_000,
      });
      expect(run.stdout, explainLaunch(run)).toMatch(
        /ERROR MPIFlavorMismatchError: .*promised 2 ranks.*sees a world of 1/,
      );
      expect(run.stdout).toMatch(new RegExp(`mpiexec\\.${other}|PARSL_MPI_FLAVOR=${flavor}`));
      expect(run.code).not.toBe(0);
      expect(run.leftovers).toEqual([]);
    });

    it('builds and runs mpi_hello with make (MPICC honoured)', () => {
      const { path: out, remove } = tempDir(`mpi-hello-${flavor}`);
      try {
        const make = (target: string, extra: string[]) =>
          spawnSync(
            'make',
            ['-s', '-C', join(REPO, 'mpi-tests'), target, `OUT=${out}`, `MPICC=mpicc.${flavor}`, ...extra],
            {
              encoding: 'utf8',
              timeout: 60_000,
              env: { ...process.env, OMPI_MCA_orte_tmpdir_base: tmpdir() },
            },
          );
        const build = make('all', []);
        expect(build.status, build.stderr).toBe(0);
        const run = make('run', [`MPIEXEC=mpiexec.${flavor}`, 'NP=4', 'ARGS=alpha beta']);
        expect(run.status, run.stderr).toBe(0);
        // Launchers forward each rank's output in chunks, so lines of different ranks can run
        // together: match the records, not the lines.
        const records = [...run.stdout.matchAll(/rank (\d+) of (\d+) on (\S+) argv: (\S+) alpha beta/g)];
        expect(records.map((m) => m[1]).sort(), run.stdout).toEqual(['0', '1', '2', '3']);
        for (const m of records) expect([m[2], m[3], m[4]]).toEqual(['4', hostname(), `${out}/mpi_hello`]);
      } finally {
        remove();
      }
    });
  });
}
