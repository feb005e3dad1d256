// Driving an executor directly, as the kernel does: tasks built as the kernel builds them, submitted one by one,
// and checked against the executor contract (`done` exactly once, never from inside `submit`).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Executor, ExecutorContext, ExecutorTask, TaskOutcome } from 'parsl-ts';
import { getLogger } from 'parsl-ts';
import { type BashOptions, describeFunction, type ModuleReference } from '#internal';

export interface TaskSpec {
  readonly args?: unknown[];
  readonly kind?: 'js' | 'bash';
  readonly walltimeMs?: number | null;
  readonly bash?: Partial<BashOptions>;
  readonly resourceSpecification?: Record<string, unknown>;
  /** Send the function by reference to this module instead of by source. */
  readonly module?: ModuleReference;
}

let nextId = 1;

/**
 * A duration a task cannot reach within any test (a year): a task told to spin or sleep this long ends only when
 * something stops it, so its answer proves that something did, with no timing threshold.
 */
export const FOR_EVER_MS = 365 * 24 * 3600 * 1000;

/** An ExecutorTask as the kernel would build it (arguments already resolved). */
// biome-ignore lint/complexity/noBannedTypes: app bodies are arbitrary functions
export function makeTask(func: Function, spec: TaskSpec = {}): ExecutorTask {
  const kind = spec.kind ?? 'js';
  return {
    id: nextId++,
    tryId: 0,
    appName: func.name || 'anonymous',
    kind,
    func,
    fn: describeFunction(func, spec.module),
    args: spec.args ?? [],
    walltimeMs: spec.walltimeMs ?? null,
    bash: kind === 'bash' ? { stdout: null, stderr: null, outputs: [], ...spec.bash } : null,
    resourceSpecification: spec.resourceSpecification ?? {},
  };
}

/** A JS task with these arguments (and resource specification). */
export function jsTask(
  // biome-ignore lint/complexity/noBannedTypes: app bodies are arbitrary functions
  func: Function,
  args: unknown[] = [],
  resourceSpecification: Record<string, unknown> = {},
): ExecutorTask {
  return makeTask(func, { args, resourceSpecification });
}

/**
 * Submit and resolve with the outcome. `done` called from inside `submit` rejects; a second call is reported as an
 * uncaught error (the outcome was already delivered), which fails the run.
 */
export function run(executor: Executor, task: ExecutorTask): Promise<TaskOutcome> {
  return new Promise((resolve, reject) => {
    let inSubmit = true;
    let calls = 0;
    executor.submit(task, (outcome) => {
      calls++;
      if (calls > 1)
        queueMicrotask(() => {
          throw new Error(`done was called ${calls} times for task ${task.id}`);
        });
      else if (inSubmit) reject(new Error(`done was called synchronously inside submit for task ${task.id}`));
      else resolve(outcome);
    });
    inSubmit = false;
  });
}

/** The value of a successful outcome; a failed one throws its error. */
export function resultOf(o: TaskOutcome): unknown {
  if (!o.ok) throw o.error;
  return o.value;
}

/** The error of a failed outcome; a successful one fails the test. */
export function errorOf(o: TaskOutcome): Error {
  if (o.ok) throw new Error(`expected the task to fail, it returned ${String(o.value)}`);
  return o.error;
}

/**
 * A fresh run directory and an executor context for it. The path is unique to this test, and every process of the
 * run carries it in its command line, so it doubles as the marker that finds them.
 */
export function freshRunDir(name: string): { runDir: string; marker: string; ctx: ExecutorContext } {
  const runDir = mkdtempSync(join(tmpdir(), `parsl-ts-run-${name}-`));
  return { runDir, marker: runDir, ctx: { runDir, runId: name, logger: getLogger(`test.${name}`) } };
}
