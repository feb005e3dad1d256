import { createWriteStream, mkdirSync, openSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import { describeValue } from './describe.js';
import { ConfigurationError } from './errors.js';
import { redact } from './secrets.js';

export type LogLevel = 'debug' | 'info' | 'warning' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40 };

/**
 * A handler's threshold: a level name in either case, with Python's names (`'INFO'`, `'WARN'`, `'CRITICAL'`), or
 * Python's numbers (`logging.INFO` is 20: 10 debug, 20 info, 30 warning, 40 error, 50 critical).
 */
export type LogLevelOption =
  | LogLevel
  | Uppercase<LogLevel>
  | 'warn'
  | 'WARN'
  | 'critical'
  | 'CRITICAL'
  | number;

const NAMED: Readonly<Record<string, number>> = { ...LEVELS, warn: 30, critical: 50 };

function threshold(fn: string, level: LogLevelOption | undefined): number {
  if (level === undefined) return LEVELS.debug;
  if (typeof level === 'number' && Number.isFinite(level)) return level;
  const n = typeof level === 'string' ? NAMED[level.toLowerCase()] : undefined;
  if (n === undefined) {
    throw new ConfigurationError(
      `${fn}: level must be one of 'debug', 'info', 'warning', 'error', 'critical' (any case) or a number like Python's logging.INFO (20); got ${describeValue(level)}`,
    );
  }
  return n;
}

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
  opts: { name?: string; level?: LogLevelOption; stream?: NodeJS.WritableStream } = {},
): LogHandle {
  const level = threshold('setStreamLogger', opts.level);
  const stream = opts.stream ?? process.stderr;
  return add({
    level,
    filter: opts.name ?? null,
    write: (l) => void stream.write(l),
    close: async () => {},
  });
}

/** Log to a file (appending, written asynchronously), as Parsl's `set_file_logger`. */
export function setFileLogger(path: string, opts: { name?: string; level?: LogLevelOption } = {}): LogHandle {
  const level = threshold('setFileLogger', opts.level);
  mkdirSync(dirname(path), { recursive: true });
  // Opened synchronously (once per run) so the file exists as soon as logging is set up.
  const ws: WriteStream = createWriteStream(path, { fd: openSync(path, 'a') });
  return add({
    level,
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
