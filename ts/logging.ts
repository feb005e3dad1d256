import { createWriteStream, mkdirSync, openSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { redact } from './secrets.js';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40 };

interface Handler {
  readonly level: number;
  readonly filter: string | null;
  write(line: string): void;
  close(): Promise<void>;
}

const handlers: Handler[] = [];
let minLevel = Number.POSITIVE_INFINITY;

function recompute(): void {
  minLevel = handlers.reduce((m, h) => Math.min(m, h.level), Number.POSITIVE_INFINITY);
}

/**
 * A named logger. Lines go to every handler whose level admits them; with no handler a call costs one
 * comparison, so hot paths may log at debug level behind `enabled('debug')`.
 */
export class Logger {
  constructor(readonly name: string) {}

  enabled(level: LogLevel): boolean {
    return LEVELS[level] >= minLevel;
  }

  debug(msg: string): void {
    if (LEVELS.debug >= minLevel) emit(this.name, 'debug', msg);
  }
  info(msg: string): void {
    if (LEVELS.info >= minLevel) emit(this.name, 'info', msg);
  }
  warning(msg: string): void {
    if (LEVELS.warning >= minLevel) emit(this.name, 'warning', msg);
  }
  error(msg: string): void {
    if (LEVELS.error >= minLevel) emit(this.name, 'error', msg);
  }
}

function emit(name: string, level: LogLevel, msg: string): void {
  const n = LEVELS[level];
  const line = `${new Date().toISOString()} ${name} ${level.toUpperCase()}: ${redact(msg)}\n`;
  for (const h of handlers)
    if (n >= h.level && (h.filter === null || name.startsWith(h.filter))) h.write(line);
}

export function getLogger(name: string): Logger {
  return new Logger(name);
}

/** Handle returned by the set*Logger functions, to remove that handler again. */
export interface LogHandle {
  close(): Promise<void>;
}

/** Log to a stream (stderr by default), as Parsl's `set_stream_logger`. */
export function setStreamLogger(
  opts: { name?: string; level?: LogLevel; stream?: NodeJS.WritableStream } = {},
): LogHandle {
  const stream = opts.stream ?? process.stderr;
  return add({
    level: LEVELS[opts.level ?? 'debug'],
    filter: opts.name ?? null,
    write: (l) => void stream.write(l),
    close: async () => {},
  });
}

/** Log to a file (appending, written asynchronously), as Parsl's `set_file_logger`. */
export function setFileLogger(path: string, opts: { name?: string; level?: LogLevel } = {}): LogHandle {
  mkdirSync(dirname(path), { recursive: true });
  // Opened synchronously (once per run) so the file exists as soon as logging is set up.
  const ws: WriteStream = createWriteStream(path, { fd: openSync(path, 'a') });
  return add({
    level: LEVELS[opts.level ?? 'debug'],
    filter: opts.name ?? null,
    write: (l) => void ws.write(l),
    close: () => new Promise<void>((resolve) => ws.end(resolve)),
  });
}

function add(h: Handler): LogHandle {
  handlers.push(h);
  recompute();
  let closed = false;
  return {
    close: async () => {
      if (closed) return;
      closed = true;
      const i = handlers.indexOf(h);
      if (i >= 0) handlers.splice(i, 1);
      recompute();
      await h.close();
    },
  };
}
