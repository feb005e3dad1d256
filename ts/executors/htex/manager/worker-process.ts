import { type ChildProcess, spawn } from 'node:child_process';
import type { Duplex, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { KnownFunctions } from '../../../execute/function-cache.js';
import type { FunctionDescriptor } from '../../../serialize/function-ref.js';
import { encodePipeMessage, pipeMessageReader, WORKER_FD } from '../pipe-codec.js';
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
  readonly knownFunctions = new KnownFunctions();
  #ids: number[] = [];
  #head = 0;
  readonly #toWorker: Writable | null;
  /** Exited, or given up on by the pool: what it still sends is ignored. */
  #gone = false;
  readonly #exited: Promise<void>;

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
    // Tasks and results go over one plain pipe (see pipe-codec.ts); the IPC channel only tells the worker that
    // its pool is gone (it exits on 'disconnect').
    this.child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc', 'pipe'], env });
    const pipe = ((this.child.stdio as readonly unknown[])[WORKER_FD] as Duplex | null | undefined) ?? null;
    this.#toWorker = pipe;
    pipe?.on('error', () => {}); // EPIPE when the worker died; reported through 'exit'
    const reader = pipeMessageReader(
      (m) => {
        // After 'exit' the pool has already failed or requeued what this worker held.
        if (!this.#gone) onMessage(this, m);
      },
      () => onMessage(this, null),
    );
    pipe?.on('data', (d: Buffer) => reader.push(d));
    this.child.on('error', () => {}); // a failed spawn also emits 'exit'
    this.#exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.child.once('exit', (code, signal) => {
      this.#gone = true;
      onExit(this, signal ? `killed by ${signal}` : `exit code ${code}`);
    });
  }

  get inFlight(): number {
    return this.#ids.length - this.#head;
  }

  send(ids: number[], bufs: Buffer[], fnIds: string[], functions: FunctionDescriptor[]): void {
    for (const id of ids) this.#ids.push(id);
    const meta: Omit<ManagerToWorker, 'blob'> = {
      type: 'tasks',
      functions,
      fnIds,
      ids,
      lengths: bufs.map((b) => b.length),
    };
    this.#toWorker?.write(encodePipeMessage(meta, bufs));
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

  /**
   * Ask it to leave (SIGTERM: it kills its bash apps' process groups and exits); SIGKILL it when it has not
   * exited within `graceMs` (a task blocking its event loop). Resolves when it has exited.
   */
  async stop(graceMs: number): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }

  /** Kill it, for the pool has already failed or requeued what it held: nothing it sends counts any more. */
  retire(): void {
    this.#gone = true;
    this.kill();
  }
}
