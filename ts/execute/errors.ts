import { ParslError, registerErrorClass } from '../errors.js';

/**
 * Errors of an app body's execution, raised where the task runs and rebuilt on the submit side by name.
 */

/** Base of the errors an app body's execution produces. */
export class AppException extends ParslError {}

/** A bash app's command exited with a non-zero status. */
export class BashExitFailure extends AppException {
  constructor(
    readonly appName: string,
    readonly exitcode: number,
  ) {
    super(`bash_app ${appName} failed with unix exit code ${exitcode}`);
  }
}

/**
 * The app ran longer than its `walltime` and was stopped: interrupted where it ran (JS), its process group
 * killed (bash), or its worker replaced (a body blocked in a native call). See `walltime.ts`.
 */
export class AppTimeout extends AppException {}

/** A bash app's function did not produce a command string because formatting failed. */
export class AppBadFormatting extends AppException {}

/** A bash app's function returned nothing: it must return the command line to run. */
export class BashAppNoReturn extends AppException {}

/** A bash app finished but did not create every file named in `outputs`. */
export class MissingOutputs extends AppException {
  constructor(
    readonly reason: string,
    readonly outputs: string[],
  ) {
    super(`Missing Outputs: ${JSON.stringify(outputs)}, reason: ${reason}`);
  }
}

/** A `stdout`/`stderr` specification was malformed or its file could not be opened. */
export class BadStdStreamFile extends AppException {}

registerErrorClass(
  AppException,
  BashExitFailure,
  AppTimeout,
  AppBadFormatting,
  BashAppNoReturn,
  MissingOutputs,
  BadStdStreamFile,
);
