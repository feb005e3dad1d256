import { execFileSync } from 'node:child_process';
import { hostname } from 'node:os';
import { addFunctions, type FunctionTable } from '../../../execute/function-cache.js';
import { appTimeout, OverrunWatch } from '../../../execute/walltime.js';
import { getLogger, type Logger } from '../../../logging.js';
import type { FunctionDescriptor } from '../../../serialize/function-ref.js';
import { toRemoteError } from '../../../serialize/remote-error.js';
import { WorkerLost } from '../../errors.js';
import { PipelineDepth } from '../../pipeline-depth.js';
import { isWorkerToManager, type WorkerToManager } from '../protocol.js';
import { encodeResultBody } from '../task-codec.js';
import { TurnFlusher } from '../transport.js';
import { CANNOT_START, type CommonPoolOptions, InterchangeLink, openPoolLog } from './interchange-link.js';
import {
  acceleratorEnv,
  affinityEnv,
  allowedCpus,
  countCudaDevices,
  cudaDevice,
  detectResources,
  parseCpuAffinity,
  planAffinity,
  workerCount,
} from './resources.js';
import { shareOut } from './share-out.js';
import { StoppedWatch } from './stopped-watch.js';
import { WorkerProcess, type WorkerSpawn } from './worker-process.js';

/** Everything `parsl-ts worker-pool` is told on its command line, resolved. */
export interface PoolOptions extends CommonPoolOptions {
  readonly maxWorkersPerNode: number;
  readonly coresPerWorker: number;
  readonly memPerWorker: number | null;
  readonly prefetchCapacity: number;
  /** Estimated work (ms) a worker may hold queued behind its running task; 0 = one task per worker. */
  readonly pipelineMs: number;
  readonly cpuAffinity: string;
  readonly availableAccelerators: readonly string[];
}

const MAX_PIPELINE = 255;

/**
 * The manager of one node (Parsl's process_worker_pool): registers with the interchange, holds a queue of tasks,
 * keeps every worker process fed, replaces dead workers (failing only the task that was running with
 * `WorkerLost`), heartbeats, drains, and exits when the interchange is gone or tells it to stop.
 */
export class WorkerPool {
  readonly #o: PoolOptions;
  readonly #log: Logger = getLogger('parsl.htex.pool');
  readonly #host = hostname();
  readonly #link: InterchangeLink;
  #workers: WorkerProcess[] = [];
  #count = 0;
  #pendingIds: number[] = [];
  #pendingBufs: Buffer[] = [];
  #pendingFns: string[] = [];
  #head = 0;
  readonly #functions: FunctionTable = new Map();
  #resultIds: number[] = [];
  #resultLengths: number[] = [];
  #resultBufs: Buffer[] = [];
  readonly #flusher = new TurnFlusher(() => this.#flush());
  readonly #pipeline: PipelineDepth;
  /** The walltime backstop: a worker whose task outlives its own bound (blocked in a native call) is killed. */
  readonly #overrun = new OverrunWatch<WorkerProcess, Started>((w, s) => this.#onOverrun(w, s));
  #stopping = false;
  #stoppedWatch: StoppedWatch<WorkerProcess> | null = null;
  /** Per rank: how to pin the worker to its CPUs (null: not pinned) and the environment that goes with them. */
  #placement: Pick<WorkerSpawn, 'pin' | 'env'>[] = [];
  #exit: (code: number) => void = () => {};

  constructor(o: PoolOptions) {
    this.#o = o;
    this.#pipeline = new PipelineDepth(o.pipelineMs, MAX_PIPELINE);
    this.#link = new InterchangeLink(o, this.#log, 'worker-pool', {
      tasks: (ids, fnIds, bodies, fns) => this.#onTasks(ids, fnIds, bodies, fns),
      stop: (reason, code) => this.stop(reason, code),
    });
  }

  /** Runs until the pool stops; resolves with the process exit code. */
  async run(): Promise<number> {
    const logHandle = openPoolLog(this.#o, 'manager.log', 'parsl.htex');
    const done = new Promise<number>((resolve) => {
      this.#exit = resolve;
    });
    try {
      try {
        await this.#planWorkers();
      } catch (e) {
        this.#link.fatal(`cannot start: ${(e as Error).message}`);
        return CANNOT_START;
      }
      const opened = await this.#link.open({
        workerCount: this.#count,
        prefetchCapacity: this.#o.prefetchCapacity,
        capacity: this.#capacity(),
      });
      if (!opened.ok) return opened.exitCode;
      this.#startWorkers();
      process.once('SIGTERM', () => this.stop('SIGTERM', 0));
      process.once('SIGINT', () => this.stop('SIGINT', 0));
      return await done;
    } finally {
      await logHandle.close();
    }
  }

  #onTasks(ids: number[], fnIds: string[], bodies: Buffer[], functions: FunctionDescriptor[]): void {
    addFunctions(this.#functions, functions);
    for (let i = 0; i < ids.length; i++) {
      this.#pendingIds.push(ids[i]!);
      this.#pendingBufs.push(bodies[i]!);
      this.#pendingFns.push(fnIds[i]!);
    }
    this.#dispatch();
  }

  // ---- workers

  /** Size the pool and place each worker on CPUs and accelerators; throws when the node cannot honour the options. */
  async #planWorkers(): Promise<void> {
    const o = this.#o;
    this.#count = workerCount(detectResources(), {
      maxWorkersPerNode: o.maxWorkersPerNode,
      coresPerWorker: o.coresPerWorker,
      memPerWorker: o.memPerWorker,
      accelerators: o.availableAccelerators,
    });
    const affinity = parseCpuAffinity(o.cpuAffinity);
    const cpus = planAffinity(affinity, this.#count, allowedCpus());
    const taskset = affinity.kind === 'none' ? null : findTaskset();
    if (affinity.kind !== 'none' && taskset === null)
      throw new Error(`cpuAffinity '${o.cpuAffinity}' needs taskset (util-linux) on PATH to pin workers`);
    const gpus = o.availableAccelerators.length > 0 ? await countCudaDevices() : null;
    this.#placement = cpus.map((c, rank) => {
      const acc = o.availableAccelerators[rank];
      return {
        pin: c === null || taskset === null ? null : { taskset, cpus: c },
        env: {
          ...(c ? affinityEnv(c) : {}),
          ...(acc === undefined ? {} : acceleratorEnv(acc, cudaDevice(acc, this.#count, gpus))),
        },
      };
    });
    for (const [rank, p] of this.#placement.entries()) {
      if (p.pin !== null || Object.keys(p.env).length > 0)
        this.#log.info(`worker ${rank}: CPUs ${p.pin?.cpus.join(',') ?? 'any'}, ${JSON.stringify(p.env)}`);
    }
  }

  #startWorkers(): void {
    for (let r = 0; r < this.#count; r++) this.#workers.push(this.#spawn(r));
    this.#stoppedWatch = new StoppedWatch(
      this.#o.heartbeatPeriodMs,
      this.#o.heartbeatThresholdMs,
      () => this.#workers.map((w) => ({ worker: w, pid: w.child.pid })),
      (w, ms) => this.#onStopped(w, ms),
    );
    this.#log.info(`started ${this.#count} workers`);
    this.#dispatch();
  }

  #spawn(rank: number): WorkerProcess {
    const o = this.#o;
    return new WorkerProcess(
      {
        ...this.#placement[rank]!,
        rank,
        count: this.#count,
        poolId: o.uid,
        blockId: o.blockId,
        logdir: o.logdir,
      },
      (w, m) => this.#onWorkerMessage(w, m),
      (w, how) => this.#onWorkerExit(w, how),
    );
  }

  #onWorkerMessage(w: WorkerProcess, m: unknown): void {
    if (!isWorkerToManager(m)) {
      this.#log.warning(`dropped a malformed message from worker ${w.rank}`);
      return;
    }
    if (m.type === 'started') {
      this.#overrun.started(w, m, m.kind, m.walltimeMs);
      return;
    }
    const watched = this.#overrun.size === 0 ? undefined : this.#overrun.watching(w);
    if (watched !== undefined && m.ids.includes(watched.id)) this.#overrun.forget(w);
    w.completed(m.ids);
    this.#pipeline.record(m.busyMs, m.ids.length);
    for (let i = 0; i < m.ids.length; i++) {
      this.#resultIds.push(m.ids[i]!);
      this.#resultLengths.push(m.lengths[i]!);
      this.#sent.delete(m.ids[i]!);
    }
    this.#resultBufs.push(m.blob);
    this.#scheduleFlush();
    this.#dispatch();
  }

  #onWorkerExit(w: WorkerProcess, how: string): void {
    if (this.#stopping || !this.#workers.includes(w)) return;
    const held = w.held();
    this.#log.warning(
      `worker ${w.rank} (pid ${w.child.pid}) died (${how}) holding ${held.length} task(s); replacing it`,
    );
    // Only the task it was running is lost; tasks queued behind it never started.
    if (held.length > 0) this.#replace(w, held[0]!, new WorkerLost(w.rank, this.#host, { detail: how }));
    else this.#replace(w, null, null);
  }

  /** A task outlived its walltime and its own bound: kill its worker, fail the task, serve on. */
  #onOverrun(w: WorkerProcess, s: Started): void {
    if (this.#stopping || !this.#workers.includes(w)) return;
    this.#log.warning(
      `worker ${w.rank} (pid ${w.child.pid}) still runs task ${s.id} (${s.appName}) past its walltime of ${s.walltimeMs} ms; killing it; ${w.held().length - 1} queued task(s) go back to the queue`,
    );
    w.retire();
    this.#replace(w, s.id, appTimeout(s.appName, s.walltimeMs));
  }

  /** A worker stopped past the heartbeat threshold: kill it, fail its running task, serve on. */
  #onStopped(w: WorkerProcess, stoppedMs: number): void {
    if (this.#stopping || !this.#workers.includes(w)) return;
    const held = w.held();
    this.#log.warning(
      `worker ${w.rank} (pid ${w.child.pid}) has been stopped for ${stoppedMs} ms holding ${held.length} task(s); killing and replacing it`,
    );
    w.retire();
    const detail = `stopped (SIGSTOP or frozen) for ${stoppedMs} ms`;
    this.#replace(
      w,
      held[0] ?? null,
      held.length > 0 ? new WorkerLost(w.rank, this.#host, { detail }) : null,
    );
  }

  /**
   * Put a new worker in `w`'s place: task `lost` (the one it was running) fails with `error`, the tasks it held
   * but never started go back to the front of the queue.
   */
  #replace(w: WorkerProcess, lost: number | null, error: Error | null): void {
    const i = this.#workers.indexOf(w);
    if (i < 0) return;
    this.#overrun.forget(w);
    if (lost !== null && error !== null) {
      const body = encodeResultBody({ id: lost, ok: false, error: toRemoteError(error) });
      this.#sent.delete(lost);
      this.#resultIds.push(lost);
      this.#resultLengths.push(body.length);
      this.#resultBufs.push(body);
      this.#scheduleFlush();
    }
    this.#requeue(w.held().filter((id) => id !== lost));
    this.#workers[i] = this.#spawn(w.rank);
    this.#dispatch();
  }

  /** Put tasks a dead worker never started back at the front of the queue, in order. */
  #requeue(ids: number[]): void {
    const back = ids.map((id) => [id, this.#sent.get(id)] as const).filter((x) => x[1] !== undefined);
    this.#pendingIds.splice(this.#head, 0, ...back.map((x) => x[0]));
    this.#pendingBufs.splice(this.#head, 0, ...back.map((x) => x[1]!.buf));
    this.#pendingFns.splice(this.#head, 0, ...back.map((x) => x[1]!.fnId));
  }

  /** Task bodies handed to workers, kept until their results arrive so a dead worker's queue can be re-sent. */
  readonly #sent = new Map<number, { buf: Buffer; fnId: string }>();

  #capacity(): number {
    return this.#count * this.#pipeline.depth + this.#o.prefetchCapacity;
  }

  #dispatch(): void {
    let pending = this.#pendingIds.length - this.#head;
    if (pending === 0) return;
    const { give, order } = shareOut(
      this.#workers.map((w) => w.inFlight),
      this.#pipeline.depth,
      pending,
    );
    for (const i of order) {
      const share = give[i]!;
      if (share === 0) continue;
      const w = this.#workers[i]!;
      const ids = this.#pendingIds.slice(this.#head, this.#head + share);
      const bufs = this.#pendingBufs.slice(this.#head, this.#head + share);
      const fnIds = this.#pendingFns.slice(this.#head, this.#head + share);
      this.#head += share;
      pending -= share;
      for (let j = 0; j < ids.length; j++) {
        this.#sent.set(ids[j]!, { buf: bufs[j]!, fnId: fnIds[j]! });
      }
      w.send(ids, bufs, fnIds, w.knownFunctions.forBatch(fnIds, this.#functions));
    }
    if (this.#head === this.#pendingIds.length) {
      this.#pendingIds = [];
      this.#pendingBufs = [];
      this.#pendingFns = [];
      this.#head = 0;
    }
  }

  #scheduleFlush(): void {
    this.#flusher.request();
  }

  #flush(): void {
    const capacity = this.#capacity();
    if (this.#resultIds.length === 0) {
      this.#link.sendCapacity(capacity);
      return;
    }
    const blob = this.#resultBufs.length === 1 ? this.#resultBufs[0]! : Buffer.concat(this.#resultBufs);
    this.#link.sendResults(this.#resultIds, this.#resultLengths, blob, capacity);
    this.#resultIds = [];
    this.#resultLengths = [];
    this.#resultBufs = [];
  }

  /** Stop workers and leave; idempotent. */
  stop(reason: string, code: number): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#log.info(`pool stopping: ${reason}`);
    this.#overrun.clear();
    this.#stoppedWatch?.close();
    void Promise.all(this.#workers.map((w) => w.stop(WORKER_STOP_GRACE_MS)))
      .then(() => this.#link.close())
      .then(() => this.#exit(code));
  }
}

/** How long a stopping worker has to kill its bash apps and exit before it is killed. */
const WORKER_STOP_GRACE_MS = 2000;

/** A worker's report that a task with a walltime started. */
type Started = Extract<WorkerToManager, { type: 'started' }>;

function findTaskset(): string | null {
  try {
    return execFileSync('/bin/sh', ['-c', 'command -v taskset'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
