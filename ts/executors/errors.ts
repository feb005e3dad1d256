import { ParslError, registerErrorClass } from '../errors.js';

/**
 * Executor-level errors shared by every executor (thread pool, HighThroughputExecutor, MPI executors).
 * Errors raised by an app's own body live in `execute/errors.ts`; these say what happened to the machinery around it.
 */

/** Base of the errors an executor raises about itself. */
export class ExecutorError extends ParslError {
  constructor(
    readonly executorLabel: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`executor ${executorLabel}: ${reason}`, options);
  }
}

/** The executor was shut down or broke; tasks it still held fail with this. */
export class BadStateException extends ExecutorError {}

/** The executor could not add or remove workers or blocks. */
export class ScalingFailed extends ExecutorError {}

/** A task asked for a feature this executor does not have; `targetExecutor` names one that has it. */
export class UnsupportedFeatureError extends ExecutorError {
  constructor(
    readonly feature: string,
    currentExecutor: string,
    readonly targetExecutor: string | null,
  ) {
    super(
      currentExecutor,
      `the ${feature} feature is unsupported here${targetExecutor ? `; use ${targetExecutor} for it` : ''}`,
    );
  }
}

/** A task's `resourceSpecification` has keys this executor does not accept. */
export class InvalidResourceSpecification extends ParslError {
  constructor(
    readonly invalidKeys: readonly string[],
    reason?: string,
  ) {
    super(
      reason ??
        `invalid resource specification keys ${JSON.stringify(invalidKeys)}: remove them or use an executor that accepts them`,
    );
  }
}

/** The worker (thread, process or MPI rank) running the task died before reporting its result. */
export class WorkerLost extends ParslError {
  constructor(
    readonly workerId: string | number,
    readonly host: string,
    options?: { cause?: unknown; detail?: string },
  ) {
    super(
      `Task failure due to loss of worker ${workerId} on host ${host}${options?.detail ? ` (${options.detail})` : ''}: the worker exited or crashed while the task ran (process.exit, an uncaught error in a callback, out of memory); fix the app or let Config.retries retry it`,
      options,
    );
  }
}

/** A manager (worker pool of one node, or MPI rank 0) stopped answering; its tasks fail with this. */
export class ManagerLost extends ParslError {
  constructor(
    readonly managerId: string,
    readonly host: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Task failure due to loss of manager ${managerId} on host ${host}: the node's worker pool exited or lost contact (check its block's job and the worker logs)`,
      options,
    );
  }
}

/** A worker pool registered with a different parsl-ts or Node.js version than the interchange. */
export class VersionMismatch extends ParslError {
  constructor(
    readonly interchangeVersion: string,
    readonly managerVersion: string,
  ) {
    super(
      `Manager version info ${managerVersion} mismatches interchange ${interchangeVersion}: install the same parsl-ts and Node.js major version on the workers as on the submit side`,
    );
  }
}

/** Every block of an executor failed: the executor is put in a bad state and its tasks fail with this. */
export class TooManyJobFailures extends ParslError {
  constructor(
    readonly executorLabel: string,
    readonly summary: string,
    options?: { cause?: unknown },
  ) {
    super(
      `executor ${executorLabel}: every block failed, so no worker will ever run its tasks. Fix the cause in the ` +
        `block output below (worker_init, launcher, scheduler options), then rerun.\n${summary}`,
      options,
    );
  }
}

/**
 * The CurveZMQ certificates directory or one of its key files could be read or replaced by someone else; `path`
 * names it and the message says the fix.
 */
export class InsecureCertificates extends ParslError {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

registerErrorClass(
  ExecutorError,
  InsecureCertificates,
  BadStateException,
  ScalingFailed,
  UnsupportedFeatureError,
  InvalidResourceSpecification,
  WorkerLost,
  ManagerLost,
  VersionMismatch,
  TooManyJobFailures,
);
