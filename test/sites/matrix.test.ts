// site-tests/MATRIX.md is generated from result files: the same files give the same bytes whatever their order,
// a "run at the site" cell comes only from a result of that mode, and the committed matrix is up to date.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { SITES, type SiteRun } from 'parsl-ts';
import { expect, test } from 'vitest';
import { renderMatrix } from '#internal';
import { REPO } from '../helpers/paths.js';

const facts = SITES.map((s) => s.facts);

function run(site: string, mode: SiteRun['mode'], date: string, ok = true): SiteRun {
  return {
    site,
    mode,
    version: '0.1.0',
    date,
    host: 'h',
    ok,
    checks: [
      { name: 'js-app', status: ok ? 'pass' : 'fail', detail: '', seconds: 1 },
      { name: 'shared-fs', status: 'skip', detail: 'no shared file system', seconds: 0 },
    ],
  };
}

const RUNS = [
  run('polaris', 'dry-run', '2026-12-01T10:00:00.000Z'),
  run('polaris', 'simulated', '2026-12-01T10:00:00.000Z', false),
  run('polaris', 'simulated', '2026-12-02T10:00:00.000Z'),
  run('theta', 'simulated', '2026-12-02T10:00:00.000Z'),
  run('local', 'site', '2026-12-03T10:00:00.000Z'),
];

test('the same result files give the same matrix whatever their order', () => {
  const a = renderMatrix(facts, RUNS);
  const b = renderMatrix(facts, [...RUNS].reverse());
  const c = renderMatrix(facts, [RUNS[2]!, RUNS[0]!, RUNS[4]!, RUNS[1]!, RUNS[3]!]);
  expect(b).toBe(a);
  expect(c).toBe(a);
  expect(a.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| site'))).toHaveLength(
    SITES.length,
  );
});

test('a cell is the newest result of its mode, and a site cell exists only for a site result', () => {
  const lines = renderMatrix(facts, RUNS).split('\n');
  const row = (name: string) => lines.find((l) => l.startsWith(`| ${name} |`))?.split(' | ') ?? [];
  // | site | status | how | executor | dry | simulated | site |
  expect(row('polaris')[4]).toBe('pass 1/1 (1 skipped), v0.1.0, 2026-12-01');
  expect(row('polaris')[5]).toBe('pass 1/1 (1 skipped), v0.1.0, 2026-12-02');
  expect(row('polaris')[6]).toBe('— |');
  expect(row('theta')[6]).toBe('— |');
  expect(row('local')[6]).toBe('pass 1/1 (1 skipped), v0.1.0, 2026-12-03 |');
  expect(row('summit').slice(4)).toEqual(['—', '—', '— |']);
  expect(renderMatrix(facts, [run('nosuch', 'site', '2026-12-01T00:00:00.000Z')])).toContain(
    'Result files for sites not in the catalog: nosuch.',
  );
});

test('the committed site-tests/MATRIX.md is what site-tests/results gives', () => {
  const out = execFileSync('node', [join(REPO, 'scripts/site-matrix.mjs'), '--check'], { encoding: 'utf8' });
  expect(out).toContain('up to date');
});
