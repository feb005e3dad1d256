import { writeSync } from 'node:fs';
import { cpus, hostname, totalmem } from 'node:os';
import {
  readStagingOptions,
  STAGING_KEYS,
  type StagingOptions,
  type StagingProvider,
} from '../../data/staging.js';
import { ConfigurationError } from '../../errors.js';
import { processState } from '../../execute/proc-state.js';
import type { Logger } from '../../logging.js';
import type { Communicator, MPIMessage } from '../../mpi/communicator.js';
import { loadAddon } from '../../mpi/load-addon.js';
import { type KeySet, OptionReader } from '../../options.js';
import { SerializationError } from '../../serialize/errors.js';
import type { FunctionDescriptor } from '../../serialize/function-ref.js';
import { PACKAGE_VERSION } from '../../version.js';
import type { Executor, ExecutorContext, ExecutorTask, TaskDone, TaskOutcome } from '../base.js';
import { BadStateException, WorkerLost } from '../errors.js';
import { ChildDispatch } from '../exex/dispatch/child-dispatch.js';
import { ChildWatch, type LostChild } from '../exex/dispatch/child-watch.js';
import { type TreeLayout, treeLayout } from '../exex/dispatch/tree.js';
import { DEFAULTS as EXEX } from '../exex/executor.js';
import { finalizeLimitMs, finalizeWithin } from '../exex/pool.js';
import { decodeRanks, EMPTY, encodeTaskBatch, guarded, resultBodies, Tag } from '../exex/protocol.js';
import { DEFAULTS as HTEX } from '../htex/options.js';
import { decodeResultBody, encodeTaskBody } from '../htex/task-codec.js';
import { TurnFlusher } from '../htex/transport.js';
import { encodeSetup, SETUP_TAG } from './protocol.js';
import { becomeWorkerRank } from './ranks.js';
import { abortAtExit, claimRanks, rootCommunicator } from './root.js';
import { launchedWorld } from './world.js';

/** Options of {@link MPICommExecutor}. */
export interface MPICommExecutorOptions extends StagingOptions {
  /** @default 'mpi-comm' */
  label?: string;
  /** Estimated work (ms) a worker rank may hold queued behind its running task; 0 = one task per rank. @default 2 */
  pipelineMs?: number;
  /** Worlds with more ranks than this dispatch through sub-dispatchers. @default 256 */
  dispatchTreeThreshold?: number;
  /** Worker ranks per sub-dispatcher. @default 64 */
  dispatchFanout?: number;
  /**
   * Seconds a rank may go without answering before it counts as hung: its tasks fail with `WorkerLost`
   * (`Config.retries` runs them on the other ranks) and it gets no more (see docs/exex.md, *Hung ranks*).
   * @default 30
   */
  hungRankThreshold?: number;
  /**
   * Microseconds rank 0 and the worker ranks look for the next message from their JS thread after each send while
   * an answer is due (tasks outstanding; a worker's next task), instead of waiting for the MPI progress thread to
   * wake them: one thread hand-off less per message, for a busy JS thread during the window. 0 turns it off.
   * Only for nodes with cores to spare: with 4 ranks on 2 vCPUs, 300 µs made round trips 2.5–3× slower (docs/mpi.md).
   * @default 0
   */
  pollMicros?: number;
}

const KEYS = {
  ...STAGING_KEYS,
  label: true,
  pipelineMs: true,
  dispatchTreeThreshold: true,
  dispatchFanout: true,
  hungRankThreshold: true,
  pollMicros: true,
} as const satisfies KeySet<MPICommExecutorOptions>;

const DEFAULT_POLL_MICROS = 0;

/** Exit status of a program whose ranks hung: MPI_Finalize would wait for them, so the job ends with MPI_Abort. */
const HUNG_RANKS_CODE = 5;

/** The pool's parts once it runs on rank 0. */
interface Running {
  readonly comm: Communicator;
  readonly layout: TreeLayout;
  readonly children: ChildDispatch;
  readonly watch: ChildWatch;
}

/**
 * The in-allocation executor, mpi4py's `MPICommExecutor` for parsl-ts: in a program started by mpiexec or srun,
 * rank 0 runs the workflow and its DataFlowKernel, and ranks 1..N-1 run its tasks; no interchange, no ZeroMQ, no
 * provider. Tasks go from the kernel straight into the native dispatcher core, and through a dispatch tree past
 * `dispatchTreeThreshold` ranks, exactly as in an ExtremeScale pool.
 *
 * Start the workflow with `mpiexec -n N parsl-ts run workflow.js`, or with plain `node workflow.js` whose first
 * import is `'parsl-ts/in-allocation'`: either way ranks 1..N-1 turn into workers before the workflow's code runs.
 * Without either, they run the workflow's code up to `parsl.load()` and become workers there (see docs/mpi.md).
 */
export class MPICommExecutor implements Executor {
  readonly label: string;
  readonly storageAccess: readonly StagingProvider[] | null;
  readonly workingDir: string | null;
  readonly pipelineMs: number;
  readonly dispatchTreeThreshold: number;
  readonly dispatchFanout: number;
  /** Seconds. */
  readonly hungRankThreshold: number;
  readonly pollMicros: number;
  readonly #pending = new Map<number, TaskDone>();
  readonly #flusher = new TurnFlusher(() => this.#flush());
  #run: Running | null = null;
  #log: Logger | null = null;
  #state: 'new' | 'running' | 'stopped' = 'new';
  #fatal: Error | null = null;
  #nextId = 1;
  /** Child rank → pid, from its `HELLO`, to name a rank that died. */
  readonly #pids = new Map<number, number>();
  #ids: number[] = [];
  #fnIds: string[] = [];
  #bodies: Buffer[] = [];
  #fns: FunctionDescriptor[] = [];

  constructor(options: MPICommExecutorOptions = {}) {
    const o = new OptionReader<MPICommExecutorOptions>('MPICommExecutor', options, KEYS);
    this.label = o.name('label', 'mpi-comm');
    ({ storageAccess: this.storageAccess, workingDir: this.workingDir } = readStagingOptions(o));
    this.pipelineMs = o.number('pipelineMs', HTEX.pipelineMs, { min: 0 });
    this.dispatchTreeThreshold = o.int('dispatchTreeThreshold', EXEX.dispatchTreeThreshold);
    this.dispatchFanout = o.int('dispatchFanout', EXEX.dispatchFanout);
    this.hungRankThreshold = o.check<number>('hungRankThreshold', EXEX.hungRankThreshold, (v) =>
      typeof v === 'number' && Number.isFinite(v) && v >= 0.1 ? null : 'a number of seconds ≥ 0.1',
    );
    this.pollMicros = o.int('pollMicros', DEFAULT_POLL_MICROS, 0);
  }

  async start(ctx: ExecutorContext): Promise<void> {
    if (this.#state !== 'new')
      throw new ConfigurationError(`MPICommExecutor '${this.label}' was started already`);
    const world = launchedWorld();
    if (world === null)
      throw new ConfigurationError(
        `MPICommExecutor '${this.label}': this process was not started by mpiexec or srun (no MPI rank in its environment); run the workflow as 'mpiexec -n N parsl-ts run workflow.js' with N ≥ 2 (rank 0 runs the workflow, ranks 1..N-1 its tasks)`,
      );
    if (world.size < 2)
      throw new ConfigurationError(
        `MPICommExecutor '${this.label}': the MPI world has one rank, so no rank is left to run tasks; start the workflow with mpiexec -n N (or srun -n N), N ≥ 2`,
      );
    // The workflow's code ran on this rank up to here: it was started without `parsl-ts run` or the entry import.
    if (world.rank > 0) await becomeWorkerRank(world);
    if (!claimRanks())
      throw new ConfigurationError(
        `MPICommExecutor '${this.label}': the ranks of this MPI job serve one MPICommExecutor per program, and another one took them`,
      );
    const comm = await rootCommunicator();
    this.#log = ctx.logger;
    const setup = encodeSetup({
      treeThreshold: this.dispatchTreeThreshold,
      treeFanout: this.dispatchFanout,
      hungRankThresholdMs: Math.round(this.hungRankThreshold * 1000),
      pipelineMs: this.pipelineMs,
      pollMicros: this.pollMicros,
    });
    for (let r = 1; r < comm.size; r++) comm.send(r, setup, SETUP_TAG);
    const layout = treeLayout(comm.size, this.dispatchTreeThreshold, this.dispatchFanout);
    const kids = new Map(layout.children(0).map((r) => [r, Math.max(1, layout.workersBelow(r))] as const));
    const children = new ChildDispatch(comm, loadAddon({ flavor: comm.flavor }).addon, kids, this.pipelineMs);
    const watch = new ChildWatch(
      comm,
      children,
      (r) => layout.children(r),
      (lost) => this.#onLost(lost),
    );
    this.#run = { comm, layout, children, watch };
    this.#state = 'running';
    comm.on('message', (m) => guarded(0, () => this.#onMessage(m)));
    process.on('SIGTERM', this.#onTerm);
    watch.start(this.hungRankThreshold * 1000);
    ctx.logger.info(
      `${this.label}: ${comm.size} ranks, ${layout.subDispatchers.length} sub-dispatchers, ${children.workers} worker ranks, ${comm.flavor} (${comm.libraryVersion})`,
    );
    const now = Date.now();
    ctx.monitor?.node({
      executorLabel: this.label,
      uid: `${this.label}-rank0`,
      hostname: hostname(),
      blockId: null,
      cpuCount: cpus().length,
      totalMemory: totalmem(),
      workerCount: children.workers,
      active: true,
      version: `node ${process.version} parsl-ts ${PACKAGE_VERSION}`,
      time: now,
      lastHeartbeat: now,
    });
  }

  /**
   * A rank killed outright makes the launcher end the job; Open MPI's sends rank 0 SIGTERM first (MPICH's sends
   * SIGKILL, and names the dead pid itself). Say which ranks of this node are gone and fail the tasks held with
   * that, then leave the signal to the kernel's cleanup (or, alone, die of it).
   */
  readonly #onTerm = (): void => {
    process.off('SIGTERM', this.#onTerm);
    const dead = [...this.#pids].filter(([, pid]) => !alive(pid));
    const which = dead.map(([rank, pid]) => `MPI rank ${rank} (pid ${pid})`).join(', ');
    const why = `the MPI launcher is ending the job (SIGTERM)${dead.length > 0 ? `: ${which} died` : ''}`;
    writeSync(2, `parsl-ts: ${this.label}: ${why}\n`);
    this.#fail(new BadStateException(this.label, why));
    if (process.listenerCount('SIGTERM') === 0) process.kill(process.pid, 'SIGTERM');
  };

  /** Worker ranks serving tasks now (ranks lost to hangs excluded). */
  get workers(): number {
    return this.#run?.children.workers ?? 0;
  }

  submit(task: ExecutorTask, done: TaskDone): void {
    if (this.#fatal !== null || this.#state !== 'running') {
      const why = this.#fatal ?? new BadStateException(this.label, `submit while ${this.#state}`);
      queueMicrotask(() => done({ ok: false, error: why }));
      return;
    }
    let body: Buffer;
    try {
      body = encodeTaskBody(task);
    } catch (e) {
      const why = `task ${task.id} (${task.appName}): an argument cannot be sent to a worker: ${(e as Error).message}`;
      const error = new SerializationError(why, { cause: e });
      queueMicrotask(() => done({ ok: false, error }));
      return;
    }
    const id = this.#nextId++;
    this.#pending.set(id, done);
    this.#ids.push(id);
    this.#fnIds.push(task.fn.id);
    this.#bodies.push(body);
    if (this.#fns.at(-1) !== task.fn) this.#fns.push(task.fn);
    this.#flusher.request();
  }

  outstanding(): number {
    return this.#pending.size;
  }

  #flush(): void {
    const run = this.#run;
    if (run === null || this.#ids.length === 0 || this.#state !== 'running') return;
    run.children.broadcastFunctions(this.#fns);
    run.children.submitBatch(encodeTaskBatch(this.#ids, this.#fnIds, this.#bodies));
    run.children.pump();
    run.comm.pollFor(this.pollMicros);
    this.#ids = [];
    this.#fnIds = [];
    this.#bodies = [];
    this.#fns = [];
  }

  #onMessage(m: MPIMessage): void {
    const run = this.#run;
    if (run === null || this.#state !== 'running') return;
    switch (m.tag) {
      case Tag.RESULTS: {
        // A rank declared hung that wakes up again is not served any more: its tasks were failed already.
        if (run.watch.unreachable.has(m.source)) return;
        const r = run.children.complete(m.source, m.data);
        run.children.pump();
        this.#deliver(r.ids, resultBodies(r));
        if (this.#pending.size > 0) run.comm.pollFor(this.pollMicros);
        return;
      }
      case Tag.HELLO:
        run.watch.hello(m.source, m.data);
        this.#pids.set(m.source, Number.parseInt(m.data.toString('utf8'), 10));
        return;
      case Tag.LOST: {
        const ranks = decodeRanks(m.data);
        this.#log?.warning(
          `${this.label}: sub-dispatcher ${m.source} lost hung worker rank(s) ${ranks.join(', ')}`,
        );
        run.watch.lostBelow(ranks);
        run.children.dropWorkers(m.source, ranks.length);
        this.#afterLoss();
        return;
      }
    }
  }

  #deliver(ids: ArrayLike<number>, bodies: readonly Buffer[]): void {
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      const done = this.#pending.get(id);
      if (done === undefined) continue;
      this.#pending.delete(id);
      let outcome: TaskOutcome;
      try {
        outcome = decodeResultBody(bodies[i]!);
      } catch (e) {
        const error = new SerializationError(`the result of a task could not be decoded on rank 0`, {
          cause: e,
        });
        outcome = { ok: false, error };
      }
      done(outcome);
    }
  }

  #onLost(lost: LostChild): void {
    if (this.#state !== 'running') return;
    this.#log?.warning(
      `${this.label}: ${lost.detail}; failing its ${lost.ids.length} task(s) with WorkerLost`,
    );
    this.#deliver(lost.ids, lost.bodies);
    this.#run?.children.pump();
    this.#afterLoss();
  }

  #afterLoss(): void {
    if (this.#run === null || this.#run.children.workers > 0) return;
    this.#fail(
      new WorkerLost('every MPI rank', hostname(), {
        detail: `every worker rank of ${this.label} is hung, so nothing is left to run tasks`,
      }),
    );
  }

  #fail(error: Error): void {
    this.#fatal ??= error;
    const held = [...this.#pending.values()];
    this.#pending.clear();
    for (const done of held) done({ ok: false, error });
  }

  /**
   * Tell every rank to stop and finalize MPI; the ranks exit. MPI cannot be initialised again, so an executor
   * shut down is gone for the rest of the program. With hung ranks MPI_Finalize would wait forever: the job then
   * ends with MPI_Abort when the program exits (status 5), which makes the launcher kill the hung ranks too.
   */
  async shutdown(): Promise<void> {
    if (this.#state !== 'running' || this.#run === null) {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopped';
    process.off('SIGTERM', this.#onTerm);
    const { comm, children, watch } = this.#run;
    this.#fail(new BadStateException(this.label, 'it was shut down while the task ran'));
    watch.stop();
    children.broadcast(Tag.STOP, EMPTY);
    if (watch.unreachable.size > 0) {
      const ranks = [...watch.unreachable].join(', ');
      this.#log?.error(`${this.label}: rank(s) ${ranks} hung; the MPI job ends with MPI_Abort at exit`);
      abortAtExit(HUNG_RANKS_CODE);
      return;
    }
    await finalizeWithin(comm, finalizeLimitMs(this.hungRankThreshold * 1000));
  }
}

/** A killed rank not yet reaped by its launcher still answers signal 0: a zombie counts as dead. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  const state = processState(pid); // null: gone between the two looks
  return state !== null && state !== 'Z';
}
