import { ParslError, registerErrorClass } from '../errors.js';

/**
 * An error raised on behalf of other tasks' failures. `cause` is the first root failure that is not itself
 * propagated, so `err.cause` always points at the original exception.
 */
export class PropagatedException extends ParslError {
  constructor(
    readonly dependentExceptionsTids: ReadonlyArray<readonly [Error, string]>,
    readonly taskId: number | null,
    kind: string,
  ) {
    const where = dependentExceptionsTids.map(([, d]) => d).join(', ');
    const root = rootCause(dependentExceptionsTids.map(([e]) => e));
    super(
      `${kind} for task ${taskId ?? '?'} with failed dependencies from ${where}${root ? `; root cause: ${root.name}: ${root.message}` : ''}`,
      { cause: root ?? undefined },
    );
  }
}

/** A task could not run because a task or future it depends on failed (state `dep_fail`, never retried). */
export class DependencyError extends PropagatedException {
  constructor(dependentExceptionsTids: ReadonlyArray<readonly [Error, string]>, taskId: number | null) {
    super(dependentExceptionsTids, taskId, 'Dependency failure');
  }
}

/** A join app's inner task(s) failed; the join task fails without retry. */
export class JoinError extends PropagatedException {
  constructor(dependentExceptionsTids: ReadonlyArray<readonly [Error, string]>, taskId: number | null) {
    super(dependentExceptionsTids, taskId, 'Join failure');
  }
}

/** No DataFlowKernel is loaded (call `parsl.load()` first), or the loaded one has been cleaned up. */
export class NoDataFlowKernelError extends ParslError {}

/** A checkpoint file is missing or unreadable; the message names it. */
export class BadCheckpoint extends ParslError {}

function rootCause(errors: Error[]): Error | null {
  for (const e of errors) {
    let cur: unknown = e;
    for (let i = 0; i < 32 && cur instanceof PropagatedException; i++) cur = cur.cause;
    if (cur instanceof Error && !(cur instanceof PropagatedException)) return cur;
  }
  return errors[0] ?? null;
}

registerErrorClass(PropagatedException, DependencyError, JoinError, NoDataFlowKernelError, BadCheckpoint);
