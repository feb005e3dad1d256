import { type KeySet, OptionReader } from '../options.js';
import { AuthException } from './errors.js';
import { SSH_COMMON_OPTIONS, SSHChannel, type SSHChannelOptions } from './ssh.js';

export interface OAuthSSHChannelOptions extends Omit<SSHChannelOptions, 'password'> {
  /** An OAuth access token accepted by the host's SSH service in place of a password. */
  token?: string;
  /** Fetches the token (e.g. from a token cache) when the channel connects. */
  tokenProvider?: (hostname: string) => Promise<string>;
}

const OAUTH_SSH_OPTIONS = {
  ...SSH_COMMON_OPTIONS,
  token: true,
  tokenProvider: true,
} satisfies KeySet<OAuthSSHChannelOptions>;

/** An {@link SSHChannel} for OAuth-SSH services: the access token is sent as the password. */
export class OAuthSSHChannel extends SSHChannel {
  readonly #token: string | undefined;
  readonly #tokenProvider: ((hostname: string) => Promise<string>) | undefined;

  constructor(options: OAuthSSHChannelOptions) {
    const o = new OptionReader<OAuthSSHChannelOptions>('OAuthSSHChannel', options, OAUTH_SSH_OPTIONS);
    super(options, o);
    this.#token = o.secret('token');
    this.#tokenProvider = o.check<((hostname: string) => Promise<string>) | undefined>(
      'tokenProvider',
      undefined,
      (v) => (typeof v === 'function' ? null : 'a function (hostname) => Promise<token>'),
    );
  }

  protected override async password(): Promise<string> {
    if (this.#token !== undefined) return this.#token;
    if (this.#tokenProvider) return this.#tokenProvider(this.hostname);
    throw new AuthException(`OAuthSSHChannel to ${this.hostname} has no token: pass token or tokenProvider`);
  }
}
