import type { File } from '../data/file.js';
import type { StdStream } from '../executors/base.js';

/** A stdout/stderr request the kernel resolves to a path under its run directory (AUTO_LOGNAME). */
export interface AutoStream {
  readonly auto: true;
}

/**
 * A call's keyword options, already read and checked by the app layer: the kernel acts on them but never
 * parses the user's keyword object itself.
 */
export interface TaskOptions {
  /** The keyword object as the app body receives it: streams replaced by their paths, outputs as Files. */
  readonly kwargs: Record<string, unknown>;
  readonly stdout: StdStream | AutoStream | null;
  readonly stderr: StdStream | AutoStream | null;
  /** Each becomes a DataFuture in `future.outputs`. */
  readonly outputs: readonly File[];
  /** Paths of the outputs on this file system, which a bash app must create. */
  readonly localOutputs: readonly string[];
  readonly walltimeMs: number | null;
  readonly resourceSpecification: Readonly<Record<string, unknown>> | null;
  /** What was wrong with the keyword object; the task fails with it at launch instead of the call throwing. */
  readonly invalid: Error | null;
}
