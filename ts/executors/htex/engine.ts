import { type ChildProcess, spawn } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { KnownFunctions } from '../../execute/function-cache.js';
import type { Logger } from '../../logging.js';
import { SerializationError } from '../../serialize/errors.js';
import type { FunctionDescriptor } from '../../serialize/function-ref.js';
import type { ExecutorTask, TaskDone, TaskOutcome } from '../base.js';
import { BadStateException, VersionMismatch } from '../errors.js';
import { CommandClient, type ReplyOf } from './command-client.js';
import type { InterchangeConfig } from './interchange.js';
import { CLIENT_FD, encodeFramed, FrameReader } from './pipe-codec.js';
import {
  type Command,
  decodeInterchangeToClient,
  encode,
  type InterchangeToClient,
  type PoolInfo,
  splitBatch,
} from './protocol.js';
import { decodeResultBody, encodeTaskBody, type TaskPlacement } from './task-codec.js';
import { TurnFlusher } from './transport.js';

export const CLI_MAIN = fileURLToPath(new URL('../../cli/main.js', import.meta.url));

export interface EngineEvents {
  /** The engine cannot go on (interchange gone, version mismatch); every task must fail with `err`. */
  onFatal(err: Error): void;
  /** Pools registered or went away (the interchange's NODE_INFO). */
  onPools?(pools: readonly PoolInfo[]): void;
}

export interface EngineStart {
  readonly interchange: InterchangeConfig;
  readonly logFile: string;
  readonly debug: boolean;
  readonly startTimeoutMs: number;
}

const STDERR_TAIL = 4096;

/**
 * The submit side of the HighThroughputExecutor (private; the facade is {@link HighThroughputExecutor}): it owns
 * the interchange process and the pipe to it, batches submissions per event-loop turn, and completes tasks from
 * result batches. The link is a pipe, not a ZeroMQ socket: the interchange is always this process's child, and a
 * pipe hop skips the two I/O-thread wake-ups of a ZeroMQ hop (and has no port anyone else could reach).
 */
export class HtexEngine {
  readonly #log: Logger;
  readonly #events: EngineEvents;
  #proc: ChildProcess | null = null;
  #stderrTail = '';
  #link: Duplex | null = null;
  #commands: CommandClient | null = null;
  readonly #tasks = new Map<number, TaskDone>();
  #nextId = 1;
  /** Which sources the interchange has (it forwards each to each pool once). */
  readonly #sentFunctions = new KnownFunctions();
  #batchIds: number[] = [];
  #batchBufs: Buffer[] = [];
  #batchPriorities: (number | null)[] = [];
  #batchFnIds: string[] = [];
  #batchFunctions: FunctionDescriptor[] = [];
  readonly #flusher = new TurnFlusher(() => this.#flush());
  #fatal: Error | null = null;
  #stopping = false;
  /** Pings the interchange: a stopped or hung one exits no more than a healthy one, so its silence is the sign. */
  #watchdog: NodeJS.Timeout | null = null;
  #pingSentAt: number | null = null;
  #exited: Promise<void> = Promise.resolve();

  readonly #label: string;

  constructor(label: string, log: Logger, events: EngineEvents) {
    this.#label = label;
    this.#log = log;
    this.#events = events;
  }

  get outstanding(): number {
    return this.#tasks.size;
  }

  async start(s: EngineStart): Promise<{ workerPort: number }> {
    const args = [CLI_MAIN, 'interchange', '--log-file', s.logFile, ...(s.debug ? ['--debug'] : [])];
    const proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    this.#proc = proc;
    proc.stderr!.on('data', (d: Buffer) => {
      this.#stderrTail = (this.#stderrTail + d.toString('utf8')).slice(-STDERR_TAIL);
    });
    proc.stdin!.on('error', () => {}); // EPIPE when it died first; reported through 'exit'
    this.#exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    proc.stdin!.write(`${JSON.stringify(s.interchange)}\n`);
    const ports = await this.#readPorts(proc, s.startTimeoutMs);
    proc.once('exit', (code, signal) =>
      this.#interchangeExited(signal ? `killed by ${signal}` : `exit code ${code}`),
    );
    this.#connect(proc, s);
    this.#watch(s.interchange.heartbeatPeriodMs, s.interchange.heartbeatThresholdMs);
    return ports;
  }

  /**
   * Every `periodMs`, one command to the interchange; no answer for `thresholdMs` (it is stopped, frozen or
   * deadlocked) fails every task as its death would, and kills it so it cannot come back half-way.
   */
  #watch(periodMs: number, thresholdMs: number): void {
    this.#watchdog = setInterval(() => {
      if (this.#stopping || this.#fatal !== null) return;
      const sent = this.#pingSentAt;
      if (sent === null) {
        const at = Date.now();
        this.#pingSentAt = at;
        this.command({ kind: 'OUTSTANDING' }).then(
          () => {
            if (this.#pingSentAt === at) this.#pingSentAt = null;
          },
          () => {}, // a timeout here is judged by the silence below; loss of the process by 'exit'
        );
      } else if (Date.now() - sent > thresholdMs) {
        this.#stopWatching();
        this.#proc?.kill('SIGKILL');
        this.#events.onFatal(
          new BadStateException(
            this.#label,
            `the interchange did not answer for ${Date.now() - sent} ms (stopped, frozen or hung; heartbeatThreshold is ${thresholdMs} ms) and was killed; see interchange.log in the run directory`,
          ),
        );
      }
    }, periodMs);
    this.#watchdog.unref();
  }

  #stopWatching(): void {
    if (this.#watchdog !== null) clearInterval(this.#watchdog);
    this.#watchdog = null;
  }

  #readPorts(proc: ChildProcess, timeoutMs: number): Promise<{ workerPort: number }> {
    return new Promise((resolve, reject) => {
      let buf = '';
      const cleanup = () => {
        clearTimeout(timer);
        proc.stdout!.off('data', onData);
        proc.off('exit', onExit);
      };
      const onData = (d: Buffer) => {
        buf += d.toString('utf8');
        const i = buf.indexOf('\n');
        if (i < 0) return;
        cleanup();
        try {
          resolve(JSON.parse(buf.slice(0, i)) as { workerPort: number });
        } catch (e) {
          reject(
            new Error(`the interchange printed '${buf.slice(0, i)}' instead of its ports`, { cause: e }),
          );
        }
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(
          new Error(`the interchange exited with code ${code} while starting: ${this.#stderrTail.trim()}`),
        );
      };
      const timer = setTimeout(() => {
        cleanup();
        proc.kill('SIGKILL');
        reject(
          new Error(
            `the interchange did not report its ports within ${timeoutMs} ms: ${this.#stderrTail.trim()}`,
          ),
        );
      }, timeoutMs);
      proc.stdout!.on('data', onData);
      proc.once('exit', onExit);
    });
  }

  #connect(proc: ChildProcess, s: EngineStart): void {
    const link = (proc.stdio as readonly unknown[])[CLIENT_FD] as Duplex;
    this.#link = link;
    link.on('error', (e) => {
      // EPIPE/ECONNRESET when the interchange died: its 'exit' reports that.
      if (!this.#stopping) this.#log.debug(`interchange pipe: ${e.message}`);
    });
    this.#commands = new CommandClient(
      (reqId, command) => this.#send(encode({ type: 'command', reqId, command })),
      s.startTimeoutMs,
    );
    const reader = new FrameReader((meta, blob) => {
      const d = decodeInterchangeToClient([meta, blob]);
      if (!d.ok) this.#log.warning(`dropped a message from the interchange: ${d.reason}`);
      else this.#handle(d.msg, d.blob);
    });
    link.on('data', (chunk: Buffer) => reader.push(chunk));
  }

  #send(frames: Buffer[]): void {
    this.#link?.write(encodeFramed(frames[0]!, frames[1]));
  }

  #handle(m: InterchangeToClient, blob: Buffer): void {
    switch (m.type) {
      case 'results': {
        const bufs = splitBatch(m.lengths, blob);
        for (let i = 0; i < m.ids.length; i++) this.#complete(m.ids[i]!, bufs[i]!);
        return;
      }
      case 'command-reply':
        this.#commands?.reply(m.reqId, m.reply);
        return;
      case 'node-info':
        this.#events.onPools?.(m.pools);
        return;
      case 'version-mismatch':
        this.#events.onFatal(versionMismatch(m));
        return;
    }
  }

  #complete(id: number, buf: Buffer): void {
    const done = this.#tasks.get(id);
    if (done === undefined) return;
    this.#tasks.delete(id);
    let outcome: TaskOutcome;
    try {
      outcome = decodeResultBody(buf);
    } catch (e) {
      outcome = {
        ok: false,
        error: new SerializationError(`the result of a task could not be decoded: ${(e as Error).message}`, {
          cause: e,
        }),
      };
    }
    done(outcome);
  }

  submit(task: ExecutorTask, done: TaskDone, placement: TaskPlacement): void {
    if (this.#fatal !== null) {
      later(done, this.#fatal);
      return;
    }
    const id = this.#nextId++;
    let buf: Buffer;
    try {
      buf = encodeTaskBody(task, placement.resources);
    } catch (e) {
      const why = `task ${task.id} (${task.appName}): an argument cannot be sent to a worker: ${(e as Error).message}`;
      later(done, new SerializationError(why, { cause: e }));
      return;
    }
    const fn = task.fn;
    if (this.#sentFunctions.add(fn.id)) this.#batchFunctions.push(fn);
    this.#tasks.set(id, done);
    this.#batchIds.push(id);
    this.#batchBufs.push(buf);
    this.#batchPriorities.push(placement.priority);
    this.#batchFnIds.push(fn.id);
    this.#flusher.request();
  }

  #flush(): void {
    if (this.#batchIds.length === 0 || this.#link === null) return;
    const lengths = this.#batchBufs.map((b) => b.length);
    const frames = encode(
      {
        type: 'tasks',
        ids: this.#batchIds,
        lengths,
        priorities: this.#batchPriorities,
        fnIds: this.#batchFnIds,
        functions: this.#batchFunctions,
      },
      this.#batchBufs.length === 1 ? this.#batchBufs[0]! : Buffer.concat(this.#batchBufs),
    );
    this.#batchIds = [];
    this.#batchBufs = [];
    this.#batchPriorities = [];
    this.#batchFnIds = [];
    this.#batchFunctions = [];
    this.#send(frames);
  }

  command<K extends Command['kind']>(c: Extract<Command, { kind: K }>): Promise<ReplyOf<K>> {
    if (this.#commands === null) return Promise.reject(new Error('the executor has not started'));
    return this.#commands.request(c);
  }

  /** Fail every task held and refuse new ones. */
  failAll(err: Error): void {
    this.#fatal ??= err;
    this.#commands?.close(err);
    const held = [...this.#tasks.values()];
    this.#tasks.clear();
    for (const done of held) done({ ok: false, error: err });
  }

  #interchangeExited(how: string): void {
    this.#stopWatching();
    if (this.#stopping || this.#fatal !== null) return;
    const log = this.#stderrTail.trim();
    this.#events.onFatal(
      new BadStateException(
        this.#label,
        `the interchange process exited unexpectedly (${how})${log ? `: ${log}` : ''}; see interchange.log in the run directory`,
      ),
    );
  }

  /** The interchange process and its pipes no longer keep this process alive; see Executor.unref. */
  unref(): void {
    const proc = this.#proc;
    if (proc === null) return;
    proc.unref();
    for (const s of proc.stdio) (s as { unref?: () => void } | null)?.unref?.();
  }

  /** Stop the interchange (it stops the pools), then close; kills it after `graceMs`. */
  async shutdown(graceMs: number): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#stopWatching();
    const proc = this.#proc;
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      this.#send(encode({ type: 'shutdown' }));
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      await this.#exited;
      clearTimeout(timer);
    }
    proc?.stdin?.destroy();
    this.#link?.destroy();
  }
}

function later(done: TaskDone, error: Error): void {
  queueMicrotask(() => done({ ok: false, error }));
}

function versionMismatch(m: Extract<InterchangeToClient, { type: 'version-mismatch' }>): Error {
  return new VersionMismatch(m.expected, `${m.received} (pool ${m.manager} on ${m.hostname})`);
}
