// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are bash, where ${VAR} is meant literally
import { execFile } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  AprunLauncher,
  BadLauncher,
  GnuParallelLauncher,
  JsrunLauncher,
  type Launcher,
  MpiExecLauncher,
  MpiRunLauncher,
  SimpleLauncher,
  SingleNodeLauncher,
  SrunLauncher,
  SrunMPILauncher,
  WrappedLauncher,
} from 'parsl-ts';
import { describe, expect, test } from 'vitest';
import { buildMpiHello, mpiMissing } from '../helpers/mpi.js';
import { REPO, tempDir } from '../helpers/paths.js';
import { skipOrFail } from '../helpers/skip.js';

const run = promisify(execFile);
const STANDIN_BIN = join(REPO, 'site-tests/stand-ins/launch/bin');
// Each task leaves a file named by its rank variable, so the test counts what really ran.
const TASK =
  'touch "$OUT_DIR/task-${SLURM_PROCID:-${ALPS_APP_PE:-${JSM_NAMESPACE_RANK:-${PARALLEL_SEQ:-${OMPI_COMM_WORLD_RANK:-${PMI_RANK:-$BASHPID}}}}}}"';

const ALL: [string, Launcher][] = [
  ['SimpleLauncher', new SimpleLauncher()],
  ['SingleNodeLauncher', new SingleNodeLauncher()],
  ['SrunLauncher', new SrunLauncher({ overrides: '--cpu-bind=none' })],
  ['SrunMPILauncher', new SrunMPILauncher()],
  ['AprunLauncher', new AprunLauncher()],
  ['MpiExecLauncher', new MpiExecLauncher()],
  ['MpiRunLauncher', new MpiRunLauncher()],
  ['JsrunLauncher', new JsrunLauncher()],
  ['GnuParallelLauncher', new GnuParallelLauncher()],
  ['WrappedLauncher', new WrappedLauncher({ prepend: 'time' })],
];

/** Runs a fragment the way a provider does: inside a script that exports JOBNAME and SCRIPT_DIR. */
async function runFragment(fragment: string, dir: string, env: Record<string, string> = {}) {
  const script = join(dir, 'job.sh');
  await writeFile(script, `#!/bin/bash\nexport JOBNAME=testjob\nexport SCRIPT_DIR=${dir}\n${fragment}\n`);
  return run('bash', [script], {
    cwd: dir,
    env: { ...process.env, PATH: `${STANDIN_BIN}:${process.env.PATH}`, OUT_DIR: dir, ...env },
    timeout: 60_000,
  });
}

const taskFiles = async (dir: string) => (await readdir(dir)).filter((f) => f.startsWith('task-')).sort();

describe('launcher fragments', () => {
  test.each(ALL)('%s output passes bash -n', async (_name, launcher) => {
    const fragment = launcher.apply('echo "$HOME" > /dev/null; exit 0', 2, 3);
    await expect(run('bash', ['-n', '-c', fragment])).resolves.toBeDefined();
  });

  test.each(ALL)('%s rejects counts below 1 with BadLauncher', (_name, launcher) => {
    expect(() => launcher.apply('true', 0, 1)).toThrow(BadLauncher);
  });

  test('SimpleLauncher and WrappedLauncher return the command itself', () => {
    expect(new SimpleLauncher().apply('worker --x', 1, 1)).toBe('worker --x');
    expect(new WrappedLauncher({ prepend: 'singularity exec img.sif' }).apply('worker', 1, 1)).toBe(
      'singularity exec img.sif worker',
    );
  });

  test('parallel launchers put counts and overrides on their command lines', () => {
    expect(new SrunLauncher({ overrides: '--mpi=pmix' }).apply('w', 2, 3)).toContain(
      'srun --ntasks 6 -l --mpi=pmix bash "$CMD_FILE"',
    );
    expect(new AprunLauncher({ overrides: '-cc none' }).apply('w', 2, 3)).toContain(
      'aprun -n 6 -N 2 -cc none /bin/bash "$CMD_FILE" &',
    );
    expect(new JsrunLauncher().apply('w', 4, 2)).toContain('jsrun -n 8 -r 4  /bin/bash "$CMD_FILE" &');
    expect(new MpiExecLauncher({ overrides: '--oversubscribe' }).apply('w', 2, 2)).toContain(
      'mpiexec --bind-to none --oversubscribe -n $WORKERCOUNT ${HOSTFILE:+--hostfile "$HOSTFILE"} /bin/sh "$CMD_FILE"',
    );
    expect(new MpiRunLauncher({ bashLocation: '/usr/bin/bash' }).apply('w', 1, 3)).toContain(
      'mpirun -np $WORKERCOUNT  /usr/bin/bash "$CMD_FILE"',
    );
    expect(new GnuParallelLauncher().apply('w', 3, 1)).toContain('--jobs 3 < "$PFILE"');
  });

  test('debug: false drops the echo lines but keeps the work', () => {
    const quiet = new SrunLauncher({ debug: false }).apply('w', 1, 1);
    expect(quiet).toContain('[[ "0" == "1" ]]');
    expect(new SrunLauncher().apply('w', 1, 1)).toContain('[[ "1" == "1" ]]');
  });

  test('the command file is written verbatim: $VARS expand per task, not at write time', () => {
    const fragment = new SrunLauncher().apply('echo $SLURM_PROCID', 1, 1);
    expect(fragment).toContain('cat << \'SLURM_EOF\' > "$CMD_FILE"\necho $SLURM_PROCID\nSLURM_EOF');
  });
});

describe('launchers really start tasks (stand-in srun/aprun/jsrun/parallel, real mpiexec)', () => {
  // The last field names what a case needs that this machine may lack (null: nothing).
  const cases: [string, Launcher, number, number, Record<string, string>, string | null][] = [
    ['SingleNodeLauncher', new SingleNodeLauncher(), 3, 1, {}, null],
    [
      'SrunLauncher',
      new SrunLauncher(),
      2,
      2,
      { SLURM_CPUS_ON_NODE: '2', SLURM_JOB_NUM_NODES: '2', SLURM_JOB_NAME: 'testjob' },
      null,
    ],
    ['AprunLauncher', new AprunLauncher(), 2, 2, {}, null],
    ['JsrunLauncher', new JsrunLauncher(), 3, 1, {}, null],
    ['GnuParallelLauncher', new GnuParallelLauncher(), 2, 1, {}, null],
    [
      'MpiExecLauncher (Open MPI mpiexec)',
      new MpiExecLauncher({ overrides: '--oversubscribe' }),
      3,
      1,
      { OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' },
      mpiMissing('openmpi'),
    ],
    [
      'MpiRunLauncher (Open MPI mpirun)',
      new MpiRunLauncher({ overrides: '--oversubscribe' }),
      2,
      1,
      { OMPI_ALLOW_RUN_AS_ROOT: '1', OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1' },
      mpiMissing('openmpi'),
    ],
  ];

  test.for(cases)(
    '%s runs tasksPerNode × nodesPerBlock copies',
    async ([, launcher, tpn, npb, env, needs], ctx) => {
      skipOrFail(ctx, needs);
      const dir = tempDir('launch').path;
      await runFragment(launcher.apply(TASK, tpn, npb), dir, env);
      expect(await taskFiles(dir)).toHaveLength(tpn * npb);
    },
  );

  test('SrunMPILauncher starts one srun step per task block', async () => {
    const dir = tempDir('srunmpi').path;
    const log = join(dir, 'srun.log');
    await runFragment(new SrunMPILauncher().apply(`touch "$OUT_DIR/task-$RANDOM$RANDOM"`, 2, 1), dir, {
      SLURM_CPUS_ON_NODE: '4',
      SLURM_JOB_NUM_NODES: '1',
      SLURM_JOB_NAME: 'testjob',
      STANDIN_LOG: log,
    });
    // 2 blocks > 1 node: each step gets NODES*CORES/TASKBLOCKS = 2 tasks → 4 files.
    expect(await taskFiles(dir)).toHaveLength(4);
  });

  test('SingleNodeLauncher exits non-zero only when all copies fail (failOnAny: false)', async () => {
    const dir = tempDir('fail').path;
    const someFail = 'exit $(( $1 == 1 ? 3 : 0 ))';
    await expect(runFragment(new SingleNodeLauncher().apply(someFail, 2, 1), dir)).resolves.toBeDefined();
    await expect(
      runFragment(new SingleNodeLauncher({ failOnAny: true }).apply(someFail, 2, 1), dir),
    ).rejects.toThrow();
    await expect(runFragment(new SingleNodeLauncher().apply('exit 4', 2, 1), dir)).rejects.toThrow();
  });
});

describe('MpiExecLauncher with a real MPI hello', () => {
  test('mpiexec (Open MPI) starts 2 ranks of one MPI job', async (ctx) => {
    skipOrFail(ctx, mpiMissing('openmpi'));
    const dir = tempDir('mpihello').path;
    const hello = await buildMpiHello('openmpi', dir);
    const out = join(dir, 'ranks');
    await run('mkdir', ['-p', out]);
    const { stdout } = await runFragment(new MpiExecLauncher().apply(`${hello} ${out}`, 2, 1), dir, {
      OMPI_ALLOW_RUN_AS_ROOT: '1',
      OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: '1',
    });
    const files = (await readdir(out)).sort();
    expect(files.map((f) => f.split('-').slice(0, 4).join('-'))).toEqual(['rank-0-of-2', 'rank-1-of-2']);
    expect(stdout).toContain('Launching 2 tasks with mpiexec');
  });
});
