import type { FunctionDescriptor } from '../serialize/function-ref.js';
import { withoutSource } from '../serialize/function-ref.js';
import { fromRemoteError, type RemoteErrorData } from '../serialize/remote-error.js';
import { decodeValue, encodeValue } from '../serialize/values.js';
import type { BashOptions, ExecutorTask, TaskOutcome } from './base.js';

/**
 * A task as it travels to any worker (thread, process or MPI rank): structured-clone safe.
 * Every executor sends this shape, so one task runner serves them all.
 */
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

export function taskToWire(t: ExecutorTask, receiverHasSource: boolean): TaskWire {
  return {
    id: t.id,
    tryId: t.tryId,
    appName: t.appName,
    kind: t.kind,
    fn: receiverHasSource ? withoutSource(t.fn) : t.fn,
    args: encodeValue(t.args) as unknown[],
    walltimeMs: t.walltimeMs,
    bash: t.bash,
  };
}

export function outcomeFromWire(r: ResultWire): TaskOutcome {
  return r.ok ? { ok: true, value: decodeValue(r.value) } : { ok: false, error: fromRemoteError(r.error) };
}
