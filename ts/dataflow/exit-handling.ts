/**
 * How a loaded kernel ends with its process — Node's answer to Parsl's atexit handler and its Ctrl-C handling.
 *
 * Node exits when nothing ref'd is left on the event loop. Executors keep their threads, processes and pipes
 * unref'd, so the kernel alone decides: it holds the loop with one timer while it starts, while any task is
 * open, and while it cleans up. When the program has nothing else left to do, Node emits 'beforeExit' and the
 * kernel cleans up (final checkpoint, blocks cancelled, workers stopped) before the process ends.
 *
 * SIGINT and SIGTERM run the same cleanup and then exit with 130 or 143; the same signal again exits at once.
 * An uncaught error (or unhandled rejection) is printed, cleaned up after, and exits with 1. Where the program
 * has its own listener for a signal, the kernel still cleans up on it but leaves exiting to that listener; where
 * it has its own 'uncaughtException' listener, uncaught errors are entirely its business.
 */
import { inspect } from 'node:util';
import { getLogger } from '../logging.js';

const log = getLogger('parsl.dataflow.exit');

/** The exit codes a shell reports for a process ended by these signals (128 + signal number). */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type HandledSignal = keyof typeof SIGNAL_EXIT_CODES;
const SIGNALS = Object.keys(SIGNAL_EXIT_CODES) as HandledSignal[];

const LONGEST_TIMER_MS = 2 ** 31 - 1;

export class ExitHandling {
  /** Ref'd while `#holds > 0`: this is what keeps the process alive on the kernel's behalf. */
  readonly #timer = setInterval(() => {}, LONGEST_TIMER_MS);
  #holds = 0;
  #interrupted = false;
  #installed = false;
  readonly #cleanup: () => Promise<void>;

  /** @param cleanup the kernel's idempotent cleanup */
  constructor(cleanup: () => Promise<void>) {
    this.#cleanup = cleanup;
    this.#timer.unref();
  }

  /** Listen for 'beforeExit', the termination signals and uncaught errors until {@link uninstall}. */
  install(): void {
    if (this.#installed) return;
    this.#installed = true;
    process.on('beforeExit', this.#onBeforeExit);
    for (const s of SIGNALS) process.on(s, this.#onSignal);
    process.on('uncaughtException', this.#onUncaught);
  }

  /** Stop holding the process and remove every listener. */
  uninstall(): void {
    clearInterval(this.#timer);
    if (!this.#installed) return;
    this.#installed = false;
    process.off('beforeExit', this.#onBeforeExit);
    for (const s of SIGNALS) process.off(s, this.#onSignal);
    process.off('uncaughtException', this.#onUncaught);
  }

  /** Keep the process alive until a matching {@link release}. Cheap: only the 0 ↔ 1 steps touch the timer. */
  hold(): void {
    if (this.#holds++ === 0) this.#timer.ref();
  }

  release(): void {
    if (--this.#holds === 0) this.#timer.unref();
  }

  /** Hold the process while `work` runs. */
  async holdWhile<T>(work: () => Promise<T>): Promise<T> {
    this.hold();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  readonly #onBeforeExit = (): void => {
    log.info('the program has nothing left to do: cleaning up the DataFlowKernel before exit');
    this.#runCleanup();
  };

  readonly #onSignal = (signal: HandledSignal): void => {
    const code = SIGNAL_EXIT_CODES[signal];
    if (this.#interrupted) {
      process.stderr.write(`parsl-ts: ${signal} again: exiting without waiting for cleanup\n`);
      process.exit(code);
    }
    this.#interrupted = true;
    const again = signal === 'SIGINT' ? 'press Ctrl-C again' : `send ${signal} again`;
    process.stderr.write(`parsl-ts: ${signal}: cleaning up the DataFlowKernel (${again} to exit at once)\n`);
    log.info(`${signal} received: cleaning up`);
    const theirs = process.listenerCount(signal) > 1;
    this.#runCleanup().then(() => {
      if (!theirs) process.exit(code);
    });
  };

  readonly #onUncaught = (error: unknown, origin: string): void => {
    // Another listener has taken over uncaught errors (a test runner, the program itself): it decides.
    if (process.listenerCount('uncaughtException') > 1) return;
    if (this.#interrupted) {
      // Cleanup is under way and decides the exit code; awaiting a task it abandoned lands here (e.g. the
      // program's top-level await), which is expected, not a new failure.
      log.info(`while cleaning up: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    this.#interrupted = true;
    const what = origin === 'unhandledRejection' ? 'unhandled rejection' : 'uncaught exception';
    process.stderr.write(`${inspect(error)}\n\nparsl-ts: ${what}: cleaning up the DataFlowKernel\n`);
    log.error(`${what}: ${error instanceof Error ? error.message : String(error)}; cleaning up`);
    this.#runCleanup().then(() => process.exit(1));
  };

  /** Cleanup with the process held; resolves either way (its errors are logged by the kernel). */
  #runCleanup(): Promise<void> {
    return this.holdWhile(this.#cleanup).catch((e: unknown) => {
      process.stderr.write(`parsl-ts: cleanup failed: ${e instanceof Error ? e.message : String(e)}\n`);
    });
  }
}
