import { TaskState } from '../dataflow/states.js';
import type { RowBatch } from './rows.js';
import { EV, type EventChunk, type EventExtra, FLAG, STRIDE } from './task-events.js';

const NO_EXTRA: EventExtra = {};

/**
 * The writer side of {@link EventBuffer}: turns chunks of task events back into the rows Parsl's tables take,
 * in the order the kernel side used to build them (a try's insert before its update, the worker's running and
 * running_ended before the state that ends the try). Keeps the name table across chunks.
 */
export class EventRows {
  readonly #names: string[] = [];
  readonly #samplingInterval: number;

  constructor(samplingInterval: number) {
    this.#samplingInterval = samplingInterval;
  }

  /** Append the rows of `chunk` to `b`. */
  append(chunk: EventChunk, b: RowBatch): void {
    const names = this.#names;
    for (const n of chunk.names) names.push(n);
    const name = (code: number) => names[code]!;
    const ev = chunk.events;
    for (let i = 0; i < chunk.count; i++) {
      const o = i * STRIDE;
      const id = ev[o + EV.task]!;
      const tryId = ev[o + EV.try]!;
      const state = ev[o + EV.state]!;
      const t = ev[o + EV.time]!;
      const app = name(ev[o + EV.app]!);
      const flags = ev[o + EV.flags]!;
      const xi = ev[o + EV.extra]!;
      const x = xi < 0 ? NO_EXTRA : chunk.extras[xi]!;
      if (flags & FLAG.task) {
        b.task.push(
          id,
          app,
          ev[o + EV.memoize]!,
          x.depends ?? null,
          ev[o + EV.invoked]!,
          x.stdout ?? null,
          x.stderr ?? null,
          x.outputs ?? null,
        );
        if (x.edges !== undefined) for (const e of x.edges) b.edges.push(e);
      }
      if (flags & FLAG.try) b.try.push(id, tryId, name(ev[o + EV.executor]!), t);
      const worker = (flags & FLAG.worker) !== 0;
      if (worker) {
        b.status.push(id, tryId, TaskState.running, ev[o + EV.workerStarted]!, app, null);
        b.status.push(id, tryId, TaskState.running_ended, ev[o + EV.workerEnded]!, app, null);
        if (x.samples !== undefined) this.#samples(b, id, tryId, x);
      }
      if (flags & FLAG.tryEnd) {
        const block = ev[o + EV.block]!;
        b.tryEnd.push(
          id,
          tryId,
          worker ? ev[o + EV.workerStarted]! : null,
          worker ? name(ev[o + EV.host]!) : null,
          worker && block >= 0 ? name(block) : null,
          t,
          x.failures ?? null,
        );
      }
      if (flags & FLAG.taskEnd) {
        b.taskEnd.push(
          id,
          ev[o + EV.returned]!,
          ev[o + EV.failCount]!,
          ev[o + EV.failCost]!,
          x.hashsum ?? null,
        );
      }
      b.status.push(id, tryId, state, t, app, ev[o + EV.previous]!);
    }
  }

  #samples(b: RowBatch, id: number, tryId: number, x: EventExtra): void {
    for (const s of x.samples!) {
      b.resource.push(
        id,
        tryId,
        this.#samplingInterval,
        s.time,
        s.pid,
        s.children,
        s.cpuUser,
        s.cpuSystem,
        s.rss,
        s.vms,
        s.memoryPercent,
        s.diskRead,
        s.diskWrite,
        s.ctxVoluntary,
        s.ctxInvoluntary,
        s.status,
        s.cpuNum,
      );
    }
  }
}
