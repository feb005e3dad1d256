import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { dashboardScope, writeSyntheticRun } from '../helpers/monitoring-db.js';

const CLI = resolve('dist/cli/main.js');
const scope = dashboardScope('visualize-cli');
afterEach(() => scope.cleanup());

test('visualize: serves a database on the port it prints, and stops on SIGTERM', async () => {
  const dir = scope.scratch();
  writeSyntheticRun({
    path: join(dir, 'runinfo', 'monitoring.db'),
    runId: 'run-a',
    tasks: 20,
    workflowName: 'cli-run',
  });
  const child = spawn(CLI, ['visualize', '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  scope.defer(() => void child.kill('SIGKILL'));
  let out = '';
  child.stdout.setEncoding('utf8');
  const url = await new Promise<string>((ok, fail) => {
    child.stdout.on('data', (s: string) => {
      out += s;
      const m = /at (http:\/\/127\.0\.0\.1:\d+)\//.exec(out);
      if (m !== null) ok(m[1]!);
    });
    child.once('exit', (code) => fail(new Error(`visualize exited with ${code}: ${out}`)));
  });
  expect(out).toContain(`serving ${join(dir, 'runinfo', 'monitoring.db')}`);
  const wf = (await (await fetch(`${url}/api/workflows`)).json()) as {
    workflows: { workflow_name: string }[];
  };
  expect(wf.workflows.map((w) => w.workflow_name)).toEqual(['cli-run']);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  expect(code).toBe(0);
});

test('visualize: a missing database and a bad port are refused with exit status 2 and what to do', () => {
  const dir = scope.scratch();
  const missing = spawnSync(CLI, ['visualize'], { cwd: dir, encoding: 'utf8' });
  expect(missing.status).toBe(2);
  expect(missing.stderr).toBe(
    `parsl-ts visualize: --db ${join(dir, 'runinfo', 'monitoring.db')}: no such file. Run a workflow with a MonitoringHub first (it writes runinfo/monitoring.db by default), or pass --db PATH\n`,
  );
  const port = spawnSync(CLI, ['visualize', '--port', 'http'], { cwd: dir, encoding: 'utf8' });
  expect(port.status).not.toBe(0);
  expect(port.stderr).toMatch(
    /option '--port <port>' argument 'http' is invalid. must be a whole number from 0 to 65535/,
  );
});
