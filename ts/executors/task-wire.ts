/** Conversions between the kernel's task and outcome and the wire shapes every worker understands. */

import type { ResultWire, TaskWire } from '../execute/task-wire.js';
import { withoutSource } from '../serialize/function-ref.js';
import { fromRemoteError } from '../serialize/remote-error.js';
import { decodeValue, encodeValue } from '../serialize/values.js';
import type { ExecutorTask, TaskOutcome } from './base.js';

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
