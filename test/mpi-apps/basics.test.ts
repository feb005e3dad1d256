import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as parsl from 'parsl-ts';
import {
  AppTimeout,
  InvalidResourceSpecification,
  LocalProvider,
  MPIExecutor,
  SimpleLauncher,
} from 'parsl-ts';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { FOR_EVER_MS, freshRunDir } from '../helpers/executors.js';
import { addonMissing, FLAVORS, OMPI_ENV } from '../helpers/mpi.js';
import { REPO } from '../helpers/paths.js';
import { expectNoProcessLeft, killAll } from '../helpers/processes.js';
import { skipOrFail } from '../helpers/skip.js';

for (const flavor of FLAVORS) {
  describe(`MPIExecutor with ${flavor}`, () => {
    const hello = join(REPO, 'build', 'mpi-tests', flavor, 'mpi_hello');
    const missing =
      addonMissing(flavor) ?? (existsSync(hello) ? null : `${hello} is not built: bash scripts/setup-mpi.sh`);
    let runDir = '';
    let dfk: Awaited<ReturnType<typeof parsl.load>> | null = null;
    let executor: MPIExecutor | null = null;

    beforeEach((ctx) => skipOrFail(ctx, missing));
    beforeAll(async () => {
      if (missing !== null) return; // each test says so
      runDir = freshRunDir(`mpi-apps-${flavor}`).runDir;
      const ex = new MPIExecutor({
        label: 'mpi-apps',
        address: '127.0.0.1',
        encrypted: false,
        mpiexec: `mpiexec.${flavor}`,
        mpiexecStyle: flavor,
        launcherOptions: flavor === 'openmpi' ? '--oversubscribe' : '',
        hosts: ['localhost'],
        slotsPerNode: 4,
        heartbeatPeriod: 0.5,
        heartbeatThreshold: 5,
        provider: new LocalProvider({
          launcher: new SimpleLauncher({ debug: false }),
          workerInit: OMPI_ENV,
          initBlocks: 1,
          statusPollingInterval: 200,
        }),
      });
      dfk = await parsl.load(new parsl.Config({ executors: [ex], runDir, strategy: 'none' }));
      executor = ex;
    });

    afterAll(async () => {
      if (runDir === '') return; // nothing was started
      try {
        await dfk?.cleanup();
        await expectNoProcessLeft(runDir);
      } finally {
        killAll(runDir);
      }
    });

    const mpiHello = parsl.bashApp(
      (exe: string, out: string, _o: { resourceSpecification: Record<string, unknown> }) =>
        `$PARSL_MPI_PREFIX ${exe} > ${out} && echo "$PARSL_NUM_RANKS $PARSL_RANKS_PER_NODE $PARSL_NUM_NODES $MPI_NODELIST" >> ${out}`,
    );

    test('mpi_hello as an MPI app with 2 and 4 ranks prints every rank', async () => {
      for (const ranks of [2, 4]) {
        const out = join(runDir, `hello-${ranks}.txt`);
        await mpiHello(hello, out, { resourceSpecification: { numNodes: 1, numRanks: ranks } });
        const text = readFileSync(out, 'utf8');
        const lines = text.trim().split('\n');
        // Ranks print in pieces, so lines of different ranks may interleave: match across the whole text.
        const seen = [...text.matchAll(/rank (\d+) of (\d+) on /g)];
        expect(seen.map((m) => Number(m[1])).sort()).toEqual(Array.from({ length: ranks }, (_, i) => i));
        expect(seen.every((m) => m[2] === String(ranks))).toBe(true);
        expect(lines.at(-1)).toBe(`${ranks} ${ranks} 1 localhost`);
      }
    });

    test('two 2-rank tasks share the 4-slot node at the same time', async () => {
      // Each task waits for the other's marker: they finish only if both run at once.
      const meet = parsl.bashApp(
        (me: string, other: string, _o: { resourceSpecification: Record<string, unknown> }) =>
          `touch ${me}; for i in $(seq 1 300); do [ -e ${other} ] && exit 0; sleep 0.1; done; exit 7`,
      );
      const a = join(runDir, 'meet-a');
      const b = join(runDir, 'meet-b');
      const spec = { resourceSpecification: { numNodes: 1, ranksPerNode: 2 } };
      await Promise.all([meet(a, b, spec), meet(b, a, spec)]);
    });

    test('whole-node tasks wait in the backlog and start in submission order', async () => {
      const log = join(runDir, 'order.txt');
      const step = parsl.bashApp(
        (i: number, file: string, _o: { resourceSpecification: Record<string, unknown> }) =>
          `echo start ${i} >> ${file}; sleep 0.2; echo end ${i} >> ${file}`,
      );
      const spec = { resourceSpecification: { numNodes: 1, ranksPerNode: 4 } };
      // One block: whole-node tasks on two blocks may rightly overlap.
      expect(executor!.statuses().size).toBe(1);
      await Promise.all([0, 1, 2, 3].map((i) => step(i, log, spec)));
      expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(
        [0, 1, 2, 3].flatMap((i) => [`start ${i}`, `end ${i}`]),
      );
    });

    test('bad resource specifications fail at once with InvalidResourceSpecification', async () => {
      const noop = parsl.bashApp((_o: { resourceSpecification: Record<string, unknown> }) => 'true');
      for (const spec of [
        {},
        { numRanks: 3 },
        { numNodes: 1, ranksPerNode: 2, numRanks: 3 },
        { numNodes: 2, ranksPerNode: 1 },
        { numNodes: 1, numRanks: 8 },
      ]) {
        await expect(noop({ resourceSpecification: spec })).rejects.toBeInstanceOf(
          InvalidResourceSpecification,
        );
      }
    });

    test('a JS app past its walltime fails with AppTimeout, stopped in its task process or by the pool; the pool serves on', async () => {
      const spec = { resourceSpecification: { numNodes: 1, numRanks: 1 } };
      const spin = parsl.app(function spinFor(ms: number, _kw: parsl.AppKwargs) {
        const end = Date.now() + ms;
        while (Date.now() < end);
        return 'done';
      });
      // Blocked inside a native call, where V8 cannot interrupt it: the pool kills the task's process group.
      const blocked = parsl.app(function blockedInNative(_kw: parsl.AppKwargs) {
        require('node:child_process').execSync('sleep 3600');
        return 'too late';
      });
      // Neither ends on its own within the test's time (a year of spinning, an hour of sleep): any answer proves
      // the walltime, or the pool's backstop, stopped it.
      const spun = await spin(FOR_EVER_MS, { ...spec, walltime: 1 }).exception();
      expect(spun).toBeInstanceOf(AppTimeout);
      expect(spun!.message).toBe('app spinFor exceeded its walltime of 1 s');
      const stuck = await blocked({ ...spec, walltime: 0.5 }).exception();
      expect(stuck).toBeInstanceOf(AppTimeout);
      expect(stuck!.message).toBe('app blockedInNative exceeded its walltime of 0.5 s');
      expect(await spin(1, spec)).toBe('done');
    });
  });
}
