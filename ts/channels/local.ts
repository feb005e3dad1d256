import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type KeySet, OptionReader } from '../options.js';
import type { Channel, ExecuteOptions, ExecuteResult, MakedirsOptions } from './base.js';
import { ChannelTimeout, FileCopyException } from './errors.js';

export interface LocalChannelOptions {
  /**
   * Working directory of every command.
   * @default '.'
   */
  userhome?: string;
  /** Environment added to every command. @default {} */
  envs?: Record<string, string>;
  /** Where providers put submit scripts; unset means the provider's own `scriptDir`. */
  scriptDir?: string;
}

const LOCAL_CHANNEL_OPTIONS = {
  userhome: true,
  envs: true,
  scriptDir: true,
} satisfies KeySet<LocalChannelOptions>;

/** Runs commands on this host with bash, each in its own process group (so a timeout kills all of it). */
export class LocalChannel implements Channel {
  readonly userhome: string;
  readonly envs: Record<string, string>;
  scriptDir?: string;
  readonly isLocal = true;

  constructor(options: LocalChannelOptions = {}) {
    const o = new OptionReader<LocalChannelOptions>('LocalChannel', options, LOCAL_CHANNEL_OPTIONS);
    this.userhome = resolve(o.name('userhome', '.'));
    this.envs = o.stringRecord('envs', {});
    const scriptDir = o.string('scriptDir', undefined);
    if (scriptDir !== undefined) this.scriptDir = scriptDir;
  }

  execute(cmd: string, opts: ExecuteOptions = {}): Promise<ExecuteResult> {
    return new Promise((resolvePromise, reject) => {
      const child = spawn('/bin/bash', ['-c', cmd], {
        cwd: this.userhome,
        env: { ...process.env, ...this.envs, ...(opts.env ?? {}) },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (b: Buffer) => out.push(b));
      child.stderr.on('data', (b: Buffer) => err.push(b));
      let timedOut = false;
      const timer =
        opts.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true;
              try {
                process.kill(-(child.pid as number), 'SIGKILL');
              } catch {
                // already gone
              }
            }, opts.timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (timedOut) {
          reject(
            new ChannelTimeout(
              `command did not finish within ${opts.timeoutMs} ms and was killed: ${cmd.slice(0, 200)}; ` +
                'raise the provider’s cmdTimeout if the scheduler is slow',
            ),
          );
          return;
        }
        resolvePromise({
          exitCode: code ?? 128 + (signal ? 9 : 0),
          stdout: Buffer.concat(out).toString(),
          stderr: Buffer.concat(err).toString(),
        });
      });
    });
  }

  async push(localPath: string, remoteDir: string): Promise<string> {
    const dir = resolve(this.userhome, remoteDir);
    const dest = join(dir, basename(localPath));
    try {
      if (resolve(localPath) === dest) {
        await stat(dest);
        return dest;
      }
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await copyFile(localPath, dest);
      await chmod(dest, 0o700);
    } catch (cause) {
      throw new FileCopyException(`could not copy ${localPath} to ${dir}: check both paths and permissions`, {
        cause,
      });
    }
    return dest;
  }

  async pull(remotePath: string, localDir: string): Promise<string> {
    const dest = join(resolve(localDir), basename(remotePath));
    const src = resolve(this.userhome, remotePath);
    if (src === dest) return dest;
    try {
      await mkdir(localDir, { recursive: true });
      await copyFile(src, dest);
    } catch (cause) {
      throw new FileCopyException(`could not copy ${src} to ${localDir}: check both paths and permissions`, {
        cause,
      });
    }
    return dest;
  }

  async makedirs(path: string, opts: MakedirsOptions = {}): Promise<void> {
    const dir = resolve(this.userhome, path);
    if (opts.existOk === false && (await this.isdir(dir))) {
      throw new FileCopyException(`directory ${dir} already exists (existOk: false)`);
    }
    await mkdir(dir, { recursive: true, mode: opts.mode ?? 0o700 });
  }

  async isdir(path: string): Promise<boolean> {
    try {
      return (await stat(resolve(this.userhome, path))).isDirectory();
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {}
}
