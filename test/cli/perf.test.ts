import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { tempDir } from '../helpers/paths.js';

const CLI = resolve('dist/cli/main.js');

test("perf: Parsl's parsl-perf lines for given batch sizes, with and without monitoring, and the ratio", () => {
  const dir = tempDir('perf');
  try {
    const config = join(dir.path, 'config.mjs');
    writeFileSync(
      config,
      `import * as parsl from ${JSON.stringify(resolve('dist/index.js'))};
       export function freshConfig() {
         return new parsl.Config({ executors: [new parsl.ThreadPoolExecutor({ maxThreads: 2 })], runDir: 'runs' });
       }`,
    );
    const r = spawnSync(
      CLI,
      ['perf', '--config', config, '--iterate', '10,20', '--argsize', '100', '--monitoring', 'on'],
      {
        cwd: dir.path,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.match(/==== Iteration \d ====/g)).toHaveLength(4);
    expect(r.stdout).toMatch(/Will run 20 tasks to target 120 seconds runtime/);
    expect(r.stdout).toMatch(/Submission took \d+\.\d{3} seconds = [\d.]+ tasks\/second/);
    expect(r.stdout.match(/Tasks per second: [\d.]+/g)).toHaveLength(4);
    expect(r.stdout).toMatch(/Monitoring throughput ratio \(on \/ off\): \d+\.\d{3}/);
    const bad = spawnSync(CLI, ['perf', '--iterate', 'often'], { cwd: dir.path, encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/--iterate.*'estimate', 'exponential' or comma-separated batch sizes/);
  } finally {
    dir.remove();
  }
});
