import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { REPO, tempDir } from '../helpers/paths.js';

/** The Markdown a user reads: the top-level files and docs/. */
function markdownFiles(): string[] {
  const top = ['README.md', 'CHANGELOG.md', 'CONTRIBUTING.md', 'STATUS.md'].map((f) => join(REPO, f));
  const docs = readdirSync(join(REPO, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(REPO, 'docs', f));
  return [...top, ...docs];
}

test('the project carries the files a user expects: the Apache-2.0 licence, a changelog, a contributing guide', () => {
  const license = readFileSync(join(REPO, 'LICENSE'), 'utf8');
  expect(license).toContain('Apache License');
  expect(license).toContain('Version 2.0, January 2004');
  expect(license).toContain('END OF TERMS AND CONDITIONS');
  expect(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).license).toBe('Apache-2.0');
  expect(readFileSync(join(REPO, 'CHANGELOG.md'), 'utf8')).toMatch(/^## \[?0\.1\.0\]?/m);
  const contributing = readFileSync(join(REPO, 'CONTRIBUTING.md'), 'utf8');
  for (const topic of ['## Build', '## Test', '## Add a provider', '## Add a site'])
    expect(contributing).toContain(topic);
});

test('every relative link in the Markdown docs points at a file that exists', () => {
  const broken: string[] = [];
  for (const file of markdownFiles()) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!.split('#')[0]!;
      if (target === '' || /^[a-z]+:/.test(target)) continue;
      if (!existsSync(resolve(dirname(file), target)))
        broken.push(`${file.slice(REPO.length + 1)} → ${m[1]}`);
    }
  }
  expect(broken).toEqual([]);
});

test('npm run docs builds the API reference from the TSDoc with no warning', { timeout: 180_000 }, () => {
  const out = tempDir('api-docs');
  try {
    // typedoc.json sets treatWarningsAsErrors: a warning fails the build.
    const r = spawnSync('npm', ['run', 'docs', '--', '--out', out.path], { cwd: REPO, encoding: 'utf8' });
    expect(r.stdout + r.stderr).not.toMatch(/\[warning\]|\[error\]/);
    expect(r.status).toBe(0);
    for (const page of [
      'index.html',
      'classes/DataFlowKernel.html',
      'functions/load.html',
      'classes/SlurmProvider.html',
    ])
      expect(existsSync(join(out.path, page)), page).toBe(true);
  } finally {
    out.remove();
  }
});
