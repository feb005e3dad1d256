import { deserialize, serialize } from 'node:v8';
import type { BashOptions, ResultWire, TaskWire, WorkerReport } from '../../execute/task-wire.js';
import type { FunctionDescriptor } from '../../serialize/function-ref.js';
import type { RemoteErrorData } from '../../serialize/remote-error.js';
import { fromRemoteError } from '../../serialize/remote-error.js';
import { decodeValue, encodeArgs } from '../../serialize/values.js';
import type { ExecutorTask, TaskOutcome } from '../base.js';

/**
 * The opaque bodies of tasks and results that travel through the interchange and the pool untouched.
 *
 * A body is one tag byte and a payload: `J` + JSON when every value in it survives JSON exactly (finite numbers
 * other than -0, strings, booleans, null, small plain arrays and objects of those) — the common case, and ~20×
 * cheaper per task than a v8 serializer call — else `V` + v8 structured serialization (Maps, Sets, typed arrays,
 * bigints, Dates, cycles, undefined). Ids and function ids travel in the batch's meta, not in bodies.
 */

const J = 0x4a;
const V = 0x56;

/**
 * What a pool that places tasks (the MPIExecutor's) needs to know about one task, resolved and checked by the
 * executor at submit so the pool never reads the user's resource specification: Parsl's MPI vocabulary.
 */
export interface TaskResources {
  readonly numNodes: number;
  readonly ranksPerNode: number;
  readonly numRanks: number;
  /** Extra flags for the MPI launcher of this task. */
  readonly launcherOptions: string;
}

/** What the executor decided about a task at submit: its queue priority and the resources its pool reads. */
export interface TaskPlacement {
  /** `null` = unprioritised; travels in the batch meta, for the interchange's queue. */
  readonly priority: number | null;
  /** `null` for pools that take tasks as they come (HTEX's, the ExtremeScale ranks). */
  readonly resources: TaskResources | null;
}

type Header = [
  tryId: number,
  appName: string,
  kind: 'js' | 'bash',
  walltimeMs: number | null,
  bash: BashOptions | null,
  resources: TaskResources | null,
  args: unknown[],
  /** Only with monitoring on: the worker's sampling interval (`TaskWire.monitor`). */
  monitor?: number,
];

export function encodeTaskBody(t: ExecutorTask, resources: TaskResources | null = null): Buffer {
  const args = encodeArgs(t.args);
  const h: Header = [t.tryId, t.appName, t.kind, t.walltimeMs, t.bash, resources, args];
  if (t.monitor !== null && t.monitor !== undefined) h.push(t.monitor);
  return jsonSafe(args, 0) ? jsonBody(h) : v8Body(h);
}

export function decodeTaskBody(id: number, fn: FunctionDescriptor, buf: Buffer): TaskWire {
  return decodeTask(id, fn, buf).wire;
}

/** The task and the resources its executor gave it. */
export function decodeTask(
  id: number,
  fn: FunctionDescriptor,
  buf: Buffer,
): { wire: TaskWire; resources: TaskResources | null } {
  const [tryId, appName, kind, walltimeMs, bash, resources, args, monitor] = open(buf) as Header;
  // `monitor` is undefined unless monitored: one shape, no copy per task.
  return { wire: { id, tryId, appName, kind, fn, args, walltimeMs, bash, monitor }, resources };
}

/**
 * A result body: `[ok, value or error]`, then, when the task was monitored, the worker's report flattened:
 * start in whole microseconds since the epoch, duration in microseconds, hostname, blockId, and the samples
 * if any. Positions instead of keys and integers instead of fractions: results go by at full rate, and an
 * integer is several times cheaper to print and parse than a fractional millisecond.
 */
export function encodeResultBody(r: ResultWire): Buffer {
  const w = r.worker;
  if (w !== undefined && r.ok && w.samples === null && jsonSafe(r.value, 0)) {
    // The common monitored result, printed directly: the host and block part is the same for every result.
    const started = Math.round(w.started * 1000);
    const duration = Math.round(w.ended * 1000) - started;
    return jsonText(
      `[1,${JSON.stringify(r.value)},${started},${duration}${placeText(w.hostname, w.blockId)}]`,
    );
  }
  const body: unknown[] = [r.ok ? 1 : 0, r.ok ? r.value : r.error];
  if (w !== undefined) {
    const started = Math.round(w.started * 1000);
    body.push(started, Math.round(w.ended * 1000) - started, w.hostname, w.blockId);
    if (w.samples !== null) body.push(w.samples);
  }
  return r.ok && jsonSafe(r.value, 0) ? jsonBody(body) : v8Body(body);
}

let lastPlace: [host: string, block: string | null, text: string] = ['', null, ''];

/** `,"host","block"`, remembered for the last host and block (a worker's never change). */
function placeText(host: string, block: string | null): string {
  if (host !== lastPlace[0] || block !== lastPlace[1]) {
    lastPlace = [host, block, `,${JSON.stringify(host)},${JSON.stringify(block)}`];
  }
  return lastPlace[2];
}

type ResultBody = [
  ok: number,
  value: unknown,
  startedUs?: number,
  durationUs?: number,
  hostname?: string,
  blockId?: string | null,
  samples?: WorkerReport['samples'],
];

export function decodeResultBody(buf: Buffer): TaskOutcome {
  const b = open(buf) as ResultBody;
  if (b.length === 2) {
    return b[0] === 1
      ? { ok: true, value: decodeValue(b[1]) }
      : { ok: false, error: fromRemoteError(b[1] as RemoteErrorData) };
  }
  const worker: WorkerReport = {
    started: b[2]! / 1000,
    ended: (b[2]! + b[3]!) / 1000,
    hostname: b[4]!,
    blockId: b[5] ?? null,
    samples: b[6] ?? null,
  };
  return b[0] === 1
    ? { ok: true, value: decodeValue(b[1]), worker }
    : { ok: false, error: fromRemoteError(b[1] as RemoteErrorData), worker };
}

function jsonBody(v: unknown): Buffer {
  return jsonText(JSON.stringify(v));
}

function jsonText(s: string): Buffer {
  const b = Buffer.allocUnsafe(1 + Buffer.byteLength(s));
  b[0] = J;
  b.write(s, 1);
  return b;
}

function v8Body(v: unknown): Buffer {
  const s = serialize(v);
  const b = Buffer.allocUnsafe(1 + s.length);
  b[0] = V;
  s.copy(b, 1);
  return b;
}

function open(buf: Buffer): unknown {
  if (buf[0] === J) return JSON.parse(buf.toString('utf8', 1));
  if (buf[0] === V) return deserialize(buf.subarray(1));
  throw new Error(`unknown body tag ${buf[0]}`);
}

const MAX_ITEMS = 64;
const MAX_DEPTH = 4;

/** Whether JSON round-trips `v` exactly as structured clone would. */
export function jsonSafe(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object': {
      if (v === null) return true;
      if (depth >= MAX_DEPTH) return false;
      if (Array.isArray(v)) {
        if (v.length > MAX_ITEMS) return false;
        for (let i = 0; i < v.length; i++) if (!(i in v) || !jsonSafe(v[i], depth + 1)) return false;
        return true;
      }
      if (Object.getPrototypeOf(v) !== Object.prototype) return false;
      let n = 0;
      for (const k in v) {
        if (++n > MAX_ITEMS || k === '__proto__' || !Object.hasOwn(v, k)) return false;
        if (!jsonSafe((v as Record<string, unknown>)[k], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}
