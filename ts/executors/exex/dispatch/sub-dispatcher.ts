import type { Communicator, MPIMessage } from '../../../mpi/communicator.js';
import type { NativeAddon } from '../../../mpi/native.js';
import { decodeFunctions, EMPTY, encodeRanks, guarded, helloPayload, ResultBatch, Tag } from '../protocol.js';
import { PARENT_SILENT_CODE } from '../rank-worker.js';
import { ChildDispatch } from './child-dispatch.js';
import { ChildWatch, type LostChild } from './child-watch.js';
import type { TreeLayout } from './tree.js';

/**
 * A middle node of the dispatch tree: takes task batches from rank 0, spreads them over its worker ranks with
 * its own dispatcher core, and returns their results to rank 0 in aggregated batches. It runs no tasks. It
 * watches its workers like rank 0 does (a hung one's tasks come back as `WorkerLost`, and rank 0 hears which
 * ranks are gone), and aborts the job when rank 0 falls silent.
 */
export class SubDispatcher {
  readonly #comm: Communicator;
  readonly #parent: number;
  readonly #hungRankThresholdMs: number;
  readonly #children: ChildDispatch;
  readonly #watch: ChildWatch;
  readonly #up = new ResultBatch();
  #flushScheduled = false;
  #done: (code: number) => void = () => {};

  constructor(
    comm: Communicator,
    addon: NativeAddon,
    layout: TreeLayout,
    hungRankThresholdMs: number,
    pipelineMs: number,
  ) {
    this.#comm = comm;
    this.#parent = layout.parent(comm.rank);
    this.#hungRankThresholdMs = hungRankThresholdMs;
    const kids = new Map(layout.children(comm.rank).map((r) => [r, 1] as const));
    this.#children = new ChildDispatch(comm, addon, kids, pipelineMs);
    this.#watch = new ChildWatch(
      comm,
      this.#children,
      () => [],
      (lost) => this.#onLost(lost),
    );
  }

  run(): Promise<number> {
    const finished = new Promise<number>((resolve) => {
      this.#done = resolve;
    });
    this.#comm.watch(this.#parent, { thresholdMs: this.#hungRankThresholdMs, abortCode: PARENT_SILENT_CODE });
    this.#watch.start(this.#hungRankThresholdMs);
    this.#comm.send(this.#parent, helloPayload(this.#comm.processorName), Tag.HELLO);
    this.#comm.on('message', (m) => guarded(this.#comm.rank, () => this.#onMessage(m)));
    return finished;
  }

  #onMessage(m: MPIMessage): void {
    if (m.source === this.#parent) {
      switch (m.tag) {
        case Tag.TASKS:
          this.#children.submitBatch(m.data);
          this.#children.pump();
          return;
        case Tag.FUNCTIONS:
          this.#children.broadcastFunctions(decodeFunctions(m.data));
          return;
        case Tag.STOP:
          this.#watch.stop();
          this.#comm.unwatch(this.#parent);
          this.#children.broadcast(Tag.STOP, EMPTY);
          this.#done(0);
          return;
      }
      return;
    }
    if (m.tag === Tag.HELLO) {
      this.#watch.hello(m.source, m.data);
      return;
    }
    if (m.tag !== Tag.RESULTS) return;
    this.#up.addParsed(this.#children.complete(m.source, m.data));
    this.#children.pump();
    this.#scheduleFlush();
  }

  #onLost(lost: LostChild): void {
    process.stderr.write(
      `parsl-ts mpi relay rank ${this.#comm.rank}: ${lost.detail}; failing its ${lost.ids.length} task(s)\n`,
    );
    for (let i = 0; i < lost.ids.length; i++) this.#up.add(lost.ids[i]!, lost.bodies[i]!);
    this.#comm.send(this.#parent, encodeRanks(lost.unreachable), Tag.LOST);
    this.#children.pump();
    this.#scheduleFlush();
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      if (this.#up.size > 0) this.#comm.send(this.#parent, this.#up.take(), Tag.RESULTS);
    });
  }
}
