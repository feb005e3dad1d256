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
  /**
   * Present when monitoring is on: the worker then reports its start and end times with the result, and
   * resource samples every this many seconds when ≥ 0 (0: at the end only; -1: none; see `worker-report.ts`).
   */
  readonly monitor?: number;
}

/** One resource sample of the process tree running a task (`/proc`), Parsl's `resource` row. */
export interface ResourceSample {
  /** Epoch milliseconds. */
  readonly time: number;
  readonly pid: number;
  readonly children: number;
  /** Seconds of CPU, summed over the process tree (waited-for children included). */
  readonly cpuUser: number;
  readonly cpuSystem: number;
  /** Bytes, summed over the process tree. */
  readonly rss: number;
  readonly vms: number;
  readonly memoryPercent: number;
  readonly diskRead: number;
  readonly diskWrite: number;
  readonly ctxVoluntary: number;
  readonly ctxInvoluntary: number;
  readonly status: string;
  readonly cpuNum: number;
}

/** What a worker says about one try besides its outcome (Parsl's WORKER_TASK_INFO and RESOURCE_INFO). */
export interface WorkerReport {
  /** Epoch milliseconds. */
  readonly started: number;
  readonly ended: number;
  readonly hostname: string;
  readonly blockId: string | null;
  /** Samples taken while the task ran and one at its end; null without sampling. */
  readonly samples: readonly ResourceSample[] | null;
}

export type ResultWire =
  | { readonly id: number; readonly ok: true; readonly value: unknown; worker?: WorkerReport }
  | { readonly id: number; readonly ok: false; readonly error: RemoteErrorData; worker?: WorkerReport };
