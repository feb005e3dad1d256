import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { File } from '../../data/file.js';
import { OptionReader } from '../../options.js';
import { localPathOf } from '../atomic.js';
import { StepProvider } from './step-provider.js';

/** Options of {@link RSyncStaging}. */
export interface RSyncStagingOptions {
  /** The host that holds the files (`host` or `user@host`), reached over SSH from where tasks run. */
  readonly hostname: string;
  /**
   * The remote shell rsync uses (`rsync -e`), e.g. `ssh -p 2222 -i ~/.ssh/key`; it must log in without a
   * prompt (BatchMode is added). @default 'ssh'
   */
  readonly rsh?: string;
}

interface RSyncStepOptions {
  readonly hostname: string;
  readonly rsh: string;
}

/**
 * Local-path Files (`file` scheme) that live on `hostname`, not where tasks run: rsync copies them in before the
 * task and its outputs back after it, inside the task. Put it before NoOpFileStaging in `storageAccess`.
 */
export class RSyncStaging extends StepProvider {
  constructor(options: RSyncStagingOptions) {
    const o = new OptionReader<RSyncStagingOptions>('RSyncStaging', options, { hostname: true, rsh: true });
    const hostname = o.string('hostname', '');
    if (hostname === '') o.fail('hostname', 'a host name (or user@host)');
    const step: RSyncStepOptions = { hostname, rsh: o.string('rsh', 'ssh') };
    super(
      {
        name: 'RSyncStaging',
        mode: 'in-task',
        schemes: ['file'],
        directions: ['in', 'out'],
        module: import.meta.url,
        exportName: 'rsyncStage',
      },
      step,
    );
  }
}

/** rsync writes to a temporary name beside the destination and renames it: a failed copy leaves nothing. */
export async function rsyncStage(file: File, direction: 'in' | 'out', o: RSyncStepOptions): Promise<void> {
  const remote = `${o.hostname}:${file.path}`;
  const local = localPathOf(file);
  if (direction === 'in') await mkdir(dirname(local), { recursive: true });
  const [from, to] = direction === 'in' ? [remote, local] : [local, remote];
  const rsh = `${o.rsh} -o BatchMode=yes`;
  return new Promise((resolve, reject) => {
    execFile('rsync', ['-t', '-e', rsh, '--', from, to], { timeout: 600_000 }, (err, _out, stderr) => {
      if (!err) {
        resolve();
        return;
      }
      const code = (err as { code?: unknown }).code;
      const said = stderr.trim().split('\n').filter(Boolean).slice(-2).join(' | ');
      reject(
        new Error(`rsync exited with ${typeof code === 'number' ? `code ${code}` : String(code)}: ${said}`),
      );
    });
  });
}
