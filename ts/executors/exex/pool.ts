import { writeSync } from 'node:fs';
import { getLogger, type Logger } from '../../logging.js';
import { Communicator, type MPIMessage } from '../../mpi/communicator.js';
import { loadAddon, type MPIFlavor } from '../../mpi/load-addon.js';
import type { NativeAddon } from '../../mpi/native.js';
import type { FunctionDescriptor } from '../../serialize/function-ref.js';
import { type CommonPoolOptions, InterchangeLink, openPoolLog } from '../htex/manager/interchange-link.js';
import { ChildDispatch } from './dispatch/child-dispatch.js';
import { ChildWatch, type LostChild } from './dispatch/child-watch.js';
import { SubDispatcher } from './dispatch/sub-dispatcher.js';
import { type TreeLayout, treeLayout } from './dispatch/tree.js';
import { decodeRanks, EMPTY, encodeTaskBatch, guarded, ResultBatch, Tag } from './protocol.js';
import { RankWorker } from './rank-worker.js';

/** Everything `parsl-ts mpi-worker-pool` is told on its command line, resolved. */
export interface ExexPoolOptions extends CommonPoolOptions {
  readonly flavor: MPIFlavor | null;
  /** Estimated work (ms) a worker rank may hold queued behind its running task; 0 = one task per rank. */
  readonly pipelineMs: number;
  /** A pool with more ranks than this uses a dispatch tree. */
  readonly treeThreshold: number;
  /** Worker ranks per sub-dispatcher in a tree. */
  readonly treeFanout: number;
  /** A rank whose progress thread does not answer for this long is hung: its tasks fail, it gets no more. */
  readonly hungRankThresholdMs: number;
  /** The communicator's idle polling: how long it spins after activity and its longest sleep (µs). */
  readonly spinMicros: number;
  readonly maxSleepMicros: number;
}

/** Runs this rank's part of the pool; resolves with the exit code once MPI is finalized. */
export async function runExexPool(o: ExexPoolOptions): Promise<number> {
  const comm = await startWithin(
    startLimitMs(o),
    Communicator.init({
      ...(o.flavor ? { flavor: o.flavor } : {}),
      spinMicros: o.spinMicros,
      maxSleepMicros: o.maxSleepMicros,
    }),
  );
  const { addon } = loadAddon({ flavor: comm.flavor });
  const layout = treeLayout(comm.size, o.treeThreshold, o.treeFanout);
  let code: number;
  if (comm.size < 2) {
    process.stderr.write(
      'parsl-ts mpi-worker-pool: needs at least 2 ranks (rank 0 dispatches, the others work)\n',
    );
    code = 2;
  } else if (comm.rank === 0) {
    const root = new RankZero(comm, addon, layout, o);
    code = await root.run();
    if (root.unreachable.size > 0) {
      // MPI_Finalize would wait for the hung ranks forever; MPI_Abort makes the launcher kill every rank, hung
      // or stopped ones included, so nothing of the pool is left behind.
      process.stderr.write(
        `parsl-ts mpi-worker-pool: ending the MPI job with MPI_Abort: rank(s) ${[...root.unreachable].join(', ')} hung\n`,
      );
      comm.abort(code === 0 ? HUNG_RANKS_CODE : code);
    }
  } else {
    code = await serveRank(comm, addon, layout, o);
  }
  await finalizeWithin(comm, finalizeLimitMs(o.hungRankThresholdMs));
  return code;
}

/** How a non-zero rank serves in a pool's layout. */
export interface RankServiceOptions {
  readonly hungRankThresholdMs: number;
  readonly pipelineMs: number;
  /** µs a worker rank polls for its next task from the JS thread after sending results (see Communicator.pollFor). */
  readonly pollMicros?: number;
}

/**
 * The part of a non-zero rank: a relay of the dispatch tree or a worker, until its parent says `STOP`. Shared by
 * the ExtremeScale pool and the in-allocation executor's ranks; resolves with the rank's exit code.
 */
export function serveRank(
  comm: Communicator,
  addon: NativeAddon,
  layout: TreeLayout,
  o: RankServiceOptions,
): Promise<number> {
  if (layout.role(comm.rank) === 'relay')
    return new SubDispatcher(comm, addon, layout, o.hungRankThresholdMs, o.pipelineMs).run();
  return new RankWorker(comm, layout.parent(comm.rank), o.hungRankThresholdMs, o.pollMicros ?? 0).run();
}

/**
 * How long a rank may wait for MPI to start. MPI_Init (and the shared window of the doorbells) waits for every
 * rank of the job, so one rank stopped, frozen or hung before it got there holds the others in it for good, where
 * no ping can reach them: rank 0 never registers, the interchange never hears of the pool, and the block would
 * run on, serving nothing, until its walltime. A hung rank plus a heartbeat threshold is far beyond a healthy
 * start-up and well within what the executor waits for a pool.
 */
export const startLimitMs = (o: Pick<ExexPoolOptions, 'hungRankThresholdMs' | 'heartbeatThresholdMs'>) =>
  o.hungRankThresholdMs + o.heartbeatThresholdMs;

/**
 * Resolves with MPI once started, or ends this rank when that takes longer than `ms`: the launcher then ends the
 * job (a rank that exits or dies before MPI_Init completes aborts it under mpiexec and srun), and the block ends,
 * to be replaced by the strategy. MPI_Init cannot be interrupted, and a normal exit could wait for the progress
 * thread inside it, hence SIGKILL after the reason is written.
 */
async function startWithin<T>(ms: number, starting: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>(() => {
    timer = setTimeout(() => {
      writeSync(
        2,
        `parsl-ts mpi-worker-pool: MPI did not start within ${ms} ms (a rank of the job stopped, hung or never ` +
          `launched); ending this rank so that the launcher ends the job\n`,
      );
      process.kill(process.pid, 'SIGKILL');
    }, ms);
  });
  try {
    return await Promise.race([starting, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Exit code of a pool that stopped normally but had to abort MPI because some ranks hung. */
const HUNG_RANKS_CODE = 5;

/** Exit code of a rank that ended the job because a peer did not reach MPI_Finalize in time. */
export const FINALIZE_LATE_CODE = 4;

/**
 * How long a rank waits in MPI_Finalize for the others. A peer busy in a synchronous task when the pool stops, or
 * starved of CPU on an oversubscribed node, gets there late but gets there: the same bound as for a rank that
 * does not answer at all (a 5 s bound ended 256-rank jobs on 2 cores that had finished their work).
 */
export const finalizeLimitMs = (hungRankThresholdMs: number) => Math.max(5_000, hungRankThresholdMs);

/** Finalize, or end the job, saying why, when a peer never reaches MPI_Finalize. */
export async function finalizeWithin(comm: Communicator, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => {
    timer = setTimeout(() => r('late'), ms);
  });
  const r = await Promise.race([comm.flush().then(() => comm.finalize()), late]);
  clearTimeout(timer);
  // A peer that never reaches MPI_Finalize must not keep this rank (and the allocation) alive; and when the
  // launcher is already gone even MPI_Abort can block, hence the last resort.
  if (r === 'late') {
    writeSync(
      2,
      `parsl-ts MPI rank ${comm.rank} of ${comm.size}: MPI_Finalize did not complete within ${ms / 1000} s ` +
        `(a rank of the job has not reached it: busy in a task, hung, or starved of CPU); ending the MPI job ` +
        `with status ${FINALIZE_LATE_CODE} (the wait is hungRankThreshold, at least 5 s)\n`,
    );
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), 2_000).unref();
    comm.abort(FINALIZE_LATE_CODE);
  }
}

/**
 * Rank 0: a manager to the interchange (registration with the block id, heartbeats, drain, batches), and the
 * root of the pool's dispatch through the native dispatcher core.
 */
class RankZero {
  readonly #comm: Communicator;
  readonly #o: ExexPoolOptions;
  readonly #log: Logger = getLogger('parsl.executors.exex.rank0');
  readonly #children: ChildDispatch;
  readonly #watch: ChildWatch;
  readonly #link: InterchangeLink;
  readonly #results = new ResultBatch();
  #flushScheduled = false;
  #stopping = false;
  #done: (code: number) => void = () => {};

  constructor(comm: Communicator, addon: NativeAddon, layout: TreeLayout, o: ExexPoolOptions) {
    this.#comm = comm;
    this.#o = o;
    const kids = new Map(layout.children(0).map((r) => [r, Math.max(1, layout.workersBelow(r))] as const));
    this.#children = new ChildDispatch(comm, addon, kids, o.pipelineMs);
    this.#watch = new ChildWatch(
      comm,
      this.#children,
      (r) => layout.children(r),
      (l) => this.#onLost(l),
    );
    this.#link = new InterchangeLink(o, this.#log, 'mpi-worker-pool', {
      tasks: (ids, fnIds, bodies, fns) => this.#onTasks(ids, fnIds, bodies, fns),
      stop: (reason, code) => this.stop(reason, code),
    });
    this.#log.info(
      `pool ${o.uid} (block ${o.blockId}): ${comm.size} ranks, ${layout.subDispatchers.length} sub-dispatchers, ` +
        `${this.#children.workers} worker ranks, ${comm.flavor} (${comm.libraryVersion})`,
    );
  }

  /** Ranks declared hung (here or by a sub-dispatcher), with the ranks only they could reach. */
  get unreachable(): ReadonlySet<number> {
    return this.#watch.unreachable;
  }

  #capacity(): number {
    return this.#children.workers * this.#children.depth;
  }

  async run(): Promise<number> {
    const logHandle = openPoolLog(this.#o, 'exex-rank0.log', 'parsl.executors.exex');
    const done = new Promise<number>((resolve) => {
      this.#done = resolve;
    });
    this.#comm.on('message', (m) => guarded(this.#comm.rank, () => this.#onRankMessage(m)));
    this.#watch.start(this.#o.hungRankThresholdMs);
    // A signal means the job is being cancelled and the other ranks are going too: tell the ranks that are left,
    // leave the interchange, then die of the signal (an MPI_Finalize now could wait for ranks already gone).
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.once(sig, () => {
        this.stop(sig, 0);
        const die = () => process.kill(process.pid, sig);
        setTimeout(die, 500).unref();
        void this.#link.close().then(die);
      });
    }
    try {
      const opened = await this.#link.open({
        workerCount: this.#children.workers,
        prefetchCapacity: 0,
        capacity: this.#capacity(),
      });
      if (!opened.ok) this.stop('no interchange', opened.exitCode);
      return await done;
    } finally {
      await logHandle.close();
    }
  }

  #onTasks(ids: number[], fnIds: string[], bodies: Buffer[], fns: FunctionDescriptor[]): void {
    if (this.#stopping) return;
    this.#children.broadcastFunctions(fns);
    this.#children.submitBatch(encodeTaskBatch(ids, fnIds, bodies));
    this.#children.pump();
  }

  #onRankMessage(m: MPIMessage): void {
    if (this.#stopping) return;
    switch (m.tag) {
      case Tag.RESULTS: {
        // A rank declared hung that wakes up again is not served any more: its late results were failed already.
        if (this.unreachable.has(m.source)) return;
        this.#results.addParsed(this.#children.complete(m.source, m.data));
        this.#afterResults();
        return;
      }
      case Tag.HELLO:
        this.#watch.hello(m.source, m.data);
        return;
      case Tag.LOST: {
        const ranks = decodeRanks(m.data);
        this.#log.warning(`sub-dispatcher ${m.source} lost hung worker rank(s) ${ranks.join(', ')}`);
        this.#watch.lostBelow(ranks);
        this.#children.dropWorkers(m.source, ranks.length);
        this.#afterLoss();
        return;
      }
    }
  }

  #onLost(lost: LostChild): void {
    if (this.#stopping) return;
    this.#log.warning(`${lost.detail}; failing its ${lost.ids.length} task(s) with WorkerLost`);
    for (let i = 0; i < lost.ids.length; i++) this.#results.add(lost.ids[i]!, lost.bodies[i]!);
    this.#afterResults();
    this.#afterLoss();
  }

  #afterLoss(): void {
    if (this.#children.workers === 0) this.stop('every worker rank is hung', 1);
  }

  #afterResults(): void {
    this.#children.pump();
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#stopping) return;
    if (this.#results.size === 0) {
      this.#link.sendCapacity(this.#capacity());
      return;
    }
    const { ids, lengths, blob } = this.#results.drain();
    this.#link.sendResults(ids, lengths, blob, this.#capacity());
  }

  /** Tell every rank to stop, leave the interchange, and finish; idempotent. */
  stop(reason: string, code: number): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#log.info(`pool stopping: ${reason}`);
    this.#watch.stop();
    this.#children.broadcast(Tag.STOP, EMPTY);
    void this.#link.close().then(() => this.#done(code));
  }
}
