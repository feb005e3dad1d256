/** What every executor benchmark shares: executor tasks as the kernel builds them, submission, statistics. */
import type { Executor, ExecutorTask, TaskOutcome } from 'parsl-ts';
import { describeFunction } from '#internal';

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

let nextId = 1;

/** A task with resolved arguments, as the kernel hands it to an executor. */
export function task(func: (...a: never[]) => unknown, args: unknown[] = []): ExecutorTask {
  return {
    id: nextId++,
    tryId: 0,
    appName: func.name,
    kind: 'js',
    func,
    fn: describeFunction(func),
    args,
    walltimeMs: null,
    bash: null,
    resourceSpecification: {},
  };
}

export function submit(ex: Executor, t: ExecutorTask): Promise<TaskOutcome> {
  return new Promise((resolve) => ex.submit(t, resolve));
}
