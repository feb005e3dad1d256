import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { tempDir } from '../helpers/paths.js';

const CLI = resolve('dist/cli/main.js');

function cli(args: string[], cwd: string) {
  return spawnSync(CLI, args, { cwd, encoding: 'utf8', timeout: 30_000 });
}

test('--version prints the package version', () => {
  const dir = tempDir();
  try {
    const r = cli(['--version'], dir.path);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  } finally {
    dir.remove();
  }
});

test('run executes a workflow that forgot cleanup, cleans up, and the process exits; checkpoints lists the result', () => {
  const dir = tempDir();
  try {
    const script = join(dir.path, 'flow.mjs');
    writeFileSync(
      script,
      `import * as parsl from ${JSON.stringify(resolve('dist/index.js'))};
       await parsl.load(new parsl.Config({ checkpointMode: 'task_exit' }));
       const sq = parsl.app((x) => x * x, { cache: true });
       console.log('sum', (await Promise.all([1, 2, 3].map((x) => sq(x)))).reduce((a, b) => a + b));
       console.log('argv', process.argv.slice(2).join(','));`,
    );
    const r = cli(['run', script, 'a', 'b'], dir.path);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('sum 14');
    expect(r.stdout).toContain('argv a,b');
    expect(r.status).toBe(0);
    const list = cli(['checkpoints', 'runinfo', '--json'], dir.path);
    expect(list.status).toBe(0);
    const rows = JSON.parse(list.stdout) as Array<{ dir: string; records: number }>;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.dir).toBe(join(dir.path, 'runinfo', '000', 'checkpoint'));
    expect(rows[0]!.records).toBe(3);
  } finally {
    dir.remove();
  }
});

test('run reports a failing script with a non-zero exit status', () => {
  const dir = tempDir();
  try {
    const script = join(dir.path, 'bad.mjs');
    writeFileSync(script, `throw new Error('workflow broke');`);
    const r = cli(['run', script], dir.path);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('workflow broke');
  } finally {
    dir.remove();
  }
});
