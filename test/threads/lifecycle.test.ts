import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { tempDir } from '../helpers/paths.js';

const dist = new URL('../../dist/', import.meta.url).href;

/**
 * Run a script in a fresh Node process; resolve with its exit code, or 'hung' if it was still alive `graceMs`
 * after printing 'end of script' (its work is done by then: only an open handle can keep it running).
 */
function runScript(
  source: string,
  graceMs: number,
): Promise<{ code: number | 'hung'; stdout: string; stderr: string }> {
  const dir = tempDir();
  const file = join(dir.path, 'script.mjs');
  writeFileSync(file, source);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let guard: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (guard === undefined && stdout.includes('end of script')) {
        guard = setTimeout(() => {
          child.kill('SIGKILL');
          resolve({ code: 'hung', stdout, stderr });
        }, graceMs);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      clearTimeout(guard);
      dir.remove();
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

const script = (shutdown: boolean) => `
import { ThreadPoolExecutor, getLogger } from '${dist}index.js';
import { describeFunction } from '${dist}internal.js';
const ex = new ThreadPoolExecutor({ maxThreads: 2 });
await ex.start({ runDir: '.', runId: 'x', logger: getLogger('x') });
let id = 0;
const task = (func, kind = 'js', args = []) => ({ id: id++, tryId: 0, appName: 'a', kind, func, fn: describeFunction(func),
  args, walltimeMs: null, bash: kind === 'bash' ? { stdout: null, stderr: null, outputs: [] } : null, resourceSpecification: {} });
const run = (t) => new Promise((r) => ex.submit(t, r));
const outs = await Promise.all([
  ...Array.from({ length: 100 }, (_, i) => run(task((x) => x + 1, 'js', [i]))),
  run(task(async () => 'async')),
  run(task((c) => c, 'bash', ['true'])),
]);
console.log(JSON.stringify(outs.map((o) => o.ok)));
${shutdown ? 'await ex.shutdown();' : ''}
console.log('end of script');
`;

test('after shutdown() the process exits by itself', async () => {
  const r = await runScript(script(true), 15_000);
  expect(r.stderr).toBe('');
  expect(r.stdout).toContain('end of script');
  expect(JSON.parse(r.stdout.split('\n')[0]!).every(Boolean)).toBe(true);
  expect(r.code).toBe(0);
});

test('without shutdown() the threads keep the process alive (the check above can fail)', async () => {
  const r = await runScript(script(false), 2_000);
  expect(r.stdout).toContain('end of script');
  expect(r.code).toBe('hung');
});
