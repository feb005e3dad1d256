/**
 * Batch systems that cannot run here (PBS Pro, Torque, Cobalt, LSF, HTCondor, Grid Engine without its
 * daemons, Slurm's sacct path) against stand-in commands that print the real tools' documented output and
 * really run the submitted script (site-tests/stand-ins/README.md).
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CobaltProvider,
  CondorProvider,
  GridEngineProvider,
  JobState,
  LocalChannel,
  LSFProvider,
  PBSProProvider,
  SimpleLauncher,
  SlurmProvider,
  SubmitException,
  TorqueProvider,
} from 'parsl-ts';
import { afterAll, describe, expect, test, vi } from 'vitest';
import type { ClusterProvider } from '#internal';
import { eventually } from '../helpers/eventually.js';
import { REPO, tempDir } from '../helpers/paths.js';

interface Case {
  name: string;
  bin: string;
  make: (o: { channel: LocalChannel; scriptDir: string; queue?: string }) => ClusterProvider;
  idPattern: RegExp;
  directives: string[];
  /** Stand-in state id of a provider job id. */
  standinId: (jobId: string) => string;
  /** A scheduler-specific state word and what it must map to. */
  override: [string, JobState];
  /** How a finished job shows up: reported by the scheduler or gone (both must end COMPLETED). */
  badQueue: { queue: string; message: RegExp };
}

const numeric = (id: string) => id.split('.')[0] as string;

const CASES: Case[] = [
  {
    name: 'Torque',
    bin: 'torque',
    make: (o) => new TorqueProvider({ ...o, walltime: '01:30:00', nodesPerBlock: 2 }),
    idPattern: /^\d+\.standin-server\.example\.org$/,
    directives: ['#PBS -l walltime=01:30:00', '#PBS -l nodes=2:ppn=1', '#PBS -N block-', 'aprun -n 2 -N 1'],
    standinId: numeric,
    override: ['H', JobState.HELD],
    badQueue: { queue: 'nosuch', message: /Unknown queue/ },
  },
  {
    name: 'PBSPro',
    bin: 'pbspro',
    make: (o) => new PBSProProvider({ ...o, cpusPerNode: 4, selectOptions: ':mem=4gb' }),
    idPattern: /^\d+\.pbs-server$/,
    directives: ['#PBS -l select=1:ncpus=4:mem=4gb', '#PBS -l walltime=00:20:00', 'WORKERCOUNT=1'],
    standinId: numeric,
    override: ['Q', JobState.PENDING],
    badQueue: { queue: 'nosuch', message: /Unknown queue/ },
  },
  {
    name: 'Cobalt',
    bin: 'cobalt',
    make: (o) => new CobaltProvider({ ...o, account: 'proj' }),
    idPattern: /^\d+$/,
    directives: ['#!/bin/bash -el', 'cat $COBALT_NODEFILE', 'aprun -n 1 -N 1'],
    standinId: (id) => id,
    override: ['user_hold', JobState.UNKNOWN],
    badQueue: { queue: 'nosuch', message: /does not exist/ },
  },
  {
    name: 'LSF',
    bin: 'lsf',
    make: (o) => new LSFProvider({ ...o, project: 'ABC123', walltime: '00:30:00' }),
    idPattern: /^\d+$/,
    directives: ['#BSUB -W 30', '#BSUB -P ABC123', '#BSUB -nnodes 1', 'jsrun -n 1 -r 1'],
    standinId: (id) => id,
    override: ['PSUSP', JobState.CANCELLED],
    badQueue: { queue: 'nosuch', message: /No such queue/ },
  },
  {
    name: 'GridEngine',
    bin: 'gridengine',
    make: (o) => new GridEngineProvider({ ...o, walltime: '00:00:45' }),
    idPattern: /^\d+$/,
    directives: ['#$ -l h_rt=00:00:45', '#$ -S /bin/bash', '#$ -cwd'],
    standinId: (id) => id,
    override: ['Eqw', JobState.FAILED],
    badQueue: { queue: 'nosuch', message: /unknown queue "nosuch"/ },
  },
];

const stateDirs: string[] = [];

// Jobs the tests leave behind (overridden or "purged" ones) are real process groups: kill them all.
afterAll(async () => {
  for (const state of stateDirs) {
    for (const id of await readdir(join(state, 'jobs')).catch(() => [] as string[])) {
      const pid = Number(await readFile(join(state, 'jobs', id, 'pid'), 'utf8').catch(() => ''));
      if (pid > 0) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          // already finished
        }
      }
    }
  }
});

async function setup(bin: string) {
  const state = tempDir('standin-state').path;
  stateDirs.push(state);
  const scriptDir = tempDir('standin-scripts').path;
  const marks = tempDir('standin-marks').path;
  const channel = new LocalChannel({
    envs: {
      PATH: `${join(REPO, 'site-tests/stand-ins', bin, 'bin')}:${join(REPO, 'site-tests/stand-ins/launch/bin')}:${process.env.PATH}`,
      STANDIN_STATE: state,
    },
  });
  return { state, scriptDir, marks, channel };
}

const withQueue = (c: Case, queue: string) => (c.name === 'LSF' ? { queue } : { queue });

describe.each(CASES)('$name provider against its stand-in', (c) => {
  test('submits a script with the scheduler’s directives; the launcher-wrapped command runs; COMPLETED', async () => {
    const { scriptDir, marks, channel } = await setup(c.bin);
    const provider = c.make({ channel, scriptDir });
    const id = await provider.submit(`touch ${marks}/ran-$BASHPID`, 1, 'block-0');
    expect(id).toMatch(c.idPattern);
    const script = (await readdir(scriptDir)).find((f) => f.startsWith('block-0.') && !f.endsWith('.condor'));
    const text = await readFile(join(scriptDir, script as string), 'utf8');
    for (const d of c.directives) expect(text).toContain(d);
    expect(text).toContain('export JOBNAME="block-0"');
    await eventually(async () => (await readdir(marks)).length > 0, { what: 'the task to write its file' });
    const [st] = await eventually(
      async () => {
        const s = await provider.status([id]);
        return s[0]?.terminal ? s : undefined;
      },
      { what: `job ${id} to end` },
    );
    expect(JobState[st!.state]).toBe('COMPLETED');
  });

  test('status RUNNING, then cancel → CANCELLED', async () => {
    const { channel, scriptDir } = await setup(c.bin);
    const provider = c.make({ channel, scriptDir });
    const id = await provider.submit('sleep 30', 1, 'block-1');
    const [running] = await eventually(
      async () => {
        const s = await provider.status([id]);
        return s[0]?.state === JobState.RUNNING && s;
      },
      { what: `job ${id} to run` },
    );
    expect(running!.terminal).toBe(false);
    expect(await provider.cancel([id])).toEqual([true]);
    expect((await provider.status([id]))[0]!.state).toBe(JobState.CANCELLED);
  });

  test(`maps the scheduler state ${c.override[0]}; a job the scheduler forgot is COMPLETED`, async () => {
    const { channel, scriptDir, state } = await setup(c.bin);
    const provider = c.make({ channel, scriptDir });
    const a = await provider.submit('sleep 30', 1, 'block-2');
    const b = await provider.submit('sleep 30', 1, 'block-3');
    await writeFile(join(state, 'jobs', c.standinId(a), 'override'), c.override[0]);
    await writeFile(join(state, 'jobs', c.standinId(b), 'purged'), '');
    const [sa, sb] = await provider.status([a, b]);
    expect(JobState[sa!.state]).toBe(JobState[c.override[1]]);
    expect(JobState[sb!.state]).toBe('COMPLETED');
    await provider.cancel([a]);
  });

  test('a rejected submission raises SubmitException carrying the scheduler’s message', async () => {
    const { channel, scriptDir } = await setup(c.bin);
    const provider = c.make({ channel, scriptDir, ...withQueue(c, c.badQueue.queue) });
    const err = await provider.submit('true', 1, 'block-bad').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SubmitException);
    expect((err as Error).message).toMatch(c.badQueue.message);
  });
});

describe('HTCondor provider against its stand-in', () => {
  test('writes a submit description next to the bash script; cluster id "N.0"; states 1..6', async () => {
    const { channel, scriptDir, marks, state } = await setup('condor');
    const provider = new CondorProvider({
      channel,
      scriptDir,
      requirements: 'OpSys == "LINUX"',
      environment: { A: 'b' },
      memPerNode: 2,
      coresPerNode: 4,
    });
    const id = await provider.submit(`touch ${marks}/ran-$BASHPID`, 1, 'block-0');
    expect(id).toMatch(/^\d+\.0$/);
    const desc = (await readdir(scriptDir)).find((f) => f.endsWith('.condor')) as string;
    const text = await readFile(join(scriptDir, desc), 'utf8');
    expect(text).toContain('requirements = OpSys == "LINUX"');
    expect(text).toContain('RequestMemory = 2048');
    expect(text).toContain('RequestCpus = 4');
    expect(text).toContain('leave_in_queue = TRUE');
    expect(text).toMatch(/^queue$/m);
    await eventually(async () => (await readdir(marks)).length > 0, { what: 'the task to write its file' });
    await eventually(async () => (await provider.status([id]))[0]!.state === JobState.COMPLETED, {
      what: `job ${id} to complete`,
    });

    const held = await provider.submit('sleep 30', 1, 'block-1');
    await writeFile(join(state, 'jobs', held.split('.')[0] as string, 'override'), '5');
    expect((await provider.status([held]))[0]!.state).toBe(JobState.FAILED);
    expect(await provider.cancel([held])).toEqual([true]);
    expect((await provider.status([held]))[0]!.state).toBe(JobState.CANCELLED);
  });

  test('a job that left with ExitCode 3 is FAILED with its exit code, not COMPLETED', async () => {
    const { channel, scriptDir, state } = await setup('condor');
    const provider = new CondorProvider({ channel, scriptDir });
    const [ok, bad] = await Promise.all([
      provider.submit('true', 1, 'block-ok'),
      provider.submit('exit 3', 1, 'block-bad'),
    ]);
    const [sok, sbad] = await eventually(
      async () => {
        const s = await provider.status([ok, bad]);
        return s.every((x) => x.terminal) && s;
      },
      { what: `condor jobs ${ok} and ${bad} to end (${state})` },
    );
    expect([JobState[sok!.state], sok!.exitCode]).toEqual(['COMPLETED', 0]);
    // What the job script exited with, as Condor records it.
    const recorded = Number(await readFile(join(state, 'jobs', bad.split('.')[0]!, 'ec'), 'utf8'));
    expect(recorded).not.toBe(0);
    expect([JobState[sbad!.state], sbad!.exitCode]).toEqual(['FAILED', recorded]);
  });

  test('condor_submit errors become SubmitException', async () => {
    const { channel, scriptDir } = await setup('condor');
    const provider = new CondorProvider({ channel, scriptDir, requirements: 'Memory >= {bad}' });
    await expect(provider.submit('true', 1, 'block-x')).rejects.toThrow(/Parse error in expression/);
  });
});

describe('GridEngine: finished jobs are classified by qacct', () => {
  test('h_rt enforcement (failed 37) → TIMEOUT; exit status 3 → FAILED with exit code', async () => {
    const { channel, scriptDir, state } = await setup('gridengine');
    const provider = new GridEngineProvider({ channel, scriptDir, launcher: new SimpleLauncher() });
    const t = await provider.submit('sleep 30', 1, 'block-t');
    await writeFile(
      join(state, 'jobs', t, 'qacct_failed'),
      '37  : qmaster enforced h_rt, h_cpu, or h_vmem limit',
    );
    // What sge_execd does at h_rt: kill the job; the stand-in records the exit like its wrapper would.
    await channel.execute(`kill -KILL -- -$(cat ${join(state, 'jobs', t, 'pid')})`);
    await writeFile(join(state, 'jobs', t, 'ec'), '137');
    const f = await provider.submit('exit 3', 1, 'block-f');
    const [st, sf] = await eventually(
      async () => {
        const s = await provider.status([t, f]);
        return s.every((x) => x.terminal) && s;
      },
      { what: `jobs ${t} and ${f} to end` },
    );
    expect(JobState[st!.state]).toBe('TIMEOUT');
    expect(JobState[sf!.state]).toBe('FAILED');
    expect(sf!.exitCode).toBe(3);
  });
  test('a finished job without an accounting record is not final: never COMPLETED for a job that failed', async () => {
    const { channel, scriptDir, state } = await setup('gridengine');
    const provider = new GridEngineProvider({ channel, scriptDir, launcher: new SimpleLauncher() });
    // A fresh install: the accounting file appears only when the first record is flushed.
    await writeFile(join(state, 'no_accounting'), '');
    const f = await provider.submit('exit 3', 1, 'block-f');
    const running = (await provider.status([f]))[0]!;
    await eventually(async () => (await readFile(join(state, 'jobs', f, 'ec'), 'utf8')).trim() === '3', {
      what: `job ${f} to exit`,
    });
    const waiting = (await provider.status([f]))[0]!;
    expect([waiting.terminal, JobState[waiting.state]]).toEqual([false, JobState[running.state]]);
    expect(waiting.message).toMatch(
      /waiting for its accounting record .*accounting: No such file or directory/,
    );
    // The file exists, but this job's record is not written yet.
    await rm(join(state, 'no_accounting'));
    await writeFile(join(state, 'jobs', f, 'unflushed'), '');
    const unflushed = (await provider.status([f]))[0]!;
    expect(unflushed.terminal).toBe(false);
    expect(unflushed.message).toMatch(/job id \d+ not found/);
    await rm(join(state, 'jobs', f, 'unflushed'));
    const done = (await provider.status([f]))[0]!;
    expect([JobState[done.state], done.exitCode]).toEqual(['FAILED', 3]);
  });

  test('a job that never gets an accounting record is MISSING after the grace period, not COMPLETED', async () => {
    const { ACCOUNTING_GRACE_MS } = await import('#internal');
    const { channel, scriptDir, state } = await setup('gridengine');
    const provider = new GridEngineProvider({ channel, scriptDir, launcher: new SimpleLauncher() });
    await writeFile(join(state, 'no_accounting'), '');
    const f = await provider.submit('true', 1, 'block-m');
    await eventually(async () => (await readFile(join(state, 'jobs', f, 'ec'), 'utf8')).trim() === '0', {
      what: `job ${f} to exit`,
    });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      expect((await provider.status([f]))[0]!.terminal).toBe(false);
      vi.setSystemTime(Date.now() + ACCOUNTING_GRACE_MS - 30_000);
      expect((await provider.status([f]))[0]!.terminal).toBe(false);
      vi.setSystemTime(Date.now() + 30_000);
      const s = (await provider.status([f]))[0]!;
      expect(JobState[s.state]).toBe('MISSING');
      expect(s.message).toMatch(/no accounting record 1[23]\d s after it left the queue/);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('Slurm provider with sacct (stand-in sbatch/sacct/scancel)', () => {
  test('sacct: FAILED carries the exit code; a job sacct does not list yet keeps its state', async () => {
    const { channel, scriptDir, state } = await setup('slurm');
    const provider = new SlurmProvider({
      channel,
      scriptDir,
      exclusive: false,
      launcher: new SimpleLauncher(),
    });
    const f = await provider.submit('exit 3', 1, 'block-f');
    const late = await provider.submit('exit 3', 1, 'block-late');
    await writeFile(join(state, 'jobs', late, 'unrecorded'), '');
    const before = (await provider.status([late]))[0]!;
    // The exit codes the jobs ended with, as Slurm records them.
    const [ef, el] = await eventually(
      async () => {
        const ecs = await Promise.all([f, late].map((id) => readFile(join(state, 'jobs', id, 'ec'), 'utf8')));
        return ecs.every((ec) => /^\d+$/.test(ec.trim())) && ecs.map(Number);
      },
      { what: `jobs ${f} and ${late} to exit` },
    );
    expect(ef).not.toBe(0);
    const [sf, sl] = await provider.status([f, late]);
    expect([JobState[sf!.state], sf!.exitCode]).toEqual(['FAILED', ef]);
    expect([sl!.terminal, sl!.state]).toEqual([false, before.state]);
    expect(sl!.message).toMatch(/waiting for its accounting record \(not in sacct yet\)/);
    await rm(join(state, 'jobs', late, 'unrecorded'));
    const [recorded] = await provider.status([late]);
    expect([JobState[recorded!.state], recorded!.exitCode]).toEqual(['FAILED', el]);
  });

  test('uses sacct when accounting works and maps its words', async () => {
    const { channel, scriptDir, state } = await setup('slurm');
    const provider = new SlurmProvider({ channel, scriptDir, exclusive: false, launcher: undefined });
    const ids = await Promise.all(
      ['a', 'b', 'c', 'd'].map((n) => provider.submit('sleep 30', 1, `block-${n}`)),
    );
    const words = ['TIMEOUT', 'OUT_OF_MEMORY', 'REQUEUED', 'SUSPENDED'];
    await Promise.all(ids.map((id, i) => writeFile(join(state, 'jobs', id, 'override'), words[i] as string)));
    const states = (await provider.status(ids)).map((s) => JobState[s.state]);
    expect(states).toEqual(['TIMEOUT', 'FAILED', 'PENDING', 'HELD']);
    await provider.cancel(ids);
  });

  test('sbatch errors become SubmitException with Slurm’s message', async () => {
    const { channel, scriptDir } = await setup('slurm');
    const provider = new SlurmProvider({ channel, scriptDir, partition: 'nosuch' });
    await expect(provider.submit('true', 1, 'block-x')).rejects.toThrow(/Invalid partition name specified/);
  });
});
