import type { BashOptions, Executor } from '../executors/base.js';
import type { FunctionDescriptor } from '../serialize/function-ref.js';
import type { TaskStaging } from '../staging/run-step.js';
import type { Dependencies } from './dependencies.js';
import { AppFuture, type Future, type FutureWaiter, type TaskView } from './future.js';
import type { TaskInfo } from './kernel-config.js';
import type { MemoTask } from './memo/memoizer.js';
import { stateName, TaskState } from './states.js';

/** An app as the kernel knows it: built once by app()/bashApp()/joinApp(). */
export interface AppDefinition {
  readonly name: string;
  readonly kind: 'js' | 'bash' | 'join';
  // biome-ignore lint/complexity/noBannedTypes: the user's app body
  readonly func: Function;
  readonly fn: FunctionDescriptor;
  readonly executors: 'all' | readonly string[];
  readonly cache: boolean;
  readonly ignoreForCache: readonly string[];
}

/** Everything the kernel tracks for one task. Kept flat and small: a million may be pending at once. */
export class TaskRecord implements FutureWaiter, TaskView, MemoTask, TaskInfo {
  state: TaskState = TaskState.pending;
  readonly future: AppFuture<unknown>;
  pendingDeps = 0;
  deps: Dependencies | null = null;
  executor: Executor | null = null;
  failCount = 0;
  failCost = 0;
  /** Failure descriptions of this task's tries; allocated on the first failure. */
  failures: string[] | null = null;
  tryId = 0;
  readonly timeInvoked = Date.now();
  timeReturned: number | null = null;
  hashsum: string | null = null;
  fromMemo = false;
  walltimeMs: number | null = null;
  bash: BashOptions | null = null;
  resourceSpecification: Readonly<Record<string, unknown>> = NO_SPEC;
  autoIgnored: readonly string[] = NONE;
  /** Set when the data manager chose the executor at submit (the task has Files). */
  staged = false;
  /** In-task staging steps, wrapped around the task at launch. */
  staging: TaskStaging | null = null;
  /** An error found while reading the call's keyword options; the task fails with it at launch. */
  invalid: Error | null = null;

  constructor(
    readonly id: number,
    readonly app: AppDefinition,
    public args: unknown[],
    readonly hasKwargs: boolean,
    private readonly onDependencyDone: (r: TaskRecord) => void,
  ) {
    this.future = new AppFuture(this);
  }

  get appName(): string {
    return this.app.name;
  }
  get kind(): AppDefinition['kind'] {
    return this.app.kind;
  }
  get fn(): FunctionDescriptor {
    return this.app.fn;
  }
  get memoize(): boolean {
    return this.app.cache;
  }
  get ignoreForCache(): readonly string[] {
    return this.app.ignoreForCache;
  }
  get executorLabel(): string | null {
    return this.executor?.label ?? null;
  }

  get failHistory(): readonly string[] {
    return this.failures ?? NONE;
  }

  stateName(): string {
    return stateName(this.state);
  }

  onFutureDone(_f: Future<unknown>): void {
    this.pendingDeps--;
    if (this.pendingDeps === 0) this.onDependencyDone(this);
  }
}

const NO_SPEC: Readonly<Record<string, unknown>> = Object.freeze({});
const NONE: readonly string[] = Object.freeze([]);
