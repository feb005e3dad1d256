import { createLogUpdate } from 'log-update';
import type { DataFlowKernel } from '../../dataflow/dflow.js';
import { isBlockProviderExecutor } from '../../executors/block-provider.js';
import { HighThroughputExecutor } from '../../executors/htex/executor.js';
import { TERMINAL_STATES } from '../../providers/base.js';
import { type ExecutorProgress, type ProgressSnapshot, renderFrame, renderLine } from './render.js';
import { ProgressTally } from './tally.js';

export interface ProgressOptions {
  /** Where the display goes (stderr, so a workflow's own output on stdout stays clean). */
  readonly stream: NodeJS.WriteStream;
  /** Redraw a live frame in place (a terminal) rather than print a line per interval. */
  readonly live: boolean;
  /** Between redraws (live) or lines (not live). */
  readonly intervalMs: number;
}

/**
 * Show the progress of `dfk` until its cleanup completes: a frame redrawn in place on a terminal (through
 * log-update), or one line per interval otherwise, plus a last line if any was printed. It is fed by the
 * kernel's state changes; block counts are asked once per frame. Its timer never keeps the process alive.
 * Returns a function that stops it early.
 */
export function showProgress(dfk: DataFlowKernel, opts: ProgressOptions): () => void {
  const started = Date.now();
  let lastFrame = { at: started, finished: 0 };
  const connected = new Map<string, number>();
  let linesPrinted = 0;
  let stopped = false;

  const snapshot = (final: boolean): ProgressSnapshot => {
    const now = Date.now();
    const rate = final
      ? tally.finished / Math.max((now - started) / 1000, 1e-3)
      : (tally.finished - lastFrame.finished) / Math.max((now - lastFrame.at) / 1000, 1e-3);
    lastFrame = { at: now, finished: tally.finished };
    const executors: ExecutorProgress[] = [];
    const counts = tally.byExecutor();
    for (const [label, states] of counts) {
      if (states.size === 0) continue;
      executors.push({ label, states, blocks: blockCounts(label) });
    }
    for (const [label] of dfk.executors) {
      const b = blockCounts(label);
      if (!counts.get(label)?.size && b !== null) executors.push({ label, states: new Map(), blocks: b });
    }
    return {
      elapsedMs: now - started,
      submitted: tally.submitted,
      pending: tally.pending,
      finished: tally.finished,
      failed: tally.failed,
      tasksPerSecond: rate,
      executors,
    };
  };

  const blockCounts = (label: string): ExecutorProgress['blocks'] => {
    const e = dfk.executors.get(label);
    if (e === undefined || !isBlockProviderExecutor(e)) return null;
    let live = 0;
    for (const s of e.scaling.statuses().values()) if (!TERMINAL_STATES.has(s.state)) live++;
    return { connected: connected.get(label) ?? 0, live };
  };

  /** Ask each HTEX-based executor's interchange which blocks have a pool; the answer shows in the next frame. */
  const refreshConnected = (): void => {
    for (const [label, e] of dfk.executors) {
      if (!(e instanceof HighThroughputExecutor)) continue;
      e.connectedBlocks().then(
        (b) => connected.set(label, b.length),
        () => {}, // the interchange is gone (shutting down): keep the last count
      );
    }
  };

  const screen = opts.live ? new LiveScreen(opts.stream) : null;
  const tick = (): void => {
    if (stopped) return;
    refreshConnected();
    if (screen !== null) screen.render(renderFrame(snapshot(false)));
    else {
      opts.stream.write(`${renderLine(snapshot(false))}\n`);
      linesPrinted++;
    }
  };
  const stop = (final: boolean): void => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    unwatch();
    if (screen !== null) screen.end(final ? renderFrame(snapshot(true)) : null);
    else if (final && linesPrinted > 0) opts.stream.write(`${renderLine(snapshot(true))}\n`);
  };

  const tally = new ProgressTally(() => stop(true));
  const unwatch = dfk.watchTasks(tally);
  const timer = setInterval(tick, opts.intervalMs);
  timer.unref();
  if (screen !== null) tick();
  return () => stop(false);
}

/**
 * A frame kept at the bottom of a terminal. Whatever else the process writes to stdout or stderr meanwhile is
 * written above it: the frame is erased first and redrawn right after.
 */
class LiveScreen {
  readonly #update: ReturnType<typeof createLogUpdate>;
  readonly #restore: Array<() => void> = [];
  #frame = '';
  #redraw: NodeJS.Immediate | null = null;

  constructor(stream: NodeJS.WriteStream) {
    const write = stream.write.bind(stream);
    // log-update writes through this view of the stream, so its own writes bypass the interception below.
    const view = {
      write: (s: string) => write(s),
      get columns() {
        return stream.columns;
      },
      get rows() {
        return stream.rows;
      },
      isTTY: true,
    };
    this.#update = createLogUpdate(view as unknown as NodeJS.WriteStream, { showCursor: true });
    for (const s of [process.stdout, process.stderr]) this.#intercept(s);
  }

  #intercept(s: NodeJS.WriteStream): void {
    const original = s.write;
    const self = this;
    s.write = function (this: NodeJS.WriteStream, ...args: Parameters<typeof original>) {
      self.#update.clear();
      self.#scheduleRedraw();
      return original.apply(this, args);
    } as typeof original;
    this.#restore.push(() => {
      s.write = original;
    });
  }

  #scheduleRedraw(): void {
    if (this.#redraw !== null) return;
    this.#redraw = setImmediate(() => {
      this.#redraw = null;
      this.#update(this.#frame);
    });
    this.#redraw.unref();
  }

  render(frame: string): void {
    this.#frame = frame;
    this.#update(frame);
  }

  /** Leave `frame` (or the current one) on the terminal and stop intercepting output. */
  end(frame: string | null): void {
    if (this.#redraw !== null) clearImmediate(this.#redraw);
    for (const r of this.#restore) r();
    this.#update(frame ?? this.#frame);
    this.#update.done();
  }
}
