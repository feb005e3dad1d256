import { ParslError, registerErrorClass } from '../errors.js';

/** Moving a file failed: names the provider, the URL and the cause. */
export class StagingError extends ParslError {
  constructor(
    readonly provider: string,
    readonly url: string,
    readonly direction: 'in' | 'out',
    cause: string,
    options?: { cause?: unknown },
  ) {
    super(`${provider} could not stage ${direction} ${url}: ${cause}`, options);
  }
}

/** No provider of the executor accepts a File (unknown scheme, or `storageAccess: []`); raised before the task runs. */
export class NoStagingProviderError extends ParslError {}

/** A `zip:` URL with a host part (`zip://host/…`): zip files are always local (Parsl's ZipAuthorityError). */
export class ZipAuthorityError extends ParslError {}

registerErrorClass(StagingError, NoStagingProviderError, ZipAuthorityError);
