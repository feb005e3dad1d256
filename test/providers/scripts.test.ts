// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are bash, where ${VAR} is meant literally
/** Submit-script rendering, option validation and error classes (no scheduler needed). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConfigurationError,
  LocalChannel,
  LSFProvider,
  SchedulerMissingArgs,
  ScriptPathError,
  SimpleLauncher,
  SlurmProvider,
  SubmitException,
} from 'parsl-ts';
import { describe, expect, test } from 'vitest';
import { substitute, walltimeToMinutes, walltimeToSeconds } from '#internal';
import { tempDir } from '../helpers/paths.js';
import { renderSubmitScript } from '../helpers/submit-scripts.js';

async function renderSlurm(options: ConstructorParameters<typeof SlurmProvider>[0]): Promise<string> {
  const { jobId, text } = await renderSubmitScript(
    (c) => new SlurmProvider({ ...c, ...options }),
    'sbatch',
    'Submitted batch job 42',
  );
  expect(jobId).toBe('42');
  return text;
}

describe('walltime', () => {
  test('HH:MM:SS to seconds and whole minutes (rounded up, at least 1)', () => {
    expect(walltimeToSeconds('01:02:03')).toBe(3723);
    expect(walltimeToSeconds('48:00:00')).toBe(172800);
    expect(walltimeToMinutes('00:00:30')).toBe(1);
    expect(walltimeToMinutes('00:10:01')).toBe(11);
    expect(() => walltimeToSeconds('ten minutes')).toThrow(ConfigurationError);
  });
});

describe('template substitution', () => {
  test('fills ${keys} once, leaves $VARS of the launcher alone, names missing keys', () => {
    expect(substitute('a ${x} ${y}', { x: '$HOME ${y}', y: 2 }, 'p')).toBe('a $HOME ${y} 2');
    const err = (() => {
      try {
        substitute('${jobname} ${nodes} ${walltime}', { jobname: 'j' }, 'slurm');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SchedulerMissingArgs);
    expect((err as SchedulerMissingArgs).missingKeys).toEqual(['nodes', 'walltime']);
  });
});

describe('Slurm script', () => {
  test('directives in Parsl order, user schedulerOptions first, workerInit and JOBNAME before the launcher', async () => {
    const s = await renderSlurm({
      partition: 'debug',
      account: 'acct',
      qos: 'high',
      constraint: 'knl',
      gpusPerNode: 2,
      nodesPerBlock: 3,
      walltime: '01:30:00',
      schedulerOptions: '#SBATCH --mail-type=NONE',
      workerInit: 'module load mpi',
      launcher: new SimpleLauncher(),
    });
    const lines = s.split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    for (const d of [
      '#SBATCH --job-name=parsl.block-0',
      '#SBATCH --nodes=3',
      '#SBATCH --time=90',
      '#SBATCH --ntasks-per-node=4',
      '#SBATCH --exclusive',
      '#SBATCH --partition=debug',
      '#SBATCH --account=acct',
      '#SBATCH --qos=high',
      '#SBATCH --constraint=knl',
      '#SBATCH --gpus-per-node=2',
    ]) {
      expect(lines).toContain(d);
    }
    expect(lines.indexOf('#SBATCH --mail-type=NONE')).toBeLessThan(lines.indexOf('#SBATCH --exclusive'));
    expect(s.indexOf('module load mpi')).toBeLessThan(s.indexOf('export JOBNAME="parsl.block-0"'));
    expect(s.trimEnd().endsWith('worker --x')).toBe(true);
    expect(s).toMatch(/#SBATCH --output=.*\.submit\.stdout/);
  });

  test('an sbatch answer without a job id → SubmitException', async () => {
    const scriptDir = tempDir('render').path;
    const bin = join(scriptDir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'sbatch'), '#!/bin/bash\necho "sbatch: accepted"\n', { mode: 0o755 });
    const channel = new LocalChannel({ envs: { PATH: `${bin}:${process.env.PATH}` } });
    const p = new SlurmProvider({ channel, scriptDir, launcher: new SimpleLauncher() });
    await expect(p.submit('w', 1, 'b')).rejects.toThrow(/printed no job id/);
    await expect(p.submit('w', 1, 'b')).rejects.toBeInstanceOf(SubmitException);
  });

  test('an unwritable scriptDir → ScriptPathError', async () => {
    // A file where the directory should be (permissions would not stop root).
    const dir = tempDir('ro').path;
    await writeFile(join(dir, 'sub'), 'not a directory');
    const p = new SlurmProvider({ scriptDir: join(dir, 'sub', 'x'), launcher: new SimpleLauncher() });
    await expect(p.submit('w', 1, 'b')).rejects.toBeInstanceOf(ScriptPathError);
  });
});

describe('options are validated with ConfigurationError naming the field', () => {
  test.each([
    [() => new SlurmProvider({ nodesPerBlock: 0 }), /nodesPerBlock/],
    [() => new SlurmProvider({ maxBlocks: -1 }), /maxBlocks/],
    [() => new SlurmProvider({ parallelism: 2 }), /parallelism/],
    [() => new SlurmProvider({ walltime: '1 hour' }), /walltime/],
    [() => new LSFProvider({ requestByNodes: false }), /coresPerBlock/],
  ])('%#', (make, message) => {
    expect(make).toThrow(ConfigurationError);
    expect(make).toThrow(message);
  });
});
