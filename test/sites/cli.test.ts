// `parsl-ts site-test` as a site admin runs it: errors exit 2 with a message saying what to do, and nothing is
// submitted (the commands run with no scheduler on PATH that could accept a job).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { REPO, tempDir } from '../helpers/paths.js';

function siteTest(args: string[], env: Record<string, string> = {}) {
  const dir = tempDir('site-cli');
  const r = spawnSync(process.execPath, [join(REPO, 'dist/cli/main.js'), 'site-test', ...args], {
    cwd: dir.path,
    encoding: 'utf8',
    env: { ...process.env, PARSL_TS_SITE: '', PARSL_TS_SITE_OPTIONS: '', ...env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr, dir: dir.path };
}

test('--site nowhere, and a host that matches no site, list the sites', () => {
  for (const args of [['--site', 'nowhere'], []]) {
    const r = siteTest(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^parsl-ts site-test: .*; known sites: local, local-openmpi, perlmutter, polaris/);
  }
});

test('a site needing an account, without an options file, says which option and how to give it', () => {
  const r = siteTest(['--site', 'polaris']);
  expect(r.code).toBe(2);
  expect(r.err).toContain("site polaris needs option 'account' and no options file was given");
});

test('a walltime the queue cannot take is refused before anything is submitted', () => {
  const dir = tempDir('site-cli-opts').path;
  const file = join(dir, 'opts.json');
  writeFileSync(file, JSON.stringify({ account: 'a', sites: { theta: { walltime: '03:00:00' } } }));
  const r = siteTest(['--site', 'theta', '--options', file]);
  expect(r.code).toBe(2);
  expect(r.err).toMatch(
    /walltime 03:00:00 is longer than theta's queue takes \(01:00:00\).*nothing was submitted/,
  );
});

test('PARSL_TS_SITE picks the site; --dry-run --json writes a dry-run row', () => {
  const out = join(tempDir('site-cli-json').path, 'row.json');
  const r = siteTest(['--dry-run', '--json', out], { PARSL_TS_SITE: 'summit' });
  expect(r.code, r.err).toBe(0);
  expect(r.out).toMatch(/^# ---- summit: executor summit_htex \(LSFProvider\), block 0 ----$/m);
  expect(r.out).toMatch(/^# submit command: bsub /m);
  expect(r.out).toMatch(/^jsrun -n 1 -r 1 /m);
  // Last, the in-allocation check's job: the example workflow on every rank of one block, through jsrun.
  const job = r.out.slice(r.out.indexOf("# ---- summit: the in-allocation check's job (LSFProvider) ----"));
  expect(job).toMatch(/^# submit command: bsub /m);
  expect(job).toMatch(/ run ".*workflow\.mjs" 24; .*rank \$r of 42 exited \$c"; exit \$c'$/m);
  expect(job).toMatch(/^jsrun -n 42 -r 42 .*"\$CMD_FILE"/m);
  expect(JSON.parse(readFileSync(out, 'utf8'))).toMatchObject({ site: 'summit', mode: 'dry-run', ok: true });
  expect(JSON.parse(readFileSync(out, 'utf8')).checks[0].detail).toBe(
    '4 job script(s) rendered, nothing submitted',
  );
});

test('--list prints the facts table', () => {
  const r = siteTest(['--list']);
  expect(r.code).toBe(0);
  expect(r.out.split('\n')[0]).toMatch(
    /^site\s+status\s+scheduler\s+launcher\s+channel\s+executor\s+mpi\s+node\s+fs$/,
  );
  expect(r.out).toMatch(/^llnl-toss\s+unsupported\s+flux/m);
});
