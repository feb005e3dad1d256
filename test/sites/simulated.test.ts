// Every site's own Config on this machine (`parsl-ts site-test --simulate`): the Slurm sites on a real Slurm that
// has their partitions and node features, CC-IN2P3 on a real Grid Engine, the SSH sites through the local sshd, and
// Cobalt, PBS Pro, Torque, LSF and HTCondor through the stand-ins, with aprun, jsrun, PALS mpiexec and mpirun
// stand-ins that check their flags and start ranks with a real mpiexec. Services start once for the whole matrix;
// each site runs the short suite (the full one runs on the local site).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSiteSuite, SITES } from 'parsl-ts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { SHORT_CHECKS, simulation, simulationGap } from '#internal';
import { mpiMissing } from '../helpers/mpi.js';
import { siteResultFile, tempDir } from '../helpers/paths.js';
import { SERVICES_BASE, type Service, startService, startSlurm } from '../helpers/services.js';
import { skipOrFail } from '../helpers/skip.js';

const SSH_PORT = 2242;
let slurm: Service;
let sshd: Service;
let sge: Service;

/** Partitions and node features the Slurm sites' configs ask for; two nodes, as sites with whole-node blocks need. */
const slurmSites = SITES.filter((s) => s.facts.scheduler === 'slurm');
const PARTITIONS = [
  ...new Set(slurmSites.map((s) => s.facts.defaultQueue).filter((q) => q && q !== 'debug')),
];

beforeAll(async () => {
  [slurm, sshd, sge] = await Promise.all([
    startSlurm('sites-sim', 26897, 2, { FEATURES: 'gpu,knl,scratch', PARTITIONS: PARTITIONS.join(' ') }),
    startService('sshd', { BASE: `${SERVICES_BASE}/sites-sshd`, PORT: String(SSH_PORT) }),
    startService('gridengine', {}),
  ]);
}, 300_000);
afterAll(async () => {
  await Promise.all([slurm?.stop(), sshd?.stop(), sge?.stop()]);
}, 120_000);

const simulated = SITES.filter((s) => simulationGap(s) === null && !s.facts.name.startsWith('local'));
/**
 * Sites that also run the in-allocation example job (a few seconds each): two Slurm sites (plain srun, and srun with
 * Perlmutter's binding), a PBS Pro site through the PALS mpiexec stand-in, and a site without MPI (it must say "not
 * applicable"). The local site runs it under both MPIs in local.test.ts.
 */
const IN_ALLOCATION = new Set(['midway', 'perlmutter', 'polaris', 'osg']);

describe('simulated sites', () => {
  test('every site with a config is simulated, or says why not', () => {
    const skipped = SITES.filter((s) => simulationGap(s) !== null).map((s) => s.facts.name);
    expect(skipped.sort()).toEqual([
      'azure',
      'ec2',
      'ec2-spot',
      'googlecloud',
      'jetstream',
      'kubernetes',
      'llnl-toss',
    ]);
  });

  for (const site of simulated) {
    const f = site.facts;
    test(`${f.name} (${f.scheduler} + ${f.launcher}${f.channel === 'local' ? '' : ` over ${f.channel}`}): the short suite passes`, async (ctx) => {
      const needs = [
        f.scheduler === 'slurm' ? slurm.missing : null,
        f.scheduler === 'gridengine' ? sge.missing : null,
        f.channel !== 'local' ? sshd.missing : null,
        mpiMissing(f.scheduler === 'lsf' ? 'openmpi' : 'mpich'),
      ];
      skipOrFail(ctx, ...needs);
      const log = join(tempDir(`sim-${f.name}`).path, 'launches.log');
      const env = {
        ...process.env,
        SLURM_CONF: slurm.env.SLURM_CONF ?? '',
        SGE_ROOT: '/var/lib/gridengine',
        SGE_CELL: 'default',
        PARSL_TS_SIM_SSH_KEY: sshd.env.SSH_KEY ?? '',
        PARSL_TS_SIM_SSH_KNOWN_HOSTS: sshd.env.SSH_KNOWN_HOSTS ?? '',
        PARSL_TS_SIM_SSH_PORT: String(SSH_PORT),
        STANDIN_LOG: log,
      };
      const sim = await simulation(site, {}, env);
      try {
        const run = await runSiteSuite(site, sim.options, sim.context, {
          checks: IN_ALLOCATION.has(f.name) ? [...SHORT_CHECKS, 'in-allocation'] : SHORT_CHECKS,
          mode: 'simulated',
          timeoutMs: 90_000,
        });
        const out = siteResultFile(f.name, 'simulated');
        if (out) writeFileSync(out, `${JSON.stringify(run, null, 2)}\n`);
        const failed = run.checks.filter((c) => c.status === 'fail');
        expect(failed, JSON.stringify(failed, null, 2)).toEqual([]);
        const skipped = run.checks.filter((c) => c.status === 'skip').map((c) => c.name);
        expect(skipped).toEqual([
          ...(f.sharedFs ? [] : ['shared-fs']),
          ...(f.mpi === null ? ['mpi-hello'] : []),
          ...(f.mpi === null && IN_ALLOCATION.has(f.name) ? ['in-allocation'] : []),
        ]);
        const inAllocation = run.checks.find((c) => c.name === 'in-allocation');
        if (inAllocation?.status === 'skip')
          expect(inAllocation.detail).toBe(`not applicable: ${f.name} has no MPI`);
        else if (inAllocation)
          expect(inAllocation.detail).toMatch(/on [1-9]\d* of \d+ worker ranks; all \d+ ranks exited 0$/);
        // The launcher stand-ins were really used, with the flags the site's launcher gives.
        if (['aprun', 'jsrun', 'mpiexec', 'mpirun'].includes(f.launcher) && f.scheduler !== 'slurm')
          expect(readFileSync(log, 'utf8')).toMatch(new RegExp(`^${f.launcher} `, 'm'));
      } finally {
        await sim.close();
      }
    }, 240_000);
  }
});
