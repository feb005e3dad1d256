import { ParslError, registerErrorClass } from '../errors.js';

export { OptionalModuleMissing } from '../errors.js';

/** Base of the errors a provider raises while talking to its batch system or cloud. */
export class ExecutionProviderException extends ParslError {}

/** The scheduler refused the submission, or its answer had no job id. */
export class SubmitException extends ExecutionProviderException {
  constructor(
    readonly jobName: string,
    message: string,
    readonly stdout = '',
    readonly stderr = '',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Scaling out failed (the provider could not start a block). */
export class ScaleOutFailed extends ExecutionProviderException {
  constructor(
    readonly provider: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The submit-script template refers to a value the provider does not have. */
export class SchedulerMissingArgs extends ExecutionProviderException {
  constructor(
    readonly missingKeys: string[],
    readonly provider: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${provider}: the submit script template needs ${missingKeys.map((k) => `\${${k}}`).join(', ')}, ` +
        'which the provider did not supply; check custom templates and scheduler options',
      options,
    );
  }
}

/** The submit script could not be written. */
export class ScriptPathError extends ExecutionProviderException {
  constructor(
    readonly scriptPath: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `could not write the submit script ${scriptPath}: ${reason}; check that scriptDir is writable`,
      options,
    );
  }
}

/** A scheduler command (status, cancel) failed; the message carries its output. */
export class SchedulerCommandFailed extends ExecutionProviderException {
  constructor(
    readonly command: string,
    readonly exitCode: number,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(
      `\`${command}\` exited with ${exitCode}: ${stderr.trim() || '(no stderr)'}; check that the scheduler is ` +
        'reachable from this host and its commands are on PATH',
      options,
    );
  }
}

registerErrorClass(
  ExecutionProviderException,
  SubmitException,
  ScaleOutFailed,
  SchedulerMissingArgs,
  ScriptPathError,
  SchedulerCommandFailed,
);
