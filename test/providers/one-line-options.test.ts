/**
 * Provider options that land on one line of a submit script or on the submit command line refuse newlines and
 * other control characters at construction (a newline in `partition` would add a script line); legitimate values
 * reach the script unchanged, and the multi-line `schedulerOptions` and `workerInit` stay multi-line.
 */
import {
  CobaltProvider,
  CondorProvider,
  ConfigurationError,
  GridEngineProvider,
  LSFProvider,
  PBSProProvider,
  SimpleLauncher,
  SlurmProvider,
  TorqueProvider,
} from 'parsl-ts';
import { describe, expect, test } from 'vitest';
import { renderSubmitScript } from '../helpers/submit-scripts.js';

type Make = (o: Record<string, unknown>) => unknown;

const PROVIDERS: { name: string; make: Make; fields: string[] }[] = [
  {
    name: 'SlurmProvider',
    make: (o) => new SlurmProvider(o),
    fields: ['partition', 'account', 'qos', 'constraint', 'clusters', 'gres', 'gpusPerNode', 'scriptDir'],
  },
  { name: 'TorqueProvider', make: (o) => new TorqueProvider(o), fields: ['account', 'queue', 'scriptDir'] },
  {
    name: 'PBSProProvider',
    make: (o) => new PBSProProvider(o),
    fields: ['account', 'queue', 'selectOptions', 'scriptDir'],
  },
  { name: 'LSFProvider', make: (o) => new LSFProvider(o), fields: ['project', 'queue', 'scriptDir'] },
  { name: 'CobaltProvider', make: (o) => new CobaltProvider(o), fields: ['account', 'queue', 'scriptDir'] },
  {
    name: 'CondorProvider',
    make: (o) => new CondorProvider(o),
    fields: ['requirements', 'project', 'scriptDir'],
  },
  { name: 'GridEngineProvider', make: (o) => new GridEngineProvider(o), fields: ['queue', 'scriptDir'] },
];

/** A newline that adds a directive, a carriage return, an escape, a tab, a C1 next-line. */
const BAD = ['debug\n#SBATCH --uid=0', 'debug\rx', 'debug\u001b[2J', 'de\tbug', 'debug\u0085x'];

function refusal(make: () => unknown): Error {
  try {
    make();
  } catch (e) {
    return e as Error;
  }
  throw new Error('constructed without an error');
}

const cases = PROVIDERS.flatMap(({ name, make, fields }) =>
  fields.flatMap((field) => BAD.map((bad) => ({ name, make, field, bad }))),
);

describe('a control character in a one-line option is refused at construction', () => {
  test.each(cases)('$name.$field = $bad', ({ name, make, field, bad }) => {
    const err = refusal(() => make({ [field]: bad }));
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.message).toContain(`${name}.${field} must be`);
    expect(err.message).toMatch(/on one line/);
  });

  test.each([{ 'A\nB': 'x' }, { A: 'x\ny' }, { A: 'x\u0000' }])('CondorProvider.environment %#', (env) => {
    const err = refusal(() => new CondorProvider({ environment: env }));
    expect(err).toBeInstanceOf(ConfigurationError);
    expect(err.message).toContain('CondorProvider.environment must be');
  });

  test('the multi-line options stay multi-line', () => {
    for (const { make } of PROVIDERS) {
      expect(() =>
        make({ schedulerOptions: '#X -a\n#X -b', workerInit: 'module load a\nmodule load b' }),
      ).not.toThrow();
    }
  });
});

const MULTI = { schedulerOptions: '#OPT one\n#OPT two', workerInit: 'module load a\n\tsource env.sh' };

function linesOf(text: string): string[] {
  return text.split('\n');
}

describe('legitimate values reach the script unchanged', () => {
  test('Slurm', async () => {
    const { text } = await renderSubmitScript(
      (c) =>
        new SlurmProvider({
          ...c,
          ...MULTI,
          launcher: new SimpleLauncher(),
          partition: 'gpu-a100',
          account: 'proj_42',
          qos: 'high',
          constraint: 'knl&quad',
          clusters: 'c1,c2',
          gres: 'gpu:a100:2',
          gpusPerNode: 'a100:2',
        }),
      'sbatch',
      'Submitted batch job 42',
    );
    expect(linesOf(text)).toEqual(
      expect.arrayContaining([
        '#SBATCH --partition=gpu-a100',
        '#SBATCH --account=proj_42',
        '#SBATCH --qos=high',
        '#SBATCH --constraint=knl&quad',
        '#SBATCH --clusters=c1,c2',
        '#SBATCH --gres=gpu:a100:2',
        '#SBATCH --gpus-per-node=a100:2',
        '#OPT one',
        '#OPT two',
        'module load a',
        '\tsource env.sh',
      ]),
    );
  });

  test('Torque (queue and account on the qsub command line)', async () => {
    const { text, args } = await renderSubmitScript(
      (c) =>
        new TorqueProvider({
          ...c,
          ...MULTI,
          launcher: new SimpleLauncher(),
          queue: 'batch',
          account: 'proj 42',
        }),
      'qsub',
      '42.server',
    );
    expect(args.slice(0, 4)).toEqual(['-q', 'batch', '-A', 'proj 42']);
    expect(linesOf(text)).toEqual(expect.arrayContaining(['#OPT one', '#OPT two', '#PBS -N parsl.block-0']));
  });

  test('PBS Pro', async () => {
    const { text, args } = await renderSubmitScript(
      (c) =>
        new PBSProProvider({
          ...c,
          ...MULTI,
          launcher: new SimpleLauncher(),
          queue: 'workq',
          cpusPerNode: 8,
          selectOptions: ':mpiprocs=8:ngpus=2',
        }),
      'qsub',
      '42.server',
    );
    expect(args.slice(0, 2)).toEqual(['-q', 'workq']);
    expect(linesOf(text)).toEqual(
      expect.arrayContaining(['#PBS -l select=1:ncpus=8:mpiprocs=8:ngpus=2', '#OPT two']),
    );
  });

  test('LSF', async () => {
    const { text } = await renderSubmitScript(
      (c) =>
        new LSFProvider({
          ...c,
          ...MULTI,
          launcher: new SimpleLauncher(),
          project: 'BIO123',
          queue: 'debug',
        }),
      'bsub',
      'Job <42> is submitted to queue <debug>.',
    );
    expect(linesOf(text)).toEqual(
      expect.arrayContaining(['#BSUB -P BIO123', '#BSUB -q debug', '#OPT one', '#OPT two', 'module load a']),
    );
  });

  test('Cobalt (queue and account on the qsub command line)', async () => {
    const { text, args } = await renderSubmitScript(
      (c) =>
        new CobaltProvider({
          ...c,
          ...MULTI,
          launcher: new SimpleLauncher(),
          queue: 'debug-cache-quad',
          account: 'CSC249',
        }),
      'qsub',
      '42',
    );
    expect(args).toEqual(expect.arrayContaining(['-q', 'debug-cache-quad', '-A', 'CSC249']));
    expect(args[args.indexOf('-A') + 1]).toBe('CSC249');
    expect(linesOf(text)).toEqual(expect.arrayContaining(['#OPT one', '#OPT two']));
  });

  test('Condor (the submit description)', async () => {
    const { text } = await renderSubmitScript(
      (c) =>
        new CondorProvider({
          ...c,
          ...MULTI,
          requirements: '(OpSys == "LINUX") && (Memory > 1024)',
          project: 'proj_42',
          environment: { OMP_NUM_THREADS: '4', GREETING: "it's fine" },
        }),
      'condor_submit',
      '1 job(s) submitted to cluster 42.',
      '.condor',
    );
    expect(linesOf(text)).toEqual(
      expect.arrayContaining([
        'requirements = (OpSys == "LINUX") && (Memory > 1024)',
        '+ProjectName = "proj_42"',
        `environment = "OMP_NUM_THREADS='4' GREETING='it''s fine'"`,
        '#OPT one',
        '#OPT two',
      ]),
    );
  });

  test('Grid Engine (queue on the qsub command line)', async () => {
    const { text, args } = await renderSubmitScript(
      (c) => new GridEngineProvider({ ...c, ...MULTI, launcher: new SimpleLauncher(), queue: 'all.q' }),
      'qsub',
      '42',
    );
    expect(args.slice(0, 2)).toEqual(['-q', 'all.q']);
    expect(linesOf(text)).toEqual(expect.arrayContaining(['#$ -N parsl.block-0', '#OPT one', '#OPT two']));
  });
});
