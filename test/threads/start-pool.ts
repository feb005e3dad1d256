import { readdirSync, readFileSync } from 'node:fs';
import type { ExecutorTask, TaskOutcome } from 'parsl-ts';
import { getLogger, ThreadPoolExecutor } from 'parsl-ts';
import type { BashOptions } from '#internal';
import { describeFunction, type ModuleReference } from '#internal';

export { ThreadPoolExecutor };

/** A started pool; stop it with `shutdown()`. */
export async function startPool(maxThreads: number): Promise<ThreadPoolExecutor> {
  const ex = new ThreadPoolExecutor({ maxThreads });
  await ex.start({ runDir: '/tmp', runId: 'test', logger: getLogger('test.threads') });
  return ex;
}

let nextId = 1;

export interface TaskSpec {
  args?: unknown[];
  kind?: 'js' | 'bash';
  walltimeMs?: number | null;
  bash?: Partial<BashOptions>;
  resourceSpecification?: Record<string, unknown>;
  module?: ModuleReference;
}

// biome-ignore lint/complexity/noBannedTypes: app bodies are arbitrary functions
export function makeTask(func: Function, spec: TaskSpec = {}): ExecutorTask {
  const kind = spec.kind ?? 'js';
  return {
    id: nextId++,
    tryId: 0,
    appName: func.name || 'app',
    kind,
    func,
    fn: describeFunction(func, spec.module),
    args: spec.args ?? [],
    walltimeMs: spec.walltimeMs ?? null,
    bash: kind === 'bash' ? { stdout: null, stderr: null, outputs: [], ...spec.bash } : null,
    resourceSpecification: spec.resourceSpecification ?? {},
  };
}

/**
 * Submit and resolve with the outcome. Fails the test if `done` is called synchronously inside `submit` or
 * more than once.
 */
export function run(ex: ThreadPoolExecutor, task: ExecutorTask): Promise<TaskOutcome> {
  return new Promise((resolve, reject) => {
    let inSubmit = true;
    let calls = 0;
    ex.submit(task, (o) => {
      calls++;
      if (inSubmit) reject(new Error(`done was called synchronously inside submit for task ${task.id}`));
      else if (calls > 1) reject(new Error(`done was called ${calls} times for task ${task.id}`));
      else resolve(o);
    });
    inSubmit = false;
  });
}

export function value(o: TaskOutcome): unknown {
  if (!o.ok) throw o.error;
  return o.value;
}

export function error(o: TaskOutcome): Error {
  if (o.ok) throw new Error(`expected the task to fail, it returned ${String(o.value)}`);
  return o.error;
}

/** PIDs of live processes whose command line contains `needle` (read from /proc, no external tools). */
export function processesMatching(needle: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (cmd.includes(needle) && !/\) Z /.test(stat)) out.push(Number(d));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}
