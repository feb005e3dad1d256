import { ParslError, registerErrorClass } from '../errors.js';

/** The SSH server's host key is unknown or differs from the one in known_hosts. */
export class BadHostKeyException extends ParslError {
  constructor(
    readonly hostname: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
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
