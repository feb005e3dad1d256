/**
 * The shapes a task and its result take on their way to and from wherever the task runs (a thread, a worker
 * process, an MPI rank). Structured-clone safe; every executor sends these, so one task runner serves them all.
 */
import type { FunctionDescriptor } from '../serialize/function-ref.js';
import type { RemoteErrorData } from '../serialize/remote-error.js';

/** A redirected standard stream of a bash app. */
export interface StdStream {
  readonly path: string;
  /** 'w' truncates, 'a' appends. */
  readonly mode: 'w' | 'a';
}

/** What a bash app needs besides its function. */
export interface BashOptions {
  readonly stdout: StdStream | null;
  readonly stderr: StdStream | null;
  /** Local paths that must exist after the command (`MissingOutputs` otherwise). */
  readonly outputs: readonly string[];
}

/** A task as it travels to any worker. */
export interface TaskWire {
  readonly id: number;
  readonly tryId: number;
  readonly appName: string;
  readonly kind: 'js' | 'bash';
  readonly fn: FunctionDescriptor;
  readonly args: unknown[];
  readonly walltimeMs: number | null;
  readonly bash: BashOptions | null;
}

export type ResultWire =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: RemoteErrorData };
