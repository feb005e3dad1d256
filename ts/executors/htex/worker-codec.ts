import type { ReceivedFunctions } from '../../execute/function-cache.js';
import type { ResultWire, TaskWire } from '../../execute/task-wire.js';
import { FunctionLoadError, SerializationError } from '../../serialize/errors.js';
import { toRemoteError } from '../../serialize/remote-error.js';
import { decodeTaskBody, encodeResultBody } from './task-codec.js';

/**
 * The worker's end of `task-codec.ts`, shared by HTEX worker processes and MPI worker ranks: a body becomes a
 * task to run (or the failure to report instead), a result becomes a body (or, when it cannot be encoded, the
 * failure that says why).
 */

/** The task of body `buf` with function `fnId`; `where` names this worker in errors ("MPI rank 3"). */
export function openTask(
  id: number,
  fnId: string,
  buf: Buffer,
  functions: ReceivedFunctions,
  where: string,
): TaskWire | ResultWire {
  const fn = functions.get(fnId);
  if (fn === undefined) {
    const err = new FunctionLoadError(`function ${fnId} never reached ${where}`);
    return { id, ok: false, error: toRemoteError(err) };
  }
  try {
    return decodeTaskBody(id, fn, buf);
  } catch (e) {
    return undecodable(id, where, e);
  }
}

/** The failure of a task whose body could not be decoded. */
export function undecodable(id: number, where: string, cause: unknown): ResultWire {
  const err = new SerializationError(`task ${id} could not be decoded on ${where}`, { cause });
  return { id, ok: false, error: toRemoteError(err) };
}

export function resultBody(r: ResultWire): Buffer {
  try {
    return encodeResultBody(r);
  } catch (e) {
    const err = new SerializationError(
      `the result of task ${r.id} cannot be sent back (${(e as Error).message}); return plain data (numbers, strings, arrays, plain objects, Maps, Sets, typed arrays)`,
    );
    const failed: ResultWire = { id: r.id, ok: false, error: toRemoteError(err) };
    if (r.worker !== undefined) failed.worker = r.worker;
    return encodeResultBody(failed);
  }
}
