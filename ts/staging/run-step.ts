import type { File } from '../data/file.js';
import type { StagingDirection, StagingFunction, StagingStep } from '../data/staging.js';
import { describeFunction, type FunctionDescriptor } from '../serialize/function-ref.js';
import { StagingError } from './errors.js';

/** One file to move with one step: plain data, so it travels to workers inside task arguments. */
export interface StepCall {
  readonly step: StagingStep;
  readonly file: File;
  readonly direction: StagingDirection;
}

/** In-task steps of one task, wrapped around it when it is launched. */
export interface TaskStaging {
  readonly stageIn: StepCall[];
  readonly stageOut: StepCall[];
}

const loaded = new Map<string, StagingFunction>();

/** Run a step wherever this code runs (kernel, thread, worker process); every failure becomes a StagingError. */
export async function runStep(call: StepCall): Promise<void> {
  const { step, file, direction } = call;
  let fn: StagingFunction;
  try {
    fn = await loadStep(step);
  } catch (e) {
    throw new StagingError(step.provider, file.url, direction, (e as Error).message, { cause: e });
  }
  try {
    await fn(file, direction, step.options);
  } catch (e) {
    if (e instanceof StagingError) throw e;
    throw new StagingError(step.provider, file.url, direction, causeText(e), { cause: e });
  }
}

async function loadStep(step: StagingStep): Promise<StagingFunction> {
  const key = `${step.module}#${step.exportName}`;
  const hit = loaded.get(key);
  if (hit) return hit;
  const mod = (await import(step.module)) as Record<string, unknown>;
  const fn = mod[step.exportName];
  if (typeof fn !== 'function') {
    throw new Error(`staging module ${step.module} has no exported function '${step.exportName}'`);
  }
  loaded.set(key, fn as StagingFunction);
  return fn as StagingFunction;
}

/** The cause as one line: Node's network errors carry the useful part in `code` (ECONNREFUSED, ENOTFOUND). */
export function causeText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const code = (e as { code?: unknown }).code;
  const msg = e.message || e.name;
  return typeof code === 'string' && !msg.includes(code) ? `${msg} (${code})` : msg;
}

/**
 * The body of a separate staging task (submitted by the data manager on the app's executor). Further
 * arguments are the futures it waited for (the producer of a DataFuture input); it resolves to the file.
 */
export async function stagingTask(call: StepCall, ..._waitedFor: unknown[]): Promise<File> {
  await runStep(call);
  return call.file;
}

/** How workers find {@link stagingTask}: by import from this module. */
export const STAGING_TASK_FN: FunctionDescriptor = describeFunction(stagingTask, { module: import.meta.url });
