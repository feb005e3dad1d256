import { deserialize, serialize } from 'node:v8';
import type { FunctionDescriptor } from '../../serialize/function-ref.js';
import type { NodeReport } from '../base.js';

/**
 * Every message of the HighThroughputExecutor, on every hop, declared once: the interchange, pools and workers
 * share these unions, and nothing past a `decode*` function handles an unchecked message.
 *
 * A ZeroMQ message is `[meta]` or `[meta, blob]` (a ROUTER adds the peer identity in front). `meta` is a v8
 * serialized object of one of the unions below, validated by the `decode*` functions at the socket; `blob` is
 * the concatenation of opaque per-task (or per-result) bodies (`task-codec.ts`) whose sizes are in `meta.lengths`. The
 * interchange and the manager route blobs without ever deserializing task bodies, so a large argument costs a
 * copy per hop, not a decode and re-encode.
 *
 * The manager side of this protocol (registration with a block id, heartbeats, drain, task and result batches)
 * is what any pool speaks, including rank 0 of an MPI pool.
 */
export const PROTOCOL_VERSION = 1;

/** Sent by a pool when it connects; every field is set (no optional props across process boundaries). */
export interface Registration {
  readonly type: 'registration';
  readonly protocolVersion: number;
  readonly packageVersion: string;
  readonly nodeVersion: string;
  readonly uid: string;
  readonly blockId: string | null;
  readonly workerCount: number;
  readonly prefetchCapacity: number;
  /** How many tasks the pool wants in hand; updated later by `results` and `capacity` messages. */
  readonly capacity: number;
  readonly hostname: string;
  readonly os: string;
  readonly dir: string;
  readonly cpuCount: number;
  readonly totalMemory: number;
  readonly startTime: number;
}

/** A batch of opaque buffers: `ids[i]` owns `lengths[i]` bytes of the blob frame, in order. */
export interface BatchMeta {
  readonly ids: number[];
  readonly lengths: number[];
}

// ---- manager (pool) → interchange
export type ManagerMessage =
  | { readonly type: 'probe' }
  | Registration
  | { readonly type: 'heartbeat' }
  | { readonly type: 'capacity'; readonly capacity: number }
  | { readonly type: 'drain' }
  | ({ readonly type: 'results'; readonly capacity: number } & BatchMeta);

// ---- interchange → manager
export type InterchangeToManager =
  | { readonly type: 'probe-ack' }
  | { readonly type: 'heartbeat' }
  | ({
      readonly type: 'tasks';
      readonly fnIds: string[];
      readonly functions: FunctionDescriptor[];
    } & BatchMeta)
  /** The pool must stop (drained, rejected at registration, held-and-cancelled, or interchange shutdown). */
  | { readonly type: 'stop'; readonly reason: string };

// ---- interchange commands (executor → interchange), one union, no bare strings
export type Command =
  | { readonly kind: 'MANAGERS' }
  | { readonly kind: 'CONNECTED_BLOCKS' }
  | { readonly kind: 'HOLD_MANAGER'; readonly manager: string }
  | { readonly kind: 'OUTSTANDING' };

export interface ManagerInfo {
  readonly manager: string;
  readonly blockId: string | null;
  readonly workerCount: number;
  readonly tasks: number;
  /** Seconds since the manager last had a task in hand (0 when busy). */
  readonly idleDuration: number;
  readonly active: boolean;
  readonly draining: boolean;
  readonly packageVersion: string;
  readonly nodeVersion: string;
  readonly hostname: string;
}

export type CommandReply =
  | { readonly kind: 'MANAGERS'; readonly managers: ManagerInfo[] }
  | { readonly kind: 'CONNECTED_BLOCKS'; readonly blocks: string[] }
  | { readonly kind: 'HOLD_MANAGER'; readonly held: boolean }
  | { readonly kind: 'OUTSTANDING'; readonly pending: number; readonly running: number };

// ---- executor (client) → interchange
export type ClientMessage =
  | ({
      readonly type: 'tasks';
      /** `null` = unprioritised (runs after every prioritised task). Lower values run first. */
      readonly priorities: (number | null)[];
      /** Function id per task, so the interchange sends each manager a source it has not seen yet. */
      readonly fnIds: string[];
      /** New function sources (each sent once per interchange). */
      readonly functions: FunctionDescriptor[];
    } & BatchMeta)
  | { readonly type: 'command'; readonly reqId: number; readonly command: Command }
  | { readonly type: 'shutdown' };

// ---- interchange → executor (client)
/** A pool as the interchange knows it, sent to the client when it registers or goes (for monitoring). */
export type PoolInfo = Omit<NodeReport, 'executorLabel'>;

export type InterchangeToClient =
  | ({ readonly type: 'results' } & BatchMeta)
  | { readonly type: 'node-info'; readonly pools: PoolInfo[] }
  | { readonly type: 'command-reply'; readonly reqId: number; readonly reply: CommandReply }
  | {
      readonly type: 'version-mismatch';
      readonly manager: string;
      readonly hostname: string;
      readonly expected: string;
      readonly received: string;
    };

/** Buffers a process sends per message; ROUTER sockets prepend the routing id. */
export type Frames = Buffer[];

export function encode(
  meta: ManagerMessage | InterchangeToManager | ClientMessage | InterchangeToClient,
  blob?: Buffer,
): Frames {
  return blob === undefined ? [serialize(meta)] : [serialize(meta), blob];
}

/** A validated message, its blob (empty when absent), or the reason it was dropped. */
export type Decoded<T> =
  | { readonly ok: true; readonly msg: T; readonly blob: Buffer }
  | { readonly ok: false; readonly reason: string };

const EMPTY = Buffer.alloc(0);

function open(
  frames: Buffer[],
): { ok: true; meta: Record<string, unknown>; blob: Buffer } | { ok: false; reason: string } {
  if (frames.length < 1 || frames.length > 2)
    return { ok: false, reason: `expected 1 or 2 frames, got ${frames.length}` };
  let meta: unknown;
  try {
    meta = deserialize(frames[0]!);
  } catch (e) {
    return { ok: false, reason: `undecodable meta frame (${(e as Error).message})` };
  }
  if (
    typeof meta !== 'object' ||
    meta === null ||
    Array.isArray(meta) ||
    typeof (meta as { type?: unknown }).type !== 'string'
  ) {
    return { ok: false, reason: 'meta frame is not a typed message' };
  }
  return { ok: true, meta: meta as Record<string, unknown>, blob: frames[1] ?? EMPTY };
}

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isNat = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isStr = (v: unknown): v is string => typeof v === 'string';
const isStrOrNull = (v: unknown): boolean => v === null || typeof v === 'string';
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function batchOk(m: Record<string, unknown>, blob: Buffer): boolean {
  const { ids, lengths } = m;
  if (!Array.isArray(ids) || !Array.isArray(lengths) || ids.length !== lengths.length) return false;
  let total = 0;
  for (let i = 0; i < ids.length; i++) {
    if (!isInt(ids[i]) || !isNat(lengths[i])) return false;
    total += lengths[i] as number;
  }
  return total === blob.length;
}

function fnIdsOk(m: Record<string, unknown>): boolean {
  const f = m.fnIds;
  return Array.isArray(f) && f.length === (m.ids as unknown[]).length && f.every(isStr);
}

function functionsOk(v: unknown): boolean {
  if (!Array.isArray(v)) return false;
  for (const d of v as Record<string, unknown>[]) {
    if (typeof d !== 'object' || d === null || !isStr(d.id) || !isStr(d.name)) return false;
    if (
      d.kind === 'source'
        ? !isStrOrNull(d.source)
        : d.kind !== 'module' || !isStr(d.url) || !isStr(d.exportName)
    ) {
      return false;
    }
  }
  return true;
}

function check<T>(ok: boolean, m: Record<string, unknown>, blob: Buffer): Decoded<T> {
  return ok
    ? { ok: true, msg: m as T, blob }
    : { ok: false, reason: `malformed '${String(m.type)}' message` };
}

function registrationOk(m: Record<string, unknown>): boolean {
  return (
    isInt(m.protocolVersion) &&
    isStr(m.packageVersion) &&
    isStr(m.nodeVersion) &&
    isStr(m.uid) &&
    isStrOrNull(m.blockId) &&
    isNat(m.workerCount) &&
    isNat(m.prefetchCapacity) &&
    isNat(m.capacity) &&
    isStr(m.hostname) &&
    isStr(m.os) &&
    isStr(m.dir) &&
    isNat(m.cpuCount) &&
    isNum(m.totalMemory) &&
    isNum(m.startTime)
  );
}

export function decodeManagerMessage(frames: Buffer[]): Decoded<ManagerMessage> {
  const o = open(frames);
  if (!o.ok) return o;
  const { meta: m, blob } = o;
  switch (m.type) {
    case 'probe':
    case 'heartbeat':
    case 'drain':
      return check(true, m, blob);
    case 'capacity':
      return check(isNat(m.capacity), m, blob);
    case 'registration':
      // A registration with a foreign protocol version must still reach the version check, so only the
      // version field is required to be well-typed when it differs.
      return check(
        isInt(m.protocolVersion) && (m.protocolVersion !== PROTOCOL_VERSION || registrationOk(m)),
        m,
        blob,
      );
    case 'results':
      return check(isNat(m.capacity) && batchOk(m, blob), m, blob);
    default:
      return { ok: false, reason: `unknown message type '${String(m.type).slice(0, 40)}'` };
  }
}

export function decodeInterchangeToManager(frames: Buffer[]): Decoded<InterchangeToManager> {
  const o = open(frames);
  if (!o.ok) return o;
  const { meta: m, blob } = o;
  switch (m.type) {
    case 'probe-ack':
    case 'heartbeat':
      return check(true, m, blob);
    case 'stop':
      return check(isStr(m.reason), m, blob);
    case 'tasks':
      return check(batchOk(m, blob) && fnIdsOk(m) && functionsOk(m.functions), m, blob);
    default:
      return { ok: false, reason: `unknown message type '${String(m.type).slice(0, 40)}'` };
  }
}

function commandOk(c: unknown): boolean {
  if (typeof c !== 'object' || c === null) return false;
  const k = (c as { kind?: unknown }).kind;
  if (k === 'HOLD_MANAGER') return isStr((c as { manager?: unknown }).manager);
  return k === 'MANAGERS' || k === 'CONNECTED_BLOCKS' || k === 'OUTSTANDING';
}

export function decodeClientMessage(frames: Buffer[]): Decoded<ClientMessage> {
  const o = open(frames);
  if (!o.ok) return o;
  const { meta: m, blob } = o;
  switch (m.type) {
    case 'shutdown':
      return check(true, m, blob);
    case 'command':
      return check(isNat(m.reqId) && commandOk(m.command), m, blob);
    case 'tasks': {
      const n = Array.isArray(m.ids) ? m.ids.length : -1;
      const pr = m.priorities;
      const ok =
        batchOk(m, blob) &&
        functionsOk(m.functions) &&
        Array.isArray(pr) &&
        pr.length === n &&
        pr.every((p) => p === null || isNum(p)) &&
        fnIdsOk(m);
      return check(ok, m, blob);
    }
    default:
      return { ok: false, reason: `unknown message type '${String(m.type).slice(0, 40)}'` };
  }
}

export function decodeInterchangeToClient(frames: Buffer[]): Decoded<InterchangeToClient> {
  const o = open(frames);
  if (!o.ok) return o;
  const { meta: m, blob } = o;
  switch (m.type) {
    case 'results':
      return check(batchOk(m, blob), m, blob);
    case 'command-reply':
      return check(isNat(m.reqId) && typeof m.reply === 'object' && m.reply !== null, m, blob);
    case 'node-info':
      return check(Array.isArray(m.pools), m, blob);
    case 'version-mismatch':
      return check(isStr(m.manager) && isStr(m.expected) && isStr(m.received), m, blob);
    default:
      return { ok: false, reason: `unknown message type '${String(m.type).slice(0, 40)}'` };
  }
}

/** Split a batch blob into per-item views (no copy). */
export function splitBatch(lengths: readonly number[], blob: Buffer): Buffer[] {
  const out = new Array<Buffer>(lengths.length);
  let off = 0;
  for (let i = 0; i < lengths.length; i++) {
    const n = lengths[i]!;
    out[i] = blob.subarray(off, off + n);
    off += n;
  }
  return out;
}

/** The version string a registration is compared on. */
export function versionString(protocolVersion: unknown, packageVersion: unknown): string {
  return `protocol ${String(protocolVersion)}, parsl-ts ${String(packageVersion)}`;
}

// ---- manager ↔ worker process (Node IPC with v8 serialization; the worker is the manager's own child)
export type ManagerToWorker = {
  readonly type: 'tasks';
  readonly functions: FunctionDescriptor[];
  readonly fnIds: string[];
  readonly ids: number[];
  readonly lengths: number[];
  readonly blob: Buffer;
};

export type WorkerToManager =
  | {
      readonly type: 'results';
      readonly ids: number[];
      readonly lengths: number[];
      readonly blob: Buffer;
      /** Milliseconds the worker spent running these tasks, for the pool's pipelining estimate. */
      readonly busyMs: number;
    }
  /**
   * A task with a walltime starts now (earlier results were sent first): the pool kills the worker if the
   * task has not reported by walltime + backstop.
   */
  | {
      readonly type: 'started';
      readonly id: number;
      readonly appName: string;
      readonly kind: 'js' | 'bash';
      readonly walltimeMs: number;
    };

export function isManagerToWorker(m: unknown): m is ManagerToWorker {
  const o = m as Record<string, unknown>;
  return (
    typeof m === 'object' &&
    m !== null &&
    o.type === 'tasks' &&
    Buffer.isBuffer(o.blob) &&
    batchOk(o, o.blob as Buffer) &&
    fnIdsOk(o) &&
    functionsOk(o.functions)
  );
}

export function isWorkerToManager(m: unknown): m is WorkerToManager {
  const o = m as Record<string, unknown>;
  if (typeof m !== 'object' || m === null) return false;
  if (o.type === 'started')
    return isInt(o.id) && isStr(o.appName) && (o.kind === 'js' || o.kind === 'bash') && isNum(o.walltimeMs);
  return o.type === 'results' && Buffer.isBuffer(o.blob) && isNum(o.busyMs) && batchOk(o, o.blob as Buffer);
}
