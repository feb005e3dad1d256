import type { OptionReader } from '../options.js';
import type { File } from './file.js';

/** Which way a file moves: to where the task runs (`in`) or from there to where it belongs (`out`). */
export type StagingDirection = 'in' | 'out';

/**
 * Where a provider's step runs:
 * - `separate-task`: as its own task on the app's executor, which the app task waits for (needs a file system
 *   shared by the executor's workers);
 * - `in-task`: inside the app's task, before (in) or after (out) the app body, wherever the task runs (no shared
 *   file system needed);
 * - `kernel`: in the submitting process, where credentials live (Globus).
 */
export type StagingMode = 'separate-task' | 'in-task' | 'kernel';

/** What the data manager tells a provider about the executor a file is staged for. */
export interface StagingContext {
  readonly executorLabel: string;
  /** The executor's `workingDir`; null means the task's current directory. */
  readonly workingDir: string | null;
}

/**
 * The code that moves one file: an exported {@link StagingFunction} of an ES module, so that it can run on a
 * worker thread or process as well as here. `options` travel with it (structured-clone values only).
 */
export interface StagingStep {
  /** The provider's name, for errors. */
  readonly provider: string;
  /** URL of the module (usually the provider module's `import.meta.url`). */
  readonly module: string;
  readonly exportName: string;
  readonly options?: unknown;
}

/** A staging step's body: move `file` (its `url` ↔ its `localPath`); throw to fail the task. */
export type StagingFunction = (file: File, direction: StagingDirection, options: unknown) => unknown;

/**
 * A staging provider, as Parsl's `Staging` class: the data manager gives each File of a task to the first
 * provider of the executor's `storageAccess` that accepts it.
 */
export interface StagingProvider {
  /** Parsl's class name (`HTTPInTaskStaging`) or the user's. */
  readonly name: string;
  readonly mode: StagingMode;
  canStageIn(file: File): boolean;
  canStageOut(file: File): boolean;
  /** The step that moves `file`, or null when nothing has to move (NoOp). */
  step(file: File, direction: StagingDirection, ctx: StagingContext): StagingStep | null;
}

export function isStagingProvider(v: unknown): v is StagingProvider {
  const p = v as StagingProvider;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof p.name === 'string' &&
    (p.mode === 'separate-task' || p.mode === 'in-task' || p.mode === 'kernel') &&
    typeof p.canStageIn === 'function' &&
    typeof p.canStageOut === 'function' &&
    typeof p.step === 'function'
  );
}

/** The staging options every executor takes (Parsl's `storage_access` and `working_dir`). */
export interface StagingOptions {
  /**
   * The providers that stage this executor's Files, first match wins. `[]` stages nothing: a task with a
   * non-local File then fails. @default NoOp (local files), HTTP and FTP (separate task), zip
   */
  readonly storageAccess?: readonly StagingProvider[] | null;
  /** Where staged copies are put, on the side where tasks run. @default null (the task's current directory) */
  readonly workingDir?: string | null;
}

export const STAGING_KEYS = { storageAccess: true, workingDir: true } as const;

export interface ResolvedStagingOptions {
  readonly storageAccess: readonly StagingProvider[] | null;
  readonly workingDir: string | null;
}

/** Reads `storageAccess` and `workingDir` with the executor's option reader. */
export function readStagingOptions(o: OptionReader<StagingOptions>): ResolvedStagingOptions {
  const storageAccess = o.check<readonly StagingProvider[] | null>('storageAccess', null, (v) =>
    v === null || (Array.isArray(v) && v.every(isStagingProvider))
      ? null
      : 'an array of staging providers (e.g. [new NoOpFileStaging(), new HTTPInTaskStaging()])',
  );
  return { storageAccess, workingDir: o.string('workingDir', null) };
}
