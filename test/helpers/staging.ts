// Staging providers and servers the staging tests share.
import { pathToFileURL } from 'node:url';
import type * as parsl from 'parsl-ts';
import { REPO } from './paths.js';

/** A user-defined provider for `sp2://bucket/path`, whose store is a directory; its step is a fixture module. */
export class SP2Staging implements parsl.StagingProvider {
  readonly name = 'SP2Staging';
  constructor(
    readonly mode: parsl.StagingMode,
    readonly root: string,
  ) {}
  canStageIn(f: parsl.File): boolean {
    return f.scheme === 'sp2';
  }
  canStageOut(f: parsl.File): boolean {
    return f.scheme === 'sp2';
  }
  step(): parsl.StagingStep {
    return {
      provider: this.name,
      module: pathToFileURL(`${REPO}/test/fixtures/staging-sp2.mjs`).href,
      exportName: 'sp2Step',
      options: { root: this.root },
    };
  }
}
