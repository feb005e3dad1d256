import { AuthException } from './errors.js';
import { SSHChannel, type SSHChannelOptions } from './ssh.js';

export interface OAuthSSHChannelOptions extends Omit<SSHChannelOptions, 'password'> {
  /** An OAuth access token accepted by the host's SSH service in place of a password. */
  token?: string;
  /** Fetches the token (e.g. from a token cache) when the channel connects. */
  tokenProvider?: (hostname: string) => Promise<string>;
}

/** An {@link SSHChannel} for OAuth-SSH services: the access token is sent as the password. */
export class OAuthSSHChannel extends SSHChannel {
  readonly #token: string | undefined;
  readonly #tokenProvider: ((hostname: string) => Promise<string>) | undefined;

  constructor(options: OAuthSSHChannelOptions) {
    super(options);
    this.#token = options.token;
    this.#tokenProvider = options.tokenProvider;
  }

  protected override async password(): Promise<string> {
    if (this.#token !== undefined) return this.#token;
    if (this.#tokenProvider) return this.#tokenProvider(this.hostname);
    throw new AuthException(`OAuthSSHChannel to ${this.hostname} has no token: pass token or tokenProvider`);
  }
}
