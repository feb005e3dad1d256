import { stateName, TaskState } from '../../dataflow/states.js';

/** What one frame of the progress display shows. */
export interface ProgressSnapshot {
  readonly elapsedMs: number;
  readonly submitted: number;
  /** Waiting for dependencies: not on an executor yet. */
  readonly pending: number;
  readonly finished: number;
  readonly failed: number;
  /** Tasks finished per second since the previous frame (the whole run's average on the last frame). */
  readonly tasksPerSecond: number;
  readonly executors: readonly ExecutorProgress[];
}

export interface ExecutorProgress {
  readonly label: string;
  readonly states: ReadonlyMap<TaskState, number>;
  /** Blocks of a block executor: with a pool connected, and submitted and not ended; null otherwise. */
  readonly blocks: { readonly connected: number; readonly live: number } | null;
}

/** The order states are listed in: from waiting, through running, to the final ones. */
const ORDER: readonly TaskState[] = [
  TaskState.launched,
  TaskState.running,
  TaskState.running_ended,
  TaskState.joining,
  TaskState.fail_retryable,
  TaskState.exec_done,
  TaskState.memo_done,
  TaskState.failed,
  TaskState.dep_fail,
];

export function formatElapsed(ms: number): string {
  const s = Math.floor(ms / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  const hms = `${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
  return s >= 3600 ? `${Math.floor(s / 3600)}:${hms}` : hms;
}

function states(counts: ReadonlyMap<TaskState, number>): string[] {
  return ORDER.filter((s) => (counts.get(s) ?? 0) > 0).map((s) => `${stateName(s)} ${counts.get(s)}`);
}

function blocks(e: ExecutorProgress): string[] {
  return e.blocks === null ? [] : [`blocks ${e.blocks.connected} connected / ${e.blocks.live} live`];
}

function headline(p: ProgressSnapshot): string {
  const pending = p.pending > 0 ? `, ${p.pending} pending` : '';
  const failed = p.failed > 0 ? ` (${p.failed} failed)` : '';
  return `${formatElapsed(p.elapsedMs)}  ${p.submitted} tasks${pending}, ${p.finished} finished${failed}, ${p.tasksPerSecond.toFixed(1)} tasks/s`;
}

/** The live frame for a terminal: a headline, then one line per executor. */
export function renderFrame(p: ProgressSnapshot): string {
  const width = Math.max(0, ...p.executors.map((e) => e.label.length));
  const lines = p.executors.map(
    (e) => `  ${e.label.padEnd(width)}  ${[...states(e.states), ...blocks(e)].join('  ')}`,
  );
  return [`parsl-ts  ${headline(p)}`, ...lines].join('\n');
}

/** One line for a log or a pipe. */
export function renderLine(p: ProgressSnapshot): string {
  const parts = p.executors.map((e) => `${e.label}: ${[...states(e.states), ...blocks(e)].join(', ')}`);
  return [`parsl-ts progress ${headline(p)}`, ...parts].join(' | ');
}
