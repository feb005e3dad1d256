import { ParslError, registerErrorClass } from '../errors.js';

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

registerErrorClass(TooManyJobFailures);
