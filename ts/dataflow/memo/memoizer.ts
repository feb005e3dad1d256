import type { TaskOutcome } from '../../executors/base.js';
import type { FunctionDescriptor } from '../../serialize/function-ref.js';

/** What the memoizer sees of a task when it is about to launch (dependencies already resolved). */
export interface MemoTask {
  readonly id: number;
  readonly appName: string;
  /** js, bash or join: the same function as a different kind of app is a different computation. */
  readonly kind: 'js' | 'bash' | 'join';
  readonly fn: FunctionDescriptor;
  /** Resolved positional arguments; the keyword object, when given, is the last one. */
  readonly args: readonly unknown[];
  /** True when the last argument is the keyword object. */
  readonly hasKwargs: boolean;
  readonly memoize: boolean;
  readonly ignoreForCache: readonly string[];
  /** Keyword names the kernel filled in itself (e.g. AUTO_LOGNAME streams): never part of the hash. */
  readonly autoIgnored: readonly string[];
  /** Set by the memoizer when it hashes the task. */
  hashsum: string | null;
}

/** A memo lookup: nothing, a finished outcome, or an identical task still running. */
export type MemoLookup =
  | null
  | { readonly outcome: TaskOutcome }
  | { readonly pending: Promise<TaskOutcome> };

/**
 * The kernel's seam to the app cache and checkpoints. `check` runs at launch and may throw (an unhashable
 * argument fails that task); `update` runs once per finished task; `close` writes what is due at exit.
 */
export interface Memoizer {
  start(): Promise<void>;
  check(task: MemoTask): MemoLookup;
  update(task: MemoTask, outcome: TaskOutcome): void;
  /** Write a checkpoint now; resolves to the checkpoint directory. */
  checkpoint(): Promise<string>;
  close(): Promise<void>;
}
