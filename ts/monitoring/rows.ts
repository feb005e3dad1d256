import type { BlockReport, NodeReport } from '../executors/base.js';
import type { EventChunk } from './task-events.js';

/**
 * What the kernel side sends the writer: rows grouped by kind, each kind a flat array of primitive values with
 * a fixed stride (structured clone copies a flat array of numbers and strings far faster than an array of
 * small arrays). Times are epoch milliseconds; the writer formats them. The writer applies the kinds in the
 * order of the fields below, so a try's insert precedes its update within one batch.
 */
export interface RowBatch {
  readonly runId: string;
  workflowStart: WorkflowStart | null;
  workflowEnd: WorkflowEnd | null;
  /** taskId, funcName, memoize (0|1), depends|null, timeInvoked, stdout|null, stderr|null, outputs|null */
  readonly task: Array<string | number | null>;
  /** taskId, timeReturned, failCount, failCost, hashsum|null */
  readonly taskEnd: Array<string | number | null>;
  /** taskId, tryId, executor, timeLaunched */
  readonly try: Array<string | number | null>;
  /** taskId, tryId, timeRunning|null, hostname|null, blockId|null, timeReturned, failHistory|null */
  readonly tryEnd: Array<string | number | null>;
  /**
   * taskId, tryId, state (a TaskState number), time, funcName, the previous kernel state (-1: none yet; null:
   * not a kernel state change but a worker's running / running_ended)
   */
  readonly status: Array<string | number | null>;
  /** from app, to app: one pair per dependency edge */
  readonly edges: string[];
  /** taskId, tryId, interval, then the 14 fields of a ResourceSample in `RESOURCE_FIELDS` order */
  readonly resource: Array<string | number | null>;
  readonly node: NodeReport[];
  readonly block: BlockReport[];
}

export const STRIDE = {
  task: 8,
  taskEnd: 5,
  try: 4,
  tryEnd: 7,
  status: 6,
  edges: 2,
  resource: 17,
} as const;

export interface WorkflowStart {
  readonly name: string | null;
  readonly version: string | null;
  readonly timeBegan: number;
  readonly host: string;
  readonly user: string;
  readonly rundir: string;
}

export interface WorkflowEnd {
  readonly timeCompleted: number;
  readonly failed: number;
  readonly completed: number;
}

export function emptyBatch(runId: string): RowBatch {
  return {
    runId,
    workflowStart: null,
    workflowEnd: null,
    task: [],
    taskEnd: [],
    try: [],
    tryEnd: [],
    status: [],
    edges: [],
    resource: [],
    node: [],
    block: [],
  };
}

/** Append `from`'s rows to `into` (kind by kind, so the order within each kind is kept). */
export function appendBatch(into: RowBatch, from: RowBatch): void {
  if (from.workflowStart !== null) into.workflowStart ??= from.workflowStart;
  if (from.workflowEnd !== null) into.workflowEnd = from.workflowEnd;
  for (const k of [
    'task',
    'taskEnd',
    'try',
    'tryEnd',
    'status',
    'edges',
    'resource',
    'node',
    'block',
  ] as const) {
    const a = into[k] as unknown[];
    for (const v of from[k]) a.push(v);
  }
}

/** Values buffered in a batch: what decides when to send it. */
export function batchSize(b: RowBatch): number {
  return (
    b.task.length +
    b.taskEnd.length +
    b.try.length +
    b.tryEnd.length +
    b.status.length +
    b.resource.length +
    b.node.length +
    b.block.length
  );
}

/** Messages between the writer thread and the kernel side. */
export type ToWriter =
  /** The rare rows as a batch, and the task events since the last message (their buffer transferred). */
  | { readonly type: 'rows'; readonly batch: RowBatch; readonly events: EventChunk | null }
  /** Write what is pending, analyze, checkpoint the WAL and answer 'closed'. */
  | { readonly type: 'close' };

export type FromWriter =
  | { readonly type: 'ready' }
  /** Another connection held the lock past the busy timeout: the batch is being retried. */
  | { readonly type: 'busy' }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'closed'; readonly rows: number };

/** What the writer thread is started with. */
export interface WriterInit {
  readonly path: string;
  /** `resource.resource_monitoring_interval` of every sample. */
  readonly samplingInterval: number;
  /**
   * Counters the writer bumps as it works, readable at once by the kernel side (a message posted from a thread
   * stuck in a retry loop may reach the kernel only later): [0] batches retried because the database was locked.
   */
  readonly counters: SharedArrayBuffer;
}
