import { Client } from 'basic-ftp';
import type { File } from '../../data/file.js';
import { OptionReader } from '../../options.js';
import { localPathOf, streamInto, writeAtomically } from '../atomic.js';
import { StepProvider } from './step-provider.js';

/** Options of the FTP providers. Credentials in the URL (`ftp://user:password@host/…`) win over these. */
export interface FTPStagingOptions {
  /** @default 'anonymous' */
  readonly user?: string;
  /** Never logged and never shown in errors. @default 'anonymous@' (the anonymous convention) */
  readonly password?: string;
  /** Seconds before a silent server fails the transfer. @default 30 */
  readonly timeout?: number;
}

interface FTPStepOptions {
  readonly user: string;
  readonly password: string;
  readonly timeoutMs: number;
}

function readOptions(owner: string, options: unknown): FTPStepOptions {
  const o = new OptionReader<FTPStagingOptions>(owner, options, {
    user: true,
    password: true,
    timeout: true,
  });
  return {
    user: o.string('user', 'anonymous'),
    password: o.string('password', 'anonymous@'),
    timeoutMs: o.seconds('timeout', 30),
  };
}

const SPEC = {
  schemes: ['ftp'],
  directions: ['in'],
  module: import.meta.url,
  exportName: 'ftpStageIn',
} as const;

/** Downloads `ftp://` inputs in a task of their own on the app's executor; the app task waits for it. */
export class FTPSeparateTaskStaging extends StepProvider {
  constructor(options?: FTPStagingOptions) {
    const name = 'FTPSeparateTaskStaging';
    super({ ...SPEC, name, mode: 'separate-task' }, readOptions(name, options));
  }
}

/** Downloads `ftp://` inputs inside the app's task, where it runs. */
export class FTPInTaskStaging extends StepProvider {
  constructor(options?: FTPStagingOptions) {
    const name = 'FTPInTaskStaging';
    super({ ...SPEC, name, mode: 'in-task' }, readOptions(name, options));
  }
}

/** The step: log in (URL credentials first), RETR into a temporary file, rename it into place. */
export async function ftpStageIn(file: File, _direction: 'in', o: FTPStepOptions): Promise<void> {
  const u = new URL(file.url);
  const client = new Client(o.timeoutMs);
  try {
    await client.access({
      host: u.hostname,
      port: u.port ? Number(u.port) : 21,
      user: u.username ? decodeURIComponent(u.username) : o.user,
      password: u.password ? decodeURIComponent(u.password) : o.password,
    });
    // Our own stream: basic-ftp's file target writes with a 16 KiB buffer, pausing the data socket per read.
    await writeAtomically(localPathOf(file), (tmp) =>
      streamInto(tmp, (out) => client.downloadTo(out, file.path)),
    );
  } finally {
    client.close();
  }
}
