import type { File } from '../../data/file.js';
import type { StagingMode, StagingProvider, StagingStep } from '../../data/staging.js';

/** Local files (`file` scheme, plain paths) are used where they are: a file system shared with the workers. */
export class NoOpFileStaging implements StagingProvider {
  readonly name = 'NoOpFileStaging';
  readonly mode: StagingMode = 'separate-task';
  canStageIn(file: File): boolean {
    return file.scheme === 'file';
  }
  canStageOut(file: File): boolean {
    return file.scheme === 'file';
  }
  step(): StagingStep | null {
    return null;
  }
}
