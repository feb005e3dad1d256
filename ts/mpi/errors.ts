/**
 * Errors of the MPI layer (native addon, communicator, flavour selection). Native errors carry a
 * `code` set in C++; {@link fromNativeError} is the one place that turns them into these classes.
 */
import { IllegalStateError, ParslError, registerErrorClass } from '../errors.js';

/** An MPI operation failed. `mpiErrorClass` is MPI's error class when MPI reported one. */
export class MPIError extends ParslError {
  readonly code: string;
  readonly mpiErrorClass: number | null;
  constructor(message: string, options?: { cause?: unknown; code?: string; mpiErrorClass?: number | null }) {
    super(message, options);
    this.code = options?.code ?? 'ERR_MPI';
    this.mpiErrorClass = options?.mpiErrorClass ?? null;
  }
}

/** MPI_Init_thread failed, or MPI was already initialised in a way the progress thread cannot share. */
export class MPIInitError extends MPIError {}

/**
 * The communicator was used in a state that does not allow the call (sending before `init()` or
 * after `finalize()`, a second communicator in one process, re-initialising after finalize).
 */
export class MPIStateError extends IllegalStateError {
  readonly code: string;
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(message, options);
    this.code = options?.code ?? 'ERR_MPI_STATE';
  }
}

/** `send()` would exceed `maxQueuedBytes`: wait for `'drain'` or `await flush()` and send again. */
export class MPIQueueFullError extends MPIError {
  constructor(
    readonly queuedBytes: number,
    readonly maxQueuedBytes: number,
    readonly messageBytes: number,
  ) {
    super(
      `send queue is full: ${queuedBytes} bytes queued, the message has ${messageBytes} bytes and ` +
        `maxQueuedBytes is ${maxQueuedBytes}; wait for the 'drain' event or \`await comm.flush()\` before sending more`,
      { code: 'ERR_MPI_QUEUE_FULL' },
    );
  }
}

/**
 * The MPI addon cannot be used here: it was not built (no MPI or no compiler at install time), or it
 * does not load. `missing` lists what is missing, each entry with how to install it.
 */
export class MPINotAvailableError extends ParslError {
  readonly missing: string[];
  constructor(message: string, missing: string[], options?: { cause?: unknown }) {
    super(message, options);
    this.missing = missing;
  }
}

/**
 * The addon's MPI is not the launcher's MPI: the launcher promised `expectedSize` ranks but MPI_Init
 * reported `actualSize` (each rank became a singleton because the two ABIs do not talk to each other).
 */
export class MPIFlavorMismatchError extends ParslError {
  constructor(
    readonly flavor: string,
    readonly launcherFlavor: string | null,
    readonly expectedSize: number,
    readonly actualSize: number,
    readonly sizeVariable: string,
  ) {
    super(
      `MPI flavour mismatch: the launcher promised ${expectedSize} ranks (${sizeVariable}=${expectedSize}` +
        `${launcherFlavor ? `, set by an ${launcherFlavor}-style launcher` : ''}) but the ${flavor} build of the parsl-ts ` +
        `MPI addon sees a world of ${actualSize}. The addon and mpiexec use different MPI libraries. ` +
        `Launch with the mpiexec of ${flavor} (e.g. mpiexec.${flavor}), or set PARSL_MPI_FLAVOR to the ` +
        `launcher's flavour${launcherFlavor ? ` (PARSL_MPI_FLAVOR=${launcherFlavor})` : ''} and build it with \`npm run build:native\`.`,
    );
  }
}

interface NativeErrorShape {
  message: string;
  code?: unknown;
}

function isNativeError(e: unknown): e is Error & NativeErrorShape {
  return e instanceof Error && typeof (e as NativeErrorShape).code === 'string';
}

/** Turns an error thrown by the addon into the matching class; anything else is returned unchanged. */
export function fromNativeError(e: unknown): unknown {
  if (!isNativeError(e)) return e;
  const code = String(e.code);
  switch (code) {
    case 'ERR_MPI_STATE':
    case 'ERR_MPI_IN_USE':
    case 'ERR_MPI_FINALIZED':
      return new MPIStateError(e.message, { cause: e, code });
    case 'ERR_INVALID_ARG':
      return new TypeError(e.message, { cause: e });
    default:
      return new MPIError(e.message, { cause: e, code });
  }
}

registerErrorClass(
  MPIError,
  MPIInitError,
  MPIStateError,
  MPIQueueFullError,
  MPINotAvailableError,
  MPIFlavorMismatchError,
);
