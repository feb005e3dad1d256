import { mkdir, readFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import { homedir, userInfo } from 'node:os';
import { basename, join, posix } from 'node:path';
import { Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { type KeySet, OptionReader } from '../options.js';
import { registerSecret, registerSecretEnv } from '../secrets.js';
import { shellQuote } from '../shell.js';
import {
  type Channel,
  type ExecuteOptions,
  type ExecuteResult,
  type MakedirsOptions,
  withEnv,
} from './base.js';
import {
  AuthException,
  BadHostKeyException,
  ChannelClosed,
  ChannelTimeout,
  FileCopyException,
  SSHException,
} from './errors.js';
import {
  addKnownHost,
  checkKnownHosts,
  fingerprint,
  keyTypeOf,
  knownHostsName,
  readKnownHosts,
} from './known-hosts.js';

export interface SSHChannelOptions {
  hostname: string;
  /** @default the local user's name */
  username?: string;
  /** @default 22 */
  port?: number;
  /** Password (also answers keyboard-interactive prompts). */
  password?: string;
  /** Private key file. @default the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa that exists, if no other method */
  keyFilename?: string;
  /** Passphrase of `keyFilename`. */
  passphrase?: string;
  /** ssh-agent socket path. @default `$SSH_AUTH_SOCK` when set */
  agent?: string;
  /**
   * known_hosts file that the server's host key is checked against.
   * @default '~/.ssh/known_hosts'
   */
  knownHosts?: string;
  /**
   * `'reject'`: an unknown or different host key fails with `BadHostKeyException`.
   * `'acceptNew'`: an unknown host's key is appended to `knownHosts`; a different key still fails.
   * @default 'reject'
   */
  hostKeyPolicy?: 'reject' | 'acceptNew';
  /** Environment added to every command. @default {} */
  envs?: Record<string, string>;
  /** Remote directory for submit scripts (relative paths are under the remote home). @default '.parsl-ts/submit_scripts' */
  scriptDir?: string;
  /** Connection (TCP + handshake + auth) timeout in ms. @default 20_000 */
  connectTimeoutMs?: number;
}

/** The options every SSH channel takes; how the password is found is what the subclasses change. */
export const SSH_COMMON_OPTIONS = {
  hostname: true,
  username: true,
  port: true,
  keyFilename: true,
  passphrase: true,
  agent: true,
  knownHosts: true,
  hostKeyPolicy: true,
  envs: true,
  scriptDir: true,
  connectTimeoutMs: true,
} satisfies KeySet<Omit<SSHChannelOptions, 'password'>>;

const SSH_OPTIONS = { ...SSH_COMMON_OPTIONS, password: true } satisfies KeySet<SSHChannelOptions>;

const HOST_KEY_POLICIES = ['reject', 'acceptNew'] as const;

interface Session {
  client: Client;
  sftp?: SFTPWrapper;
}

/** Runs commands and moves files on another host over SSH (`ssh2`), on one lazily opened connection. */
export class SSHChannel implements Channel {
  readonly hostname: string;
  readonly username: string;
  readonly port: number;
  readonly envs: Record<string, string>;
  scriptDir: string;
  readonly isLocal = false;
  protected readonly options: SSHChannelOptions;
  #session: Promise<Session> | undefined;
  #closed = false;

  /** @param reader a subclass's reader of its own options (its class name and every key it takes) */
  constructor(options: SSHChannelOptions, reader?: OptionReader<SSHChannelOptions>) {
    const o = reader ?? new OptionReader<SSHChannelOptions>('SSHChannel', options, SSH_OPTIONS);
    this.hostname = o.string('hostname', '');
    if (this.hostname === '') o.fail('hostname', 'the name or address of the host to connect to');
    this.username = o.name('username', userInfo().username);
    this.port = o.number('port', 22, { integer: true, min: 1, max: 65535 });
    this.envs = o.stringRecord('envs', {});
    registerSecretEnv(this.envs);
    this.scriptDir = o.name('scriptDir', '.parsl-ts/submit_scripts');
    this.options = {
      hostname: this.hostname,
      password: o.secret('password'),
      keyFilename: o.string('keyFilename', undefined),
      passphrase: o.secret('passphrase'),
      agent: o.string('agent', undefined),
      knownHosts: o.string('knownHosts', undefined),
      hostKeyPolicy: o.oneOf('hostKeyPolicy', HOST_KEY_POLICIES, 'reject'),
      connectTimeoutMs: o.number('connectTimeoutMs', 20_000, { min: 0, exclusiveMin: true }),
    };
  }

  /** The password to offer; subclasses ask for it interactively or fetch a token. */
  protected async password(): Promise<string | undefined> {
    return this.options.password;
  }

  protected async authConfig(): Promise<Partial<ConnectConfig>> {
    const config: Partial<ConnectConfig> = {};
    const password = await this.password();
    registerSecret(password);
    if (password !== undefined) {
      config.password = password;
      config.tryKeyboard = true;
    }
    const agent = this.options.agent ?? process.env.SSH_AUTH_SOCK;
    if (agent) config.agent = agent;
    let keyFile = this.options.keyFilename;
    if (keyFile === undefined && password === undefined && !agent) {
      for (const name of ['id_ed25519', 'id_ecdsa', 'id_rsa']) {
        const candidate = join(homedir(), '.ssh', name);
        if (
          await readFile(candidate).then(
            () => true,
            () => false,
          )
        ) {
          keyFile = candidate;
          break;
        }
      }
    }
    if (keyFile !== undefined) {
      try {
        config.privateKey = await readFile(keyFile);
        registerSecret(config.privateKey);
      } catch (cause) {
        throw new AuthException(`cannot read the SSH key file ${keyFile}: check keyFilename`, { cause });
      }
      if (this.options.passphrase !== undefined) config.passphrase = this.options.passphrase;
    }
    return config;
  }

  #connect(): Promise<Session> {
    if (this.#closed) return Promise.reject(new ChannelClosed(`SSHChannel to ${this.hostname} was closed`));
    this.#session ??= this.#open().catch((e: unknown) => {
      this.#session = undefined;
      throw e;
    });
    return this.#session;
  }

  async #open(): Promise<Session> {
    const auth = await this.authConfig();
    const knownHostsPath = this.options.knownHosts ?? join(homedir(), '.ssh', 'known_hosts');
    const known = await readKnownHosts(knownHostsPath);
    const name = knownHostsName(this.hostname, this.port);
    let hostKeyProblem: BadHostKeyException | undefined;
    let newKey: Buffer | undefined;
    const client = new Client();
    // ssh2's own socket adds ~40 ms per channel open (Nagle); a NODELAY socket makes exec round trips fast.
    const sock = netConnect(this.port, this.hostname);
    sock.setNoDelay(true);
    const password = auth.password;
    client.on('keyboard-interactive', (_name, _instr, _lang, prompts, finish) => {
      finish(prompts.map(() => password ?? ''));
    });
    await new Promise<void>((resolve, reject) => {
      client.once('ready', () => resolve());
      client.once('error', (err: Error & { level?: string }) => {
        if (hostKeyProblem) reject(hostKeyProblem);
        else if (err.level === 'client-authentication') {
          reject(
            new AuthException(
              `SSH authentication to ${this.username}@${this.hostname}:${this.port} failed: ` +
                'check the key (keyFilename), the agent (SSH_AUTH_SOCK) or the password',
              { cause: err },
            ),
          );
        } else {
          reject(
            new SSHException(`SSH connection to ${this.hostname}:${this.port} failed: ${err.message}`, {
              cause: err,
            }),
          );
        }
      });
      // ssh2 throws here, synchronously, when it cannot use the key (bad passphrase, unknown format): the socket
      // we opened would otherwise stay open and keep the process alive.
      try {
        client.connect({
          ...auth,
          sock,
          host: this.hostname,
          port: this.port,
          username: this.username,
          readyTimeout: this.options.connectTimeoutMs ?? 20_000,
          hostVerifier: (key: Buffer) => {
            const verdict = checkKnownHosts(known, name, key);
            if (verdict.kind === 'match') return true;
            if (verdict.kind === 'unknown' && this.options.hostKeyPolicy === 'acceptNew') {
              newKey = key;
              return true;
            }
            hostKeyProblem = hostKeyError(this.hostname, this.port, name, knownHostsPath, key, verdict.kind);
            return false;
          },
        });
      } catch (cause) {
        sock.destroy();
        reject(
          new AuthException(
            `cannot use the SSH key file ${this.options.keyFilename ?? '(default key)'}: ` +
              `${(cause as Error).message}; check keyFilename and passphrase`,
            { cause },
          ),
        );
      }
    });
    client.on('error', () => {
      // A broken connection after setup: drop it so the next call reconnects.
      this.#session = undefined;
    });
    client.on('close', () => {
      this.#session = undefined;
    });
    if (newKey) await addKnownHost(knownHostsPath, name, newKey);
    return { client };
  }

  async execute(cmd: string, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
    if (opts.env) registerSecretEnv(opts.env);
    const { client } = await this.#connect();
    let full = `/bin/bash -c ${shellQuote(withEnv(cmd, { ...this.envs, ...(opts.env ?? {}) }))}`;
    // OpenSSH ignores signal requests on exec channels, so the remote side enforces the timeout itself.
    if (opts.timeoutMs !== undefined)
      full = `timeout -s KILL ${Math.ceil(opts.timeoutMs / 1000) + 1} ${full}`;
    return new Promise((resolve, reject) => {
      client.exec(full, (err, stream) => {
        if (err) {
          reject(
            new SSHException(`could not start a command on ${this.hostname}: ${err.message}`, { cause: err }),
          );
          return;
        }
        const out: Buffer[] = [];
        const errs: Buffer[] = [];
        let exitCode = -1;
        let settled = false;
        const timer =
          opts.timeoutMs === undefined
            ? undefined
            : setTimeout(() => {
                settled = true;
                stream.close();
                reject(
                  new ChannelTimeout(
                    `command on ${this.hostname} did not finish within ${opts.timeoutMs} ms: ${cmd.slice(0, 200)}; ` +
                      'raise the provider’s cmdTimeout if the scheduler is slow',
                  ),
                );
              }, opts.timeoutMs);
        stream.on('data', (b: Buffer) => out.push(b));
        stream.stderr.on('data', (b: Buffer) => errs.push(b));
        stream.on('exit', (code: number | null, signal?: string) => {
          exitCode = code ?? (signal ? 128 + 9 : -1);
        });
        stream.on('close', () => {
          clearTimeout(timer);
          if (settled) return;
          resolve({
            exitCode,
            stdout: Buffer.concat(out).toString(),
            stderr: Buffer.concat(errs).toString(),
          });
        });
      });
    });
  }

  async #sftp(): Promise<SFTPWrapper> {
    const session = await this.#connect();
    if (session.sftp) return session.sftp;
    session.sftp = await new Promise<SFTPWrapper>((resolve, reject) =>
      session.client.sftp((err, sftp) =>
        err
          ? reject(
              new SSHException(`SFTP is not available on ${this.hostname}: ${err.message}`, { cause: err }),
            )
          : resolve(sftp),
      ),
    );
    return session.sftp;
  }

  async #absolute(path: string): Promise<string> {
    if (path.startsWith('/')) return path;
    const sftp = await this.#sftp();
    const home = await new Promise<string>((resolve, reject) =>
      sftp.realpath('.', (err, p) => (err ? reject(err) : resolve(p))),
    );
    return posix.join(home, path);
  }

  async makedirs(path: string, opts: MakedirsOptions = {}): Promise<void> {
    const dir = await this.#absolute(path);
    if (opts.existOk === false && (await this.isdir(dir))) {
      throw new FileCopyException(`directory ${dir} already exists on ${this.hostname} (existOk: false)`);
    }
    const mode = (opts.mode ?? 0o700).toString(8);
    const r = await this.execute(`mkdir -p -m ${mode} ${shellQuote(dir)}`);
    if (r.exitCode !== 0) {
      throw new FileCopyException(`could not create ${dir} on ${this.hostname}: ${r.stderr.trim()}`);
    }
  }

  async isdir(path: string): Promise<boolean> {
    const sftp = await this.#sftp();
    const abs = await this.#absolute(path);
    return new Promise((resolve) => sftp.stat(abs, (err, st) => resolve(!err && st.isDirectory())));
  }

  async push(localPath: string, remoteDir: string): Promise<string> {
    const dir = await this.#absolute(remoteDir);
    await this.makedirs(dir);
    const dest = posix.join(dir, basename(localPath));
    const sftp = await this.#sftp();
    try {
      await new Promise<void>((resolve, reject) =>
        sftp.fastPut(localPath, dest, (err) => (err ? reject(err) : resolve())),
      );
      await new Promise<void>((resolve, reject) =>
        sftp.chmod(dest, 0o700, (err) => (err ? reject(err) : resolve())),
      );
    } catch (cause) {
      throw new FileCopyException(
        `could not copy ${localPath} to ${this.hostname}:${dest}: check both paths`,
        { cause },
      );
    }
    return dest;
  }

  async pull(remotePath: string, localDir: string): Promise<string> {
    const src = await this.#absolute(remotePath);
    const dest = join(localDir, basename(src));
    const sftp = await this.#sftp();
    try {
      await mkdir(localDir, { recursive: true });
      await new Promise<void>((resolve, reject) =>
        sftp.fastGet(src, dest, (err) => (err ? reject(err) : resolve())),
      );
    } catch (cause) {
      throw new FileCopyException(`could not copy ${this.hostname}:${src} to ${localDir}: check both paths`, {
        cause,
      });
    }
    return dest;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const session = this.#session;
    this.#session = undefined;
    if (!session) return;
    const { client } = await session.catch(() => ({ client: undefined }));
    if (!client) return;
    await new Promise<void>((resolve) => {
      // A connection that is already down never emits 'close' again: do not wait for it forever.
      const timer = setTimeout(() => {
        client.destroy();
        resolve();
      }, 2000);
      client.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      client.end();
    });
  }
}

/**
 * Why a host key was refused, naming the key the server offered (type and SHA256 fingerprint) so the user can
 * compare it with the one the host's administrator publishes before trusting it.
 */
function hostKeyError(
  hostname: string,
  port: number,
  name: string,
  knownHostsPath: string,
  key: Buffer,
  kind: 'unknown' | 'mismatch',
): BadHostKeyException {
  const offered = `${keyTypeOf(key)} key ${fingerprint(key)}`;
  const message =
    kind === 'unknown'
      ? `host key of ${name} is not in ${knownHostsPath}; the server offered the ${offered}. If that is the ` +
        `host's fingerprint (ask its administrator, or run ssh-keygen -lf on its host key), add it with ` +
        `ssh-keyscan -p ${port} ${hostname} >> ${knownHostsPath}, ` +
        "or pass hostKeyPolicy: 'acceptNew' to record it on first use"
      : `host key of ${name} differs from the one in ${knownHostsPath}: the server offered the ${offered}. ` +
        'Someone may be intercepting the connection, or the host was reinstalled; parsl-ts refuses it whatever ' +
        `the hostKeyPolicy. Remove the old entry (ssh-keygen -R '${name}' -f ${knownHostsPath}) only after ` +
        'checking the new fingerprint with the host’s administrator';
  return new BadHostKeyException(hostname, message, { fingerprint: fingerprint(key) });
}
