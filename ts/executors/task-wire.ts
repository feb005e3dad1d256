/** Conversions between the kernel's task and outcome and the wire shapes every worker understands. */

import type { KnownFunctions } from '../execute/function-cache.js';
import type { ResultWire, TaskWire } from '../execute/task-wire.js';
import { fromRemoteError } from '../serialize/remote-error.js';
import { decodeValue, encodeArgs } from '../serialize/values.js';
import type { ExecutorTask, TaskOutcome } from './base.js';

/**
 * The task as it travels to a receiver that knows the functions in `known`: its function's source goes the
 * first time only; ids recorded as sent now are pushed on `added`.
 */
export function taskToWire(t: ExecutorTask, known: KnownFunctions, added: string[]): TaskWire {
  return {
    id: t.id,
    tryId: t.tryId,
    appName: t.appName,
    kind: t.kind,
    fn: known.inTask(t.fn, added),
    args: encodeArgs(t.args),
    walltimeMs: t.walltimeMs,
    bash: t.bash,
  };
}

export function outcomeFromWire(r: ResultWire): TaskOutcome {
  return r.ok ? { ok: true, value: decodeValue(r.value) } : { ok: false, error: fromRemoteError(r.error) };
}
