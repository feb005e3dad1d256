import { ReceivedFunctions } from '../../execute/function-cache.js';
import { TaskLoop } from '../../execute/task-loop.js';
import type { ResultWire, TaskWire } from '../../execute/task-wire.js';
import type { Communicator, MPIMessage } from '../../mpi/communicator.js';
import { openTask, resultBody, undecodable } from '../htex/worker-codec.js';
import {
  decodeFunctions,
  decodeTaskData,
  guarded,
  helloPayload,
  parseTaskBatch,
  ResultBatch,
  Tag,
  type TaskEntry,
} from './protocol.js';

/** Exit code of a rank that aborts the MPI job because its parent stopped answering. */
export const PARENT_SILENT_CODE = 3;

/**
 * A worker rank: the task loop (`execute/task-loop.ts`) over the communicator, results in `RESULTS` batches to
 * its parent. It ends when told to stop, or aborts the whole MPI job when its parent falls silent (a hung rank 0
 * must not leave the allocation's ranks behind) — decided by the progress thread, so even a rank whose JS
 * thread is stuck in a task goes.
 *
 * A rank cannot be replaced inside a running MPI job, so nothing kills it for a walltime: a task's walltime is
 * kept by the bound the loop puts on the task itself (`execute/walltime.ts`), which interrupts a synchronous
 * body and races an async one. A body blocked inside a native call outlives it, as it would any in-thread bound.
 */
export class RankWorker {
  readonly #comm: Communicator;
  readonly #parent: number;
  readonly #hungRankThresholdMs: number;
  readonly #functions = new ReceivedFunctions();
  readonly #out = new ResultBatch();
  readonly #loop: TaskLoop;
  readonly #where: string;
  #done: (code: number) => void = () => {};

  constructor(comm: Communicator, parent: number, hungRankThresholdMs: number, pollMicros = 0) {
    this.#comm = comm;
    this.#parent = parent;
    this.#hungRankThresholdMs = hungRankThresholdMs;
    this.#where = `MPI rank ${comm.rank}`;
    this.#loop = new TaskLoop(
      {
        collect: (r) => this.#out.add(r.id, resultBody(r)),
        deliver: (busyMs) => {
          this.#out.busyMs = busyMs;
          this.#comm.send(this.#parent, this.#out.take(), Tag.RESULTS);
          this.#comm.pollFor(pollMicros);
        },
      },
      this.#functions.loader,
    );
  }

  run(): Promise<number> {
    const finished = new Promise<number>((resolve) => {
      this.#done = resolve;
    });
    this.#comm.watch(this.#parent, { thresholdMs: this.#hungRankThresholdMs, abortCode: PARENT_SILENT_CODE });
    this.#comm.send(this.#parent, helloPayload(this.#comm.processorName), Tag.HELLO);
    this.#comm.on('message', (m) => guarded(this.#comm.rank, () => this.#onMessage(m)));
    return finished;
  }

  #onMessage(m: MPIMessage): void {
    if (m.source !== this.#parent) return;
    switch (m.tag) {
      case Tag.TASKS:
        // Views into the delivery, which is this message's alone once delivered (the addon never reuses it).
        for (const t of parseTaskBatch(m.data)) this.#loop.push(this.#open(t));
        this.#loop.pump();
        return;
      case Tag.FUNCTIONS:
        this.#functions.add(decodeFunctions(m.data));
        return;
      case Tag.STOP:
        this.#comm.unwatch(this.#parent);
        this.#done(0);
        return;
      default:
        return;
    }
  }

  #open(t: TaskEntry): TaskWire | ResultWire {
    try {
      const { fnId, body } = decodeTaskData(t.data);
      return openTask(t.id, fnId, body, this.#functions, this.#where);
    } catch (e) {
      return undecodable(t.id, this.#where, e);
    }
  }
}
