/** Conversions between the kernel's task and outcome and the wire shapes every worker understands. */

import type { KnownFunctions } from '../execute/function-cache.js';
import type { ResultWire, TaskWire, WorkerReport } from '../execute/task-wire.js';
import { fromRemoteError } from '../serialize/remote-error.js';
import { decodeValue, encodeArgs } from '../serialize/values.js';
import type { ExecutorTask, TaskOutcome } from './base.js';

/**
 * The task as it travels to a receiver that knows the functions in `known`: its function's source goes the
 * first time only; ids recorded as sent now are pushed on `added`.
 */
export function taskToWire(t: ExecutorTask, known: KnownFunctions, added: string[]): TaskWire {
  const fn = known.inTask(t.fn, added);
  const args = encodeArgs(t.args);
  // Threads share the kernel's process: their tasks report times only, never resource samples (as in Parsl).
  // One literal with `monitor` always present (undefined when off), not a spread: a task is built and cloned
  // at the kernel's full rate, and a spread copy of it costs more than the rest of this function.
  return {
    id: t.id,
    tryId: t.tryId,
    appName: t.appName,
    kind: t.kind,
    fn,
    args,
    walltimeMs: t.walltimeMs,
    bash: t.bash,
    monitor: t.monitor === null || t.monitor === undefined ? undefined : -1,
  };
}

/** `worker`: the report when it travelled beside the result rather than in it. */
export function outcomeFromWire(r: ResultWire, worker: WorkerReport | undefined = r.worker): TaskOutcome {
  if (worker === undefined)
    return r.ok ? { ok: true, value: decodeValue(r.value) } : { ok: false, error: fromRemoteError(r.error) };
  return r.ok
    ? { ok: true, value: decodeValue(r.value), worker }
    : { ok: false, error: fromRemoteError(r.error), worker };
}
