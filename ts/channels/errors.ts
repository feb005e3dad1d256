import { ParslError, registerErrorClass } from '../errors.js';

/**
 * The SSH server's host key is unknown or differs from the one in known_hosts. `fingerprint` is the offered key's
 * (`SHA256:…`, as `ssh-keygen -l` prints it) when the server got as far as offering one.
 */
export class BadHostKeyException extends ParslError {
  readonly fingerprint: string | null;
  constructor(
    readonly hostname: string,
    message: string,
    options?: { cause?: unknown; fingerprint?: string },
  ) {
    super(message, options);
    this.fingerprint = options?.fingerprint ?? null;
  }
}

/** The SSH server refused every authentication method we offered. */
export class AuthException extends ParslError {}

/** The SSH connection failed or broke (network, protocol, server gone). */
export class SSHException extends ParslError {}

/** Copying a file to or from the channel's host failed. */
export class FileCopyException extends ParslError {}

/** A command run through a channel did not finish within its timeout (it was killed). */
export class ChannelTimeout extends ParslError {}

/** A channel was used after `close()`. */
export class ChannelClosed extends ParslError {}

registerErrorClass(
  BadHostKeyException,
  AuthException,
  SSHException,
  FileCopyException,
  ChannelTimeout,
  ChannelClosed,
);
