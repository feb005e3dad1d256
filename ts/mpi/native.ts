/**
 * The whole surface of the native MPI addon (`native/src/addon.cc`), declared once. Nothing here
 * exists at run time except through {@link ../load-addon.ts}; C++ stays generic (integer ids and
 * tags, numeric enums) and the TS tables below give the numbers their names.
 *
 * DTOs that cross the boundary have every field set, with `null` for "none" (never optional props):
 * C++ only asserts, TypeScript validates and fills defaults.
 */

/** Options for {@link NativeEngine.start}; filled from `CommunicatorOptions` by communicator.ts. */
export interface NativeEngineOptions {
  /** Thread level requested from MPI_Init_thread (a value of `NativeAddon.threadLevels`). */
  threadLevel: number;
  /** Size of each preposted receive and the most bytes one aggregated packet holds. */
  packetBytes: number;
  /** Number of preposted MPI_Irecv on the packet communicator. */
  receiveDepth: number;
  /** Hard cap on bytes queued and not yet completed by MPI; `send()` beyond it returns -1. */
  maxQueuedBytes: number;
  /** Microseconds the progress thread keeps polling after the last activity before it sleeps. */
  spinMicros: number;
  /** Longest sleep of an idle progress thread, in microseconds (bounds wake-up latency for receives). */
  maxSleepMicros: number;
  /** Ranks on one node wake each other's sleeping progress threads through a shared-memory futex. */
  doorbells: boolean;
}

/** Numeric event kinds; names in {@link NativeEventKind}. */
export const NativeEventKind = {
  ready: 1,
  initFailed: 2,
  barrierDone: 3,
  queueLevel: 4,
  error: 5,
  stopped: 6,
  silent: 7,
} as const;

export interface NativeEvent {
  kind: number;
  /** Barrier id for `barrierDone`, the silent rank for `silent`, else 0. */
  id: number;
  /**
   * Queued bytes for `queueLevel`, MPI error class for `error`, 1 if finalized for `stopped`, milliseconds
   * of silence for `silent`.
   */
  value: number;
  message: string | null;
}

/**
 * Everything received since the last call, in one piece (one call per batch, not per message).
 * Message i is `meta[4i..4i+3]` = source, tag, offset, length; `offset >= 0` indexes `arena`,
 * `offset < 0` means the payload is `large[-offset - 1]`. Messages are in arrival order, which is
 * send order per source.
 */
export interface NativeDelivery {
  meta: Int32Array | null;
  arena: Buffer | null;
  large: Buffer[] | null;
  events: NativeEvent[] | null;
}

export interface NativeInitInfo {
  rank: number;
  size: number;
  /** Thread level MPI provided (a value of `NativeAddon.threadLevels`). */
  threadLevel: number;
  /** False when other code in the process had already called MPI_Init (then we never finalize). */
  initializedHere: boolean;
  processorName: string;
  libraryVersion: string;
}

export interface NativeStats {
  messagesSent: number;
  packetsSent: number;
  messagesReceived: number;
  packetsReceived: number;
  /** Times the idle progress thread went to sleep, and times a send woke it early. */
  sleeps: number;
  wakeups: number;
  /** Summed µs from a `send()` until the progress thread handed its packet to MPI, and how many hand-offs. */
  hostToMpiMicros: number;
  hostToMpiHandoffs: number;
  /** Summed µs from a message parsed on the progress thread until the JS thread took it, and how many deliveries. */
  mpiToHostMicros: number;
  mpiToHostDeliveries: number;
}

/**
 * The MPI progress engine: one native thread that makes every MPI call of the process. Only one
 * engine per process can be started (MPI is per process); a second start throws `ERR_MPI_IN_USE`.
 */
export declare class NativeEngine {
  constructor();
  /**
   * Starts the progress thread, which calls MPI_Init_thread. Returns at once; `onDelivery` later
   * receives a `ready` (then {@link info} is valid) or `initFailed` event. The engine keeps the event
   * loop alive until it stops (see {@link unref}).
   */
  start(options: NativeEngineOptions, onDelivery: (delivery: NativeDelivery) => void): void;
  /**
   * Copies `data` into the queue for `dest` and wakes the progress thread. Returns the queued bytes
   * after queueing, or -1 if that would exceed `maxQueuedBytes` (nothing was queued).
   */
  send(dest: number, tag: number, data: Uint8Array): number;
  /** Asks for one `queueLevel` event as soon as at most `queuedBytes` remain queued. */
  notifyAtOrBelow(queuedBytes: number): void;
  /**
   * Watches `rank`'s progress thread: this engine pings it when it has not heard from it for a while, and
   * the peer's engine answers from its progress thread (a busy JS thread does not matter). After
   * `thresholdMicros` of silence: one `silent` event if `abortCode < 0`, else MPI_Abort(abortCode) from
   * the progress thread. Replaces an earlier watch of the same rank; watching ends at `stop()`.
   */
  watch(rank: number, thresholdMicros: number, abortCode: number): void;
  unwatch(rank: number): void;
  /** Starts MPI_Ibarrier after everything queued so far; a `barrierDone` event with `id` follows. */
  barrier(id: number): void;
  /** Completes queued sends, cancels receives, calls MPI_Finalize if `finalize`; `stopped` follows. */
  stop(finalize: boolean): void;
  /** MPI_Abort(MPI_COMM_WORLD, code): ends every rank of the job. Never returns. */
  abort(code: number): never;
  info(): NativeInitInfo;
  queuedBytes(): number;
  stats(): NativeStats;
  /**
   * Takes a waiting delivery now, on the JS thread, through `onDelivery` (instead of when the progress thread's
   * notification wakes the event loop). True if there was one. Does nothing from inside `onDelivery`.
   */
  poll(): boolean;
  /** Keep (default) or stop keeping the Node event loop alive while the engine runs. */
  ref(): void;
  unref(): void;
}

/** Options for {@link NativeDispatcher}. */
export interface NativeDispatcherOptions {
  maxBatchTasks: number;
  maxBatchBytes: number;
}

/** One message's worth of tasks for one rank; `payload` is in the batch wire format (see protocol). */
export interface NativeBatch {
  rank: number;
  taskCount: number;
  payload: Buffer;
}

export interface NativeDispatcherCounts {
  pending: number;
  inFlight: number;
  freeRanks: number;
}

/**
 * Rank-0 dispatcher core (`native/src/dispatcher.h`): task queue, rank capacities, per-rank batching
 * and the record of which rank holds which task ids. Needs no MPI initialisation.
 */
export declare class NativeDispatcher {
  constructor(options: NativeDispatcherOptions);
  /** Queues a task; `id` is an integer below 2^53, unique among pending and in-flight tasks. */
  submit(id: number, data: Uint8Array): void;
  /** Queues every task of a payload in the batch format; returns how many. Throws if it is malformed. */
  submitBatch(payload: Uint8Array): number;
  /**
   * What {@link nextBatches} would return, sent with `tag` through `engine` from C++ (no JS object per batch);
   * returns the number of batches. A batch the engine refuses (queue cap, stopping) goes back to the queue.
   */
  sendBatches(engine: EngineHandle, tag: number): number;
  /** A rank can hold `capacity` tasks at once (call again to change it). */
  setCapacity(rank: number, capacity: number): void;
  /** Assigns pending tasks to free ranks, at most one batch per rank per call, round-robin. */
  nextBatches(): NativeBatch[];
  /** Frees the slots of finished tasks; returns how many ids `rank` really held. */
  complete(rank: number, ids: Float64Array): number;
  tasksOf(rank: number): Float64Array;
  /** Forgets a lost rank and returns the ids it held. */
  removeRank(rank: number): Float64Array;
  counts(): NativeDispatcherCounts;
}

/** What `require('parsl_mpi.node')` returns. */
export interface NativeAddon {
  Engine: typeof NativeEngine;
  Dispatcher: typeof NativeDispatcher;
  /** The MPI ABI family this build was compiled against. */
  flavor: string;
  /** Bumped when this declaration and addon.cc change incompatibly. */
  abiVersion: number;
  /** MPI_Get_library_version, callable before MPI_Init. */
  libraryVersion(): string;
  threadLevels: { single: number; funneled: number; serialized: number; multiple: number };
}

/** The ABI version this TypeScript expects; the loader refuses a stale build. */
export const NATIVE_ABI_VERSION = 2;

/** Handle types derived from the declarations, so an in-memory fake can stand in for the addon. */
export type EngineHandle = Pick<
  NativeEngine,
  | 'start'
  | 'send'
  | 'notifyAtOrBelow'
  | 'barrier'
  | 'watch'
  | 'unwatch'
  | 'stop'
  | 'abort'
  | 'info'
  | 'queuedBytes'
  | 'stats'
  | 'poll'
  | 'ref'
  | 'unref'
>;
export type DispatcherHandle = Pick<
  NativeDispatcher,
  | 'submit'
  | 'submitBatch'
  | 'sendBatches'
  | 'setCapacity'
  | 'nextBatches'
  | 'complete'
  | 'tasksOf'
  | 'removeRank'
  | 'counts'
>;
