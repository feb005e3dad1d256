// The site catalog without any scheduler: facts, the hostname selector, the options file, checks decided from the
// config before submission, and the dry run of every site (the job script, launcher line included, submits nothing).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BadSiteOptions,
  Config,
  HighThroughputExecutor,
  JsrunLauncher,
  MissingSiteOption,
  SITES,
  SiteConfigMismatch,
  SlurmProvider,
  selectSite,
  siteByName,
  UnknownSite,
} from 'parsl-ts';
import { describe, expect, test } from 'vitest';
import {
  configProblems,
  dryRun,
  listSites,
  parseRanks,
  readSiteOptions,
  requireOptions,
  siteForHost,
  validateConfig,
} from '#internal';
import { tempDir } from '../helpers/paths.js';

/** The command each launcher puts in the script. */
const LAUNCH_LINE: Record<string, RegExp> = {
  srun: /^srun .*"\$CMD_FILE"/m,
  aprun: /^aprun -n \d+ -N \d+ .*"\$CMD_FILE"/m,
  jsrun: /^jsrun -n \d+ -r \d+ .*"\$CMD_FILE"/m,
  mpiexec: /^mpiexec .*-n \$WORKERCOUNT .*"\$CMD_FILE"/m,
  mpirun: /^mpirun -np \$WORKERCOUNT .*"\$CMD_FILE"/m,
  'single-node': /^parsl-ts worker-pool /m,
  simple: /^parsl-ts worker-pool /m,
  none: /^parsl-ts worker-pool /m,
};

/** Where the account goes: a directive in the script, or the submit command, or HTCondor's description. */
const ACCOUNT_AT: Record<string, RegExp> = {
  slurm: /^#SBATCH --account=<account>$/m,
  pbspro: /^# submit command: qsub .*-A '<account>'/m,
  torque: /^# submit command: qsub .*-A '<account>'/m,
  cobalt: /^# submit command: qsub -n 1 .*-A '<account>'/m,
  lsf: /^#BSUB -P <account>$/m,
  condor: /^\+ProjectName = "<account>"$/m,
};

/** The scheduler command each batch site would have run. */
const SUBMIT: Record<string, RegExp> = {
  slurm: /^# submit command: sbatch /m,
  pbspro: /^# submit command: qsub /m,
  torque: /^# submit command: qsub /m,
  cobalt: /^# submit command: qsub /m,
  lsf: /^# submit command: bsub /m,
  condor: /^# submit command: condor_submit /m,
  gridengine: /^# submit command: qsub /m,
};

describe('the catalog', () => {
  test('every site of the issue has a row with its facts and documentation', () => {
    const names = SITES.map((s) => s.facts.name);
    expect(new Set(names).size).toBe(names.length);
    for (const want of [
      'midway',
      'midway-singlenode',
      'osg',
      'swan',
      'cori',
      'cori-singlenode',
      'cooley',
      'theta',
      'cc-in2p3',
      'ec2',
      'ec2-spot',
      'comet',
      'azure',
      'jetstream',
      'googlecloud',
      'frontera',
      'summit',
      'bluewaters',
      'bridges',
      'stampede2',
      'aspire1',
      'kubernetes',
      'adhoc',
      'llnl-toss',
      'polaris',
      'aurora',
      'perlmutter',
      'frontier',
      'delta',
      'anvil',
      'expanse',
      'local',
      'local-openmpi',
    ])
      expect(names).toContain(want);
    for (const { facts } of SITES) {
      expect(facts.docs.length, facts.name).toBeGreaterThan(0);
      expect(
        facts.docs.every((d) => d.startsWith('https://')),
        facts.name,
      ).toBe(true);
      expect(facts.node.cores, facts.name).toBeGreaterThan(0);
    }
    expect(siteByName('polaris').facts.node).toMatchObject({ gpus: 4 });
    expect(siteByName('aurora').facts.node).toMatchObject({ gpus: 6, tiles: 12 });
    expect(siteByName('perlmutter').facts.node).toMatchObject({ gpus: 4 });
    expect(siteByName('frontier').facts.node).toMatchObject({ gpus: 4, tiles: 8 });
    expect(siteByName('llnl-toss').facts.note).toMatch(/FluxExecutor/);
  });

  test('--list prints one line per site with its scheduler, launcher and node shape', () => {
    const lines = listSites().split('\n');
    expect(lines).toHaveLength(SITES.length + 1);
    expect(lines.find((l) => l.startsWith('summit '))).toMatch(
      /retired\s+lsf\s+jsrun\s+local\s+htex\s+IBM Spectrum MPI\s+42c 512GB 6 GPU/,
    );
    expect(lines.find((l) => l.startsWith('aurora '))).toMatch(/pbspro\s+mpiexec .*6 GPU \(12 tiles\)/);
  });
});

describe('the selector', () => {
  test('PARSL_TS_SITE, then --site, then the host name pick the site', () => {
    expect(selectSite(undefined, { PARSL_TS_SITE: 'theta' }, ['nowhere']).facts.name).toBe('theta');
    expect(selectSite('summit', { PARSL_TS_SITE: 'theta' }, ['nowhere']).facts.name).toBe('summit');
    expect(selectSite(undefined, {}, ['login31.perlmutter.nersc.gov']).facts.name).toBe('perlmutter');
    expect(selectSite(undefined, {}, ['polaris-login-02']).facts.name).toBe('polaris');
    expect(selectSite(undefined, {}, ['h2ologin3']).facts.name).toBe('bluewaters');
    expect(siteForHost(['cca012.in2p3.fr'])?.facts.name).toBe('cc-in2p3');
  });

  test('an unknown name or an unmatched host fails with the list of sites', () => {
    for (const attempt of [
      () => selectSite('nowhere', {}, ['x']),
      () => selectSite(undefined, {}, ['laptop.example.org']),
    ]) {
      expect(attempt).toThrow(UnknownSite);
      expect(attempt).toThrow(/known sites: local, local-openmpi, perlmutter, .*llnl-toss/);
    }
  });
});

describe('the options file', () => {
  const dir = tempDir('site-options');
  const file = (name: string, body: unknown) => {
    const path = join(dir.path, name);
    writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
    return path;
  };

  test("a site's section overrides the common options", () => {
    const path = file('ok.json', {
      account: 'common',
      walltime: '00:20:00',
      sites: { theta: { account: 'theta-acct' } },
    });
    expect(readSiteOptions(path, 'theta').options).toEqual({ account: 'theta-acct', walltime: '00:20:00' });
    expect(readSiteOptions(path, 'summit').options).toEqual({ account: 'common', walltime: '00:20:00' });
  });

  test('an unknown key, a bad value or bad JSON names the file and the key', () => {
    expect(() => readSiteOptions(file('typo.json', { acount: 'x' }), 'theta')).toThrow(
      /typo\.json: unknown option 'acount'/,
    );
    expect(() =>
      readSiteOptions(file('bad.json', { sites: { theta: { nodesPerBlock: 0 } } }), 'theta'),
    ).toThrow(/bad\.json, sites\.theta: option 'nodesPerBlock' must be a whole number > 0/);
    expect(() => readSiteOptions(file('broken.json', '{ account'), 'theta')).toThrow(BadSiteOptions);
    expect(() => readSiteOptions(join(dir.path, 'absent.json'), 'theta')).toThrow(/absent\.json/);
  });

  test('a missing required option names the option and the file', () => {
    const path = file('no-account.json', { queue: 'debug' });
    const polaris = siteByName('polaris');
    expect(() => requireOptions(polaris.facts, readSiteOptions(path, 'polaris'))).toThrow(MissingSiteOption);
    expect(() => requireOptions(polaris.facts, readSiteOptions(path, 'polaris'))).toThrow(
      `site polaris needs option 'account': add it to ${path}`,
    );
    expect(() => requireOptions(polaris.facts, { options: {}, file: null })).toThrow(
      /no options file was given/,
    );
  });
});

describe('checks decided from the config, before submission', () => {
  test("a walltime longer than the site's queue takes is refused", () => {
    const theta = siteByName('theta');
    const config = theta.config({ account: 'a', walltime: '02:00:00' });
    expect(() => validateConfig(theta.facts, config)).toThrow(SiteConfigMismatch);
    expect(() => validateConfig(theta.facts, config)).toThrow(
      /walltime 02:00:00 is longer than theta's queue takes \(01:00:00\)/,
    );
    expect(configProblems(theta.facts, theta.config({ account: 'a', walltime: '00:59:00' }))).toEqual([]);
  });

  test('jsrun on Slurm is refused naming both', () => {
    const config = new Config({
      executors: [
        new HighThroughputExecutor({
          label: 'wrong',
          provider: new SlurmProvider({ launcher: new JsrunLauncher() }),
        }),
      ],
    });
    expect(() => validateConfig(siteByName('perlmutter').facts, config)).toThrow(
      /executor wrong: JsrunLauncher does not fit SlurmProvider: jsrun \(IBM CSM\) runs only in LSF jobs/,
    );
  });

  test('every site config as shipped passes its own checks', () => {
    for (const site of SITES) {
      if (site.facts.status === 'deferred' && site.facts.scheduler !== 'googlecloud') continue;
      if (site.facts.status === 'unsupported') continue;
      const o = {
        account: 'a',
        host: 'h',
        hosts: ['h'],
        image: 'i',
        imageId: 'ami',
        keyName: 'k',
        projectId: 'p',
      };
      expect(configProblems(site.facts, site.config(o)), site.facts.name).toEqual([]);
    }
  });
});

describe('--dry-run', () => {
  for (const site of SITES) {
    const f = site.facts;
    test(`${f.name}: the job script with its launcher line and placeholders, nothing submitted`, async () => {
      const cwd = tempDir(`dry-${f.name}`);
      const before = process.cwd();
      process.chdir(cwd.path);
      try {
        if (f.status === 'deferred' && f.scheduler !== 'googlecloud') {
          await expect(dryRun(site, { options: {}, file: null })).rejects.toThrow(/has no config: deferred/);
          return;
        }
        if (f.status === 'unsupported') {
          await expect(dryRun(site, { options: {}, file: null })).rejects.toThrow(
            /has no config: missing: a FluxExecutor/,
          );
          return;
        }
        const text = await dryRun(site, { options: {}, file: null });
        expect(text).toMatch(new RegExp(`^# ---- ${f.name}: executor ${f.name}_htex `));
        expect(text).toMatch(LAUNCH_LINE[f.launcher] as RegExp);
        const submit = SUBMIT[f.scheduler];
        if (submit) expect(text).toMatch(submit);
        const account = ACCOUNT_AT[f.scheduler];
        if (f.required.includes('account') && account) expect(text).toMatch(account);
        if (f.mpi !== null && f.scheduler !== 'gridengine') expect(text).toMatch(/^# ---- .*_mpi \(/m);
        // Nothing was left behind in the working directory (the dry run writes to a scratch dir it removes).
        expect(existsSync(join(cwd.path, 'submit_scripts'))).toBe(false);
        expect(existsSync(join(cwd.path, 'runinfo'))).toBe(false);
      } finally {
        process.chdir(before);
        cwd.remove();
      }
    });
  }
});

test('MPI output is parsed by `rank N of M on HOST` wherever it appears, not by lines', () => {
  const interleaved = 'rank 0 of 3 on n1 argv: a\nrank 1 of 3 onrank 2 of 3 on n1 argv: b\n n1 argv: c\n';
  expect(parseRanks(interleaved)).toEqual([
    { rank: 0, size: 3, host: 'n1' },
    { rank: 1, size: 3, host: null },
    { rank: 2, size: 3, host: 'n1' },
  ]);
});
