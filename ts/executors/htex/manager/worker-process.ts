import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FunctionDescriptor } from '../../../serialize/function-ref.js';
import type { ManagerToWorker } from '../protocol.js';

const WORKER_ENTRY = fileURLToPath(new URL('../worker.js', import.meta.url));

export interface WorkerSpawn {
  readonly rank: number;
  readonly count: number;
  readonly poolId: string;
  readonly blockId: string | null;
  /** CPUs to pin the worker to, with the `taskset` that does it (Node cannot set its own affinity); null: none. */
  readonly pin: { readonly taskset: string; readonly cpus: readonly number[] } | null;
  readonly env: Readonly<Record<string, string>>;
  /** Shown on the worker's command line so `ps` tells which pool and run it belongs to. */
  readonly logdir: string;
}

/**
 * One worker process as the pool sees it: the ids it holds in arrival order (it runs them in that order, so the
 * first is the running one) and the function sources it has already received.
 */
export class WorkerProcess {
  readonly child: ChildProcess;
  readonly rank: number;
  readonly knownFunctions = new Set<string>();
  #ids: number[] = [];
  #head = 0;

  constructor(
    s: WorkerSpawn,
    onMessage: (w: WorkerProcess, m: unknown) => void,
    onExit: (w: WorkerProcess, how: string) => void,
  ) {
    this.rank = s.rank;
    const env = {
      ...process.env,
      ...s.env,
      PARSL_WORKER_RANK: String(s.rank),
      PARSL_WORKER_COUNT: String(s.count),
      PARSL_WORKER_POOL_ID: s.poolId,
      PARSL_WORKER_BLOCK_ID: s.blockId ?? '',
    };
    const tag = ['--pool-id', s.poolId, '--block-id', s.blockId ?? '', '--logdir', s.logdir];
    const cmd = s.pin ? s.pin.taskset : process.execPath;
    const args = s.pin
      ? ['-c', s.pin.cpus.join(','), process.execPath, WORKER_ENTRY, ...tag]
      : [WORKER_ENTRY, ...tag];
    this.child = spawn(cmd, args, {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
      env,
    });
    this.child.on('message', (m) => onMessage(this, m));
    this.child.on('error', () => {}); // a failed spawn also emits 'exit'
    this.child.once('exit', (code, signal) =>
      onExit(this, signal ? `killed by ${signal}` : `exit code ${code}`),
    );
  }

  get inFlight(): number {
    return this.#ids.length - this.#head;
  }

  send(ids: number[], bufs: Buffer[], fnIds: string[], functions: FunctionDescriptor[]): void {
    for (const id of ids) this.#ids.push(id);
    const msg: ManagerToWorker = {
      type: 'tasks',
      functions,
      fnIds,
      ids,
      lengths: bufs.map((b) => b.length),
      blob: Buffer.concat(bufs),
    };
    this.child.send(msg);
  }

  /** Forget ids whose results arrived (the worker answers in order; anything else is tolerated). */
  completed(ids: readonly number[]): void {
    for (const id of ids) {
      if (this.#ids[this.#head] === id) this.#head++;
      else {
        const i = this.#ids.indexOf(id, this.#head);
        if (i >= 0) this.#ids.splice(i, 1);
      }
    }
    if (this.#head > 1024 && this.#head * 2 > this.#ids.length) {
      this.#ids = this.#ids.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The ids still held, oldest (the running one) first. */
  held(): number[] {
    return this.#ids.slice(this.#head);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
