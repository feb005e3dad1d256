export type {
  StagingContext,
  StagingDirection,
  StagingFunction,
  StagingMode,
  StagingOptions,
  StagingProvider,
  StagingStep,
} from '../data/staging.js';
export { NoStagingProviderError, StagingError, ZipAuthorityError } from './errors.js';
export { defaultStorageAccess } from './providers/defaults.js';
export { FTPInTaskStaging, FTPSeparateTaskStaging, type FTPStagingOptions } from './providers/ftp.js';
export { GlobusStaging, type GlobusStagingOptions } from './providers/globus.js';
export { HTTPInTaskStaging, HTTPSeparateTaskStaging, type HTTPStagingOptions } from './providers/http.js';
export { NoOpFileStaging } from './providers/noop.js';
export { RSyncStaging, type RSyncStagingOptions } from './providers/rsync.js';
export { StepProvider, type StepProviderSpec } from './providers/step-provider.js';
export { ZipFileStaging } from './providers/zip.js';
