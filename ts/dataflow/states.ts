/** Task states, numbered as Parsl's `States` so monitoring data lines up. */
export enum TaskState {
  pending = 0,
  running = 2,
  exec_done = 3,
  failed = 4,
  dep_fail = 5,
  launched = 7,
  fail_retryable = 8,
  memo_done = 9,
  joining = 10,
  running_ended = 11,
}

export const FINAL_STATES: ReadonlySet<TaskState> = new Set([
  TaskState.exec_done,
  TaskState.memo_done,
  TaskState.failed,
  TaskState.dep_fail,
]);

export const FINAL_FAILURE_STATES: ReadonlySet<TaskState> = new Set([TaskState.failed, TaskState.dep_fail]);

export function stateName(s: TaskState): string {
  return TaskState[s] ?? `unknown(${s})`;
}
