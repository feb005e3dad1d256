export type { Channel, ExecuteOptions, ExecuteResult, MakedirsOptions } from './base.js';
export {
  AuthException,
  BadHostKeyException,
  ChannelClosed,
  ChannelTimeout,
  FileCopyException,
  SSHException,
} from './errors.js';
export { LocalChannel, type LocalChannelOptions } from './local.js';
export { OAuthSSHChannel, type OAuthSSHChannelOptions } from './oauth-ssh.js';
export { SSHChannel, type SSHChannelOptions } from './ssh.js';
export {
  SSHInteractiveLoginChannel,
  type SSHInteractiveLoginChannelOptions,
} from './ssh-interactive-login.js';
