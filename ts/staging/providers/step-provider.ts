import type { File } from '../../data/file.js';
import type {
  StagingContext,
  StagingDirection,
  StagingMode,
  StagingProvider,
  StagingStep,
} from '../../data/staging.js';

/** What a built-in provider is: schemes, directions, where it runs, and the exported step that moves data. */
export interface StepProviderSpec {
  readonly name: string;
  readonly mode: StagingMode;
  readonly schemes: readonly string[];
  readonly directions: readonly StagingDirection[];
  /** URL of the module exporting the step (its `import.meta.url`). */
  readonly module: string;
  readonly exportName: string;
}

/** A provider whose every file moves with the same exported step and options. */
export class StepProvider implements StagingProvider {
  readonly name: string;
  readonly mode: StagingMode;

  constructor(
    readonly spec: StepProviderSpec,
    readonly options: unknown,
  ) {
    this.name = spec.name;
    this.mode = spec.mode;
  }

  canStageIn(file: File): boolean {
    return this.spec.directions.includes('in') && this.spec.schemes.includes(file.scheme);
  }

  canStageOut(file: File): boolean {
    return this.spec.directions.includes('out') && this.spec.schemes.includes(file.scheme);
  }

  step(_file: File, _direction: StagingDirection, _ctx: StagingContext): StagingStep | null {
    const { name, module, exportName } = this.spec;
    return { provider: name, module, exportName, options: this.options };
  }
}
