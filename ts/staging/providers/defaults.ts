import type { StagingProvider } from '../../data/staging.js';
import { FTPSeparateTaskStaging } from './ftp.js';
import { HTTPSeparateTaskStaging } from './http.js';
import { NoOpFileStaging } from './noop.js';
import { ZipFileStaging } from './zip.js';

let defaults: readonly StagingProvider[] | null = null;

/** An executor's providers when it names none, as Parsl's: NoOp, FTP and HTTP in separate tasks, zip. */
export function defaultStorageAccess(): readonly StagingProvider[] {
  defaults ??= Object.freeze([
    new NoOpFileStaging(),
    new FTPSeparateTaskStaging(),
    new HTTPSeparateTaskStaging(),
    new ZipFileStaging(),
  ]);
  return defaults;
}
