import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { runBashApp } from '../execute/bash-exec.js';
import type { BashOptions } from '../execute/task-wire.js';
import { callWithin } from '../execute/walltime.js';
import { describeFunction, type FunctionDescriptor, FunctionLoader } from '../serialize/function-ref.js';
import { runStep, type StepCall } from './run-step.js';

/** An app task wrapped by in-task staging: the app as it would have run, and the files to move around it. */
export interface InTaskPlan {
  readonly appName: string;
  readonly kind: 'js' | 'bash';
  readonly fn: FunctionDescriptor;
  readonly bash: BashOptions | null;
  readonly walltimeMs: number | null;
  readonly stageIn: readonly StepCall[];
  readonly stageOut: readonly StepCall[];
}

const NO_BASH: BashOptions = { stdout: null, stderr: null, outputs: [] };
let loader: FunctionLoader | null = null;

/** The function a wrapped task runs on a worker: rebuild the app body, then {@link runStaged}. */
export async function inTaskStaging(plan: InTaskPlan, ...args: unknown[]): Promise<unknown> {
  loader ??= new FunctionLoader();
  const fn = await loader.load(plan.fn);
  return runStaged(plan, fn, args);
}

/** Stage in, run the app (bash apps with their streams, within the walltime), stage out: Parsl's replace_task. */
// biome-ignore lint/complexity/noBannedTypes: the user's app body
export async function runStaged(plan: InTaskPlan, fn: Function, args: unknown[]): Promise<unknown> {
  for (const c of plan.stageIn) await runStep(c);
  // The app writes its staged outputs into the working directory, which may not exist yet where it runs.
  for (const c of plan.stageOut)
    if (c.file.localPath) await mkdir(dirname(c.file.localPath), { recursive: true });
  const value =
    plan.kind === 'bash'
      ? await runBashApp(plan.appName, fn, args, plan.bash ?? NO_BASH, plan.walltimeMs)
      : await (plan.walltimeMs === null ? fn(...args) : callWithin(plan.appName, plan.walltimeMs, fn, args));
  for (const c of plan.stageOut) await runStep(c);
  return value;
}

/** How workers find {@link inTaskStaging}: by import from this module. */
export const IN_TASK_FN: FunctionDescriptor = describeFunction(inTaskStaging, { module: import.meta.url });
