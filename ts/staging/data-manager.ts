import { join } from 'node:path';
import { File } from '../data/file.js';
import type { StagingContext, StagingDirection, StagingProvider, StagingStep } from '../data/staging.js';
import { type AppFuture, DataFuture, Future } from '../dataflow/future.js';
import type { AppDefinition } from '../dataflow/task-record.js';
import type { Executor, ExecutorTask } from '../executors/base.js';
import { NoStagingProviderError } from './errors.js';
import { IN_TASK_FN, type InTaskPlan, runStaged } from './in-task.js';
import { defaultStorageAccess } from './providers/defaults.js';
import { runStep, STAGING_TASK_FN, type StepCall, stagingTask, type TaskStaging } from './run-step.js';

/** What the data manager needs from the kernel: submitting a staging task of its own. */
export interface StagingHost {
  submit(app: AppDefinition, args: unknown[]): AppFuture<unknown>;
}

/** What the data manager made of a task's Files. */
export interface PreparedStaging {
  /** The arguments with each staged File replaced by its local copy (or a future of it). */
  readonly args: unknown[];
  readonly outputs: readonly DataFuture[];
  /** Where the app writes its outputs (a bash app must create them): staged copies, or the local paths. */
  readonly localOutputs: readonly string[];
  readonly inTask: TaskStaging | null;
  /** No provider accepts one of the Files: the task fails with this before it runs. */
  readonly error: Error | null;
}

const SPECIAL = new Set(['outputs', 'stdout', 'stderr']);

/**
 * Parsl's DataManager: gives every File of a task (positional arguments, keyword values, `inputs`) and every
 * File of its `outputs` to the first provider of the executor's `storageAccess` that accepts it. Stage-in
 * becomes a dependency of the task (separate-task and kernel providers) or part of the task (in-task);
 * stage-out completes the output's DataFuture only once the data is where it belongs.
 */
export class DataManager {
  readonly #apps = new Map<string, AppDefinition>();
  readonly #own = new WeakSet<AppDefinition>();

  constructor(private readonly host: StagingHost) {}

  /** Whether an app is one of this manager's staging apps, whose Files are already where they must be. */
  owns(app: AppDefinition): boolean {
    return this.#own.has(app);
  }

  /** Whether a task has any File to look at; cheap, so tasks without Files pay (almost) nothing. */
  static mentionsFiles(args: readonly unknown[], hasKwargs: boolean, outputs: readonly File[]): boolean {
    if (outputs.length > 0) return true;
    const n = hasKwargs ? args.length - 1 : args.length;
    for (let i = 0; i < n; i++) if (isFileLike(args[i])) return true;
    if (!hasKwargs) return false;
    const kw = args[args.length - 1] as Record<string, unknown>;
    for (const k in kw) {
      const v = kw[k];
      if (k === 'inputs' && Array.isArray(v)) {
        for (const x of v) if (isFileLike(x)) return true;
      } else if (!SPECIAL.has(k) && isFileLike(v)) return true;
    }
    return false;
  }

  /** Decide how each File of a task moves; returns null when nothing moves and the outputs are plain. */
  prepare(
    executor: Executor,
    args: unknown[],
    hasKwargs: boolean,
    outputs: readonly File[],
    future: AppFuture<unknown>,
  ): PreparedStaging | null {
    const providers = executor.storageAccess ?? defaultStorageAccess();
    const ctx: StagingContext = { executorLabel: executor.label, workingDir: executor.workingDir ?? null };
    const inTask: TaskStaging = { stageIn: [], stageOut: [] };
    let changed = false;
    let error: Error | null = null;
    const stageIn = (v: unknown): unknown => {
      if (error !== null || !isFileLike(v)) return v;
      const file = v instanceof File ? v : v.file;
      const m = plan(providers, file, 'in', ctx);
      if (m instanceof Error) error = m;
      if (m instanceof Error || m === null) return v;
      const [p, step] = m;
      changed = true;
      const copy = file.cleancopy();
      copy.localPath = localPathFor(copy, ctx);
      const call: StepCall = { step, file: copy, direction: 'in' };
      const producer = v instanceof DataFuture ? v : null;
      if (p.mode === 'in-task') {
        inTask.stageIn.push(call);
        return producer === null ? copy : thenValue(producer, copy);
      }
      if (p.mode === 'separate-task') {
        const t = this.host.submit(this.#app(executor.label, 'in'), producer ? [call, producer] : [call]);
        return new DataFuture(t, copy);
      }
      return kernelStep(call, producer);
    };

    const n = hasKwargs ? args.length - 1 : args.length;
    const newArgs = args.slice();
    for (let i = 0; i < n; i++) newArgs[i] = stageIn(args[i]);
    if (hasKwargs) {
      const kw = { ...(args[args.length - 1] as Record<string, unknown>) };
      for (const k in kw) {
        const v = kw[k];
        if (k === 'inputs' && Array.isArray(v)) kw[k] = v.map(stageIn);
        else if (!SPECIAL.has(k)) kw[k] = stageIn(v);
      }
      newArgs[args.length - 1] = kw;
    }

    const outs: DataFuture[] = [];
    for (const o of outputs) {
      const m: ReturnType<typeof plan> = error === null ? plan(providers, o, 'out', ctx) : null;
      if (m instanceof Error) error = m;
      if (m instanceof Error || m === null) {
        outs.push(new DataFuture(future, o));
        continue;
      }
      const [p, step] = m;
      changed = true;
      // The app writes here; the File in its `outputs` is this same object.
      o.localPath = localPathFor(o, ctx);
      const call: StepCall = { step, file: o, direction: 'out' };
      if (p.mode === 'in-task') {
        inTask.stageOut.push(call);
        outs.push(new DataFuture(future, o));
      } else {
        outs.push(new DataFuture(future, o, this.#stageOutAfter(future, call, p.mode, executor.label)));
      }
    }
    const localOutputs = outputs
      .filter((o) => o.scheme === 'file' || o.localPath !== null)
      .map((o) => o.filepath);
    if (!changed && error === null) {
      return outputs.length > 0 ? { args, outputs: outs, localOutputs, inTask: null, error } : null;
    }
    const hasInTask = inTask.stageIn.length + inTask.stageOut.length > 0;
    return { args: newArgs, outputs: outs, localOutputs, inTask: hasInTask ? inTask : null, error };
  }

  /** The task as launched: the app wrapped so its in-task steps run around it where it runs. */
  wrap(task: ExecutorTask, staging: TaskStaging, app: AppDefinition): ExecutorTask {
    const plan: InTaskPlan = {
      appName: task.appName,
      kind: task.kind,
      fn: app.fn,
      bash: task.bash,
      walltimeMs: task.walltimeMs,
      stageIn: staging.stageIn,
      stageOut: staging.stageOut,
    };
    const func = app.func;
    return {
      ...task,
      kind: 'js',
      // In-process executors call func with the live app body (closures intact); the others load fn.
      func: (_plan: InTaskPlan, ...args: unknown[]) => runStaged(plan, func, args),
      fn: IN_TASK_FN,
      args: [plan, ...task.args],
      walltimeMs: null,
      bash: null,
    };
  }

  #stageOutAfter(
    future: AppFuture<unknown>,
    call: StepCall,
    mode: 'separate-task' | 'kernel',
    label: string,
  ): Future<unknown> {
    const placed = new Future<unknown>();
    future.onDone((f) => {
      if (!f.settledOk) {
        placed.setException(f.settledValue as Error);
        return;
      }
      const moved: PromiseLike<unknown> =
        mode === 'kernel' ? runStep(call) : this.host.submit(this.#app(label, 'out'), [call]);
      moved.then(
        () => placed.setResult(call.file),
        (e: unknown) => placed.setException(e as Error),
      );
    });
    return placed;
  }

  /** One staging app per executor and direction, so the task table shows `_parsl_stage_in` tasks as in Parsl. */
  #app(label: string, direction: StagingDirection): AppDefinition {
    const key = `${label}\0${direction}`;
    let a = this.#apps.get(key);
    if (a === undefined) {
      a = {
        name: `_parsl_stage_${direction}`,
        kind: 'js',
        func: stagingTask,
        fn: STAGING_TASK_FN,
        executors: [label],
        cache: false,
        ignoreForCache: [],
      };
      this.#apps.set(key, a);
      this.#own.add(a);
    }
    return a;
  }
}

function isFileLike(v: unknown): v is File | DataFuture {
  return v instanceof File || v instanceof DataFuture;
}

/** The provider for a file and its step; null when nothing moves; an Error (the task's) when none fits. */
function plan(
  providers: readonly StagingProvider[],
  file: File,
  direction: StagingDirection,
  ctx: StagingContext,
): readonly [StagingProvider, StagingStep] | Error | null {
  const p = choose(providers, file, direction, ctx);
  if (p === null || p instanceof Error) return p;
  try {
    const step = p.step(file, direction, ctx);
    return step === null ? null : [p, step];
  } catch (e) {
    // A provider refusing a malformed URL (zip://host/…) fails the task, not the app call.
    return e instanceof Error ? e : new Error(String(e));
  }
}

function choose(
  providers: readonly StagingProvider[],
  file: File,
  direction: StagingDirection,
  ctx: StagingContext,
): StagingProvider | Error | null {
  for (const p of providers) {
    if (direction === 'in' ? p.canStageIn(file) : p.canStageOut(file)) return p;
  }
  // Local files need no provider: with storageAccess [] they are used where they are.
  if (file.scheme === 'file') return null;
  const names = providers.map((p) => p.name).join(', ');
  return new NoStagingProviderError(
    providers.length === 0
      ? `executor '${ctx.executorLabel}' has storageAccess: [] (no staging), so it cannot stage ${direction} ${file.url}: give it a provider for '${file.scheme}' or use a local file`
      : `executor '${ctx.executorLabel}' cannot stage ${direction} ${file.url}: none of its storageAccess providers (${names}) accepts scheme '${file.scheme}'${direction === 'out' ? ' as an output' : ''}`,
  );
}

function localPathFor(file: File, ctx: StagingContext): string {
  return ctx.workingDir === null ? file.filename : join(ctx.workingDir, file.filename);
}

/** A future of `value` once `dep` succeeds (a DataFuture input staged inside the consuming task). */
function thenValue<T>(dep: Future<unknown>, value: T): Future<T> {
  const f = new Future<T>();
  dep.onDone((d) => (d.settledOk ? f.setResult(value) : f.setException(d.settledValue as Error)));
  return f;
}

/** A kernel-side step (Globus): runs here once its producer (if any) is done; the task waits for it. */
function kernelStep(call: StepCall, producer: Future<unknown> | null): Future<File> {
  const f = new Future<File>();
  const go = () =>
    runStep(call).then(
      () => f.setResult(call.file),
      (e: unknown) => f.setException(e as Error),
    );
  if (producer === null) void go();
  else producer.onDone((d) => (d.settledOk ? void go() : f.setException(d.settledValue as Error)));
  return f;
}
