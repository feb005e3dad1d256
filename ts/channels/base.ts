/**
 * The one seam through which providers run commands and move files on the host that talks to the batch
 * system. Nothing outside `providers/` uses channels.
 */
import { shellQuote } from '../shell.js';

export interface ExecuteOptions {
  /** Kill the command after this many milliseconds and reject with `ChannelTimeout`. */
  timeoutMs?: number;
  /** Extra environment for this command only. */
  env?: Record<string, string>;
}

export interface ExecuteResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface MakedirsOptions {
  /** @default 0o700 */
  mode?: number;
  /** Do not fail when the directory exists. @default true */
  existOk?: boolean;
}

export interface Channel {
  /** Runs `cmd` with `/bin/bash -c` on the channel's host; resolves with its exit code (never rejects on one). */
  execute(cmd: string, opts?: ExecuteOptions): Promise<ExecuteResult>;
  /** Copies a local file into `remoteDir` (created if missing), mode 0700; resolves with the remote path. */
  push(localPath: string, remoteDir: string): Promise<string>;
  /** Copies a file from the channel's host into `localDir`; resolves with the local path. */
  pull(remotePath: string, localDir: string): Promise<string>;
  makedirs(path: string, opts?: MakedirsOptions): Promise<void>;
  isdir(path: string): Promise<boolean>;
  close(): Promise<void>;
  /** Where submit scripts go on the channel's host (providers push scripts here when the host is remote). */
  scriptDir?: string;
  /** True when the channel's host is this host, so files need no copying. */
  readonly isLocal?: boolean;
}

/** `export K='v'; …` so every command of a compound `cmd` sees the variables (an `env` prefix would not). */
export function withEnv(cmd: string, env: Record<string, string> | undefined): string {
  const entries = Object.entries(env ?? {});
  if (entries.length === 0) return cmd;
  for (const [key] of entries) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw new TypeError(`invalid environment variable name: ${key}`);
  }
  return `${entries.map(([k, v]) => `export ${k}=${shellQuote(v)};`).join(' ')} ${cmd}`;
}

/** Whether `v` has the methods of a {@link Channel} (for checking options). */
export function isChannel(v: unknown): v is Channel {
  const c = v as Partial<Channel> | null;
  return (
    typeof c === 'object' && c !== null && typeof c.execute === 'function' && typeof c.push === 'function'
  );
}
