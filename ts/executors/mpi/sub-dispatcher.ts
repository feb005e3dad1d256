import { ChildDispatch } from './child-dispatch.js';
import type { Communicator, MPIMessage } from './communicator.js';
import type { TreeLayout } from './dispatch-tree.js';
import type { NativeAddon } from './native.js';
import { decodeFunctions, EMPTY, guarded, parseTaskBatch, ResultBatch, Tag } from './rank-protocol.js';
import type { RankTiming } from './rank-worker.js';

/**
 * A middle node of the dispatch tree: takes task batches from rank 0, spreads them over its worker ranks with
 * its own dispatcher core, and returns their results to rank 0 in aggregated batches. It runs no tasks.
 */
export class SubDispatcher {
  readonly #comm: Communicator;
  readonly #parent: number;
  readonly #timing: RankTiming;
  readonly #children: ChildDispatch;
  readonly #up = new ResultBatch();
  #flushScheduled = false;
  #lastContact = Date.now();
  #done: (code: number) => void = () => {};

  constructor(
    comm: Communicator,
    addon: NativeAddon,
    layout: TreeLayout,
    timing: RankTiming,
    pipelineMs: number,
  ) {
    this.#comm = comm;
    this.#parent = layout.parent(comm.rank);
    this.#timing = timing;
    const kids = new Map(layout.children(comm.rank).map((r) => [r, 1] as const));
    this.#children = new ChildDispatch(comm, addon, kids, pipelineMs);
  }

  run(): Promise<number> {
    const finished = new Promise<number>((resolve) => {
      this.#done = resolve;
    });
    const timer = setInterval(() => {
      if (Date.now() - this.#lastContact > this.#timing.heartbeatThresholdMs) {
        process.stderr.write(
          `parsl-ts mpi relay rank ${this.#comm.rank}: rank 0 is silent; aborting the MPI job\n`,
        );
        this.#comm.abort(3);
      }
      this.#comm.send(this.#parent, EMPTY, Tag.HEARTBEAT);
    }, this.#timing.heartbeatPeriodMs);
    this.#comm.on('message', (m) => guarded(this.#comm.rank, () => this.#onMessage(m)));
    return finished.finally(() => clearInterval(timer));
  }

  #onMessage(m: MPIMessage): void {
    if (m.source === this.#parent) {
      this.#lastContact = Date.now();
      switch (m.tag) {
        case Tag.TASKS:
          for (const t of parseTaskBatch(m.data)) this.#children.submit(t.id, t.data);
          this.#children.pump();
          return;
        case Tag.FUNCTIONS:
          this.#children.broadcastFunctions(decodeFunctions(m.data));
          return;
        case Tag.HEARTBEAT:
          this.#children.broadcast(Tag.HEARTBEAT, EMPTY);
          return;
        case Tag.STOP:
          this.#children.broadcast(Tag.STOP, EMPTY);
          this.#done(0);
          return;
      }
      return;
    }
    if (m.tag !== Tag.RESULTS) return;
    const r = this.#children.complete(m.source, m.data);
    for (let i = 0; i < r.ids.length; i++) this.#up.add(r.ids[i]!, Buffer.from(r.bodies[i]!));
    this.#up.busyMs += r.busyMs;
    this.#children.pump();
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        if (this.#up.size > 0) this.#comm.send(this.#parent, this.#up.take(), Tag.RESULTS);
      });
    }
  }
}
