import { KnownFunctions } from '../../../execute/function-cache.js';
import type { Communicator } from '../../../mpi/communicator.js';
import type { DispatcherHandle, NativeAddon } from '../../../mpi/native.js';
import type { FunctionDescriptor } from '../../../serialize/function-ref.js';
import { PipelineDepth } from '../../pipeline-depth.js';
import { encodeFunctions, type ParsedResults, parseResults, Tag } from '../protocol.js';

const MAX_DEPTH = 255;

/**
 * The sending half shared by rank 0 and sub-dispatchers: the native dispatcher core decides which child gets
 * which tasks (per-child batching, round-robin, capacity), this class moves the batches over MPI and keeps each
 * child's capacity matched to the observed task duration (short tasks stream, long tasks stay balanced).
 */
export class ChildDispatch {
  readonly #comm: Communicator;
  readonly #core: DispatcherHandle;
  /** Child rank → worker ranks it stands for (1 for a worker, its group for a relay). */
  readonly #weight = new Map<number, number>();
  /** Every child gets every function, so one record serves them all. */
  readonly #known = new KnownFunctions();
  readonly #pipeline: PipelineDepth;
  #depth = 0;

  constructor(
    comm: Communicator,
    addon: NativeAddon,
    children: ReadonlyMap<number, number>,
    pipelineMs: number,
  ) {
    this.#comm = comm;
    this.#core = new addon.Dispatcher({ maxBatchTasks: 512, maxBatchBytes: 1 << 20 });
    this.#pipeline = new PipelineDepth(pipelineMs, MAX_DEPTH);
    for (const [rank, weight] of children) this.#weight.set(rank, weight);
    this.#applyDepth(this.#pipeline.depth);
  }

  /** Worker ranks below this dispatcher. */
  get workers(): number {
    let n = 0;
    for (const w of this.#weight.values()) n += w;
    return n;
  }

  /** The children still served. */
  get ranks(): number[] {
    return [...this.#weight.keys()];
  }

  /** Tasks one worker rank may hold (running + queued). */
  get depth(): number {
    return this.#depth;
  }

  get counts(): { pending: number; inFlight: number } {
    return this.#core.counts();
  }

  /** Send the children the functions of `fns` they do not have yet (ahead of the tasks that use them). */
  broadcastFunctions(fns: readonly FunctionDescriptor[]): void {
    const fresh = this.#known.fresh(fns);
    if (fresh.length === 0) return;
    const payload = encodeFunctions(fresh);
    for (const r of this.#weight.keys()) this.#comm.send(r, payload, Tag.FUNCTIONS);
  }

  broadcast(tag: number, payload: Buffer): void {
    for (const r of this.#weight.keys()) this.#comm.send(r, payload, tag);
  }

  /** Queue the tasks of a batch-format payload (see `encodeTaskBatch`, or a `TASKS` message to relay). */
  submitBatch(payload: Buffer): void {
    this.#core.submitBatch(payload);
  }

  /** Send every batch the core can cut now (from C++ straight into MPI's queues). */
  pump(): void {
    this.#comm.sendBatches(this.#core, Tag.TASKS);
  }

  /** Record results from a child; returns them for forwarding. */
  complete(source: number, payload: Buffer): ParsedResults {
    const r = parseResults(payload);
    this.#core.complete(source, r.ids);
    if (r.ids.length > 0) this.#applyDepth(this.#pipeline.record(r.busyMs, r.ids.length));
    return r;
  }

  /** Forget a child (it died or hung) and return the task ids it held. */
  removeChild(rank: number): number[] {
    this.#weight.delete(rank);
    return Array.from(this.#core.removeRank(rank));
  }

  /** A relay lost `count` of its worker ranks: it stands for fewer workers now. */
  dropWorkers(rank: number, count: number): void {
    const w = this.#weight.get(rank);
    if (w === undefined) return;
    this.#weight.set(rank, Math.max(0, w - count));
    this.#core.setCapacity(rank, Math.max(0, w - count) * this.#depth);
  }

  #applyDepth(depth: number): void {
    if (depth === this.#depth) return;
    this.#depth = depth;
    for (const [r, w] of this.#weight) this.#core.setCapacity(r, w * depth);
  }
}
